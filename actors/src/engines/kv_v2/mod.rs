//! KV version 2: versioned key/value storage with Vault's API (`data/`, `metadata/`, `delete/`,
//! `undelete/`, `destroy/`, `subkeys/`, `config`).
//!
//! Storage layout inside the mount's barrier view:
//! - [`CONFIG_KEY`] (`config`): the mount settings ([`metadata::Config`]) as JSON.
//! - [`METADATA_PREFIX`]`<key>` (`metadata/<key>`): the key's [`metadata::KeyMetadata`] as JSON.
//!   Keys keep their slashes, so listing `metadata/<prefix>/` is one `view.list`.
//! - [`VERSIONS_PREFIX`]`<metadata id>/<n>` (`versions/<uuid>/<n>`): the body of version `n`.
//!   The uuid lives in the metadata, so a key that looks like a folder of another never collides
//!   and a deleted-then-rewritten key never sees stale bodies.
//!
//! Every change that touches metadata and bodies together goes through one `view.batch`, so a
//! crash never leaves a version listed without its body or the reverse. Per-key read/write locks
//! serialize the read-modify-write cycles on one node.

mod config;
mod data;
mod metadata;
mod metadata_path;
mod patch;
mod paths;
mod subkeys;
mod versions;

#[cfg(test)]
mod tests;

use super::EngineContext;
use crate::barrier::BarrierView;
use crate::sync::Striped;
use crate::{CoreError, Operation, Response};
use metadata::{Config, KeyMetadata, StoredVersion};
use tokio::sync::RwLock;

/// Where the mount settings live.
pub const CONFIG_KEY: &str = "config";
/// Folder of the per-key metadata entries.
pub const METADATA_PREFIX: &str = "metadata/";
/// Folder of the version bodies.
pub const VERSIONS_PREFIX: &str = "versions/";

/// Lock stripes for per-key serialization (Vault's `locksutil` uses 256).
const LOCK_STRIPES: usize = 64;

pub struct KvV2 {
    view: BarrierView,
    locks: Striped<RwLock<()>>,
}

/// What a handler produced. Vault answers some 404s with a body (the metadata of a deleted
/// version, or a hint about the API).
#[derive(Debug)]
pub(crate) enum Outcome {
    Done(Option<Response>),
    NotFound(Option<Response>),
}

type HandlerResult = Result<Outcome, CoreError>;

impl KvV2 {
    pub fn new(ctx: EngineContext) -> Self {
        KvV2 { view: ctx.view, locks: Striped::new(LOCK_STRIPES) }
    }

    fn lock_for(&self, key: &str) -> &RwLock<()> {
        self.locks.get(key)
    }

    async fn load_config(&self) -> Result<Config, CoreError> {
        Ok(self.view.get_json(CONFIG_KEY).await?.unwrap_or_default())
    }

    async fn load_meta(&self, key: &str) -> Result<Option<KeyMetadata>, CoreError> {
        self.view.get_json(&meta_key(key)).await
    }

    /// The body of a version the metadata still lists; its absence is an internal error.
    async fn load_version(&self, meta: &KeyMetadata, version: u64) -> Result<StoredVersion, CoreError> {
        self.view
            .get_json(&version_key(&meta.id, version))
            .await?
            .ok_or_else(|| CoreError::internal("could not find version data"))
    }
}

/// The batch entry that stores a key's metadata.
fn meta_entry(meta: &KeyMetadata) -> Result<(String, Option<Vec<u8>>), CoreError> {
    Ok((meta_key(&meta.key), Some(serde_json::to_vec(meta)?)))
}

fn meta_key(key: &str) -> String {
    format!("{METADATA_PREFIX}{key}")
}

fn version_key(id: &str, version: u64) -> String {
    format!("{VERSIONS_PREFIX}{id}/{version}")
}

/// Vault's catch-all for paths outside the API: 404 with a hint toward `vault kv`.
fn invalid_path(op: Operation) -> Outcome {
    let sub = paths::cli_verb(op);
    let resp = Response::default().warn(format!(
        "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints \
         to use. If using the Vault CLI, use 'vault kv {sub}' for this operation."
    ));
    Outcome::NotFound(Some(resp))
}

/// A 404 keeps Vault's body when there is one (deleted-version metadata, the CLI hint).
fn not_found(body: Option<Response>) -> CoreError {
    match body {
        Some(resp) => CoreError::NotFoundWith(Box::new(resp)),
        None => CoreError::NotFound,
    }
}
