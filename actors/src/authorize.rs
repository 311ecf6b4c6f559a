//! Request path step 4 (DESIGN.md): ACL checks as Vault's `CheckToken` makes them, the
//! sudo-protected and unauthenticated path lists, and the capability reports behind
//! `sys/capabilities*`.

use crate::core::Core;
use crate::engines::LogicalBackend;
use crate::logical::matches_special;
use crate::policy_store::{Acl, AclOperation};
use crate::token_store::TokenEntry;
use crate::{CoreError, Operation, Request};
use std::sync::Arc;

/// Paths that need `sudo` besides the operation's own capability: the sys backend's
/// `PathsSpecial.Root` (vault/logical_system.go) and the token store's (vault/token_store.go),
/// with their mount prefixes. A trailing `*` makes a prefix, as in Vault's router.
const SUDO_PATHS: &[&str] = &[
    "sys/auth/*",
    "sys/remount",
    "sys/audit",
    "sys/audit/*",
    "sys/raw",
    "sys/raw/*",
    "sys/rotate",
    // Not in Vault's list, which predates the path; it does exactly what sys/rotate does.
    "sys/rotate/keyring",
    "sys/config/cors",
    "sys/config/auditing/*",
    "sys/config/ui/headers/*",
    "sys/plugins/catalog/*",
    "sys/plugins/runtimes/catalog/*",
    "sys/revoke-prefix/*",
    "sys/revoke-force/*",
    "sys/leases/revoke-prefix/*",
    "sys/leases/revoke-force/*",
    "sys/leases/lookup/*",
    "sys/storage/raft/snapshot-auto/config/*",
    "sys/leases",
    "sys/internal/inspect/*",
    "sys/seal",
    "sys/step-down",
    "auth/token/revoke-orphan/*",
    "auth/token/accessors*",
];

/// Logical paths a client may call without a token: the sys backend's
/// `PathsSpecial.Unauthenticated` that this node serves. (The seal, init and health endpoints
/// are raw handlers in the api crate and never reach the pipeline.)
const UNAUTHENTICATED_PATHS: &[&str] = &[
    "sys/wrapping/lookup",
    "sys/wrapping/pubkey",
    "sys/internal/ui/mounts",
    "sys/internal/ui/mounts/*",
    "sys/internal/specs/openapi",
    "sys/storage/raft/bootstrap/challenge",
    "sys/storage/raft/bootstrap/answer",
];

/// Whether `path` needs `sudo` (or root) on top of its capability.
pub fn is_sudo_path(path: &str) -> bool {
    matches_special(SUDO_PATHS, path)
}

/// Whether `path` is served without a token.
pub fn is_unauthenticated(path: &str) -> bool {
    matches_special(UNAUTHENTICATED_PATHS, path)
}

impl Core {
    /// The compiled ACL of a token's policies (cached per policy snapshot).
    pub fn acl_for(&self, entry: &TokenEntry) -> Result<Arc<Acl>, CoreError> {
        self.policies.load().cached_acl(&entry.policies).map_err(CoreError::internal)
    }

    /// Step 4: may `entry` perform `req`? `backend` answers Vault's existence check, which
    /// turns a write to a missing resource into `create`.
    pub(crate) async fn authorize(
        &self,
        req: &Request,
        entry: &TokenEntry,
        backend: Option<&dyn LogicalBackend>,
    ) -> Result<(), CoreError> {
        // Vault's ACL: "Help is always allowed" (to any valid token).
        if entry.is_root() || req.operation == Operation::Help {
            return Ok(());
        }
        let acl = self.acl_for(entry)?;
        let exists = match (req.operation, backend) {
            (Operation::Update, Some(backend)) => backend.exists(req).await?.unwrap_or(true),
            _ => true,
        };
        let op = AclOperation::for_request(req.operation, exists);
        let decision = acl.allow_wrapped(op, &req.path, &req.data, req.wrap_ttl);
        let sudo_path = is_sudo_path(&req.path)
            || backend.is_some_and(|b| matches_special(b.special_paths().root, &req.relative_path));
        if !decision.allowed || (sudo_path && !decision.sudo) {
            return Err(CoreError::PermissionDenied);
        }
        Ok(())
    }

    /// Authentication and ACL for the raw handlers that bypass the pipeline (`sys/metrics`).
    pub async fn check_token(&self, token: Option<&str>, op: Operation, path: &str) -> Result<(), CoreError> {
        // The raw handlers do not pass the client's address: CIDR-bound tokens are refused.
        let entry = self.authenticate(token, None).await?;
        self.authorize(&Request::new(op, path), &entry, None).await
    }

    /// Whether `entry` holds `sudo` on `path` (Vault's `SudoPrivilege`), for handlers that
    /// guard options such as orphan token creation.
    pub fn has_sudo(&self, entry: &TokenEntry, path: &str) -> bool {
        if entry.is_root() {
            return true;
        }
        // The matched rule's sudo bit does not depend on the operation asked about.
        self.acl_for(entry).map(|acl| acl.allow(AclOperation::Read, path, &Default::default()).sudo).unwrap_or(false)
    }

    /// What `sys/capabilities` reports for `entry` on `path`.
    pub fn capabilities(&self, entry: &TokenEntry, path: &str) -> Result<Vec<String>, CoreError> {
        if entry.is_root() {
            return Ok(vec!["root".into()]);
        }
        let caps = self.acl_for(entry)?.capabilities(path);
        Ok(if caps.is_empty() { vec!["deny".into()] } else { caps })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sudo_paths_follow_vaults_prefix_rules() {
        assert!(is_sudo_path("sys/auth/userpass"));
        assert!(!is_sudo_path("sys/auth"));
        assert!(is_sudo_path("sys/seal"));
        assert!(!is_sudo_path("sys/seal-status"));
        assert!(is_sudo_path("sys/leases"));
        assert!(is_sudo_path("sys/leases/lookup/x/y"));
        assert!(!is_sudo_path("sys/leases/lookup"));
        assert!(is_sudo_path("auth/token/accessors"));
        assert!(is_sudo_path("auth/token/accessors/"));
        assert!(is_sudo_path("auth/token/revoke-orphan/abc"));
        assert!(!is_sudo_path("auth/token/revoke-orphan"));
        assert!(!is_sudo_path("secret/data/x"));
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
