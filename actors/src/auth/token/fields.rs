//! Field handling shared by the `auth/token/` handlers, beyond `system::fields`: integers as
//! Vault's weak decoding reads them, and Vault's policy-list sanitizing.

pub(crate) use crate::system::fields::{boolean, duration, get, string, string_list, string_map};
use crate::CoreError;
use serde_json::{Map, Value};

/// An integer field; numeric strings are accepted, as `mapstructure.WeakDecode` does.
pub(crate) fn int(data: &Map<String, Value>, key: &str) -> Result<Option<i64>, CoreError> {
    let bad = || CoreError::invalid(format!("error converting input for field \"{key}\": expected an integer"));
    match get(data, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(0)),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// Vault's `strutil.RemoveDuplicates`: trimmed, optionally lower-cased, no empties, sorted.
pub(crate) fn remove_duplicates(items: &[String], lowercase: bool) -> Vec<String> {
    let mut out: Vec<String> = items
        .iter()
        .map(|s| if lowercase { s.trim().to_lowercase() } else { s.trim().to_string() })
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Vault's `policyutil.SanitizePolicies`: `root` swallows every other policy; `default` is
/// added when asked and not already there; the result is lower-cased, deduplicated and sorted.
pub(crate) fn sanitize_policies(policies: &[String], add_default: bool) -> Vec<String> {
    let mut list: Vec<String> = policies.iter().map(|p| p.trim().to_lowercase()).filter(|p| !p.is_empty()).collect();
    if list.iter().any(|p| p == "root") {
        return vec!["root".into()];
    }
    if add_default && !list.iter().any(|p| p == "default") {
        list.push("default".into());
    }
    remove_duplicates(&list, true)
}

/// Vault's `logical.StatusBadRequest` errors reach the client wrapped by go-multierror.
pub(crate) fn bad_request(msg: &str) -> CoreError {
    CoreError::invalid(format!("1 error occurred:\n\t* {msg}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn policies_are_sanitized_like_vaults() {
        assert_eq!(sanitize_policies(&strings(&["B", " a ", "b", ""]), true), strings(&["a", "b", "default"]));
        assert_eq!(sanitize_policies(&strings(&["a", "Root"]), true), strings(&["root"]));
        assert_eq!(sanitize_policies(&[], true), strings(&["default"]));
        assert!(sanitize_policies(&[], false).is_empty());
        assert_eq!(sanitize_policies(&strings(&["default", "x"]), false), strings(&["default", "x"]));
    }

    #[test]
    fn integers_accept_numbers_and_numeric_strings() {
        let data = json!({"a": 3, "b": "4", "c": "x", "d": null}).as_object().cloned().unwrap_or_default();
        assert_eq!(int(&data, "a").unwrap(), Some(3));
        assert_eq!(int(&data, "b").unwrap(), Some(4));
        assert!(int(&data, "c").is_err());
        assert_eq!(int(&data, "d").unwrap(), None);
    }
}
