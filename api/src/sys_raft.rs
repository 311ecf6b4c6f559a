//! Raw handlers of integrated storage: `sys/storage/raft/join` (the joining node is sealed and
//! uninitialized: it has no tokens to check yet, as in Vault) and the snapshot endpoints (their
//! bodies are archives, not JSON).

use crate::error::{core_error, json_response};
use crate::extract::{client_token, read_body, BodyError};
use crate::server::ApiState;
use crate::sys_raw::body_object;
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use strongbox_actors::ha::JoinRequest;
use strongbox_actors::{CoreError, Operation};

fn text(data: &Map<String, Value>, key: &str) -> Result<Option<String>, CoreError> {
    match data.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CoreError::invalid(format!("{key} must be a string"))),
    }
}

fn join_request(data: &Map<String, Value>) -> Result<JoinRequest, CoreError> {
    Ok(JoinRequest {
        leader_api_addr: text(data, "leader_api_addr")?.unwrap_or_default(),
        leader_ca_cert: text(data, "leader_ca_cert")?,
        leader_client_cert: text(data, "leader_client_cert")?,
        leader_client_key: text(data, "leader_client_key")?,
        non_voter: data.get("non_voter").and_then(Value::as_bool).unwrap_or(false),
    })
}

pub async fn join(payload: Payload, state: Data<ApiState>) -> HttpResponse {
    let joined = async {
        let data = body_object(payload, &state).await?;
        state.core.raft_join(join_request(&data)?).await
    };
    match joined.await {
        Ok(()) => json_response(200, &json!({ "joined": true })),
        Err(e) => core_error(&e),
    }
}

/// `GET sys/storage/raft/snapshot`: the archive, as `application/gzip` (sent by the active
/// node; standbys forward the request).
pub async fn snapshot_save(req: HttpRequest, state: Data<ApiState>) -> HttpResponse {
    let token = client_token(&req);
    if let Err(e) = state.core.check_token(token.as_deref(), Operation::Read, "sys/storage/raft/snapshot").await {
        return core_error(&e);
    }
    match state.core.raft_snapshot_save().await {
        Ok(archive) => HttpResponse::Ok().content_type("application/gzip").body(archive),
        Err(e) => core_error(&e),
    }
}

/// `POST sys/storage/raft/snapshot` and `snapshot-force`: the body is the archive.
async fn restore(req: HttpRequest, payload: Payload, state: Data<ApiState>, force: bool) -> HttpResponse {
    let path = if force { "sys/storage/raft/snapshot-force" } else { "sys/storage/raft/snapshot" };
    let token = client_token(&req);
    if let Err(e) = state.core.check_token(token.as_deref(), Operation::Update, path).await {
        return core_error(&e);
    }
    let archive = match read_body(payload, state.max_request_size).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return core_error(&CoreError::TooLarge),
        Err(BodyError::Read(e)) => return core_error(&CoreError::invalid(e)),
    };
    match state.core.raft_snapshot_restore(&archive, force).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(e) => core_error(&e),
    }
}

pub async fn snapshot_restore(req: HttpRequest, payload: Payload, state: Data<ApiState>) -> HttpResponse {
    restore(req, payload, state, false).await
}

pub async fn snapshot_restore_force(req: HttpRequest, payload: Payload, state: Data<ApiState>) -> HttpResponse {
    restore(req, payload, state, true).await
}
