//! What a lease is: the stored entry (Vault's `leaseEntry`, at `sys/expire/id/<lease id>`), its
//! renewability and TTL rules, how lease IDs are formed, and what an engine sees of a lease.

use crate::token_store::{rfc3339_nano, TokenType};
use crate::Secret;
use chrono::{DateTime, Utc};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Random characters of a secret's lease ID suffix (Vault's `TokenLength`, base62).
const LEASE_SUFFIX_LENGTH: usize = 24;
/// Irrevocable-lease errors are kept this short (Vault's `maxIrrevocableErrorLength`).
const MAX_REVOKE_ERR_LENGTH: usize = 240;

/// The token side of a token's own lease (the parts of Vault's `logical.Auth` it needs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeaseAuth {
    pub renewable: bool,
    /// The TTL granted at creation or the last renewal, seconds.
    pub ttl: u64,
    pub policies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseEntry {
    pub lease_id: String,
    /// The salted hash of the token the lease belongs to (never the token itself); empty when a
    /// batch token holds it.
    #[serde(default)]
    pub token_key: String,
    #[serde(default)]
    pub token_type: TokenType,
    /// Whose `sys/expire/token/<key>/` index lists this lease (the token, or a batch token's
    /// parent); empty for none.
    #[serde(default)]
    pub index_key: String,
    /// The request path that created the lease (a token's path for token leases).
    pub path: String,
    /// The response data the secret was issued with, handed back at renew and revoke.
    #[serde(default)]
    pub data: Option<Map<String, Value>>,
    #[serde(default)]
    pub secret: Option<Secret>,
    #[serde(default)]
    pub auth: Option<LeaseAuth>,
    pub issue_time: DateTime<Utc>,
    /// `None`: never expires (root tokens without a TTL).
    #[serde(default)]
    pub expire_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_renewal_time: Option<DateTime<Utc>>,
    /// A lease held by a batch token never outlives it.
    #[serde(default)]
    pub bound: Option<DateTime<Utc>>,
    #[serde(default)]
    pub version: u32,
    /// Set once revocation has failed for good: the lease is irrevocable until forced.
    #[serde(default, rename = "revokeErr")]
    pub revoke_err: String,
}

impl LeaseEntry {
    pub fn is_token(&self) -> bool {
        self.auth.is_some()
    }

    pub fn is_irrevocable(&self) -> bool {
        !self.revoke_err.is_empty()
    }

    /// A root token without a TTL: kept, listed, never timed.
    pub fn is_nonexpiring_token(&self) -> bool {
        self.expire_time.is_none() && self.auth.as_ref().is_some_and(|a| a.policies == ["root"])
    }

    /// Vault's `leaseEntry.renewable()`: whether a renewal may be tried, or why not.
    pub fn renewable(&self, now: DateTime<Utc>) -> Result<bool, &'static str> {
        match self.expire_time {
            _ if self.is_irrevocable() => Err("lease is expired and has failed previous revocation attempts"),
            None => Err("lease is not renewable"),
            Some(_) if self.token_type == TokenType::Batch => Ok(false),
            Some(t) if t < now => Err("lease expired"),
            Some(_) if self.secret.as_ref().is_some_and(|s| !s.renewable) => Err("lease is not renewable"),
            Some(_) if self.auth.as_ref().is_some_and(|a| !a.renewable) => Err("lease is not renewable"),
            Some(_) => Ok(true),
        }
    }

    /// Vault's `leaseEntry.ttl()`: whole seconds to the expiry from now rounded to the second.
    pub fn ttl(&self, now: DateTime<Utc>) -> i64 {
        let Some(expire) = self.expire_time else { return 0 };
        let rounded = round_to_second(now);
        (expire - rounded).num_milliseconds() / 1000
    }

    /// `sys/leases/lookup`'s data.
    pub fn lookup_data(&self, now: DateTime<Utc>) -> Map<String, Value> {
        let v = json!({
            "id": self.lease_id,
            "issue_time": rfc3339_nano(self.issue_time),
            "expire_time": self.expire_time.map(rfc3339_nano),
            "last_renewal": self.last_renewal_time.map(rfc3339_nano),
            "renewable": self.renewable(now).unwrap_or(false),
            "ttl": self.ttl(now),
            "path": self.path,
        });
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    /// Marks the lease irrevocable with (a bounded copy of) the error that made it so.
    pub fn set_revoke_err(&mut self, err: &str) {
        let err = if err.is_empty() { "unknown" } else { err };
        let mut end = err.len().min(MAX_REVOKE_ERR_LENGTH);
        while !err.is_char_boundary(end) {
            end -= 1;
        }
        self.revoke_err = err[..end].to_string();
    }
}

/// `secs` as a duration, bounded so that adding it to a time cannot overflow.
pub(crate) fn seconds(secs: u64) -> chrono::Duration {
    const MAX: u64 = 1 << 40;
    chrono::Duration::seconds(secs.min(MAX) as i64)
}

fn round_to_second(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    let base = t - chrono::Duration::nanoseconds(i64::from(nanos));
    if nanos >= 500_000_000 {
        base + chrono::Duration::seconds(1)
    } else {
        base
    }
}

/// Go's `path.Join(a, b)` for the well-formed paths leases are made of.
pub(crate) fn join(path: &str, last: &str) -> String {
    let path = path.trim_matches('/');
    if path.is_empty() {
        last.to_string()
    } else {
        format!("{path}/{last}")
    }
}

/// A token's lease ID: its path and its salted hash (Vault's `RegisterAuth`).
pub fn token_lease_id(path: &str, token_key: &str) -> String {
    join(path, token_key)
}

/// A fresh lease ID for a secret issued at `path` (Vault's `Register`).
pub fn secret_lease_id(path: &str) -> String {
    let suffix: String =
        rand::rngs::OsRng.sample_iter(&Alphanumeric).take(LEASE_SUFFIX_LENGTH).map(char::from).collect();
    join(path, &suffix)
}

/// What an engine is given to renew or revoke a secret it issued (Vault's renew and revoke
/// requests: the secret with its internal data, and the data it was issued with).
#[derive(Debug, Clone)]
pub struct SecretLease {
    pub lease_id: String,
    /// The request path that issued the secret.
    pub path: String,
    /// `path` below the mount.
    pub relative_path: String,
    /// The secret as last granted (TTL in seconds, `internal` as the engine left it).
    pub secret: Secret,
    /// The response data of the issuing request.
    pub data: Map<String, Value>,
    pub issue_time: DateTime<Utc>,
    /// Seconds asked for by a renewal (0 = the engine's choice); 0 for revocations.
    pub increment: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
    }

    fn secret_lease(renewable: bool, expire: Option<i64>) -> LeaseEntry {
        LeaseEntry {
            lease_id: "pki/issue/r/abc".into(),
            token_key: "k".into(),
            token_type: TokenType::Service,
            index_key: "k".into(),
            path: "pki/issue/r".into(),
            data: None,
            secret: Some(Secret { renewable, ttl: 60, ..Default::default() }),
            auth: None,
            issue_time: at(1000),
            expire_time: expire.map(at),
            last_renewal_time: None,
            bound: None,
            version: 1,
            revoke_err: String::new(),
        }
    }

    #[test]
    fn renewability_follows_vaults_order_of_checks() {
        let now = at(1030);
        assert_eq!(secret_lease(true, Some(1060)).renewable(now), Ok(true));
        assert_eq!(secret_lease(false, Some(1060)).renewable(now), Err("lease is not renewable"));
        assert_eq!(secret_lease(true, Some(1020)).renewable(now), Err("lease expired"));
        assert_eq!(secret_lease(true, None).renewable(now), Err("lease is not renewable"));
        let mut gone = secret_lease(true, Some(1060));
        gone.set_revoke_err("");
        assert_eq!(gone.revoke_err, "unknown");
        assert_eq!(gone.renewable(now), Err("lease is expired and has failed previous revocation attempts"));
    }

    #[test]
    fn ttl_counts_from_now_rounded_to_the_second() {
        let lease = secret_lease(true, Some(1060));
        assert_eq!(lease.ttl(at(1000) + Duration::milliseconds(400)), 60);
        assert_eq!(lease.ttl(at(1000) + Duration::milliseconds(600)), 59);
        assert_eq!(secret_lease(true, None).ttl(at(1000)), 0);
        let data = lease.lookup_data(at(1030));
        assert_eq!(data["id"], "pki/issue/r/abc");
        assert_eq!(data["ttl"], 30);
        assert_eq!(data["renewable"], true);
        assert_eq!(data["last_renewal"], Value::Null);
        assert_eq!(data["expire_time"], "1970-01-01T00:17:40Z");
    }

    #[test]
    fn lease_ids_are_paths() {
        assert_eq!(token_lease_id("auth/token/create", "abc"), "auth/token/create/abc");
        assert_eq!(token_lease_id("auth/token/create/", "abc"), "auth/token/create/abc");
        let id = secret_lease_id("pki/issue/web");
        let suffix = id.strip_prefix("pki/issue/web/").unwrap_or_default();
        assert_eq!(suffix.len(), 24);
        assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn revoke_errors_are_bounded_on_a_char_boundary() {
        let mut l = secret_lease(true, None);
        l.set_revoke_err(&"é".repeat(200));
        assert!(l.revoke_err.len() <= 240);
        assert!(l.is_irrevocable());
    }
}
