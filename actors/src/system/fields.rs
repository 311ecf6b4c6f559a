//! Reading loosely typed request fields the way Vault's framework does: null means absent,
//! numbers may arrive as strings, lists as comma-separated strings.

use crate::duration::parse_duration_value;
use crate::CoreError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub fn get<'a>(data: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    data.get(key).filter(|v| !v.is_null())
}

pub fn string(data: &Map<String, Value>, key: &str) -> Result<Option<String>, CoreError> {
    match get(data, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v @ (Value::Number(_) | Value::Bool(_))) => Ok(Some(v.to_string())),
        Some(_) => Err(CoreError::invalid(format!("error converting input for field \"{key}\": expected a string"))),
    }
}

pub fn boolean(data: &Map<String, Value>, key: &str) -> Result<Option<bool>, CoreError> {
    match get(data, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" || s == "1" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" || s == "0" || s.is_empty() => Ok(Some(false)),
        Some(_) => Err(CoreError::invalid(format!("error converting input for field \"{key}\": expected a boolean"))),
    }
}

pub fn duration(data: &Map<String, Value>, key: &str) -> Result<Option<u64>, CoreError> {
    match get(data, key) {
        None => Ok(None),
        Some(Value::String(s)) if s == "system" => Ok(Some(0)),
        Some(v) => parse_duration_value(v).map(Some).map_err(CoreError::invalid),
    }
}

pub fn string_list(data: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, CoreError> {
    match get(data, key) {
        None => Ok(None),
        Some(Value::Array(items)) => {
            Ok(Some(items.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect()))
        }
        Some(Value::String(s)) => {
            Ok(Some(s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()))
        }
        Some(_) => Err(CoreError::invalid(format!("error converting input for field \"{key}\": expected a list"))),
    }
}

/// A map of strings; non-string values are stringified (`{"version": 2}` → `"2"`).
pub fn string_map(data: &Map<String, Value>, key: &str) -> Result<Option<BTreeMap<String, String>>, CoreError> {
    match get(data, key) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect(),
        )),
        Some(_) => Err(CoreError::invalid(format!("error converting input for field \"{key}\": expected a map"))),
    }
}

pub fn object<'a>(data: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Map<String, Value>>, CoreError> {
    match get(data, key) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(CoreError::invalid(format!("error converting input for field \"{key}\": expected a map"))),
    }
}
