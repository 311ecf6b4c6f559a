//! Longest-prefix routing from a request path to the mount that serves it.

use super::MountEntry;
use crate::engines::LogicalBackend;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct Route {
    pub entry: Arc<MountEntry>,
    pub backend: Arc<dyn LogicalBackend>,
}

/// An immutable routing snapshot; the mount table publishes a new one on every change.
#[derive(Default, Clone)]
pub struct Router {
    routes: HashMap<String, Route>,
}

impl Router {
    pub fn new(routes: HashMap<String, Route>) -> Self {
        Router { routes }
    }

    /// The mount serving `path` and the path below it. `secret` matches the `secret/` mount.
    pub fn route(&self, path: &str) -> Option<(&Route, String)> {
        let with_slash = format!("{path}/");
        if let Some(route) = self.routes.get(&with_slash) {
            return Some((route, String::new()));
        }
        let mut end = path.len();
        while let Some(i) = path[..end].rfind('/') {
            if let Some(route) = self.routes.get(&path[..=i]) {
                return Some((route, path[i + 1..].to_string()));
            }
            end = i;
        }
        None
    }

    /// Every mounted route.
    pub fn routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.values()
    }

    /// The mount whose path is a prefix of `path` (for the UI's mount lookup).
    pub fn entry_for(&self, path: &str) -> Option<Arc<MountEntry>> {
        self.route(path).map(|(r, _)| r.entry.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CoreError, Request, Response};
    use async_trait::async_trait;

    struct Nop;
    #[async_trait]
    impl LogicalBackend for Nop {
        fn special_paths(&self) -> &crate::logical::PathsSpecial {
            const NONE: crate::logical::PathsSpecial =
                crate::logical::PathsSpecial { unauthenticated: &[], root: &[], seal_wrap: &[] };
            &NONE
        }

        async fn handle(&self, _: &Request) -> Result<Option<Response>, CoreError> {
            Ok(None)
        }
    }

    fn router(paths: &[&str]) -> Router {
        let routes = paths
            .iter()
            .map(|p| {
                let entry = Arc::new(MountEntry::new(p, "kv", ""));
                (p.to_string(), Route { entry, backend: Arc::new(Nop) })
            })
            .collect();
        Router::new(routes)
    }

    #[test]
    fn longest_prefix_wins() {
        let r = router(&["secret/", "secret/team/"]);
        let (route, rest) = r.route("secret/team/a/b").unwrap();
        assert_eq!(route.entry.path, "secret/team/");
        assert_eq!(rest, "a/b");
        let (route, rest) = r.route("secret/other").unwrap();
        assert_eq!(route.entry.path, "secret/");
        assert_eq!(rest, "other");
        let (route, rest) = r.route("secret").unwrap();
        assert_eq!(route.entry.path, "secret/");
        assert_eq!(rest, "");
        assert!(r.route("secrets/x").is_none());
        assert!(r.route("nothing").is_none());
    }
}
