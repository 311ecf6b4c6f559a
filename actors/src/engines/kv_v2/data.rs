//! `data/:path`: read a version, write a new one, soft-delete the latest.

use super::metadata::{deletion_time, Config, KeyMetadata, StoredVersion, VersionMetadata};
use super::{meta_entry, version_key, HandlerResult, KvV2, Outcome};
use crate::logical::decode::weak_int;
use crate::logical::FieldData;
use crate::{CoreError, Response};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The `version` parameter: zero or negative means the current version.
pub(super) fn requested_version(fields: &FieldData, meta: &KeyMetadata) -> u64 {
    match fields.int("version") {
        Some(v) if v > 0 => v.unsigned_abs(),
        _ => meta.current_version,
    }
}

/// Vault's check-and-set rules: a `cas` option must equal the current version (0 for a new
/// key); without one the write passes unless the mount or the key requires it.
pub(super) fn check_cas(fields: &FieldData, config: &Config, meta: &KeyMetadata) -> Result<(), CoreError> {
    let cas = fields.map("options").flatten().and_then(|opts| opts.get("cas"));
    match cas {
        Some(raw) => {
            let cas = weak_int(raw, "''").map_err(|_| CoreError::invalid("error parsing check-and-set parameter"))?;
            // Vault compares as uint64, so -1 never matches.
            if cas as u64 != meta.current_version {
                return Err(CoreError::Conflict("check-and-set parameter did not match the current version".into()));
            }
            Ok(())
        }
        None if config.cas_required || meta.cas_required => {
            Err(CoreError::invalid("check-and-set parameter required for this call"))
        }
        None => Ok(()),
    }
}

impl KvV2 {
    pub(super) async fn data_read(&self, key: &str, fields: &FieldData) -> HandlerResult {
        let _guard = self.lock_for(key).read().await;
        let Some(meta) = self.load_meta(key).await? else {
            return Ok(Outcome::NotFound(None));
        };
        let version = requested_version(fields, &meta);
        let Some(vm) = meta.versions.get(&version) else {
            return Ok(Outcome::NotFound(None));
        };
        let mut body = Map::new();
        body.insert("data".into(), Value::Null);
        body.insert("metadata".into(), Value::Object(meta.version_response(version, vm)));
        // A deleted or destroyed version: 404, but with its metadata, as Vault answers.
        if vm.is_deleted(Utc::now()) || vm.destroyed {
            return Ok(Outcome::NotFound(Some(Response::with_data(body))));
        }
        let stored = self.load_version(&meta, version).await?;
        body.insert("data".into(), stored.data);
        Ok(Outcome::Done(Some(Response::with_data(body))))
    }

    pub(super) async fn data_write(&self, key: &str, fields: &FieldData) -> HandlerResult {
        let config = self.load_config().await?;
        // Presence, not value: `"data": null` is accepted and stored as null, as in Vault.
        let data = match fields.map("data") {
            None => return Err(CoreError::invalid("no data provided")),
            Some(map) => map.cloned().map_or(Value::Null, Value::Object),
        };
        let _guard = self.lock_for(key).write().await;
        let meta = self.load_meta(key).await?.unwrap_or_else(|| KeyMetadata::new(key));
        check_cas(fields, &config, &meta)?;
        let resp = self.store_new_version(meta, &config, data, Utc::now()).await?;
        Ok(Outcome::Done(Some(resp)))
    }

    /// Appends `data` as the next version, prunes old ones, and answers with the new version's
    /// metadata. Shared by write and patch; the caller holds the key's write lock.
    pub(super) async fn store_new_version(
        &self,
        mut meta: KeyMetadata,
        config: &Config,
        data: Value,
        now: DateTime<Utc>,
    ) -> Result<Response, CoreError> {
        let vm =
            VersionMetadata { created_time: now, deletion_time: deletion_time(now, config, &meta), destroyed: false };
        let (version, pruned) = meta.add_version(vm.clone(), config.max_versions);
        let body = serde_json::to_vec(&StoredVersion { data })?;
        let mut batch = vec![meta_entry(&meta)?, (version_key(&meta.id, version), Some(body))];
        batch.extend(pruned.into_iter().map(|v| (version_key(&meta.id, v), None)));
        self.view.batch(batch).await?;
        Ok(Response::with_data(meta.version_response(version, &vm)))
    }

    pub(super) async fn data_delete(&self, key: &str) -> HandlerResult {
        let _guard = self.lock_for(key).write().await;
        let Some(mut meta) = self.load_meta(key).await? else {
            return Ok(Outcome::Done(None));
        };
        let now = Utc::now();
        let current = meta.current_version;
        match meta.versions.get_mut(&current) {
            // Already gone: nothing to record.
            None => return Ok(Outcome::Done(None)),
            Some(vm) if vm.destroyed || vm.is_deleted(now) => return Ok(Outcome::Done(None)),
            Some(vm) => vm.deletion_time = Some(now),
        }
        self.view.batch(vec![meta_entry(&meta)?]).await?;
        Ok(Outcome::Done(None))
    }
}
