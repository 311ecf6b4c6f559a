//! `subkeys/:path`: the shape of a version's data with every value replaced by `null`.

use super::data::requested_version;
use super::{HandlerResult, KvV2, Outcome};
use crate::logical::FieldData;
use crate::Response;
use chrono::Utc;
use serde_json::{Map, Value};

/// Replaces leaves with `null`, keeping non-empty objects as nesting. `max_depth` 0 means no
/// limit; otherwise objects below that depth become leaves too (negative: all top-level keys).
fn strip_values(map: &mut Map<String, Value>, depth: i64, max_depth: i64) {
    for value in map.values_mut() {
        let next = depth + 1;
        match value {
            Value::Object(inner) if !inner.is_empty() && (max_depth == 0 || next <= max_depth) => {
                strip_values(inner, next, max_depth)
            }
            other => *other = Value::Null,
        }
    }
}

impl KvV2 {
    pub(super) async fn subkeys_read(&self, key: &str, fields: &FieldData) -> HandlerResult {
        let max_depth = fields.int("depth").unwrap_or(0);
        let _guard = self.lock_for(key).read().await;
        let Some(meta) = self.load_meta(key).await? else {
            return Ok(Outcome::NotFound(None));
        };
        let version = requested_version(fields, &meta);
        let Some(vm) = meta.versions.get(&version) else {
            return Ok(Outcome::NotFound(None));
        };
        let mut body = Map::new();
        body.insert("subkeys".into(), Value::Null);
        body.insert("metadata".into(), Value::Object(meta.version_response(version, vm)));
        if vm.is_deleted(Utc::now()) || vm.destroyed {
            return Ok(Outcome::NotFound(Some(Response::with_data(body))));
        }
        let stored = self.load_version(&meta, version).await?;
        // Stored `null` data has no subkeys: Vault answers `"subkeys": null`.
        if let Value::Object(mut data) = stored.data {
            strip_values(&mut data, 1, max_depth);
            body.insert("subkeys".into(), Value::Object(data));
        }
        Ok(Outcome::Done(Some(Response::with_data(body))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strip(v: Value, max: i64) -> Value {
        let Value::Object(mut m) = v else { panic!("object") };
        strip_values(&mut m, 1, max);
        Value::Object(m)
    }

    #[test]
    fn strips_values_to_the_requested_depth() {
        let data = json!({"a": [1, 2], "b": {"c": {"d": 1}, "e": {}}, "f": null, "g": "x"});
        assert_eq!(
            strip(data.clone(), 0),
            json!({"a": null, "b": {"c": {"d": null}, "e": null}, "f": null, "g": null})
        );
        assert_eq!(strip(data.clone(), 1), json!({"a": null, "b": null, "f": null, "g": null}));
        assert_eq!(strip(data.clone(), 2), json!({"a": null, "b": {"c": null, "e": null}, "f": null, "g": null}));
        assert_eq!(strip(data, -1), json!({"a": null, "b": null, "f": null, "g": null}));
    }
}
