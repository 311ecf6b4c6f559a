//! The token store's HTTP endpoints (`auth/token/...`), answering as Vault's token store backend
//! does: same paths, fields, status codes and messages. The pipeline has already authenticated
//! the caller (`req.token_entry`) and checked its ACL; these handlers apply the token store's
//! own rules (subset policies, sudo-only options, roles).

mod create;
pub(crate) mod fields;
mod lookup;
mod paths;
mod renew;
mod revoke;
mod roles;

use crate::core::Core;
use crate::logical::Table;
use crate::token_store::{SysTtls, TokenEntry};
use crate::{CoreError, Request};
use std::sync::{Arc, LazyLock};

/// Where the token store is mounted.
pub const MOUNT_POINT: &str = "auth/token/";

/// The token store's table, compiled once.
pub(crate) fn table() -> Result<&'static Table<Core>, CoreError> {
    static TABLE: LazyLock<Result<Table<Core>, CoreError>> =
        LazyLock::new(|| Table::new(paths::paths(), paths::special(), paths::HELP));
    TABLE.as_ref().map_err(|e| CoreError::internal(e.to_string()))
}

/// The calling token; the pipeline sets it on every authenticated request.
fn caller(req: &Request) -> Result<&Arc<TokenEntry>, CoreError> {
    req.token_entry.as_ref().ok_or(CoreError::PermissionDenied)
}

/// Vault's `SudoPrivilege`: does the caller hold `sudo` (or root) on the request path?
fn has_sudo(core: &Core, req: &Request) -> bool {
    req.token_entry.as_ref().is_some_and(|e| core.has_sudo(e, &req.path))
}

/// The token mount's TTLs (the system values until `sys/auth/token/tune` exists).
fn sys_ttls(core: &Core) -> SysTtls {
    SysTtls { default_ttl: core.config.default_lease_ttl, max_ttl: core.config.max_lease_ttl }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_compiles() {
        assert!(table().is_ok());
    }
}
