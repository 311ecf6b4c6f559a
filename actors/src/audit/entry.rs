//! Audit entries as Vault writes them (`audit.AuditRequestEntry` / `AuditResponseEntry`): one
//! JSON object per line, empty fields left out, and every string of tokens, accessors, request
//! data and response data replaced by `hmac-sha256:<hex>` under the device's salt unless the
//! device logs raw.

use super::headers::HeaderConfig;
use crate::response::{Auth, WrapInfo};
use crate::token_store::TokenEntry;
use crate::{Request, Response};
use chrono::{SecondsFormat, Utc};
use serde_json::{json, Map, Value};

/// What one request gives every device: the request as the pipeline saw it, the calling token,
/// the mount that serves it and, for the response entry, the outcome.
pub struct LogInput<'a> {
    pub request: &'a Request,
    pub token: Option<&'a TokenEntry>,
    pub mount_type: &'a str,
    pub mount_accessor: &'a str,
    /// The mount's `audit_non_hmac_request_keys` / `audit_non_hmac_response_keys`.
    pub non_hmac_request_keys: &'a [String],
    pub non_hmac_response_keys: &'a [String],
    pub response: Option<&'a Response>,
    pub error: Option<String>,
}

/// How a device renders strings it must not log in clear.
pub struct Hashing<'a> {
    /// `None`: the device logs raw (`log_raw`).
    pub hash: Option<&'a dyn Fn(&str) -> String>,
    /// `hmac_accessor`: accessors are hashed too.
    pub accessors: bool,
    /// `elide_list_responses`: a list response's `keys` become their count.
    pub elide_lists: bool,
    /// The request headers to log, and which to HMAC.
    pub headers: &'a HeaderConfig,
}

impl Hashing<'_> {
    fn secret(&self, s: &str) -> String {
        match self.hash {
            Some(h) if !s.is_empty() => h(s),
            _ => s.to_string(),
        }
    }

    fn accessor(&self, s: &str) -> String {
        if self.accessors {
            self.secret(s)
        } else {
            s.to_string()
        }
    }

    /// Vault's `HashStructure`: every string below `data`, except the top-level keys listed.
    fn data(&self, data: &Map<String, Value>, keep: &[String]) -> Map<String, Value> {
        data.iter()
            .map(|(k, v)| {
                let v = if keep.iter().any(|x| x == k) { v.clone() } else { self.value(v) };
                (k.clone(), v)
            })
            .collect()
    }

    fn value(&self, v: &Value) -> Value {
        match v {
            Value::String(s) if self.hash.is_some() => Value::String(self.secret(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i)).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), self.value(v))).collect()),
            other => other.clone(),
        }
    }
}

/// Drops empty strings, zeros, `false`, nulls and empty collections, as Go's `omitempty`.
fn compact(mut m: Map<String, Value>) -> Value {
    m.retain(|_, v| match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    });
    Value::Object(m)
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The calling token and its accessor as an entry shows them, hashed once for both blocks.
struct Caller {
    token: Option<String>,
    accessor: Option<String>,
}

impl Caller {
    fn of(input: &LogInput, h: &Hashing) -> Caller {
        Caller {
            token: input.request.client_token.as_ref().map(|s| h.secret(s.as_str())),
            accessor: input.token.map(|t| h.accessor(&t.accessor)),
        }
    }
}

/// The calling token as the `auth` block of both entries.
fn caller(input: &LogInput, c: &Caller) -> Value {
    let Some(t) = input.token else {
        return json!({});
    };
    compact(object(json!({
        "client_token": c.token,
        "accessor": c.accessor,
        "display_name": t.display_name,
        "policies": t.policies,
        "token_policies": t.policies,
        "metadata": t.meta,
        "entity_id": t.entity_id,
        "remaining_uses": t.num_uses.max(0),
        "token_type": t.token_type.as_str(),
        "token_ttl": t.ttl,
        "token_issue_time": t.issue_time.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
    })))
}

fn request(input: &LogInput, h: &Hashing, c: &Caller) -> Value {
    let req = input.request;
    let remote = req.remote_addr.map(|a| a.to_string());
    compact(object(json!({
        "id": req.id,
        "operation": req.operation.as_str(),
        "mount_point": req.mount_point,
        "mount_type": input.mount_type,
        "mount_accessor": input.mount_accessor,
        "mount_class": if input.mount_type.is_empty() { "" } else if req.mount_point.starts_with("auth/") { "auth" } else { "secret" },
        "client_token": c.token,
        "client_token_accessor": c.accessor,
        "namespace": {"id": "root"},
        "path": req.path,
        "data": h.data(&req.data, input.non_hmac_request_keys),
        "remote_address": remote,
        "wrap_ttl": req.wrap_ttl,
        "headers": headers(input, h),
    })))
}

/// The configured request headers the request carried, HMAC'd where configured.
fn headers(input: &LogInput, h: &Hashing) -> Map<String, Value> {
    h.headers
        .iter()
        .filter_map(|(name, settings)| {
            let values = input.request.headers.get(name)?;
            let shown = values.iter().map(|v| if settings.hmac { h.secret(v) } else { v.clone() });
            Some((name.clone(), Value::Array(shown.map(Value::String).collect())))
        })
        .collect()
}

fn response_auth(a: &Auth, h: &Hashing) -> Value {
    compact(object(json!({
        "client_token": h.secret(a.client_token.as_str()),
        "accessor": h.accessor(&a.accessor),
        "policies": a.policies,
        "token_policies": a.token_policies,
        "metadata": a.metadata,
        "num_uses": a.num_uses,
        "entity_id": a.entity_id,
        "token_type": a.token_type,
        "token_ttl": a.lease_duration,
    })))
}

fn wrap_info(w: &WrapInfo, h: &Hashing) -> Value {
    compact(object(json!({
        "ttl": w.ttl,
        "token": h.secret(w.token.as_str()),
        "accessor": h.accessor(&w.accessor),
        "creation_time": w.creation_time,
        "creation_path": w.creation_path,
        "wrapped_accessor": h.accessor(&w.wrapped_accessor),
    })))
}

fn response(input: &LogInput, h: &Hashing) -> Value {
    let req = input.request;
    let Some(resp) = input.response else {
        return json!({});
    };
    let mut data = resp.data.as_ref().map(|d| h.data(d, input.non_hmac_response_keys)).unwrap_or_default();
    if h.elide_lists && req.operation == crate::Operation::List {
        if let Some(Value::Array(keys)) = data.get("keys") {
            let n = keys.len();
            data.insert("keys".into(), json!(n));
        }
    }
    compact(object(json!({
        "mount_point": req.mount_point,
        "mount_type": input.mount_type,
        "mount_accessor": input.mount_accessor,
        "auth": resp.auth.as_ref().map(|a| response_auth(a, h)),
        "secret": resp.lease_id.as_ref().map(|id| json!({"lease_id": id})),
        "data": data,
        "warnings": resp.warnings,
        "wrap_info": resp.wrap_info.as_ref().map(|w| wrap_info(w, h)),
    })))
}

/// The request entry.
pub fn request_entry(input: &LogInput, h: &Hashing) -> Value {
    let c = Caller::of(input, h);
    compact(object(json!({
        "time": now(),
        "type": "request",
        "auth": caller(input, &c),
        "request": request(input, h, &c),
        "error": input.error,
    })))
}

/// The response entry.
pub fn response_entry(input: &LogInput, h: &Hashing) -> Value {
    let c = Caller::of(input, h);
    compact(object(json!({
        "time": now(),
        "type": "response",
        "auth": caller(input, &c),
        "request": request(input, h, &c),
        "response": response(input, h),
        "error": input.error,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Operation, SecretString};

    fn hashed(s: &str) -> String {
        format!("hmac-sha256:{}", s.len())
    }

    #[test]
    fn secrets_in_data_and_tokens_are_hashed_and_empty_fields_left_out() {
        let mut req = Request::new(Operation::Update, "secret/data/app");
        req.client_token = Some(SecretString::new("hvs.root"));
        req.mount_point = "secret/".into();
        req.data = object(json!({"data": {"password": "hunter2", "n": 3}, "options": {"cas": 1}, "plain": "x"}));
        let keep = vec!["plain".to_string()];
        let input = LogInput {
            request: &req,
            token: None,
            mount_type: "kv",
            mount_accessor: "kv_1",
            non_hmac_request_keys: &keep,
            non_hmac_response_keys: &[],
            response: None,
            error: None,
        };
        let hash = |s: &str| hashed(s);
        let h = Hashing { hash: Some(&hash), accessors: true, elide_lists: false, headers: &HeaderConfig::new() };
        let e = request_entry(&input, &h);
        assert_eq!(e["type"], "request");
        assert_eq!(e["request"]["client_token"], "hmac-sha256:8");
        assert_eq!(e["request"]["data"]["data"], json!({"password": "hmac-sha256:7", "n": 3}));
        assert_eq!(e["request"]["data"]["plain"], "x");
        assert_eq!(e["request"]["mount_class"], "secret");
        assert!(e.get("error").is_none() && e["request"].get("wrap_ttl").is_none());
        let raw = Hashing { hash: None, accessors: true, elide_lists: false, headers: &HeaderConfig::new() };
        assert_eq!(request_entry(&input, &raw)["request"]["data"]["data"]["password"], "hunter2");
    }

    #[test]
    fn list_responses_can_be_elided() {
        let req = Request::new(Operation::List, "secret/metadata/");
        let resp = Response::with_data(object(json!({"keys": ["a", "b"]})));
        let input = LogInput {
            request: &req,
            token: None,
            mount_type: "kv",
            mount_accessor: "",
            non_hmac_request_keys: &[],
            non_hmac_response_keys: &[],
            response: Some(&resp),
            error: Some("boom".into()),
        };
        let h = Hashing { hash: None, accessors: true, elide_lists: true, headers: &HeaderConfig::new() };
        let e = response_entry(&input, &h);
        assert_eq!(e["response"]["data"]["keys"], 2);
        assert_eq!(e["error"], "boom");
    }
}
