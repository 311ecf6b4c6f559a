//! Path helpers with Go's semantics (`path.Join`, `path.Clean`) and the KV v2 rewriting that
//! turns `secret/foo` into `secret/data/foo` (or `metadata/`, `delete/`, ...).

/// Vault's `sanitizePath`: trims whitespace and every leading and trailing slash.
pub fn sanitize_path(s: &str) -> String {
    s.trim().trim_start_matches('/').trim_end_matches('/').to_string()
}

/// Vault's `ensureTrailingSlash` (empty stays empty).
pub fn ensure_trailing_slash(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() || s.ends_with('/') {
        s.to_string()
    } else {
        format!("{s}/")
    }
}

/// Go's `path.Join`: joins the non-empty parts and cleans the result.
pub fn join(parts: &[&str]) -> String {
    let joined: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if joined.is_empty() {
        return String::new();
    }
    clean(&joined.join("/"))
}

/// Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// Vault's `addPrefixToKVPath`: inserts `api_prefix` right after the mount path. The loop
/// drops leading components of `mount` the path does not carry (namespaces).
pub fn add_prefix_to_kv_path(path: &str, mount: &str, api_prefix: &str, skip_if_exists: bool) -> String {
    if path == mount || path == mount.strip_suffix('/').unwrap_or(mount) {
        return join(&[mount, api_prefix]);
    }
    let mut mount = mount.to_string();
    let mut suffix = path.strip_prefix(mount.as_str()).unwrap_or(path).to_string();
    while suffix == path {
        let Some((_, rest)) = mount.split_once('/') else {
            break;
        };
        if rest.is_empty() {
            break;
        }
        mount = rest.strip_suffix('/').unwrap_or(rest).to_string();
        suffix = suffix.strip_prefix(mount.as_str()).unwrap_or(&suffix).to_string();
    }
    if skip_if_exists && (suffix.starts_with(api_prefix) || suffix.starts_with(&format!("/{api_prefix}"))) {
        return join(&[&mount, &suffix]);
    }
    join(&[&mount, api_prefix, &suffix])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_like_vault() {
        assert_eq!(sanitize_path(" //secret/foo/ "), "secret/foo");
        assert_eq!(ensure_trailing_slash("kv"), "kv/");
        assert_eq!(ensure_trailing_slash("kv/"), "kv/");
        assert_eq!(ensure_trailing_slash(""), "");
    }

    #[test]
    fn go_path_join_and_clean() {
        assert_eq!(join(&["secret/", "foo"]), "secret/foo");
        assert_eq!(join(&["secret/", "data", ""]), "secret/data");
        assert_eq!(join(&["a", "../b", "./c/"]), "b/c");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(join(&["", ""]), "");
    }

    #[test]
    fn kv_v2_paths_get_the_api_prefix() {
        assert_eq!(add_prefix_to_kv_path("secret/foo", "secret/", "data", false), "secret/data/foo");
        assert_eq!(add_prefix_to_kv_path("secret/a/b", "secret/", "metadata", false), "secret/metadata/a/b");
        assert_eq!(add_prefix_to_kv_path("secret", "secret/", "metadata", false), "secret/metadata");
        assert_eq!(add_prefix_to_kv_path("secret/", "secret/", "data", false), "secret/data");
        assert_eq!(add_prefix_to_kv_path("team/kv/x", "team/kv/", "undelete", false), "team/kv/undelete/x");
        // The mount path carries a namespace the secret path does not.
        assert_eq!(add_prefix_to_kv_path("kv/x", "ns1/kv/", "data", false), "kv/data/x");
        assert_eq!(add_prefix_to_kv_path("secret/data/x", "secret/", "data", true), "secret/data/x");
    }
}
