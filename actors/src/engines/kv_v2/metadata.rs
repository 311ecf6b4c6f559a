//! The stored types of the engine (mount config, per-key metadata, version bodies) and the
//! rules Vault applies to them: version numbering, pruning, deletion times, JSON rendering.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Versions kept per key when neither the mount nor the key sets `max_versions`.
pub(super) const DEFAULT_MAX_VERSIONS: u32 = 10;

/// The mount's `delete_version_after` when it has been switched off (any negative input).
pub(super) const DELETE_VERSION_AFTER_DISABLED: i64 = -1;

/// Mount-wide settings (`config`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(super) struct Config {
    #[serde(default)]
    pub max_versions: u32,
    #[serde(default)]
    pub cas_required: bool,
    /// Seconds; 0 = unset, `DELETE_VERSION_AFTER_DISABLED` = disabled for every key.
    #[serde(default)]
    pub delete_version_after: i64,
}

impl Config {
    pub fn delete_version_after_disabled(&self) -> bool {
        self.delete_version_after < 0
    }
}

/// What Vault tracks about one version of a key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(super) struct VersionMetadata {
    pub created_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub destroyed: bool,
}

impl VersionMetadata {
    /// Soft-deleted: a deletion time that has passed (a future one is only scheduled).
    pub fn is_deleted(&self, now: DateTime<Utc>) -> bool {
        self.deletion_time.is_some_and(|t| t < now)
    }

    /// `created_time`, `deletion_time`, `destroyed`, as the metadata endpoint lists them.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("created_time".into(), Value::String(format_time(&self.created_time)));
        m.insert(
            "deletion_time".into(),
            Value::String(self.deletion_time.as_ref().map(format_time).unwrap_or_default()),
        );
        m.insert("destroyed".into(), Value::Bool(self.destroyed));
        m
    }
}

/// Everything Vault keeps about a key, stored at `metadata/<key>`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(super) struct KeyMetadata {
    /// Names the folder of this key's version bodies, so the bodies of a key deleted and
    /// written again never mix, and keys that look like folders never collide.
    pub id: String,
    pub key: String,
    #[serde(default)]
    pub versions: BTreeMap<u64, VersionMetadata>,
    #[serde(default)]
    pub current_version: u64,
    #[serde(default)]
    pub oldest_version: u64,
    #[serde(default)]
    pub max_versions: u32,
    #[serde(default)]
    pub cas_required: bool,
    /// Seconds; 0 = unset.
    #[serde(default)]
    pub delete_version_after: u64,
    #[serde(default)]
    pub custom_metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub created_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_time: Option<DateTime<Utc>>,
}

impl KeyMetadata {
    pub fn new(key: &str) -> Self {
        KeyMetadata {
            id: uuid::Uuid::new_v4().to_string(),
            key: key.to_string(),
            versions: BTreeMap::new(),
            current_version: 0,
            oldest_version: 0,
            max_versions: 0,
            cas_required: false,
            delete_version_after: 0,
            custom_metadata: BTreeMap::new(),
            created_time: None,
            updated_time: None,
        }
    }

    /// Vault answers `null` for a key without custom metadata (it never tells empty from unset).
    pub fn custom_metadata_value(&self) -> Value {
        if self.custom_metadata.is_empty() {
            Value::Null
        } else {
            Value::Object(self.custom_metadata.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
        }
    }

    /// Appends a version and slides the `max_versions` window as Vault's `AddVersion` does: the
    /// larger of the key's and the mount's limit wins, 0 on both means 10. Returns the new
    /// version number and the versions whose bodies must be deleted.
    pub fn add_version(&mut self, vm: VersionMetadata, config_max_versions: u32) -> (u64, Vec<u64>) {
        let created = vm.created_time;
        self.current_version += 1;
        self.versions.insert(self.current_version, vm);
        self.updated_time = Some(created);
        if self.created_time.is_none() {
            self.created_time = Some(created);
        }
        let max = match self.max_versions.max(config_max_versions) {
            0 => DEFAULT_MAX_VERSIONS,
            n => n,
        };
        let mut pruned = Vec::new();
        if self.current_version - self.oldest_version >= u64::from(max) {
            // A loop, not one step: the limit may have been lowered since the last write.
            let version_to_delete = self.current_version - u64::from(max);
            for v in self.oldest_version..=version_to_delete {
                self.versions.remove(&v);
                if v > 0 {
                    pruned.push(v);
                }
            }
            self.oldest_version = version_to_delete + 1;
        }
        (self.current_version, pruned)
    }

    /// The flat version metadata a write, patch or deleted-version 404 answers with.
    pub fn version_response(&self, version: u64, vm: &VersionMetadata) -> Map<String, Value> {
        let mut m = vm.to_map();
        m.insert("custom_metadata".into(), self.custom_metadata_value());
        m.insert("version".into(), Value::from(version));
        m
    }
}

/// The body of one version, stored at `versions/<metadata id>/<version>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredVersion {
    /// The `data` object as written; `null` is possible (Vault accepts `"data": null`).
    pub data: Value,
}

/// When a version created (or undeleted) at `from` is due for deletion: after the smaller of the
/// mount's and the key's non-zero `delete_version_after`, never if the mount disabled it.
pub(super) fn deletion_time(from: DateTime<Utc>, config: &Config, meta: &KeyMetadata) -> Option<DateTime<Utc>> {
    if config.delete_version_after_disabled() {
        return None;
    }
    let mount = u64::try_from(config.delete_version_after).unwrap_or(0);
    let key = meta.delete_version_after;
    let secs = match (mount, key) {
        (0, 0) => return None,
        (0, k) => k,
        (m, 0) => m,
        (m, k) => m.min(k),
    };
    let secs = i64::try_from(secs).ok()?;
    from.checked_add_signed(chrono::TimeDelta::try_seconds(secs)?)
}

/// RFC 3339 with trailing zeros of the fraction dropped, as Go's `time.RFC3339Nano` prints
/// (`2018-03-22T02:24:06.945319214Z`, `2018-03-22T02:24:06.9453Z`, `2018-03-22T02:24:06Z`).
pub(super) fn format_time(t: &DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        return format!("{base}Z");
    }
    let frac = format!("{nanos:09}");
    format!("{base}.{}Z", frac.trim_end_matches('0'))
}

/// Go's `time.Duration.String()` for whole seconds, sign included ("-1s", "1h0m0s").
pub(super) fn format_go_duration(secs: i64) -> String {
    let formatted = crate::duration::format_duration(secs.unsigned_abs());
    if secs < 0 {
        format!("-{formatted}")
    } else {
        formatted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn vm(secs: i64) -> VersionMetadata {
        VersionMetadata { created_time: Utc.timestamp_opt(secs, 0).unwrap(), deletion_time: None, destroyed: false }
    }

    #[test]
    fn formats_times_like_go() {
        let t = Utc.timestamp_opt(1_521_685_446, 945_319_214).unwrap();
        assert_eq!(format_time(&t), "2018-03-22T02:24:06.945319214Z");
        let t = Utc.timestamp_opt(1_521_685_446, 945_300_000).unwrap();
        assert_eq!(format_time(&t), "2018-03-22T02:24:06.9453Z");
        let t = Utc.timestamp_opt(1_521_685_446, 0).unwrap();
        assert_eq!(format_time(&t), "2018-03-22T02:24:06Z");
        assert_eq!(format_go_duration(-1), "-1s");
        assert_eq!(format_go_duration(3600), "1h0m0s");
        assert_eq!(format_go_duration(0), "0s");
    }

    #[test]
    fn add_version_prunes_with_the_larger_limit() {
        let mut meta = KeyMetadata::new("k");
        meta.max_versions = 2;
        assert_eq!(meta.add_version(vm(1), 0), (1, vec![]));
        // Vault's window starts at version 0, so the first prune removes nothing real.
        assert_eq!(meta.add_version(vm(2), 0), (2, vec![]));
        assert_eq!(meta.oldest_version, 1);
        assert_eq!(meta.add_version(vm(3), 0), (3, vec![1]));
        assert_eq!(meta.oldest_version, 2);
        assert_eq!(meta.versions.keys().copied().collect::<Vec<_>>(), vec![2, 3]);
        // A mount limit above the key's wins.
        assert_eq!(meta.add_version(vm(4), 5), (4, vec![]));
        // Lowering the limit prunes several versions on the next write.
        meta.max_versions = 1;
        assert_eq!(meta.add_version(vm(5), 0), (5, vec![2, 3, 4]));
        assert_eq!(meta.oldest_version, 5);
        assert_eq!(meta.created_time, Some(Utc.timestamp_opt(1, 0).unwrap()));
        assert_eq!(meta.updated_time, Some(Utc.timestamp_opt(5, 0).unwrap()));
    }

    #[test]
    fn default_limit_is_ten() {
        let mut meta = KeyMetadata::new("k");
        for i in 1..=10 {
            assert!(meta.add_version(vm(i), 0).1.is_empty());
        }
        assert_eq!(meta.add_version(vm(11), 0).1, vec![1]);
        assert_eq!(meta.oldest_version, 2);
    }

    #[test]
    fn deletion_time_takes_the_smaller_non_zero_setting() {
        let t = Utc.timestamp_opt(1000, 0).unwrap();
        let mut config = Config::default();
        let mut meta = KeyMetadata::new("k");
        assert_eq!(deletion_time(t, &config, &meta), None);
        config.delete_version_after = 60;
        assert_eq!(deletion_time(t, &config, &meta), Some(Utc.timestamp_opt(1060, 0).unwrap()));
        meta.delete_version_after = 30;
        assert_eq!(deletion_time(t, &config, &meta), Some(Utc.timestamp_opt(1030, 0).unwrap()));
        config.delete_version_after = 0;
        meta.delete_version_after = 90;
        assert_eq!(deletion_time(t, &config, &meta), Some(Utc.timestamp_opt(1090, 0).unwrap()));
        config.delete_version_after = DELETE_VERSION_AFTER_DISABLED;
        assert_eq!(deletion_time(t, &config, &meta), None);
    }
}
