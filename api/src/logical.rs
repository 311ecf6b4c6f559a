//! The catch-all handler: any `/v1/<path>` becomes a logical request for the pipeline.

use crate::envelope::envelope;
use crate::error::{core_error, respond_error, JSON};
use crate::extract::{client_token, parse_object, query_data, read_body, BodyError};
use crate::server::{record, ApiState};
use actix_web::web::{Data, Payload};
use actix_web::{HttpRequest, HttpResponse};
use std::time::Instant;
use strongbox_actors::{CoreError, Operation, Request, Response};

const MERGE_PATCH: &str = "application/merge-patch+json";

fn operation(req: &HttpRequest, query_list: bool) -> Option<Operation> {
    Some(match req.method().as_str() {
        "GET" if query_list => Operation::List,
        "GET" => Operation::Read,
        "LIST" => Operation::List,
        "POST" | "PUT" => Operation::Update,
        "DELETE" => Operation::Delete,
        "PATCH" => Operation::Patch,
        _ => return None,
    })
}

/// `X-Vault-Wrap-TTL`: a duration ("15m") or seconds; 0 or absent means no wrapping.
fn wrap_ttl(req: &HttpRequest) -> Result<Option<u64>, CoreError> {
    let Some(v) = req.headers().get("X-Vault-Wrap-TTL") else { return Ok(None) };
    let v = v.to_str().map_err(|_| CoreError::invalid("error parsing wrap TTL"))?.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let ttl = strongbox_actors::duration::parse_duration(v)
        .map_err(|_| CoreError::invalid(format!("error parsing wrap TTL of \"{v}\"")))?;
    Ok(Some(ttl).filter(|t| *t > 0))
}

/// `a//b/` → `a/b/`: clients collapse double slashes, so do we.
fn clean_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.split('/').enumerate() {
        if seg.is_empty() && i > 0 {
            continue;
        }
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(seg);
    }
    if path.ends_with('/') && !out.is_empty() {
        out.push('/');
    }
    out
}

/// Go's `strconv.ParseBool`, which Vault applies to `?list=` (hvac sends `list=True`).
fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

pub async fn handle(req: HttpRequest, payload: Payload, state: Data<ApiState>) -> HttpResponse {
    let started = Instant::now();
    let path = clean_path(req.match_info().query("path"));
    let resp = dispatch(&req, payload, &state, &path).await;
    record(&path, req.method().as_str(), resp.status().as_u16(), started);
    resp
}

async fn dispatch(req: &HttpRequest, payload: Payload, state: &ApiState, path: &str) -> HttpResponse {
    let mut data = query_data(req);
    // Vault's help handler: any non-empty `help` value, or the HELP method, on any path.
    let help = data.remove("help").is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        || req.method().as_str() == "HELP";
    if help {
        return serve_help(req, state, path).await;
    }
    let list_param = data.remove("list").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let query_list = match parse_bool(&list_param) {
        Some(b) => b,
        // Vault answers a GET with an unparsable `list` with a bare 400.
        None if req.method() == actix_web::http::Method::GET && !list_param.is_empty() => {
            return respond_error(400, vec![]);
        }
        None => false,
    };
    let Some(op) = operation(req, query_list) else {
        return respond_error(405, vec!["unsupported operation".into()]);
    };
    if matches!(op, Operation::Update | Operation::Patch) {
        if op == Operation::Patch {
            let ct = req.headers().get("Content-Type").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !ct.starts_with(MERGE_PATCH) {
                return respond_error(
                    415,
                    vec![format!("PATCH requires Content-Type of {MERGE_PATCH}, provided {ct}")],
                );
            }
        }
        let body = match read_body(payload, state.max_request_size).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => return core_error(&CoreError::TooLarge),
            Err(BodyError::Read(e)) => return respond_error(400, vec![format!("failed to read request body: {e}")]),
        };
        data = match parse_object(&body) {
            Ok(d) => d,
            Err(e) => return core_error(&e),
        };
    }
    // Vault lists the directory: a list request's path always ends in '/' (which is also the
    // path the ACL sees, so `path "secret/metadata/*"` grants listing `secret/metadata`).
    let mut logical_path = path.trim_start_matches('/').to_string();
    if op == Operation::List && !logical_path.ends_with('/') {
        logical_path.push('/');
    }
    let mut lreq = Request::new(op, &logical_path).with_data(data);
    lreq.client_token = client_token(req);
    lreq.remote_addr = req.peer_addr().map(|a| a.ip());
    if let Some(wanted) = state.core.audited_headers() {
        for name in wanted.keys() {
            let values: Vec<String> =
                req.headers().get_all(name.as_str()).filter_map(|v| v.to_str().ok().map(String::from)).collect();
            if !values.is_empty() {
                lreq.headers.insert(name.clone(), values);
            }
        }
    }
    lreq.wrap_ttl = match wrap_ttl(req) {
        Ok(ttl) => ttl,
        Err(e) => return core_error(&e),
    };
    let request_id = lreq.id.clone();
    match state.core.handle_request(lreq).await {
        Ok(Some(Response { raw: Some(body), .. })) => HttpResponse::Ok().content_type(JSON).body(body.to_string()),
        Ok(Some(resp)) => HttpResponse::Ok().content_type(JSON).body(envelope(&request_id, path, resp).to_string()),
        Ok(None) => HttpResponse::NoContent().content_type(JSON).finish(),
        Err(CoreError::NotFoundWith(resp)) => {
            HttpResponse::NotFound().content_type(JSON).body(envelope(&request_id, path, *resp).to_string())
        }
        Err(CoreError::WithStatus(status, resp)) => {
            let status = actix_web::http::StatusCode::from_u16(status)
                .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
            HttpResponse::build(status).content_type(JSON).body(envelope(&request_id, path, *resp).to_string())
        }
        Err(e) if e.is_not_leader() => crate::forward::not_active(state, req.uri()),
        Err(e) => core_error(&e),
    }
}

/// `?help=1`: the path's help, its OpenAPI and `see_also` as the whole body (no envelope).
async fn serve_help(req: &HttpRequest, state: &ApiState, path: &str) -> HttpResponse {
    let mut lreq = Request::new(Operation::Help, path.trim_start_matches('/'));
    lreq.client_token = client_token(req);
    lreq.remote_addr = req.peer_addr().map(|a| a.ip());
    match state.core.handle_request(lreq).await {
        Ok(resp) => {
            let data = resp.and_then(|r| r.data).unwrap_or_default();
            HttpResponse::Ok().content_type(JSON).body(serde_json::Value::Object(data).to_string())
        }
        Err(e) => core_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::{clean_path, parse_bool};

    #[test]
    fn list_flag_parses_like_go() {
        for t in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        for bad in ["", "yes", "tRUE", "2"] {
            assert_eq!(parse_bool(bad), None, "{bad}");
        }
    }

    #[test]
    fn collapses_slashes() {
        assert_eq!(clean_path("secret//data///x"), "secret/data/x");
        assert_eq!(clean_path("kv/hvac/"), "kv/hvac/");
        assert_eq!(clean_path("sys/mounts"), "sys/mounts");
    }
}
