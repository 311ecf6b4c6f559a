//! Audit entries as Vault writes them (`audit.AuditRequestEntry` / `AuditResponseEntry`): one
//! JSON object per line, empty fields left out (Go's `omitempty`), keys in sorted order, and
//! every string of tokens, accessors, request data and response data replaced by
//! `hmac-sha256:<hex>` under the device's salt unless the device logs raw.
//!
//! Entries are written straight into the line's bytes: no JSON tree is built and no request or
//! response data is copied, which is most of what an audited request costs beyond the write.

use super::headers::HeaderConfig;
use crate::response::{Auth, WrapInfo};
use crate::token_store::TokenEntry;
use crate::{Request, Response};
use chrono::{SecondsFormat, Utc};
use serde_json::{Map, Value};

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
    fn hashing(&self) -> bool {
        self.hash.is_some()
    }

    fn secret<'s>(&self, s: &'s str) -> std::borrow::Cow<'s, str> {
        match self.hash {
            Some(h) if !s.is_empty() => std::borrow::Cow::Owned(h(s)),
            _ => std::borrow::Cow::Borrowed(s),
        }
    }

    fn accessor<'s>(&self, s: &'s str) -> std::borrow::Cow<'s, str> {
        if self.accessors {
            self.secret(s)
        } else {
            std::borrow::Cow::Borrowed(s)
        }
    }

    /// Vault's `HashStructure`: every string below `v`.
    fn write_value(&self, out: &mut Vec<u8>, v: &Value) {
        match v {
            Value::String(s) if self.hashing() => write_str(out, &self.secret(s)),
            Value::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write_value(out, item);
                }
                out.push(b']');
            }
            Value::Object(m) => {
                out.push(b'{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(out, k);
                    out.push(b':');
                    self.write_value(out, v);
                }
                out.push(b'}');
            }
            other => write_json(out, other),
        }
    }

    /// Request or response data: hashed, except the top-level keys listed.
    fn write_data(&self, o: &mut Obj, data: &Map<String, Value>, keep: &[String], elide_keys: bool) {
        if data.is_empty() {
            return;
        }
        o.key("data");
        let out = &mut *o.out;
        out.push(b'{');
        for (i, (k, v)) in data.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, k);
            out.push(b':');
            match v {
                // `elide_list_responses`: a list's keys become their count.
                Value::Array(keys) if elide_keys && k == "keys" => write_json(out, &Value::from(keys.len())),
                v if keep.iter().any(|x| x == k) => write_json(out, v),
                v => self.write_value(out, v),
            }
        }
        out.push(b'}');
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    let _ = serde_json::to_writer(&mut *out, v);
}

/// One JSON object being written, with Go's `omitempty`: empty strings, zeros, `false`, empty
/// collections and objects that end up empty are left out.
struct Obj<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> Obj<'o> {
    fn open(out: &'o mut Vec<u8>) -> Obj<'o> {
        out.push(b'{');
        Obj { out, empty: true }
    }

    fn close(self) {
        self.out.push(b'}');
    }

    fn key(&mut self, k: &str) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        write_str(self.out, k);
        self.out.push(b':');
    }

    fn str(&mut self, k: &str, v: &str) {
        if !v.is_empty() {
            self.key(k);
            write_str(self.out, v);
        }
    }

    fn num(&mut self, k: &str, v: i64) {
        if v != 0 {
            self.key(k);
            write_json(self.out, &v);
        }
    }

    fn strs(&mut self, k: &str, v: &[String]) {
        if !v.is_empty() {
            self.key(k);
            write_json(self.out, v);
        }
    }

    fn map(&mut self, k: &str, v: &std::collections::BTreeMap<String, String>) {
        if !v.is_empty() {
            self.key(k);
            write_json(self.out, v);
        }
    }

    /// A nested object, left out when nothing was written into it.
    fn obj(&mut self, k: &str, f: impl FnOnce(&mut Obj)) {
        let (mark, was_empty) = (self.out.len(), self.empty);
        self.key(k);
        let mut inner = Obj::open(self.out);
        f(&mut inner);
        if inner.empty {
            self.out.truncate(mark);
            self.empty = was_empty;
        } else {
            inner.close();
        }
    }
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The calling token and its accessor as an entry shows them, hashed once for both blocks.
struct Caller<'a> {
    token: Option<std::borrow::Cow<'a, str>>,
    accessor: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> Caller<'a> {
    fn of(input: &'a LogInput, h: &Hashing) -> Caller<'a> {
        Caller {
            token: input.request.client_token.as_ref().map(|s| h.secret(s.as_str())),
            accessor: input.token.map(|t| h.accessor(&t.accessor)),
        }
    }
}

/// The calling token as the `auth` block of both entries.
fn caller(o: &mut Obj, input: &LogInput, c: &Caller) {
    let Some(t) = input.token else {
        return;
    };
    o.obj("auth", |a| {
        a.str("accessor", c.accessor.as_deref().unwrap_or(""));
        a.str("client_token", c.token.as_deref().unwrap_or(""));
        a.str("display_name", &t.display_name);
        a.str("entity_id", &t.entity_id);
        a.map("metadata", &t.meta);
        a.strs("policies", &t.policies);
        a.num("remaining_uses", t.num_uses.max(0));
        let issued = t.issue_time.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
        a.str("token_issue_time", issued.as_deref().unwrap_or(""));
        a.strs("token_policies", &t.policies);
        a.num("token_ttl", i64::try_from(t.ttl).unwrap_or(i64::MAX));
        a.str("token_type", t.token_type.as_str());
    });
}

fn request(o: &mut Obj, input: &LogInput, h: &Hashing, c: &Caller) {
    let req = input.request;
    o.obj("request", |r| {
        r.str("client_token", c.token.as_deref().unwrap_or(""));
        r.str("client_token_accessor", c.accessor.as_deref().unwrap_or(""));
        h.write_data(r, &req.data, input.non_hmac_request_keys, false);
        headers(r, input, h);
        r.str("id", &req.id);
        r.str("mount_accessor", input.mount_accessor);
        let class = if input.mount_type.is_empty() {
            ""
        } else if req.mount_point.starts_with("auth/") {
            "auth"
        } else {
            "secret"
        };
        r.str("mount_class", class);
        r.str("mount_point", &req.mount_point);
        r.str("mount_type", input.mount_type);
        r.obj("namespace", |n| n.str("id", "root"));
        r.str("operation", req.operation.as_str());
        r.str("path", &req.path);
        r.str("remote_address", &req.remote_addr.map(|a| a.to_string()).unwrap_or_default());
        r.num("wrap_ttl", req.wrap_ttl.map_or(0, |t| i64::try_from(t).unwrap_or(i64::MAX)));
    });
}

/// The configured request headers the request carried, HMAC'd where configured.
fn headers(o: &mut Obj, input: &LogInput, h: &Hashing) {
    o.obj("headers", |hs| {
        for (name, settings) in h.headers {
            let Some(values) = input.request.headers.get(name) else {
                continue;
            };
            hs.key(name);
            hs.out.push(b'[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    hs.out.push(b',');
                }
                let shown = if settings.hmac { h.secret(v) } else { std::borrow::Cow::Borrowed(v.as_str()) };
                write_str(hs.out, &shown);
            }
            hs.out.push(b']');
        }
    });
}

fn response_auth(o: &mut Obj, a: &Auth, h: &Hashing) {
    o.obj("auth", |x| {
        x.str("accessor", &h.accessor(&a.accessor));
        x.str("client_token", &h.secret(a.client_token.as_str()));
        x.str("entity_id", &a.entity_id);
        x.map("metadata", &a.metadata);
        x.num("num_uses", a.num_uses);
        x.strs("policies", &a.policies);
        x.strs("token_policies", &a.token_policies);
        x.num("token_ttl", i64::try_from(a.lease_duration).unwrap_or(i64::MAX));
        x.str("token_type", &a.token_type);
    });
}

fn wrap_info(o: &mut Obj, w: &WrapInfo, h: &Hashing) {
    o.obj("wrap_info", |x| {
        x.str("accessor", &h.accessor(&w.accessor));
        x.str("creation_path", &w.creation_path);
        x.str("creation_time", &w.creation_time);
        x.str("token", &h.secret(w.token.as_str()));
        x.num("ttl", i64::try_from(w.ttl).unwrap_or(i64::MAX));
        x.str("wrapped_accessor", &h.accessor(&w.wrapped_accessor));
    });
}

fn response(o: &mut Obj, input: &LogInput, h: &Hashing) {
    let req = input.request;
    let Some(resp) = input.response else {
        return;
    };
    o.obj("response", |r| {
        if let Some(a) = &resp.auth {
            response_auth(r, a, h);
        }
        if let Some(data) = &resp.data {
            let elide = h.elide_lists && req.operation == crate::Operation::List;
            h.write_data(r, data, input.non_hmac_response_keys, elide);
        }
        r.str("mount_accessor", input.mount_accessor);
        r.str("mount_point", &req.mount_point);
        r.str("mount_type", input.mount_type);
        if let Some(id) = &resp.lease_id {
            r.obj("secret", |x| x.str("lease_id", id));
        }
        r.strs("warnings", &resp.warnings);
        if let Some(w) = &resp.wrap_info {
            wrap_info(r, w, h);
        }
    });
}

/// Appends the request entry (or, with `response`, the response entry) of `input` to `out`.
pub fn write_entry(out: &mut Vec<u8>, input: &LogInput, h: &Hashing, response_entry: bool) {
    let c = Caller::of(input, h);
    let mut o = Obj::open(out);
    caller(&mut o, input, &c);
    o.str("error", input.error.as_deref().unwrap_or(""));
    request(&mut o, input, h, &c);
    if response_entry {
        response(&mut o, input, h);
    }
    o.str("time", &now());
    o.str("type", if response_entry { "response" } else { "request" });
    o.close();
}

/// An entry as a JSON value (the jsonx format, and tests).
fn entry_value(input: &LogInput, h: &Hashing, response_entry: bool) -> Value {
    let mut out = Vec::new();
    write_entry(&mut out, input, h, response_entry);
    serde_json::from_slice(&out).unwrap_or(Value::Null)
}

/// The request entry.
pub fn request_entry(input: &LogInput, h: &Hashing) -> Value {
    entry_value(input, h, false)
}

/// The response entry.
pub fn response_entry(input: &LogInput, h: &Hashing) -> Value {
    entry_value(input, h, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Operation, SecretString};
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

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
