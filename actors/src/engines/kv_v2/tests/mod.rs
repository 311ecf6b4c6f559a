//! Engine-level tests: every path goes through the framework's table (`handle`), with 404
//! bodies turned back into outcomes to look at them.
//! Expected texts and shapes were taken from a real OpenBao/Vault dev server.

mod config;
mod data;
mod metadata;
mod patch;
mod routing;
mod versions;

use super::metadata::KeyMetadata;
use super::{KvV2, Outcome, METADATA_PREFIX, VERSIONS_PREFIX};
use crate::logical::{Backend, LogicalBackend};
use crate::test_support::{engine_context, unsealed_view};
use crate::{CoreError, Operation, Request, Response};
use serde_json::{json, Value};

pub(super) use Operation::{Delete as DEL, List as LIST, Patch as PATCH, Read as GET, Update as PUT};

pub(super) type Kv = Backend<KvV2>;

pub(super) async fn kv() -> Kv {
    Backend::new(KvV2::new(engine_context(unsealed_view().await))).unwrap()
}

pub(super) fn req(op: Operation, path: &str, data: Value) -> Request {
    // The HTTP layer appends the slash to every LIST path.
    let path = if op == LIST && !path.ends_with('/') { format!("{path}/") } else { path.to_string() };
    let mut r = Request::new(op, format!("secret/{path}"));
    r.mount_point = "secret/".into();
    r.relative_path = path.to_string();
    if let Value::Object(m) = data {
        r.data = m;
    }
    r
}

pub(super) async fn call(kv: &Kv, op: Operation, path: &str, data: Value) -> Result<Outcome, CoreError> {
    match kv.handle(&req(op, path, data)).await {
        Ok(resp) => Ok(Outcome::Done(resp)),
        Err(CoreError::NotFoundWith(body)) => Ok(Outcome::NotFound(Some(*body))),
        Err(CoreError::NotFound) => Ok(Outcome::NotFound(None)),
        Err(e) => Err(e),
    }
}

/// A successful response (panics otherwise).
pub(super) async fn ok(kv: &Kv, op: Operation, path: &str, data: Value) -> Option<Response> {
    match call(kv, op, path, data).await {
        Ok(Outcome::Done(resp)) => resp,
        other => panic!("{op:?} {path}: expected success, got {other:?}"),
    }
}

/// The `data` of a successful response, `Value::Null` when there is none.
pub(super) async fn ok_data(kv: &Kv, op: Operation, path: &str, data: Value) -> Value {
    ok(kv, op, path, data).await.and_then(|r| r.data).map_or(Value::Null, Value::Object)
}

/// A 404 outcome; returns its body's `data` (or `Value::Null`) and warnings.
pub(super) async fn not_found(kv: &Kv, op: Operation, path: &str, data: Value) -> (Value, Vec<String>) {
    match call(kv, op, path, data).await {
        Ok(Outcome::NotFound(body)) => {
            let body = body.unwrap_or_default();
            (body.data.map_or(Value::Null, Value::Object), body.warnings)
        }
        other => panic!("{op:?} {path}: expected 404, got {other:?}"),
    }
}

/// An error; returns (HTTP status, message).
pub(super) async fn err(kv: &Kv, op: Operation, path: &str, data: Value) -> (u16, String) {
    match call(kv, op, path, data).await {
        Err(e) => (e.status(), e.to_string()),
        other => panic!("{op:?} {path}: expected an error, got {other:?}"),
    }
}

/// Writes `data` to `data/<key>` and returns the write's response data.
pub(super) async fn write(kv: &Kv, key: &str, data: Value) -> Value {
    ok_data(kv, PUT, &format!("data/{key}"), json!({ "data": data })).await
}

/// The stored metadata of a key, straight from storage.
pub(super) async fn stored_meta(kv: &Kv, key: &str) -> Option<KeyMetadata> {
    kv.engine().view.get_json(&format!("{METADATA_PREFIX}{key}")).await.unwrap()
}

pub(super) async fn put_meta(kv: &Kv, meta: &KeyMetadata) {
    kv.engine().view.put_json(&format!("{METADATA_PREFIX}{}", meta.key), meta).await.unwrap();
}

/// The version bodies stored for a metadata id.
pub(super) async fn stored_versions(kv: &Kv, id: &str) -> Vec<String> {
    let mut v = kv.engine().view.list(&format!("{VERSIONS_PREFIX}{id}/")).await.unwrap();
    v.sort_by_key(|s| s.parse::<u64>().unwrap_or(u64::MAX));
    v
}

/// Checks Vault's timestamp shape: RFC 3339 in UTC, `Z`, no trailing zeros in the fraction.
pub(super) fn assert_timestamp(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert!(chrono::DateTime::parse_from_rfc3339(s).is_ok(), "not RFC 3339: {s}");
    assert!(s.ends_with('Z'), "not UTC: {s}");
    if let Some((_, frac)) = s.trim_end_matches('Z').split_once('.') {
        assert!(!frac.ends_with('0') && frac.len() <= 9, "bad fraction: {s}");
    }
}

#[tokio::test]
async fn handle_maps_outcomes_to_core_errors() {
    let kv = kv().await;
    write(&kv, "a", json!({"x": 1})).await;
    let resp = kv.handle(&req(GET, "data/a", json!({}))).await.unwrap().unwrap();
    assert_eq!(resp.data.unwrap()["data"], json!({"x": 1}));
    assert!(kv.handle(&req(DEL, "data/a", json!({}))).await.unwrap().is_none());
    // A deleted version: 404 carrying the version's metadata; a missing key: a bare 404.
    let e = kv.handle(&req(GET, "data/a", json!({}))).await.unwrap_err();
    assert_eq!((e.status(), e.messages()), (404, Vec::<String>::new()));
    let CoreError::NotFoundWith(resp) = e else { panic!("expected a body, got {e:?}") };
    let data = resp.data.unwrap();
    assert_eq!(data["data"], Value::Null);
    assert_eq!(data["metadata"]["version"], json!(1));
    let e = kv.handle(&req(GET, "data/missing", json!({}))).await.unwrap_err();
    assert!(matches!(e, CoreError::NotFound));
    // The invalid-path hint is a 404 with warnings and no data.
    let e = kv.handle(&req(GET, "bogus", json!({}))).await.unwrap_err();
    assert_eq!(e.status(), 404);
    let CoreError::NotFoundWith(resp) = e else { panic!("expected a body, got {e:?}") };
    assert!(resp.data.is_none());
    assert!(resp.warnings[0].starts_with("Invalid path for a versioned K/V secrets engine."));
    let e = kv.handle(&req(PUT, "data/a", json!({}))).await.unwrap_err();
    assert_eq!((e.status(), e.to_string()), (400, "no data provided".to_string()));
}
