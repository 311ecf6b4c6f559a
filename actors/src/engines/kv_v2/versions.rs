//! `delete/:path`, `undelete/:path`, `destroy/:path`: act on listed versions of a key.
//! Unknown, pruned or already destroyed versions are skipped silently, as Vault does.

use super::metadata::deletion_time;
use super::{meta_entry, version_key, HandlerResult, KvV2, Outcome};
use crate::logical::FieldData;
use crate::CoreError;
use chrono::Utc;

/// The `versions` parameter as Vault's uint64 version numbers (negative input wraps, so it
/// names no real version).
fn requested_versions(fields: &FieldData, missing: &str) -> Result<Vec<u64>, CoreError> {
    let versions = fields.ints("versions");
    if versions.is_empty() {
        return Err(CoreError::invalid(missing));
    }
    Ok(versions.into_iter().map(|v| v as u64).collect())
}

impl KvV2 {
    /// Soft-deletes versions: they stay listed with a deletion time and can be undeleted.
    pub(super) async fn versions_delete(&self, key: &str, fields: &FieldData) -> HandlerResult {
        let versions = requested_versions(fields, "No version number provided")?;
        let _guard = self.lock_for(key).write().await;
        let Some(mut meta) = self.load_meta(key).await? else {
            return Ok(Outcome::Done(None));
        };
        let now = Utc::now();
        for v in versions {
            if let Some(vm) = meta.versions.get_mut(&v) {
                // Keep the original time of a deletion that already happened.
                if !vm.destroyed && !vm.is_deleted(now) {
                    vm.deletion_time = Some(now);
                }
            }
        }
        self.view.batch(vec![meta_entry(&meta)?]).await?;
        Ok(Outcome::Done(None))
    }

    /// Restores soft-deleted versions; a `delete_version_after` in force schedules them again.
    pub(super) async fn versions_undelete(&self, key: &str, fields: &FieldData) -> HandlerResult {
        let versions = requested_versions(fields, "No version number provided")?;
        let config = self.load_config().await?;
        let _guard = self.lock_for(key).write().await;
        let Some(mut meta) = self.load_meta(key).await? else {
            return Ok(Outcome::Done(None));
        };
        let next_deletion = deletion_time(Utc::now(), &config, &meta);
        for v in versions {
            if let Some(vm) = meta.versions.get_mut(&v) {
                if !vm.destroyed {
                    vm.deletion_time = next_deletion;
                }
            }
        }
        self.view.batch(vec![meta_entry(&meta)?]).await?;
        Ok(Outcome::Done(None))
    }

    /// Marks versions destroyed and removes their bodies for good, in one batch.
    pub(super) async fn versions_destroy(&self, key: &str, fields: &FieldData) -> HandlerResult {
        let versions = requested_versions(fields, "no version number provided")?;
        let _guard = self.lock_for(key).write().await;
        let Some(mut meta) = self.load_meta(key).await? else {
            return Ok(Outcome::Done(None));
        };
        let mut batch = Vec::new();
        for v in versions {
            if let Some(vm) = meta.versions.get_mut(&v) {
                if !vm.destroyed {
                    vm.destroyed = true;
                    batch.push((version_key(&meta.id, v), None));
                }
            }
        }
        batch.push(meta_entry(&meta)?);
        self.view.batch(batch).await?;
        Ok(Outcome::Done(None))
    }
}
