//! Vault's policy-list sanitizing and the listed 400 of the token store's handlers.

use crate::CoreError;

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

/// A `logical.CodedError(400, ...)` the token store returns as a Go error: listed.
pub(crate) fn bad_request(msg: &str) -> CoreError {
    CoreError::invalid(msg).listed()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
