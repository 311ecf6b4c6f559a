//! PATCH on `data/:path` (a JSON merge patch, RFC 7396, of the current version into a new one)
//! and on `metadata/:path` (settings replaced, `custom_metadata` merged key by key).

use super::data::check_cas;
use super::metadata_path::{
    cas_warning, custom_value, parse_custom_metadata, validate_custom_metadata, MetadataSettings,
};
use super::{meta_entry, HandlerResult, KvV2, Outcome};
use crate::logical::FieldData;
use crate::{CoreError, Response};
use chrono::Utc;
use serde_json::Value;

impl KvV2 {
    pub(super) async fn data_patch(&self, key: &str, fields: &FieldData) -> HandlerResult {
        let patch = match fields.map("data") {
            None => return Err(CoreError::invalid("no data provided")),
            Some(map) => map.cloned().map_or(Value::Null, Value::Object),
        };
        let _guard = self.lock_for(key).write().await;
        let Some(meta) = self.load_meta(key).await? else {
            return Ok(Outcome::NotFound(None));
        };
        let config = self.load_config().await?;
        check_cas(fields, &config, &meta)?;
        let current = meta.current_version;
        let Some(vm) = meta.versions.get(&current) else {
            return Ok(Outcome::NotFound(None));
        };
        let now = Utc::now();
        // Unlike a read, the 404 body here is the flat version metadata.
        if vm.is_deleted(now) || vm.destroyed {
            return Ok(Outcome::NotFound(Some(Response::with_data(meta.version_response(current, vm)))));
        }
        let mut doc = self.load_version(&meta, current).await?.data;
        // Vault's patch helper refuses a version stored as `null` with this internal error.
        if !doc.is_object() {
            return Err(CoreError::internal("resource does not exist"));
        }
        json_patch::merge(&mut doc, &patch);
        let resp = self.store_new_version(meta, &config, doc, now).await?;
        Ok(Outcome::Done(Some(resp)))
    }

    pub(super) async fn metadata_patch(&self, key: &str, fields: &FieldData) -> HandlerResult {
        if key.is_empty() {
            return Err(CoreError::invalid("missing path"));
        }
        // Vault validates the patch itself (nulls dropped), not the merged result.
        if let Some(Some(raw)) = fields.map("custom_metadata") {
            validate_custom_metadata(&parse_custom_metadata(Some(raw), true)?)?;
        }
        let config = self.load_config().await?;
        let _guard = self.lock_for(key).write().await;
        let Some(mut meta) = self.load_meta(key).await? else {
            return Ok(Outcome::NotFound(None));
        };
        let settings = MetadataSettings::from_fields(fields);
        settings.apply(&mut meta);
        match fields.map("custom_metadata") {
            None => {}
            Some(None) => meta.custom_metadata.clear(),
            Some(Some(raw)) => {
                for (k, v) in raw {
                    if v.is_null() {
                        meta.custom_metadata.remove(k);
                    } else {
                        meta.custom_metadata.insert(k.clone(), custom_value(v)?);
                    }
                }
            }
        }
        self.view.batch(vec![meta_entry(&meta)?]).await?;
        Ok(Outcome::Done(cas_warning(&settings, config.cas_required)))
    }
}
