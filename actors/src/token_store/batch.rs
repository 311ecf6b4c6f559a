//! Batch tokens: the entry itself, encrypted with the cluster's batch-token key and base64url
//! encoded behind `hvb.`. Nothing is written to storage, so they cannot be revoked, renewed or
//! looked up by accessor; they die at their TTL or with their parent.

use super::entry::{unix, TokenEntry, TokenType};
use super::ttl::expiry;
use crate::barrier::Barrier;
use crate::CoreError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Batch token prefix (Vault 1.10+; OpenBao still mints the legacy `b.`).
pub const BATCH_TOKEN_PREFIX: &str = "hvb.";
/// The legacy prefix, still accepted on lookup as Vault does.
const LEGACY_BATCH_PREFIX: &str = "b.";
/// Associated data of the ciphertext: a batch token cannot pass for any barrier value.
const BATCH_AAD: &str = "sys/token/batch";

/// What a batch token carries; short names keep the token short.
#[derive(Debug, Serialize, Deserialize)]
struct BatchBody {
    #[serde(rename = "p")]
    policies: Vec<String>,
    #[serde(rename = "a")]
    path: String,
    #[serde(rename = "m", default, skip_serializing_if = "BTreeMap::is_empty")]
    meta: BTreeMap<String, String>,
    #[serde(rename = "d")]
    display_name: String,
    #[serde(rename = "c")]
    creation_time: i64,
    #[serde(rename = "t")]
    ttl: u64,
    /// The parent's salted hash.
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    parent: Option<String>,
    #[serde(rename = "r", default, skip_serializing_if = "String::is_empty")]
    role: String,
    #[serde(rename = "b", default, skip_serializing_if = "Vec::is_empty")]
    bound_cidrs: Vec<String>,
}

pub fn is_batch_token(token: &str) -> bool {
    token.starts_with(BATCH_TOKEN_PREFIX) || token.starts_with(LEGACY_BATCH_PREFIX)
}

/// Seals `entry` into a batch token with `key`.
pub(crate) fn encode(key: &[u8], entry: &TokenEntry) -> Result<String, CoreError> {
    let body = BatchBody {
        policies: entry.policies.clone(),
        path: entry.path.clone(),
        meta: entry.meta.clone(),
        display_name: entry.display_name.clone(),
        creation_time: entry.creation_time,
        ttl: entry.ttl,
        parent: entry.parent.clone(),
        role: entry.role.clone(),
        bound_cidrs: entry.bound_cidrs.clone(),
    };
    let sealed = Barrier::seal_with(key, BATCH_AAD, &serde_json::to_vec(&body)?)?;
    Ok(format!("{BATCH_TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(sealed)))
}

/// Opens a batch token; `None` when it is malformed or was not sealed with `key`.
pub(crate) fn decode(key: &[u8], token: &str) -> Option<TokenEntry> {
    let raw = token.strip_prefix(BATCH_TOKEN_PREFIX).or_else(|| token.strip_prefix(LEGACY_BATCH_PREFIX))?;
    let sealed = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let plain = Barrier::open_with(key, BATCH_AAD, &sealed).ok()?;
    let body: BatchBody = serde_json::from_slice(&plain).ok()?;
    let issued = unix(body.creation_time);
    Some(TokenEntry {
        accessor: String::new(),
        policies: body.policies,
        path: body.path,
        display_name: body.display_name,
        creation_time: body.creation_time,
        ttl: body.ttl,
        num_uses: 0,
        orphan: body.parent.is_none(),
        parent: body.parent,
        meta: body.meta,
        role: body.role,
        token_type: TokenType::Batch,
        renewable: false,
        issue_time: Some(issued),
        // A batch token without a TTL is born expired, as in Vault.
        expire_time: Some(expiry(issued, body.ttl).unwrap_or(issued)),
        lease_ttl: body.ttl,
        bound_cidrs: body.bound_cidrs,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barrier::random_key;

    fn sample() -> TokenEntry {
        TokenEntry {
            policies: vec!["default".into(), "dev".into()],
            path: "auth/token/create".into(),
            display_name: "token".into(),
            creation_time: 1_700_000_000,
            ttl: 600,
            parent: Some("ab".repeat(32)),
            token_type: TokenType::Batch,
            ..Default::default()
        }
    }

    #[test]
    fn round_trip_keeps_the_entry() {
        let key = random_key();
        let token = encode(&key, &sample()).unwrap();
        assert!(token.starts_with("hvb.") && is_batch_token(&token));
        let back = decode(&key, &token).unwrap();
        assert_eq!(back.policies, sample().policies);
        assert_eq!(back.parent, sample().parent);
        assert!(!back.orphan && back.is_batch() && !back.renewable);
        assert_eq!(back.expire_time, Some(unix(1_700_000_600)));
    }

    #[test]
    fn another_key_or_a_tampered_token_opens_nothing() {
        let key = random_key();
        let token = encode(&key, &sample()).unwrap();
        assert!(decode(&random_key(), &token).is_none());
        let mut bytes = token.into_bytes();
        let last = bytes.len() - 3;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        assert!(decode(&key, &String::from_utf8(bytes).unwrap()).is_none());
        assert!(decode(&key, "hvb.!!!").is_none());
        assert!(decode(&key, "hvs.abc").is_none());
    }
}
