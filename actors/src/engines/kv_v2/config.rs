//! `config`: the mount-wide `max_versions`, `cas_required` and `delete_version_after`.

use super::metadata::{format_go_duration, DELETE_VERSION_AFTER_DISABLED};
use super::{HandlerResult, KvV2, Outcome, CONFIG_KEY};
use crate::logical::FieldData;
use crate::Response;
use serde_json::{Map, Value};

impl KvV2 {
    pub(super) async fn config_read(&self) -> HandlerResult {
        let config = self.load_config().await?;
        let mut m = Map::new();
        m.insert("max_versions".into(), Value::from(config.max_versions));
        m.insert("cas_required".into(), Value::Bool(config.cas_required));
        m.insert("delete_version_after".into(), Value::String(format_go_duration(config.delete_version_after)));
        Ok(Outcome::Done(Some(Response::with_data(m))))
    }

    pub(super) async fn config_write(&self, fields: &FieldData) -> HandlerResult {
        let (max, cas, dva) =
            (fields.int("max_versions"), fields.bool("cas_required"), fields.int("delete_version_after"));
        if max.is_none() && cas.is_none() && dva.is_none() {
            return Ok(Outcome::Done(None));
        }
        let mut config = self.load_config().await?;
        if let Some(max) = max {
            // Vault stores a uint32: out-of-range input wraps the same way.
            config.max_versions = max as u32;
        }
        if let Some(cas) = cas {
            config.cas_required = cas;
        }
        if let Some(dva) = dva {
            // Negative disables deletion times for every key; zero clears the setting.
            config.delete_version_after = if dva < 0 { DELETE_VERSION_AFTER_DISABLED } else { dva };
        }
        self.view.put_json(CONFIG_KEY, &config).await?;
        Ok(Outcome::Done(None))
    }
}
