//! Secret engines and auth methods. Each mount gets its own engine instance bound to its
//! barrier view.

pub mod approle;
pub mod cubbyhole;
pub mod kv_v1;
pub mod kv_v2;
pub mod userpass;

use crate::barrier::BarrierView;
use crate::expiration::SecretLease;
use crate::mount_table::MountEntry;
use crate::{CoreError, Request, Response};
use async_trait::async_trait;
use std::sync::Arc;

/// A logical backend serves every request below its mount; `req.relative_path` is the part
/// after the mount point. `Ok(None)` means success without a body (HTTP 204).
#[async_trait]
pub trait LogicalBackend: Send + Sync {
    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError>;

    /// Vault's existence check for writes: `Some(false)` makes the ACL ask for `create` rather
    /// than `update`. `None` (the default) means the path has no check and a write is an update.
    async fn exists(&self, _req: &Request) -> Result<Option<bool>, CoreError> {
        Ok(None)
    }

    /// Renews a secret this engine issued (Vault's renew operation on a `logical.Secret`):
    /// answer with `secret` set to what is granted (the expiration manager caps the TTL by the
    /// mount's and the secret's max TTL), or `Ok(None)` to leave the lease as it is. Engines that
    /// never set `Response::secret` keep this default.
    async fn renew_secret(&self, _lease: &SecretLease) -> Result<Option<Response>, CoreError> {
        Err(CoreError::UnsupportedOperation)
    }

    /// Revokes a secret this engine issued, when its lease expires or is revoked. Errors are
    /// retried with backoff; unsupported operation/path and invalid request errors make the
    /// lease irrevocable at once (Vault's `errIsUnrecoverable`).
    async fn revoke_secret(&self, _lease: &SecretLease) -> Result<(), CoreError> {
        Err(CoreError::UnsupportedOperation)
    }

    /// Paths below the mount served without a token (Vault's `PathsSpecial.Unauthenticated`,
    /// e.g. `login` and `login/*` for auth methods). A trailing `*` makes a prefix.
    fn unauthenticated_paths(&self) -> &'static [&'static str] {
        &[]
    }
}

/// The engine types this node can mount, as `sys/mounts` names them.
pub const SECRET_ENGINE_TYPES: [&str; 3] = ["kv", "kv-v2", "generic"];

/// Which KV version a mount entry asks for (`options.version`, or the `kv-v2` type).
pub fn kv_version(entry: &MountEntry) -> u8 {
    if entry.kind == "kv-v2" {
        return 2;
    }
    match entry.options.get("version").map(String::as_str) {
        Some("2") => 2,
        _ => 1,
    }
}

/// Vault's answer for a type it does not know (or not in this table).
fn unknown_type(kind: &str) -> CoreError {
    CoreError::invalid(format!("plugin not found in the catalog: {kind}"))
}

/// Builds the engine for a mount entry (or the auth method for an auth table entry), or
/// explains why the type is unknown.
pub fn create_backend(entry: &MountEntry, view: BarrierView) -> Result<Arc<dyn LogicalBackend>, CoreError> {
    if entry.is_auth() {
        return create_auth_backend(entry, view);
    }
    match entry.kind.as_str() {
        "kv" | "kv-v2" | "generic" => {
            Ok(if kv_version(entry) == 2 { Arc::new(kv_v2::KvV2::new(view)) } else { Arc::new(kv_v1::KvV1::new(view)) })
        }
        "cubbyhole" => Ok(Arc::new(cubbyhole::Cubbyhole::new(view))),
        other => Err(unknown_type(other)),
    }
}

/// Builds the auth method of an auth table entry (`sys/auth`). `token` never gets here: the
/// token store is served before routing.
fn create_auth_backend(entry: &MountEntry, view: BarrierView) -> Result<Arc<dyn LogicalBackend>, CoreError> {
    match entry.kind.as_str() {
        "userpass" => Ok(Arc::new(userpass::Userpass::new(view))),
        "approle" => Ok(Arc::new(approle::AppRole::new(view, entry.config.max_lease_ttl))),
        other => Err(unknown_type(other)),
    }
}
