//! The response envelope as the Go client decodes it (`api.ParseSecret`), including its quirk
//! that a body with no envelope fields becomes the secret's `data`.

use serde_json::{Map, Value};

use super::gojson::{as_struct, field, Field, Json, Kind};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Secret {
    pub request_id: String,
    pub lease_id: String,
    pub lease_duration: i64,
    pub renewable: bool,
    /// `None` stands for a JSON `null` (Go's nil map), which prints differently from `{}`.
    pub data: Option<Map<String, Value>>,
    pub warnings: Option<Vec<String>>,
    pub auth: Option<Value>,
    pub wrap_info: Option<Value>,
}

const AUTH: &[Field] = &[
    field("client_token", Kind::Str),
    field("accessor", Kind::Str),
    field("policies", Kind::Any),
    field("token_policies", Kind::Any),
    field("identity_policies", Kind::Any),
    field("metadata", Kind::Any),
    field("orphan", Kind::Bool),
    field("entity_id", Kind::Str),
    field("lease_duration", Kind::Int),
    field("renewable", Kind::Bool),
    field("mfa_requirement", Kind::Any),
];

const WRAP_INFO: &[Field] = &[
    field("token", Kind::Str),
    field("accessor", Kind::Str),
    field("ttl", Kind::Int),
    field("creation_time", Kind::Str),
    field("creation_path", Kind::Str),
    field("wrapped_accessor", Kind::Str),
];

/// `api.ParseSecret`: `Ok(None)` for an empty body or a body holding nothing but `errors`.
pub fn parse_secret(body: &[u8]) -> Result<Option<Secret>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let Value::Object(obj) = value else {
        return Err("json: cannot unmarshal non-object into Go value of type api.Secret".into());
    };
    let mut secret = Secret {
        request_id: str_field(&obj, "request_id"),
        lease_id: str_field(&obj, "lease_id"),
        lease_duration: obj.get("lease_duration").and_then(Value::as_i64).unwrap_or(0),
        renewable: obj.get("renewable").and_then(Value::as_bool).unwrap_or(false),
        data: obj.get("data").and_then(Value::as_object).cloned(),
        warnings: obj
            .get("warnings")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|w| w.as_str().map(String::from).unwrap_or_else(|| w.to_string())).collect()),
        auth: obj.get("auth").filter(|v| v.is_object()).cloned(),
        wrap_info: obj.get("wrap_info").filter(|v| v.is_object()).cloned(),
    };
    if secret == Secret::default() {
        // A raw (non-envelope) body: the whole object is the data.
        if let Some(errors) = obj.get("errors") {
            if obj.len() == 1 {
                return Ok(None);
            }
            let msgs: Vec<String> = errors
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
                .unwrap_or_default();
            return Err(msgs.join(" "));
        }
        if !obj.is_empty() {
            secret.data = Some(obj);
        }
    }
    Ok(Some(secret))
}

fn str_field(obj: &Map<String, Value>, key: &str) -> String {
    obj.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

impl Secret {
    /// The secret as `json.MarshalIndent` prints an `api.Secret`.
    pub fn to_json(&self) -> Json {
        let mut out = vec![
            ("request_id".to_string(), Json::str(&self.request_id)),
            ("lease_id".to_string(), Json::str(&self.lease_id)),
            ("lease_duration".to_string(), Json::int(self.lease_duration)),
            ("renewable".to_string(), Json::Bool(self.renewable)),
            ("data".to_string(), self.data_json()),
            (
                "warnings".to_string(),
                match &self.warnings {
                    Some(w) => Json::Arr(w.iter().map(|s| Json::str(s)).collect()),
                    None => Json::Null,
                },
            ),
        ];
        if let Some(auth) = &self.auth {
            out.push(("auth".to_string(), as_struct(Some(auth), AUTH)));
        }
        if let Some(wrap) = &self.wrap_info {
            out.push(("wrap_info".to_string(), as_struct(Some(wrap), WRAP_INFO)));
        }
        Json::Obj(out)
    }

    pub fn data_json(&self) -> Json {
        match &self.data {
            Some(d) => Json::from_value(&Value::Object(d.clone())),
            None => Json::Null,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.data.as_ref().and_then(|d| d.get(key))
    }

    pub fn has_data_or_warnings(&self) -> bool {
        self.data.as_ref().is_some_and(|d| !d.is_empty()) || self.warnings.as_ref().is_some_and(|w| !w.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_is_decoded() {
        let s =
            parse_secret(br#"{"request_id":"r","lease_duration":60,"data":{"a":1},"warnings":null}"#).unwrap().unwrap();
        assert_eq!(s.request_id, "r");
        assert_eq!(s.lease_duration, 60);
        assert_eq!(s.get("a"), Some(&Value::from(1)));
        assert_eq!(s.warnings, None);
    }

    #[test]
    fn raw_bodies_become_data_and_bare_errors_mean_nothing() {
        let s = parse_secret(br#"{"sealed":false,"t":1}"#).unwrap().unwrap();
        assert_eq!(s.get("t"), Some(&Value::from(1)));
        assert_eq!(parse_secret(br#"{"errors":[]}"#), Ok(None));
        assert_eq!(parse_secret(b""), Ok(None));
        assert_eq!(parse_secret(br#"{"errors":["a","b"],"x":1}"#), Err("a b".to_string()));
    }

    #[test]
    fn json_output_keeps_go_field_order() {
        let s = parse_secret(br#"{"data":{"b":1,"a":2},"lease_id":"l"}"#).unwrap().unwrap();
        assert_eq!(
            s.to_json().to_compact(),
            r#"{"request_id":"","lease_id":"l","lease_duration":0,"renewable":false,"data":{"a":2,"b":1},"warnings":null}"#
        );
    }
}
