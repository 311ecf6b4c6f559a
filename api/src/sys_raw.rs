//! The `sys/` endpoints Vault serves outside the logical pipeline because they must answer on
//! a sealed or uninitialized node: init, seal-status, unseal, health, leader; plus metrics.

use crate::error::{core_error, json_response, respond_error};
use crate::extract::{client_token, parse_object, query_data, read_body, BodyError};
use crate::server::ApiState;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::{json, Map, Value};
use strongbox_actors::replication::ClusterState;
use strongbox_actors::seal_keeper::Init;
use strongbox_actors::{CoreError, Operation, VERSION};
use zeroize::Zeroizing;

pub(crate) async fn body_object(payload: Payload, state: &ApiState) -> Result<Map<String, Value>, CoreError> {
    match read_body(payload, state.max_request_size).await {
        Ok(b) => parse_object(&b),
        Err(BodyError::TooLarge) => Err(CoreError::TooLarge),
        Err(BodyError::Read(e)) => Err(CoreError::invalid(e)),
    }
}

pub async fn init_status(state: Data<ApiState>) -> HttpResponse {
    json_response(200, &json!({ "initialized": state.core.seal_status().initialized }))
}

fn small_int(data: &Map<String, Value>, key: &str) -> Result<u8, CoreError> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(0),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .and_then(|n| u8::try_from(n).ok())
            .ok_or_else(|| CoreError::invalid(format!("invalid value for {key}: must be an integer from 0 to 255"))),
    }
}

fn non_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(_) => true,
    }
}

pub async fn init(payload: Payload, state: Data<ApiState>) -> HttpResponse {
    let data = match body_object(payload, &state).await {
        Ok(d) => d,
        Err(e) => return core_error(&e),
    };
    if non_empty(data.get("recovery_pgp_keys")) {
        return respond_error(
            400,
            vec!["recovery keys are not used by a Shamir seal: recovery_pgp_keys must be empty".into()],
        );
    }
    let (shares, threshold) = match (small_int(&data, "secret_shares"), small_int(&data, "secret_threshold")) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) | (_, Err(e)) => return core_error(&e),
    };
    let pgp_keys = match data.get("pgp_keys") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
            a.iter().filter_map(Value::as_str).map(str::to_string).collect()
        }
        Some(_) => {
            return respond_error(400, vec!["failed to parse JSON input: 'pgp_keys' must be a list of strings".into()])
        }
    };
    let root_token_pgp_key = match data.get("root_token_pgp_key") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return respond_error(400, vec!["failed to parse JSON input: 'root_token_pgp_key' must be a string".into()])
        }
    };
    let init =
        Init { secret_shares: shares, secret_threshold: threshold, root_token_id: None, pgp_keys, root_token_pgp_key };
    match state.core.init_with(init).await {
        Ok(out) => {
            let b64 = base64::engine::general_purpose::STANDARD;
            json_response(
                200,
                &json!({
                    "keys": out.keys.iter().map(|k| hex::encode(&k[..])).collect::<Vec<_>>(),
                    "keys_base64": out.keys.iter().map(|k| b64.encode(&k[..])).collect::<Vec<_>>(),
                    "root_token": out.root_token,
                }),
            )
        }
        Err(e) => core_error(&e),
    }
}

pub async fn seal_status(state: Data<ApiState>) -> HttpResponse {
    json_response(200, &json!(*state.core.seal_status()))
}

/// Unseal keys arrive as hex (hvac, Vault's own output) or base64 (the CLI sends keys_base64).
fn decode_key(s: &str) -> Option<Zeroizing<Vec<u8>>> {
    if let Ok(k) = hex::decode(s) {
        return Some(Zeroizing::new(k));
    }
    base64::engine::general_purpose::STANDARD.decode(s).ok().map(Zeroizing::new)
}

pub async fn unseal(payload: Payload, state: Data<ApiState>) -> HttpResponse {
    let data = match body_object(payload, &state).await {
        Ok(d) => d,
        Err(e) => return core_error(&e),
    };
    let reset = match data.get("reset") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return respond_error(400, vec!["failed to parse JSON input: 'reset' must be a boolean".into()]),
    };
    let key = match data.get("key") {
        None | Some(Value::Null) => "",
        Some(Value::String(k)) => k.trim(),
        Some(_) => return respond_error(400, vec!["failed to parse JSON input: 'key' must be a string".into()]),
    };
    if reset && !state.core.is_sealed() {
        return respond_error(400, vec!["vault is unsealed".into()]);
    }
    if key.is_empty() && !reset {
        return respond_error(
            400,
            vec!["'key' must be specified in request body as JSON, or 'reset' set to true".into()],
        );
    }
    let key = match key {
        "" => None,
        k => match decode_key(k) {
            Some(k) => Some(k),
            None => return respond_error(400, vec!["'key' must be a valid hex or base64 string".into()]),
        },
    };
    match state.core.unseal(key, reset).await {
        Ok(status) => json_response(200, &json!(status)),
        Err(e) => core_error(&e),
    }
}

fn code_param(q: &Map<String, Value>, key: &str, default: u16) -> Result<u16, CoreError> {
    match q.get(key).and_then(Value::as_str) {
        None | Some("") => Ok(default),
        Some(s) => s
            .parse::<u16>()
            .ok()
            .filter(|c| (100..600).contains(c))
            .ok_or_else(|| CoreError::invalid(format!("unable to parse {key} code: {s}"))),
    }
}

pub async fn health(req: HttpRequest, state: Data<ApiState>) -> HttpResponse {
    let q = query_data(&req);
    let s = state.core.seal_status();
    let standby = !s.sealed && matches!(state.core.ha_mode(), strongbox_actors::ha::HaMode::Standby(_));
    let code = if !s.initialized {
        code_param(&q, "uninitcode", 501)
    } else if s.sealed {
        code_param(&q, "sealedcode", 503)
    } else if standby {
        code_param(&q, "standbycode", 429)
    } else {
        code_param(&q, "activecode", 200)
    };
    let code = match code {
        Ok(c) => c,
        Err(e) => return core_error(&e),
    };
    let mut body = json!({
        "initialized": s.initialized,
        "sealed": s.sealed,
        "standby": !s.initialized || standby,
        "performance_standby": false,
        "replication_performance_mode": "disabled",
        "replication_dr_mode": "disabled",
        "server_time_utc": chrono::Utc::now().timestamp(),
        "version": VERSION,
        "enterprise": false,
        "echo_duration_ms": 0,
        "clock_skew_ms": 0,
    });
    if let (Some(name), Some(id)) = (&s.cluster_name, &s.cluster_id) {
        body["cluster_name"] = json!(name);
        body["cluster_id"] = json!(id);
    }
    if req.method() == actix_web::http::Method::HEAD {
        let status = actix_web::http::StatusCode::from_u16(code).unwrap_or(actix_web::http::StatusCode::OK);
        return HttpResponse::build(status).content_type(crate::error::JSON).finish();
    }
    json_response(code, &body)
}

pub async fn leader(state: Data<ApiState>) -> HttpResponse {
    if state.core.is_sealed() {
        return core_error(&CoreError::Sealed);
    }
    if let Some(raft) = state.core.raft() {
        return json_response(200, &raft_leader(&raft.cluster_state()));
    }
    json_response(
        200,
        &json!({
            "ha_enabled": false,
            "is_self": false,
            "active_time": "0001-01-01T00:00:00Z",
            "leader_address": "",
            "leader_cluster_address": "",
            "performance_standby": false,
            "performance_standby_last_remote_wal": 0,
        }),
    )
}

/// `sys/leader` on integrated storage: the raft leader is the active node.
fn raft_leader(c: &ClusterState) -> Value {
    let leader = c.leader();
    json!({
        "ha_enabled": true,
        "is_self": c.is_leader(),
        "active_time": c.leader_since.as_deref().filter(|_| c.is_leader()).unwrap_or("0001-01-01T00:00:00Z"),
        "leader_address": leader.map(|l| l.api_addr.clone()).unwrap_or_default(),
        "leader_cluster_address": leader.map(|l| format!("https://{}", l.cluster_addr)).unwrap_or_default(),
        "performance_standby": false,
        "performance_standby_last_remote_wal": 0,
        "raft_committed_index": c.commit_index,
        "raft_applied_index": c.applied_index,
    })
}

/// `GET sys/storage/raft/configuration`: the raft members in Vault's shape. Needs a token that
/// may read the path.
pub async fn raft_configuration(req: HttpRequest, state: Data<ApiState>) -> HttpResponse {
    let token = client_token(&req);
    if let Err(e) = state.core.check_token(token.as_deref(), Operation::Read, "sys/storage/raft/configuration").await {
        return core_error(&e);
    }
    let Some(raft) = state.core.raft() else {
        return respond_error(400, vec!["raft storage is not in use".into()]);
    };
    let c = raft.cluster_state();
    let servers: Vec<Value> = c
        .peers
        .iter()
        .map(|p| {
            json!({
                "node_id": p.node_id,
                "address": p.cluster_addr,
                "leader": p.leader,
                "protocol_version": "3",
                "voter": p.voter,
            })
        })
        .collect();
    json_response(
        200,
        &json!({
            "request_id": uuid::Uuid::new_v4().to_string(),
            "lease_id": "",
            "renewable": false,
            "lease_duration": 0,
            "data": { "config": { "index": c.config_index, "servers": servers } },
            "wrap_info": null,
            "warnings": null,
            "auth": null,
        }),
    )
}

pub async fn metrics(req: HttpRequest, state: Data<ApiState>) -> HttpResponse {
    let token = client_token(&req);
    if let Err(e) = state.core.check_token(token.as_deref(), Operation::Read, "sys/metrics").await {
        return core_error(&e);
    }
    let format = query_data(&req).get("format").and_then(Value::as_str).map(str::to_string);
    match (&state.metrics, format.as_deref()) {
        (Some(render), Some("prometheus")) => {
            HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(render())
        }
        (None, _) => respond_error(400, vec!["prometheus is not enabled".into()]),
        (_, _) => respond_error(400, vec!["only format=prometheus is supported".into()]),
    }
}

/// Any other method on a raw `sys/` endpoint: Vault's JSON 405.
pub async fn method_not_allowed() -> HttpResponse {
    respond_error(405, Vec::new())
}
