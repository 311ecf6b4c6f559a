//! The backends built into the node rather than mounted: `sys/` and `auth/token/`. Each is a
//! framework table served over the [`Core`]; the pipeline treats it as it treats a mounted
//! backend (special paths, existence checks, help, OpenAPI), so no path list is kept beside it.

use crate::core::Core;
use crate::logical::{LogicalBackend, PathsSpecial, Table};
use crate::{auth, system, CoreError, Request, Response};
use async_trait::async_trait;
use serde_json::{Map, Value};

/// A built-in table and the core it serves.
pub(crate) struct Builtin<'a> {
    core: &'a Core,
    table: &'static Table<Core>,
}

/// A built-in backend's compiled table.
type TableFn = fn() -> Result<&'static Table<Core>, CoreError>;

/// The built-in backends: mount point and table.
fn tables() -> [(&'static str, TableFn); 2] {
    [("sys/", system::table), (auth::token::MOUNT_POINT, auth::token::table)]
}

/// The built-in backend under which `path` lies (its mount, or below it), and the rest.
fn locate(path: &str) -> Option<(&'static str, TableFn, &str)> {
    tables().into_iter().find_map(|(mount, table)| {
        let rest = path.strip_prefix(mount.trim_end_matches('/'))?;
        let rest = if rest.is_empty() { rest } else { rest.strip_prefix('/')? };
        Some((mount, table, rest))
    })
}

impl<'a> Builtin<'a> {
    /// The built-in backend serving `req.path`, if any, with `mount_point` and `relative_path`
    /// filled in as the router fills them for a mount.
    pub(crate) fn route(core: &'a Core, req: &mut Request) -> Result<Option<Builtin<'a>>, CoreError> {
        let Some((mount, table, rest)) = locate(&req.path) else {
            return Ok(None);
        };
        let rest = rest.to_string();
        req.relative_path = rest;
        req.mount_point = mount.to_string();
        Ok(Some(Builtin { core, table: table()? }))
    }

    /// The OpenAPI path items of every built-in backend.
    pub(crate) fn openapi() -> Result<Map<String, Value>, CoreError> {
        let mut paths = Map::new();
        for (mount, table) in tables() {
            // Singletons: their paths stay literal even with `generic_mount_paths`. Their mount
            // types name their operation ids where a path declares no prefix, as in Vault.
            let kind = if mount == "sys/" { "system" } else { "token" };
            paths.extend(table()?.openapi(mount, kind, false));
        }
        Ok(paths)
    }
}

#[async_trait]
impl LogicalBackend for Builtin<'_> {
    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        self.table.handle(self.core, req).await
    }

    async fn exists(&self, req: &Request) -> Result<Option<bool>, CoreError> {
        self.table.exists(self.core, req).await
    }

    fn special_paths(&self) -> &PathsSpecial {
        self.table.special()
    }

    fn openapi(&self, mount: &str, kind: &str, generic: bool) -> Map<String, Value> {
        self.table.openapi(mount, kind, generic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logical::matches_special;

    /// The table serving `path` and the path below its mount.
    fn special(path: &str) -> (PathsSpecial, String) {
        match locate(path) {
            Some((_, table, rest)) => (table().map(|t| t.special().clone()).unwrap_or_default(), rest.to_string()),
            None => (PathsSpecial::default(), path.to_string()),
        }
    }

    fn is_sudo(path: &str) -> bool {
        let (special, rest) = special(path);
        matches_special(special.root, &rest)
    }

    fn is_unauthenticated(path: &str) -> bool {
        let (special, rest) = special(path);
        matches_special(special.unauthenticated, &rest)
    }

    #[test]
    fn both_tables_compile() {
        for (_, table) in tables() {
            assert!(table().is_ok());
        }
    }

    #[test]
    fn sudo_paths_follow_vaults_prefix_rules() {
        assert!(is_sudo("sys/auth/userpass"));
        assert!(!is_sudo("sys/auth"));
        assert!(is_sudo("sys/seal"));
        assert!(!is_sudo("sys/seal-status"));
        assert!(is_sudo("sys/leases"));
        assert!(is_sudo("sys/leases/lookup/x/y"));
        assert!(!is_sudo("sys/leases/lookup"));
        assert!(is_sudo("auth/token/accessors"));
        assert!(is_sudo("auth/token/accessors/"));
        assert!(is_sudo("auth/token/revoke-orphan/abc"));
        assert!(!is_sudo("auth/token/revoke-orphan"));
        assert!(!is_sudo("secret/data/x"));
    }

    #[test]
    fn unauthenticated_paths_are_vaults() {
        assert!(is_unauthenticated("sys/internal/ui/mounts"));
        assert!(is_unauthenticated("sys/internal/ui/mounts/secret"));
        assert!(is_unauthenticated("sys/wrapping/lookup"));
        assert!(!is_unauthenticated("sys/wrapping/unwrap"));
        assert!(!is_unauthenticated("sys/mounts"));
    }
}
