//! Request fields and error shapes as Vault's AppRole backend produces them.
//!
//! Vault answers a handler's `logical.ErrorResponse` with a plain 400 message, and a returned Go
//! error with a 500 whose message go-multierror wraps; both shapes are kept here so clients that
//! match on messages see the same text.

use crate::CoreError;
use base64::Engine;
use std::collections::BTreeMap;

/// The longest role name or secret ID Vault will HMAC.
pub(crate) const MAX_HMAC_INPUT: usize = 4096;

/// A `logical.ErrorResponse`: 400 with the message as is.
pub(crate) fn bad(msg: impl Into<String>) -> CoreError {
    CoreError::InvalidRequest(msg.into())
}

/// A Go error returned by a handler: 500, wrapped by go-multierror.
pub(crate) fn failure(msg: impl AsRef<str>) -> CoreError {
    CoreError::internal(msg.as_ref()).listed()
}

/// `logical.ErrUnsupportedPath` returned by a handler (a write to a missing role).
pub(crate) fn unsupported_path() -> CoreError {
    CoreError::UnsupportedPath.listed()
}

/// `policyutil.ParsePolicies`: trimmed, lower-cased, deduplicated and sorted; `root` swallows
/// the rest. `default` is not added.
pub(crate) fn parse_policies(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().map(|p| p.trim().to_lowercase()).filter(|p| !p.is_empty()).collect();
    if out.iter().any(|p| p == "root") {
        return vec!["root".into()];
    }
    out.sort();
    out.dedup();
    out
}

/// `strutil.ParseArbitraryKeyValues` for a secret ID's `metadata`: a JSON object of strings
/// (optionally base64-encoded), or comma-separated `key=value` pairs (lower-cased, as Vault does).
pub(crate) fn parse_metadata(input: &str) -> Result<BTreeMap<String, String>, CoreError> {
    parse_key_values(input).map_err(|e| bad(format!("failed to parse metadata: {e}")))
}

fn parse_key_values(input: &str) -> Result<BTreeMap<String, String>, String> {
    let mut input = input.trim().to_string();
    if input.is_empty() {
        return Ok(BTreeMap::new());
    }
    if let Some(decoded) =
        base64::engine::general_purpose::STANDARD.decode(&input).ok().and_then(|b| String::from_utf8(b).ok())
    {
        input = decoded;
    }
    let out = match serde_json::from_str::<BTreeMap<String, String>>(&input) {
        Ok(map) => map,
        Err(_) => comma_pairs(&input).map_err(|e| format!("failed to parse the input: {e}"))?,
    };
    if let Some((k, _)) = out.iter().find(|(k, v)| !k.is_empty() && v.is_empty()) {
        return Err(format!("invalid value for key \"{k}\""));
    }
    Ok(out)
}

/// `strutil.ParseKeyValues` over `ParseDedupLowercaseAndSortStrings`.
fn comma_pairs(input: &str) -> Result<BTreeMap<String, String>, String> {
    let mut items: Vec<String> = input.split(',').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect();
    items.sort();
    items.dedup();
    let mut out = BTreeMap::new();
    for item in items {
        let parts: Vec<&str> = item.split('=').collect();
        let [key, value] = parts[..] else { return Err("invalid <key,value> format".into()) };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || value.is_empty() {
            return Err(format!("invalid <key,value> pair \"{item}\""));
        }
        out.insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn metadata_accepts_json_base64_and_pairs() {
        let m = parse_metadata("{\"Foo\":\"Bar\",\"a\":\"b\"}").unwrap();
        assert_eq!(m.get("Foo").map(String::as_str), Some("Bar"), "JSON keeps the case");
        let b64 = base64::engine::general_purpose::STANDARD.encode("{\"x\":\"y\"}");
        assert_eq!(parse_metadata(&b64).unwrap().get("x").map(String::as_str), Some("y"));
        let pairs = parse_metadata("A=B, c=d").unwrap();
        assert_eq!(pairs.get("a").map(String::as_str), Some("b"), "pairs are lower-cased");
        assert_eq!(pairs.get("c").map(String::as_str), Some("d"));
        assert!(parse_metadata("  ").unwrap().is_empty());
        let err = parse_metadata("{\"a\":\"b\",\"n\":1}").unwrap_err();
        assert_eq!(err.to_string(), "failed to parse metadata: failed to parse the input: invalid <key,value> format");
        assert_eq!(
            parse_metadata("{\"a\":\"\"}").unwrap_err().to_string(),
            "failed to parse metadata: invalid value for key \"a\""
        );
        assert!(parse_metadata("bad").is_err());
    }

    #[test]
    fn policies() {
        assert_eq!(parse_policies(&strings(&["B", " a ", "b", ""])), strings(&["a", "b"]));
        assert_eq!(parse_policies(&strings(&["x", "ROOT"])), strings(&["root"]));
    }

    #[test]
    fn error_shapes() {
        assert_eq!(failure("boom").to_string(), "1 error occurred:\n\t* boom\n\n");
        assert_eq!(failure("boom").status(), 500);
        assert_eq!(unsupported_path().status(), 404);
        assert_eq!(bad("x").status(), 400);
    }
}
