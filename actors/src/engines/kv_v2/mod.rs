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
mod fields;
mod metadata;
mod metadata_path;
mod patch;
mod subkeys;
mod versions;

#[cfg(test)]
mod tests;

use super::LogicalBackend;
use crate::barrier::BarrierView;
use crate::{CoreError, Operation, Request, Response};
use async_trait::async_trait;
use fields::{FieldData, Schema};
use metadata::{Config, KeyMetadata, StoredVersion};
use std::hash::{DefaultHasher, Hash, Hasher};
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
    locks: Vec<RwLock<()>>,
}

/// What a handler produced. Vault answers some 404s with a body (the metadata of a deleted
/// version, or a hint about the API).
#[derive(Debug)]
pub(crate) enum Outcome {
    Done(Option<Response>),
    NotFound(Option<Response>),
}

type HandlerResult = Result<Outcome, CoreError>;

/// The endpoint a relative path names, following Vault's path patterns in order.
#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    Config,
    Data(&'a str),
    Metadata(&'a str),
    Delete(&'a str),
    Undelete(&'a str),
    Destroy(&'a str),
    Subkeys(&'a str),
    Invalid,
}

fn route(path: &str) -> Route<'_> {
    if path == "config" {
        return Route::Config;
    }
    if let Some(key) = path.strip_prefix("data/") {
        // `data/` takes no trailing slash; such paths fall through to the invalid-path handler.
        if !key.is_empty() && !key.ends_with('/') {
            return Route::Data(key);
        }
        return Route::Invalid;
    }
    let Some((head, key)) = path.split_once('/') else {
        return Route::Invalid;
    };
    match head {
        "metadata" => Route::Metadata(key),
        "delete" => Route::Delete(key),
        "undelete" => Route::Undelete(key),
        "destroy" => Route::Destroy(key),
        "subkeys" => Route::Subkeys(key),
        _ => Route::Invalid,
    }
}

impl KvV2 {
    pub fn new(view: BarrierView) -> Self {
        KvV2 { view, locks: (0..LOCK_STRIPES).map(|_| RwLock::new(())).collect() }
    }

    /// Routes a request and runs its handler; tests call this to see 404 bodies.
    pub(crate) async fn dispatch(&self, req: &Request) -> HandlerResult {
        let op = req.operation;
        // Vault's HTTP layer appends the slash to every LIST path.
        let path = if op == Operation::List && !req.relative_path.ends_with('/') {
            format!("{}/", req.relative_path)
        } else {
            req.relative_path.clone()
        };
        // Vault's core refuses writes to folders before the engine sees them.
        if matches!(op, Operation::Update | Operation::Patch) && (path.is_empty() || path.ends_with('/')) {
            return Err(CoreError::invalid("cannot write to a path ending in '/'"));
        }
        if path.split('/').any(|seg| seg == "..") {
            return Err(CoreError::invalid("invalid path: must not contain '..'"));
        }
        let route = route(&path);
        let Some(schema) = schema_for(&route, op) else {
            // The catch-all path has no PATCH handler either.
            return match route {
                Route::Invalid if op != Operation::Patch => Ok(invalid_path(op)),
                _ => Err(CoreError::UnsupportedOperation),
            };
        };
        // Create/update on paths with an existence check validate without the prefix.
        let prefixed = !(op == Operation::Update && matches!(route, Route::Data(_) | Route::Metadata(_)));
        let mut fields = FieldData::parse(&req.data, schema, prefixed)?;
        if op == Operation::List {
            fields.forget("list");
        }
        let outcome = match (route, op) {
            (Route::Config, Operation::Read) => self.config_read().await?,
            (Route::Config, _) => self.config_write(&fields).await?,
            (Route::Data(key), Operation::Read) => self.data_read(key, &fields).await?,
            (Route::Data(key), Operation::Update) => self.data_write(key, &fields).await?,
            (Route::Data(key), Operation::Patch) => self.data_patch(key, &fields).await?,
            (Route::Data(key), _) => self.data_delete(key).await?,
            (Route::Metadata(key), Operation::Read) => self.metadata_read(key).await?,
            (Route::Metadata(key), Operation::List) => self.metadata_list(key).await?,
            (Route::Metadata(key), Operation::Update) => self.metadata_write(key, &fields).await?,
            (Route::Metadata(key), Operation::Patch) => self.metadata_patch(key, &fields).await?,
            (Route::Metadata(key), _) => self.metadata_delete(key).await?,
            (Route::Delete(key), _) => self.versions_delete(key, &fields).await?,
            (Route::Undelete(key), _) => self.versions_undelete(key, &fields).await?,
            (Route::Destroy(key), _) => self.versions_destroy(key, &fields).await?,
            (Route::Subkeys(key), _) => self.subkeys_read(key, &fields).await?,
            (Route::Invalid, _) => invalid_path(op),
        };
        Ok(match outcome {
            // Vault's framework flags unknown parameters on every response with a body.
            Outcome::Done(Some(mut resp)) => {
                if let Some(w) = fields.ignored_warning() {
                    resp.warnings.push(w);
                }
                Outcome::Done(Some(resp))
            }
            other => other,
        })
    }

    fn lock_for(&self, key: &str) -> &RwLock<()> {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        // The modulo keeps the index below LOCK_STRIPES, so the cast cannot truncate.
        &self.locks[(h.finish() % LOCK_STRIPES as u64) as usize]
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

/// The fields each path declares, or `None` when the path has no handler for the operation.
fn schema_for(route: &Route<'_>, op: Operation) -> Option<Schema> {
    use fields::FieldType as T;
    use Operation as O;
    const CONFIG: Schema =
        &[("max_versions", T::Int), ("cas_required", T::Bool), ("delete_version_after", T::SignedDurationSecond)];
    const DATA: Schema = &[("path", T::Path), ("version", T::Int), ("options", T::Map), ("data", T::Map)];
    const METADATA: Schema = &[
        ("path", T::Path),
        ("cas_required", T::Bool),
        ("max_versions", T::Int),
        ("delete_version_after", T::DurationSecond),
        ("custom_metadata", T::Map),
    ];
    const VERSIONS: Schema = &[("path", T::Path), ("versions", T::CommaIntSlice)];
    const SUBKEYS: Schema = &[("path", T::Path), ("version", T::Int), ("depth", T::Int)];
    match (route, op) {
        (Route::Config, O::Read | O::Update) => Some(CONFIG),
        (Route::Data(_), O::Read | O::Update | O::Patch | O::Delete) => Some(DATA),
        (Route::Metadata(_), _) => Some(METADATA),
        (Route::Delete(_) | Route::Undelete(_) | Route::Destroy(_), O::Update) => Some(VERSIONS),
        (Route::Subkeys(_), O::Read) => Some(SUBKEYS),
        _ => None,
    }
}

/// Vault's catch-all for paths outside the API: 404 with a hint toward `vault kv`.
fn invalid_path(op: Operation) -> Outcome {
    let sub = match op {
        Operation::Update => "put",
        Operation::Patch => "patch",
        Operation::Read => "get",
        Operation::List => "list",
        Operation::Delete => "delete",
    };
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

#[async_trait]
impl LogicalBackend for KvV2 {
    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        match self.dispatch(req).await? {
            Outcome::Done(resp) => Ok(resp),
            Outcome::NotFound(body) => Err(not_found(body)),
        }
    }

    /// Vault's `dataExistenceCheck`/`metadataExistenceCheck`: a key exists once it has metadata.
    async fn exists(&self, req: &Request) -> Result<Option<bool>, CoreError> {
        match route(&req.relative_path) {
            Route::Data(key) | Route::Metadata(key) => Ok(Some(self.view.get(&meta_key(key)).await?.is_some())),
            _ => Ok(None),
        }
    }
}
