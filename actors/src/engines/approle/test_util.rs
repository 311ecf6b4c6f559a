//! Helpers for the AppRole unit tests: an engine over an in-memory barrier, and requests.

use super::AppRole;
use crate::logical::{Backend, LogicalBackend};
use crate::test_support::unsealed_view;
use crate::{CoreError, Operation, Request, Response};
use serde_json::{json, Map, Value};

/// An AppRole mount as the router holds it.
pub(crate) type TestEngine = Backend<AppRole>;

pub(crate) async fn must_engine() -> TestEngine {
    Backend::new(AppRole::new(crate::test_support::engine_context(unsealed_view().await))).expect("approle's table")
}

pub(crate) fn req(op: Operation, path: &str, data: Value) -> Request {
    let mut r = Request::new(op, format!("auth/approle/{path}"));
    r.mount_point = "auth/approle/".into();
    r.relative_path = path.to_string();
    if let Value::Object(m) = data {
        r.data = m;
    }
    r.remote_addr = "127.0.0.1".parse().ok();
    r
}

pub(crate) async fn try_call(
    e: &TestEngine,
    op: Operation,
    path: &str,
    data: Value,
) -> Result<Option<Response>, CoreError> {
    e.handle(&req(op, path, data)).await
}

/// The response data of a call that must succeed with a body.
pub(crate) async fn must_data(e: &TestEngine, op: Operation, path: &str, data: Value) -> Map<String, Value> {
    match try_call(e, op, path, data).await {
        Ok(Some(resp)) => resp.data.unwrap_or_default(),
        other => panic!("{op:?} {path}: expected a body, got {other:?}"),
    }
}

/// A call that must succeed (with or without a body).
pub(crate) async fn must_ok(e: &TestEngine, op: Operation, path: &str, data: Value) -> Option<Response> {
    match try_call(e, op, path, data).await {
        Ok(resp) => resp,
        Err(err) => panic!("{op:?} {path}: {err:?}"),
    }
}

/// A call that must fail; returns (status, message).
pub(crate) async fn must_err(e: &TestEngine, op: Operation, path: &str, data: Value) -> (u16, String) {
    match try_call(e, op, path, data).await {
        Err(err) => (err.status(), err.to_string()),
        Ok(resp) => panic!("{op:?} {path}: expected an error, got {resp:?}"),
    }
}

/// Creates `role/<name>` with `data` and returns its role_id.
pub(crate) async fn must_role(e: &TestEngine, name: &str, data: Value) -> String {
    must_ok(e, Operation::Update, &format!("role/{name}"), data).await;
    let d = must_data(e, Operation::Read, &format!("role/{name}/role-id"), json!({})).await;
    d["role_id"].as_str().unwrap_or_default().to_string()
}

/// Generates a secret ID on `name`; returns (secret_id, accessor).
pub(crate) async fn must_secret_id(e: &TestEngine, name: &str, data: Value) -> (String, String) {
    let d = must_data(e, Operation::Update, &format!("role/{name}/secret-id"), data).await;
    let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
    (s("secret_id"), s("secret_id_accessor"))
}

pub(crate) fn login_req(role_id: &str, secret_id: &str) -> Request {
    req(Operation::Update, "login", json!({"role_id": role_id, "secret_id": secret_id}))
}
