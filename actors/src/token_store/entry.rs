//! What a token is: the stored entry, its type, its lease times, and the accessor index entry.
//! Entries never hold the token ID; the store knows an entry by the salted hash of that ID.

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Vault's token types (`logical.TokenType`) as the API names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    #[default]
    Service,
    Batch,
}

impl TokenType {
    pub fn as_str(&self) -> &'static str {
        match self {
            TokenType::Service => "service",
            TokenType::Batch => "batch",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TokenEntry {
    /// Empty for batch tokens, which have no accessor.
    pub accessor: String,
    pub policies: Vec<String>,
    pub path: String,
    pub display_name: String,
    /// Unix seconds.
    pub creation_time: i64,
    /// The TTL the token was created with (`creation_ttl`), seconds; 0 never expires.
    #[serde(default)]
    pub ttl: u64,
    /// Uses left; 0 is unlimited, -1 means the last use is in flight and revocation follows.
    #[serde(default)]
    pub num_uses: i64,
    #[serde(default)]
    pub orphan: bool,
    /// The salted hash of the parent token (never the parent's ID); `None` for orphans.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
    #[serde(default)]
    pub explicit_max_ttl: u64,
    #[serde(default)]
    pub period: u64,
    #[serde(default)]
    pub role: String,
    #[serde(default, rename = "type")]
    pub token_type: TokenType,
    #[serde(default)]
    pub renewable: bool,
    #[serde(default)]
    pub entity_id: String,
    /// Lease times, kept on the entry until an expiration manager owns them.
    #[serde(default)]
    pub issue_time: Option<DateTime<Utc>>,
    /// `None`: the token never expires (root tokens without a TTL).
    #[serde(default)]
    pub expire_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_renewal_time: Option<DateTime<Utc>>,
    /// The TTL granted by the last creation or renewal: a renewal without `increment` asks for it
    /// again, as Vault's lease does.
    #[serde(default)]
    pub lease_ttl: u64,
    /// `token_bound_cidrs` of a login: addresses or blocks the token may be used from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bound_cidrs: Vec<String>,
    /// The salted hash this entry is stored under (in memory only; empty for batch tokens).
    #[serde(skip)]
    pub(crate) key: String,
}

impl TokenEntry {
    pub fn is_root(&self) -> bool {
        self.policies.iter().any(|p| p == "root")
    }

    pub fn is_batch(&self) -> bool {
        self.token_type == TokenType::Batch
    }

    /// The salted hash of the token's ID (empty for batch tokens).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// When the token was issued; entries written before lease times existed use creation_time.
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.issue_time.unwrap_or_else(|| unix(self.creation_time))
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expire_time.is_some_and(|t| now > t)
    }

    /// Whether a client at `addr` may use the token. As Vault's `CheckToken`, bound CIDRs bind
    /// every token but a non-expiring one (root), and an unknown address never matches.
    pub fn allows_addr(&self, addr: Option<IpAddr>) -> bool {
        self.ttl == 0 || addr_in_cidrs(addr, &self.bound_cidrs)
    }

    /// Whole seconds left (Vault truncates), 0 for tokens that never expire.
    pub fn remaining_ttl(&self, now: DateTime<Utc>) -> u64 {
        self.expire_time.map(|t| (t - now).num_seconds().max(0) as u64).unwrap_or(0)
    }
}

/// Vault's `cidrutil.RemoteAddrIsOk`: true without blocks; otherwise `addr` must be known and
/// inside one of them (an address alone is a single-host block; an unparsable block matches
/// nothing).
pub fn addr_in_cidrs(addr: Option<IpAddr>, blocks: &[String]) -> bool {
    if blocks.is_empty() {
        return true;
    }
    let Some(addr) = addr else { return false };
    blocks.iter().any(|b| match b.parse::<IpAddr>() {
        Ok(ip) => ip == addr,
        Err(_) => b.parse::<ipnet::IpNet>().is_ok_and(|net| net.contains(&addr)),
    })
}

/// `accessor/<salted accessor>`: which token an accessor names. The plain accessor is kept (it
/// is not a secret that grants access) so `LIST accessors` can return it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessorEntry {
    /// The salted hash of the token.
    pub token_key: String,
    pub accessor: String,
}

pub(crate) fn unix(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

/// Go's `time.RFC3339Nano` in UTC: trailing zeros of the fraction are dropped.
pub fn rfc3339_nano(t: DateTime<Utc>) -> String {
    let full = t.to_rfc3339_opts(SecondsFormat::Nanos, true);
    match full.rsplit_once('.') {
        Some((head, frac)) => {
            let digits = frac.trim_end_matches('Z').trim_end_matches('0');
            if digits.is_empty() {
                format!("{head}Z")
            } else {
                format!("{head}.{digits}Z")
            }
        }
        None => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn rfc3339_drops_trailing_zeros_like_go() {
        let t = unix(1_795_889_410);
        assert_eq!(rfc3339_nano(t), "2026-11-28T18:10:10Z");
        assert_eq!(rfc3339_nano(t + Duration::nanoseconds(484_466_650)), "2026-11-28T18:10:10.48446665Z");
    }

    #[test]
    fn bound_cidrs_bind_all_but_non_expiring_tokens() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let mut e =
            TokenEntry { ttl: 60, bound_cidrs: vec!["127.0.0.1".into(), "10.0.0.0/8".into()], ..Default::default() };
        assert!(e.allows_addr(ip("127.0.0.1")) && e.allows_addr(ip("10.1.2.3")));
        assert!(!e.allows_addr(ip("127.0.0.2")) && !e.allows_addr(None));
        e.ttl = 0;
        assert!(e.allows_addr(ip("127.0.0.2")), "non-expiring tokens are not bound");
        assert!(TokenEntry { ttl: 60, ..Default::default() }.allows_addr(None));
    }

    #[test]
    fn remaining_ttl_truncates_and_never_goes_negative() {
        let now = unix(1000);
        let e = TokenEntry { expire_time: Some(now + Duration::milliseconds(3_599_900)), ..Default::default() };
        assert_eq!(e.remaining_ttl(now), 3599);
        assert!(!e.is_expired(now));
        assert_eq!(e.remaining_ttl(now + Duration::hours(2)), 0);
        assert!(e.is_expired(now + Duration::hours(2)));
        assert!(!TokenEntry::default().is_expired(now), "no expire time: never expires");
    }
}
