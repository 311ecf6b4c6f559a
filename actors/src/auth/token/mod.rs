//! The token store's HTTP endpoints (`auth/token/...`), answering as Vault's token store backend
//! does: same paths, fields, status codes and messages. The pipeline has already authenticated
//! the caller (`req.token_entry`) and checked its ACL; these handlers apply the token store's
//! own rules (subset policies, sudo-only options, roles).

mod create;
pub(crate) mod fields;
mod lookup;
mod renew;
mod revoke;
mod roles;

use crate::core::Core;
use crate::token_store::{SysTtls, TokenEntry};
use crate::{CoreError, Operation, Request, Response};
use std::sync::Arc;

/// Where the token store is mounted.
pub const MOUNT_POINT: &str = "auth/token/";

/// Whether `path` belongs to the token store.
pub fn is_token_path(path: &str) -> bool {
    path == "auth/token" || path.starts_with(MOUNT_POINT)
}

/// Dispatches an `auth/token/...` request by its path below the mount, as Vault's anchored path
/// patterns do (so `lookup/<token>` is no endpoint, as in Vault 1.x).
pub async fn handle(core: &Core, req: &mut Request) -> Result<Option<Response>, CoreError> {
    req.mount_point = MOUNT_POINT.into();
    req.relative_path = req.path.strip_prefix("auth/token").unwrap_or("").trim_start_matches('/').to_string();
    let path = req.relative_path.clone();
    let op = req.operation;
    match (op, path.as_str()) {
        (Operation::Update, "create") => create::create(core, req, false, None).await,
        (Operation::Update, "create-orphan") => create::create(core, req, true, None).await,
        (Operation::Read | Operation::Update, "lookup") => lookup::lookup(core, req).await,
        (Operation::Read | Operation::Update, "lookup-self") => lookup::lookup_self(core, req),
        (Operation::Update, "lookup-accessor") => lookup::lookup_accessor(core, req).await,
        (Operation::List, "accessors" | "accessors/") => lookup::list_accessors(core).await,
        (Operation::Update, "renew") => renew::renew(core, req).await,
        (Operation::Update, "renew-self") => renew::renew_self(core, req).await,
        (Operation::Update, "renew-accessor") => renew::renew_accessor(core, req).await,
        (Operation::Update, "revoke") => revoke::revoke(core, req).await,
        (Operation::Update, "revoke-self") => revoke::revoke_self(core, req).await,
        (Operation::Update, "revoke-accessor") => revoke::revoke_accessor(core, req).await,
        (Operation::Update, "revoke-orphan") => revoke::revoke_orphan(core, req).await,
        (Operation::Update, "tidy") => revoke::tidy(core),
        (Operation::List, "roles" | "roles/") => roles::list(core).await,
        (op, p) => match (p.strip_prefix("create/"), p.strip_prefix("roles/")) {
            (Some(role), _) if is_name(role) && op == Operation::Update => {
                create::create(core, req, false, Some(role.to_string())).await
            }
            (_, Some(name)) if is_name(name) => roles::handle(core, req, op, name.to_string()).await,
            _ if is_known(p) => Err(CoreError::UnsupportedOperation),
            _ => Err(CoreError::UnsupportedPath),
        },
    }
}

/// Paths that exist with other operations (405 rather than 404).
fn is_known(path: &str) -> bool {
    const KNOWN: [&str; 17] = [
        "create",
        "create-orphan",
        "lookup",
        "lookup-self",
        "lookup-accessor",
        "accessors",
        "accessors/",
        "renew",
        "renew-self",
        "renew-accessor",
        "revoke",
        "revoke-self",
        "revoke-accessor",
        "revoke-orphan",
        "tidy",
        "roles",
        "roles/",
    ];
    KNOWN.contains(&path) || path.strip_prefix("create/").is_some_and(is_name)
}

pub(crate) use crate::logical::decode::is_name;

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
    fn names_follow_vaults_generic_name_regex() {
        for ok in ["a", "role", "my-role.v2", "r_1"] {
            assert!(is_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a/b", "a b", ".a"] {
            assert!(!is_name(bad), "{bad}");
        }
    }

    #[test]
    fn token_paths() {
        assert!(is_token_path("auth/token/create"));
        assert!(is_token_path("auth/token"));
        assert!(!is_token_path("auth/tokens/x"));
        assert!(!is_token_path("auth/userpass/login/x"));
    }
}
