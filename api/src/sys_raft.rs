//! `sys/storage/raft/join`: a raw handler because the joining node is sealed and uninitialized
//! (it has no tokens to check yet), as in Vault.

use crate::error::{core_error, json_response};
use crate::server::ApiState;
use crate::sys_raw::body_object;
use actix_web::web::{Data, Payload};
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};
use strongbox_actors::ha::JoinRequest;
use strongbox_actors::CoreError;

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
