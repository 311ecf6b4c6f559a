//! `metadata/:path`: read, list, write and delete a key's metadata and settings, with Vault's
//! `custom_metadata` conversion and limits.

use super::metadata::{format_go_duration, format_time, KeyMetadata};
use super::{meta_entry, meta_key, HandlerResult, KvV2, Outcome, METADATA_PREFIX, VERSIONS_PREFIX};
use crate::logical::go::{go_quote, go_type, is_printable, multierror};
use crate::logical::FieldData;
use crate::{CoreError, Response};
use chrono::Utc;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const MAX_CUSTOM_METADATA_KEYS: usize = 64;
const MAX_CUSTOM_METADATA_KEY_LENGTH: usize = 128;
const MAX_CUSTOM_METADATA_VALUE_LENGTH: usize = 512;
const CUSTOM_METADATA_ERROR_PREFIX: &str = "custom_metadata validation failed";

/// The warning Vault gives when a key tries to opt out of a mount-wide `cas_required`.
pub(super) const CAS_MANDATED_WARNING: &str =
    "\"cas_required\" set to false, but is mandated by backend config. This value will be ignored.";

/// Converts one `custom_metadata` value to the string Vault stores (weak decoding: numbers
/// keep their text, booleans become "1"/"0", null becomes "").
pub(super) fn custom_value(v: &Value) -> Result<String, CoreError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(CoreError::invalid(format!(
            "{CUSTOM_METADATA_ERROR_PREFIX}: '' expected type 'string', got unconvertible type '{}'",
            go_type(other)
        ))),
    }
}

/// `custom_metadata` as strings; a patch drops nulls (they mean "remove this key").
pub(super) fn parse_custom_metadata(
    raw: Option<&Map<String, Value>>,
    filter_nulls: bool,
) -> Result<BTreeMap<String, String>, CoreError> {
    let mut out = BTreeMap::new();
    for (k, v) in raw.into_iter().flatten() {
        if filter_nulls && v.is_null() {
            continue;
        }
        out.insert(k.clone(), custom_value(v)?);
    }
    Ok(out)
}

/// Vault's limits: at most 64 keys; keys 1..=128 bytes, values 1..=512 bytes, all printable.
/// Every problem is reported, as go-multierror lists them.
pub(super) fn validate_custom_metadata(m: &BTreeMap<String, String>) -> Result<(), CoreError> {
    let p = CUSTOM_METADATA_ERROR_PREFIX;
    if m.len() > MAX_CUSTOM_METADATA_KEYS {
        return Err(CoreError::invalid(multierror(&[format!(
            "{p}: payload must contain at most {MAX_CUSTOM_METADATA_KEYS} keys, provided {}",
            m.len()
        )])));
    }
    let mut errors = Vec::new();
    for (key, value) in m {
        let q = go_quote(key);
        if key.is_empty() || key.len() > MAX_CUSTOM_METADATA_KEY_LENGTH {
            errors.push(format!(
                "{p}: length of key {q} is {} but must be 0 < len(key) <= {MAX_CUSTOM_METADATA_KEY_LENGTH}",
                key.len()
            ));
        }
        if value.is_empty() || value.len() > MAX_CUSTOM_METADATA_VALUE_LENGTH {
            errors.push(format!(
                "{p}: length of value for key {q} is {} but must be 0 < len(value) <= {MAX_CUSTOM_METADATA_VALUE_LENGTH}",
                value.len()
            ));
        }
        if !key.chars().all(is_printable) {
            errors.push(format!("{p}: key {q} ({key}) contains unprintable characters"));
        }
        if !value.chars().all(is_printable) {
            errors.push(format!("{p}: value for key {q} contains unprintable characters"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CoreError::invalid(multierror(&errors)))
    }
}

/// The settings fields of a metadata write or patch, as Vault's `uint32`/duration types.
pub(super) struct MetadataSettings {
    pub max_versions: Option<u32>,
    pub cas_required: Option<bool>,
    pub delete_version_after: Option<u64>,
}

impl MetadataSettings {
    pub fn from_fields(fields: &FieldData) -> Self {
        MetadataSettings {
            // Vault stores a uint32: out-of-range input wraps the same way (-1 → 4294967295).
            max_versions: fields.int("max_versions").map(|v| v as u32),
            cas_required: fields.bool("cas_required"),
            // The field type refuses negatives, so this conversion cannot fail.
            delete_version_after: fields.int("delete_version_after").map(|v| v.unsigned_abs()),
        }
    }

    pub fn apply(&self, meta: &mut KeyMetadata) {
        if let Some(v) = self.max_versions {
            meta.max_versions = v;
        }
        if let Some(v) = self.cas_required {
            meta.cas_required = v;
        }
        if let Some(v) = self.delete_version_after {
            meta.delete_version_after = v;
        }
    }
}

impl KvV2 {
    pub(super) async fn metadata_read(&self, key: &str) -> HandlerResult {
        let _guard = self.lock_for(key).read().await;
        let Some(meta) = self.load_meta(key).await? else {
            return Ok(Outcome::NotFound(None));
        };
        let versions: Map<String, Value> =
            meta.versions.iter().map(|(n, vm)| (n.to_string(), Value::Object(vm.to_map()))).collect();
        let time = |t: &Option<chrono::DateTime<Utc>>| Value::String(t.as_ref().map(format_time).unwrap_or_default());
        let mut m = Map::new();
        m.insert("versions".into(), Value::Object(versions));
        m.insert("current_version".into(), Value::from(meta.current_version));
        m.insert("oldest_version".into(), Value::from(meta.oldest_version));
        m.insert("created_time".into(), time(&meta.created_time));
        m.insert("updated_time".into(), time(&meta.updated_time));
        m.insert("max_versions".into(), Value::from(meta.max_versions));
        m.insert("cas_required".into(), Value::Bool(meta.cas_required));
        let dva = i64::try_from(meta.delete_version_after).unwrap_or(i64::MAX);
        m.insert("delete_version_after".into(), Value::String(format_go_duration(dva)));
        m.insert("custom_metadata".into(), meta.custom_metadata_value());
        Ok(Outcome::Done(Some(Response::with_data(m))))
    }

    /// One level below `prefix` (which ends in `/`): keys, and folders with a trailing slash.
    pub(super) async fn metadata_list(&self, prefix: &str) -> HandlerResult {
        let keys = self.view.list(&format!("{METADATA_PREFIX}{prefix}")).await?;
        if keys.is_empty() {
            return Ok(Outcome::NotFound(None));
        }
        Ok(Outcome::Done(Some(Response::list(keys))))
    }

    pub(super) async fn metadata_write(&self, key: &str, fields: &FieldData) -> HandlerResult {
        if key.is_empty() {
            return Err(CoreError::invalid("missing path"));
        }
        let settings = MetadataSettings::from_fields(fields);
        let custom = fields.map("custom_metadata");
        if settings.max_versions.is_none()
            && settings.cas_required.is_none()
            && settings.delete_version_after.is_none()
            && custom.is_none()
        {
            return Ok(Outcome::Done(None));
        }
        let config = self.load_config().await?;
        let custom = match custom {
            Some(raw) => {
                let parsed = parse_custom_metadata(raw, false)?;
                validate_custom_metadata(&parsed)?;
                Some(parsed)
            }
            None => None,
        };
        let _guard = self.lock_for(key).write().await;
        let mut meta = match self.load_meta(key).await? {
            Some(meta) => meta,
            None => {
                let now = Utc::now();
                let mut meta = KeyMetadata::new(key);
                meta.created_time = Some(now);
                meta.updated_time = Some(now);
                meta
            }
        };
        settings.apply(&mut meta);
        if let Some(custom) = custom {
            meta.custom_metadata = custom;
        }
        self.view.batch(vec![meta_entry(&meta)?]).await?;
        Ok(Outcome::Done(cas_warning(&settings, config.cas_required)))
    }

    /// Removes the key for good: its metadata and every version body.
    pub(super) async fn metadata_delete(&self, key: &str) -> HandlerResult {
        let _guard = self.lock_for(key).write().await;
        let Some(meta) = self.load_meta(key).await? else {
            return Ok(Outcome::Done(None));
        };
        let folder = format!("{VERSIONS_PREFIX}{}/", meta.id);
        let mut batch: Vec<(String, Option<Vec<u8>>)> =
            self.view.list(&folder).await?.into_iter().map(|v| (format!("{folder}{v}"), None)).collect();
        batch.push((meta_key(key), None));
        self.view.batch(batch).await?;
        Ok(Outcome::Done(None))
    }
}

/// A response carrying only the cas warning, when it applies.
pub(super) fn cas_warning(settings: &MetadataSettings, mount_requires_cas: bool) -> Option<Response> {
    (settings.cas_required == Some(false) && mount_requires_cas).then(|| Response::default().warn(CAS_MANDATED_WARNING))
}
