//! Folding a sorted run of full keys into Vault's one-level `List` answer.

/// Turns keys that start with `prefix` into the entries directly below it.
/// `keys` must be sorted, so folder entries stay unique by comparing with the last one pushed.
pub(crate) fn fold_children<'a>(prefix: &str, keys: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in keys {
        let Some(rest) = key.strip_prefix(prefix) else {
            continue;
        };
        let entry = match rest.find('/') {
            Some(i) => &rest[..=i],
            None => rest,
        };
        if entry.is_empty() || out.last().map(String::as_str) == Some(entry) {
            continue;
        }
        out.push(entry.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold_children;

    #[test]
    fn folds_deeper_keys_into_folders() {
        let keys = ["a/b", "a/c/d", "a/c/e", "a/f", "b/x"];
        let got = fold_children("a/", keys.iter().copied());
        assert_eq!(got, vec!["b", "c/", "f"]);
    }

    #[test]
    fn empty_prefix_lists_top_level() {
        let keys = ["core/x", "logical/1/a", "z"];
        assert_eq!(fold_children("", keys.iter().copied()), vec!["core/", "logical/", "z"]);
    }
}
