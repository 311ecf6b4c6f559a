//! In-process tests of the request pipeline: a core on in-memory storage, initialized and
//! unsealed, driven through `handle_request` as the HTTP layer drives it (milliseconds each).

mod audit;
mod builtin;
mod framework;
mod lifecycle;
mod requests;
mod transit;

use crate::core::{Core, CoreConfig};
use crate::{CoreError, Operation, Request, Response, SecretString};
use serde_json::{Map, Value};
use std::sync::Arc;
use strongbox_storage::{InmemBackend, PhysicalBackend};

/// The root token of every test core.
pub const ROOT: &str = "root";

/// A core on in-memory storage, initialized with one key share and unsealed; its root token is
/// [`ROOT`]. Must run inside an actix system (`#[actix_rt::test]`).
pub async fn must_unsealed_core() -> Arc<Core> {
    must_unsealed_core_on(Arc::new(InmemBackend::new())).await
}

/// The same over other storage.
pub async fn must_unsealed_core_on(physical: Arc<dyn PhysicalBackend>) -> Arc<Core> {
    let core = Core::start(physical, CoreConfig::default()).await.expect("start core");
    let init = core.init(1, 1, Some(ROOT.into())).await.expect("init");
    core.unseal(Some(init.keys[0].clone()), false).await.expect("unseal");
    core
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// One request as the HTTP layer builds it (a LIST path ends in '/').
pub async fn call(
    core: &Core,
    token: Option<&str>,
    op: Operation,
    path: &str,
    body: Value,
) -> Result<Option<Response>, CoreError> {
    let mut path = path.to_string();
    if op == Operation::List && !path.ends_with('/') {
        path.push('/');
    }
    let mut req = Request::new(op, path).with_data(object(body));
    req.client_token = token.map(SecretString::from);
    req.remote_addr = "127.0.0.1".parse().ok();
    core.handle_request(req).await
}

/// A request with the root token that must succeed; its data (empty for a 204).
pub async fn must(core: &Core, op: Operation, path: &str, body: Value) -> Map<String, Value> {
    match call(core, Some(ROOT), op, path, body).await {
        Ok(resp) => resp.and_then(|r| r.data).unwrap_or_default(),
        Err(e) => panic!("{op:?} {path}: {e} ({})", e.status()),
    }
}

/// The status and message of a request that must fail.
pub async fn must_fail(core: &Core, token: Option<&str>, op: Operation, path: &str, body: Value) -> (u16, String) {
    match call(core, token, op, path, body).await {
        Ok(resp) => panic!("{op:?} {path}: expected an error, got {resp:?}"),
        Err(e) => (e.status(), e.to_string()),
    }
}

/// A token with `policy` (written first) and nothing else.
pub async fn must_token_with(core: &Core, name: &str, policy: &str) -> String {
    must(core, Operation::Update, &format!("sys/policies/acl/{name}"), serde_json::json!({ "policy": policy })).await;
    let resp = call(core, Some(ROOT), Operation::Update, "auth/token/create", serde_json::json!({"policies": [name]}))
        .await
        .expect("token create")
        .expect("a body");
    resp.auth.expect("an auth block").client_token.to_string()
}
