//! The logical response an engine returns; the api crate wraps it in Vault's envelope.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Default)]
pub struct Response {
    pub data: Option<Map<String, Value>>,
    pub warnings: Vec<String>,
    /// Lease on a secret: (renewable, ttl seconds; 0 = the mount's default TTL).
    /// Lease IDs come with the expiration manager.
    pub lease: Option<(bool, u64)>,
}

impl Response {
    pub fn with_data(data: Map<String, Value>) -> Self {
        Response { data: Some(data), ..Default::default() }
    }

    /// Builds a response from a JSON object; anything else becomes `{"value": ...}`.
    pub fn from_value(value: Value) -> Self {
        match value {
            Value::Object(map) => Self::with_data(map),
            other => {
                let mut map = Map::new();
                map.insert("value".into(), other);
                Self::with_data(map)
            }
        }
    }

    /// The answer to a LIST: `{"keys": [...]}`.
    pub fn list(keys: Vec<String>) -> Self {
        let mut map = Map::new();
        map.insert("keys".into(), Value::from(keys));
        Self::with_data(map)
    }

    pub fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }
}
