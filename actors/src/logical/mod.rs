//! The logical framework every engine is written in (Vault's `sdk/framework`): a backend is a
//! table of paths ([`PathDef`]) with typed captures, declared fields ([`Field`]), a handler per
//! operation, an existence check and help. [`Backend`] serves the table; [`LogicalBackend`] is
//! what the router and the pipeline call. `docs/architecture.md` shows a complete engine.

mod backend;
pub mod decode;
mod display;
#[cfg(test)]
mod example;
mod field;
pub mod go;
pub mod go_base64;
mod help;
mod openapi;
mod path;
mod pattern;
mod table;

pub use backend::{Backend, Engine, SecretDef, SecretRenewFn, SecretRevokeFn, SECRET_TYPE_KEY};
pub use display::Display;
pub use field::{Field, FieldData, FieldDefault, FieldType, FieldValue, Schema};
pub use openapi::document as openapi_document;
pub use path::{ExistenceFn, HandlerFn, Op, PathDef, Reply};
pub use pattern::Pattern;
pub use table::Table;

use crate::expiration::SecretLease;
use crate::{CoreError, Request, Response};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Vault's `PathsSpecial`, relative to the mount; a trailing `*` makes a prefix.
#[derive(Debug, Clone, Default)]
pub struct PathsSpecial {
    /// Served without a token (an auth method's `login`).
    pub unauthenticated: &'static [&'static str],
    /// Need `sudo` on top of the operation's capability.
    pub root: &'static [&'static str],
    /// Stored seal-wrapped where a seal supports it.
    pub seal_wrap: &'static [&'static str],
}

/// Vault's special-path match: exact, or prefix when the pattern ends in `*`.
pub fn matches_special(patterns: &[&str], path: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => path == *p,
    })
}

/// A token an auth method issued, as its renewal hook sees it (Vault's `req.Auth` on renew).
#[derive(Debug, Clone, Default)]
pub struct TokenRenewal {
    /// The login path below the mount (`login/alice`).
    pub path: String,
    /// The policies the login granted, without `default`.
    pub policies: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    pub display_name: String,
}

/// What an auth method grants on a renewal (Vault's `LeaseExtend` inputs), in seconds; a 0 TTL
/// or max TTL leaves the choice to the mount: its live default TTL, its live max TTL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthRenewal {
    pub ttl: u64,
    pub max_ttl: u64,
    pub period: u64,
}

/// A mounted backend: everything below its mount point. `Ok(None)` means success without a
/// body (HTTP 204).
#[async_trait]
pub trait LogicalBackend: Send + Sync {
    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError>;

    /// Vault's existence check for writes: `Some(false)` makes the ACL ask for `create` rather
    /// than `update`. `None` means the path has no check and a write is an update.
    async fn exists(&self, _req: &Request) -> Result<Option<bool>, CoreError> {
        Ok(None)
    }

    /// Renews a secret this engine issued: answer with `secret` set to what is granted (the
    /// expiration manager caps the TTL), or `Ok(None)` to leave the lease as it is.
    async fn renew_secret(&self, _lease: &SecretLease) -> Result<Option<Response>, CoreError> {
        Err(CoreError::UnsupportedOperation)
    }

    /// Revokes a secret this engine issued. Errors are retried with backoff; unsupported
    /// operation/path and invalid request errors make the lease irrevocable at once.
    async fn revoke_secret(&self, _lease: &SecretLease) -> Result<(), CoreError> {
        Err(CoreError::UnsupportedOperation)
    }

    fn special_paths(&self) -> &PathsSpecial;

    /// See [`Engine::renew_auth`].
    async fn renew_auth(&self, _token: &TokenRenewal) -> Result<Option<AuthRenewal>, CoreError> {
        Ok(None)
    }

    /// See [`Engine::cleanup`].
    async fn cleanup(&self) {}

    /// See [`Engine::invalidate`].
    async fn invalidate(&self, _key: &str) {}

    /// See [`Engine::periodic`].
    async fn periodic(&self) -> Result<(), CoreError> {
        Ok(())
    }

    /// The OpenAPI path items below `mount` of type `kind` (the default first word of operation
    /// ids); `generic` makes the mount path a parameter.
    fn openapi(&self, _mount: &str, _kind: &str, _generic: bool) -> Map<String, Value> {
        Map::new()
    }
}
