//! Path patterns of a backend's table, the segment form of Vault's path regexes:
//!
//! - `users/{name}`: a literal segment, then one segment matching `GenericNameRegex`;
//! - `{key:segment}`: one segment of any characters but `/`;
//! - `data/{path:rest}`: the rest of the path, slashes included, at least one character;
//! - `data/{path:leaf}`: the rest of the path, not empty and not ending in `/` (a key, not a
//!   folder);
//! - `metadata/{path:any}`: the rest of the path, possibly empty;
//! - `mounts/{path:rest}/tune`: a tail capture may be followed by literal segments only (Vault's
//!   `mounts/(?P<path>.+?)/tune`): the capture is what comes before them;
//! - `users/?`: a trailing optional slash (list paths).
//!
//! Captures reach the handler as string fields of the same name.

use super::decode::is_name;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    Name,
    Segment,
    Rest,
    Leaf,
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Lit(&'static str),
    Cap(&'static str, Capture),
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: &'static str,
    segs: Vec<Seg>,
    optional_slash: bool,
}

/// The captures of a match, in pattern order.
pub type Captures = Vec<(&'static str, String)>;

impl Pattern {
    /// Compiles a pattern; a malformed one is a programming error that every engine's table
    /// test catches, reported as an error when the engine is built.
    pub fn parse(text: &'static str) -> Result<Pattern, String> {
        let (body, optional_slash) = match text.strip_suffix("/?") {
            Some(b) => (b, true),
            None => (text, false),
        };
        let mut segs = Vec::new();
        if !body.is_empty() {
            for part in body.split('/') {
                segs.push(match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                    Some(cap) => {
                        let (name, kind) = cap.split_once(':').unwrap_or((cap, "name"));
                        let kind = match kind {
                            "name" => Capture::Name,
                            "segment" => Capture::Segment,
                            "rest" => Capture::Rest,
                            "leaf" => Capture::Leaf,
                            "any" => Capture::Any,
                            other => return Err(format!("pattern {text}: unknown capture kind {other}")),
                        };
                        Seg::Cap(name, kind)
                    }
                    None => Seg::Lit(part),
                });
            }
        }
        let is_tail = |s: &Seg| matches!(s, Seg::Cap(_, Capture::Rest | Capture::Leaf | Capture::Any));
        if let Some(at) = segs.iter().position(is_tail) {
            if segs[at + 1..].iter().any(|s| !matches!(s, Seg::Lit(_))) {
                return Err(format!("pattern {text}: rest must come last"));
            }
        }
        Ok(Pattern { text, segs, optional_slash })
    }

    pub fn text(&self) -> &'static str {
        self.text
    }

    /// The names of the captures.
    pub fn capture_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.segs.iter().filter_map(|s| match s {
            Seg::Cap(n, _) => Some(*n),
            Seg::Lit(_) => None,
        })
    }

    /// The OpenAPI form, as Vault renders it: `/users/{name}`; an optional trailing slash is
    /// left out (`users/?` is `/users`).
    pub fn openapi_path(&self) -> String {
        let mut out = String::new();
        for s in &self.segs {
            out.push('/');
            match s {
                Seg::Lit(l) => out.push_str(l),
                Seg::Cap(n, _) => {
                    out.push('{');
                    out.push_str(n);
                    out.push('}');
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// The anchored regex Vault's help shows for the same pattern.
    pub fn regex(&self) -> String {
        let mut out = String::from("^");
        for (i, s) in self.segs.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            match s {
                Seg::Lit(l) => out.push_str(l),
                Seg::Cap(n, Capture::Name) => out.push_str(&format!("(?P<{n}>\\w(([\\w-.]+)?\\w)?)")),
                Seg::Cap(n, Capture::Segment) => out.push_str(&format!("(?P<{n}>[^/]+)")),
                Seg::Cap(n, Capture::Rest) if i + 1 < self.segs.len() => out.push_str(&format!("(?P<{n}>.+?)")),
                Seg::Cap(n, Capture::Rest) => out.push_str(&format!("(?P<{n}>.+)")),
                Seg::Cap(n, Capture::Leaf) => out.push_str(&format!("(?P<{n}>.*[^/])")),
                Seg::Cap(n, Capture::Any) => out.push_str(&format!("(?P<{n}>.*)")),
            }
        }
        if self.optional_slash {
            out.push_str("/?");
        }
        out.push('$');
        out
    }

    /// What a tail capture at `at` takes of `rest`: all of it, or what comes before the literal
    /// segments that follow the capture.
    fn strip_literal_tail<'p>(&self, at: usize, rest: &'p str) -> Option<&'p str> {
        let lits: Vec<&str> = self.segs[at + 1..]
            .iter()
            .filter_map(|s| match s {
                Seg::Lit(l) => Some(*l),
                Seg::Cap(..) => None,
            })
            .collect();
        if lits.is_empty() {
            return Some(rest);
        }
        rest.strip_suffix(&format!("/{}", lits.join("/")))
    }

    /// Matches a whole path below the mount; `Some` carries the captures.
    pub fn matches(&self, path: &str) -> Option<Captures> {
        let path = match (self.optional_slash, path.strip_suffix('/')) {
            (true, Some(p)) => p,
            _ => path,
        };
        let mut captures = Vec::new();
        let mut rest = path;
        for (i, seg) in self.segs.iter().enumerate() {
            if i > 0 {
                rest = rest.strip_prefix('/')?;
            }
            if let Seg::Cap(name, kind @ (Capture::Rest | Capture::Leaf | Capture::Any)) = seg {
                let value = self.strip_literal_tail(i, rest)?;
                let ok = match kind {
                    Capture::Rest => !value.is_empty(),
                    Capture::Leaf => !value.is_empty() && !value.ends_with('/'),
                    _ => true,
                };
                if !ok {
                    return None;
                }
                captures.push((*name, value.to_string()));
                return Some(captures);
            }
            let end = rest.find('/').unwrap_or(rest.len());
            let (part, after) = rest.split_at(end);
            match seg {
                Seg::Lit(l) if *l == part => {}
                Seg::Cap(name, Capture::Name) if is_name(part) => captures.push((*name, part.to_string())),
                Seg::Cap(name, Capture::Segment) if !part.is_empty() => captures.push((*name, part.to_string())),
                _ => return None,
            }
            rest = after;
        }
        rest.is_empty().then_some(captures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(p: &'static str, path: &str) -> Option<Vec<(String, String)>> {
        Pattern::parse(p).unwrap().matches(path).map(|c| c.into_iter().map(|(n, v)| (n.to_string(), v)).collect())
    }

    fn one(n: &str, v: &str) -> Option<Vec<(String, String)>> {
        Some(vec![(n.to_string(), v.to_string())])
    }

    #[test]
    fn segments_names_and_rests() {
        assert_eq!(caps("users/{name}", "users/bob"), one("name", "bob"));
        assert_eq!(caps("users/{name}", "users/bob/"), None);
        assert_eq!(caps("users/{name}", "users/-bob"), None);
        assert_eq!(caps("users/{name}", "users"), None);
        assert_eq!(caps("users/{name}/password", "users/a.b/password"), one("name", "a.b"));
        assert_eq!(caps("users/?", "users"), Some(vec![]));
        assert_eq!(caps("users/?", "users/"), Some(vec![]));
        assert_eq!(caps("users/?", "users/x"), None);
        assert_eq!(caps("data/{path:rest}", "data/a/b"), one("path", "a/b"));
        assert_eq!(caps("data/{path:rest}", "data/"), None);
        assert_eq!(caps("data/{path:rest}", "data"), None);
        assert_eq!(caps("data/{path:leaf}", "data/a/b"), one("path", "a/b"));
        assert_eq!(caps("data/{path:leaf}", "data/a/"), None);
        assert_eq!(caps("data/{path:leaf}", "data/"), None);
        assert_eq!(caps("metadata/{path:any}", "metadata/"), one("path", ""));
        assert_eq!(caps("metadata/{path:any}", "metadata"), None);
        assert_eq!(caps("{path:any}", ""), one("path", ""));
        assert_eq!(caps("{path:any}", "a/b/"), one("path", "a/b/"));
        assert_eq!(caps("role/{r}/secret-id/{k:segment}", "role/x/secret-id/a@b"), {
            Some(vec![("r".into(), "x".into()), ("k".into(), "a@b".into())])
        });
        assert_eq!(caps("mounts/{path:rest}/tune", "mounts/a/b/tune"), one("path", "a/b"));
        assert_eq!(caps("mounts/{path:rest}/tune", "mounts/a/tune/tune"), one("path", "a/tune"));
        assert_eq!(caps("mounts/{path:rest}/tune", "mounts/tune"), None);
        assert_eq!(caps("mounts/{path:rest}/tune", "mounts//tune"), None);
        assert_eq!(caps("mounts/{path:rest}/tune", "mounts/a"), None);
        assert_eq!(caps("config", "config"), Some(vec![]));
        assert_eq!(caps("config", "configx"), None);
        assert_eq!(caps("", ""), Some(vec![]));
        assert_eq!(caps("", "x"), None);
    }

    #[test]
    fn openapi_paths() {
        assert_eq!(Pattern::parse("users/{name}").unwrap().openapi_path(), "/users/{name}");
        assert_eq!(Pattern::parse("users/?").unwrap().openapi_path(), "/users");
        assert_eq!(Pattern::parse("accessors/").unwrap().openapi_path(), "/accessors/");
        assert_eq!(Pattern::parse("data/{path:rest}").unwrap().openapi_path(), "/data/{path}");
        assert_eq!(Pattern::parse("").unwrap().openapi_path(), "/");
        assert_eq!(Pattern::parse("login/{username}").unwrap().regex(), r"^login/(?P<username>\w(([\w-.]+)?\w)?)$");
        assert_eq!(Pattern::parse("users/?").unwrap().regex(), "^users/?$");
    }

    #[test]
    fn malformed_patterns_are_refused() {
        assert_eq!(Pattern::parse("{a:rest}/{b}").unwrap_err(), "pattern {a:rest}/{b}: rest must come last");
        assert_eq!(Pattern::parse("{a:rest}/x").unwrap().regex(), "^(?P<a>.+?)/x$");
        assert!(Pattern::parse("{a:what}").is_err());
    }
}
