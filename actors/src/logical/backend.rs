//! An engine written as a table ([`Engine`]) and the [`LogicalBackend`] that serves it
//! ([`Backend`]): the table's routing plus the secret types' renew and revoke handlers and the
//! lifecycle hooks.

use super::path::{PathDef, Reply};
use super::table::Table;
use super::{AuthRenewal, LogicalBackend, PathsSpecial, TokenRenewal};
use crate::expiration::SecretLease;
use crate::{CoreError, Request, Response};
use async_trait::async_trait;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Renews a secret of one type: answer with `secret` set to what is granted.
pub type SecretRenewFn<E> = for<'a> fn(&'a E, &'a SecretLease) -> BoxFuture<'a, Reply>;
/// Revokes a secret of one type.
pub type SecretRevokeFn<E> = for<'a> fn(&'a E, &'a SecretLease) -> BoxFuture<'a, Result<(), CoreError>>;

/// A kind of secret an engine issues (Vault's `framework.Secret`): the lease's internal data
/// carries the kind as `secret_type`, which picks these handlers again at renew and revoke.
pub struct SecretDef<E> {
    pub kind: &'static str,
    pub renew: Option<SecretRenewFn<E>>,
    pub revoke: SecretRevokeFn<E>,
}

/// The key of a lease's internal data that names the secret type, as in Vault.
pub const SECRET_TYPE_KEY: &str = "secret_type";

/// An engine written as a table. The framework serves its paths; the hooks default to nothing.
#[async_trait]
pub trait Engine: Send + Sync + Sized + 'static {
    /// The paths, tried in order; the first match serves the request.
    fn paths() -> Vec<PathDef<Self>>;

    /// The backend's help (`?help=1` on its root).
    fn help() -> &'static str {
        ""
    }

    /// Unauthenticated, root (sudo) and seal-wrapped paths, relative to the mount.
    fn special() -> PathsSpecial {
        PathsSpecial::default()
    }

    fn secrets() -> Vec<SecretDef<Self>> {
        Vec::new()
    }

    /// Called once when the mount goes away: unmount, seal, or the node stepping down.
    async fn cleanup(&self) {}

    /// A key below the mount changed under the engine (raft applied another node's write).
    async fn invalidate(&self, _key: &str) {}

    /// Called by the node's one periodic scheduler, on the active node (tidying and the like).
    async fn periodic(&self) -> Result<(), CoreError> {
        Ok(())
    }

    /// Vault's `AuthRenew`: may a token this auth method issued be renewed, and within what
    /// bounds? `None` (the default) renews it with the token's own parameters; either way the
    /// mount's live max TTL caps it.
    async fn renew_auth(&self, _token: &TokenRenewal) -> Result<Option<AuthRenewal>, CoreError> {
        Ok(None)
    }
}

/// The framework's [`LogicalBackend`] over an engine.
pub struct Backend<E: Engine> {
    engine: Arc<E>,
    table: Table<E>,
    secrets: Vec<SecretDef<E>>,
}

impl<E: Engine> Backend<E> {
    /// Compiles the engine's table; a malformed pattern is an internal error.
    pub fn new(engine: E) -> Result<Self, CoreError> {
        let table = Table::new(E::paths(), E::special(), E::help())?;
        Ok(Backend { engine: Arc::new(engine), table, secrets: E::secrets() })
    }

    pub fn engine(&self) -> &Arc<E> {
        &self.engine
    }

    fn secret_def(&self, lease: &SecretLease) -> Option<&SecretDef<E>> {
        let kind = lease.secret.internal.get(SECRET_TYPE_KEY).and_then(Value::as_str);
        match kind {
            Some(kind) => self.secrets.iter().find(|s| s.kind == kind),
            // Leases from before the engine declared types: the only type, if there is one.
            None if self.secrets.len() == 1 => self.secrets.first(),
            None => None,
        }
    }
}

#[async_trait]
impl<E: Engine> LogicalBackend for Backend<E> {
    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        let mut resp = self.table.handle(&self.engine, req).await?;
        // An engine with one secret type need not name it.
        if let Some(secret) = resp.as_mut().and_then(|r| r.secret.as_mut()) {
            if let (false, [only]) = (secret.internal.contains_key(SECRET_TYPE_KEY), self.secrets.as_slice()) {
                secret.internal.insert(SECRET_TYPE_KEY.into(), Value::String(only.kind.into()));
            }
        }
        Ok(resp)
    }

    async fn exists(&self, req: &Request) -> Result<Option<bool>, CoreError> {
        self.table.exists(&self.engine, req).await
    }

    async fn renew_secret(&self, lease: &SecretLease) -> Result<Option<Response>, CoreError> {
        match self.secret_def(lease).and_then(|d| d.renew) {
            Some(renew) => renew(&self.engine, lease).await,
            None => Err(CoreError::UnsupportedOperation),
        }
    }

    async fn revoke_secret(&self, lease: &SecretLease) -> Result<(), CoreError> {
        match self.secret_def(lease) {
            Some(def) => (def.revoke)(&self.engine, lease).await,
            None => Err(CoreError::UnsupportedOperation),
        }
    }

    fn special_paths(&self) -> &PathsSpecial {
        self.table.special()
    }

    async fn renew_auth(&self, token: &TokenRenewal) -> Result<Option<AuthRenewal>, CoreError> {
        self.engine.renew_auth(token).await
    }

    async fn cleanup(&self) {
        self.engine.cleanup().await
    }

    async fn invalidate(&self, key: &str) {
        self.engine.invalidate(key).await
    }

    async fn periodic(&self) -> Result<(), CoreError> {
        self.engine.periodic().await
    }

    fn openapi(&self, mount: &str, kind: &str, generic: bool) -> Map<String, Value> {
        self.table.openapi(mount, kind, generic)
    }
}
