//! Errors leave the node as `{"errors":[...]}` with `Content-Type: application/json` exactly
//! (hvac only parses error bodies when the header is that string).

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde_json::json;
use strongbox_actors::CoreError;

pub const JSON: &str = "application/json";

pub fn respond_error(status: u16, messages: Vec<String>) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).content_type(JSON).body(json!({ "errors": messages }).to_string())
}

pub fn core_error(e: &CoreError) -> HttpResponse {
    if e.status() >= 500 {
        tracing::warn!(error = %e, "request failed");
    }
    respond_error(e.status(), e.messages())
}

pub fn json_response(status: u16, body: &serde_json::Value) -> HttpResponse {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    HttpResponse::build(status).content_type(JSON).body(body.to_string())
}
