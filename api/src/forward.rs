//! Request forwarding on integrated storage (Vault's `handleRequestForwarding`).
//!
//! On a standby, [`standby_forwarding`] sends every request, except the few a standby answers
//! itself (seal, init, health, leader, join), to the active node over the cluster port and
//! returns its answer unchanged. With `X-Vault-No-Request-Forwarding`, or when forwarding
//! fails, the client gets a 307 to the active node's `api_addr` instead.
//!
//! On the active node, [`forwarded_request_handler`] runs what standbys forward through the
//! very same routes, as one service on an arbiter of its own (stopped with the server).

use crate::error::{core_error, respond_error};
use crate::extract::{read_body, BodyError};
use crate::server::{configure, ApiState};
use actix_service::IntoServiceFactory;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{AppConfig, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode, Uri};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::web::Data;
use actix_web::{App, HttpMessage, HttpResponse};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use strongbox_actors::ha::HaMode;
use strongbox_actors::replication::ForwardHandler;
use strongbox_actors::CoreError;
use strongbox_transport::{ForwardError, ForwardRequest, ForwardResponse, Header};
use tokio::sync::{mpsc, oneshot};

/// Marks a request that a standby forwarded, so it is never forwarded again.
pub const FORWARDED_HEADER: &str = "x-strongbox-forwarded";
const NO_FORWARDING_HEADER: &str = "x-vault-no-request-forwarding";
/// How long a new leader may take to finish activating before requests get an error.
const ACTIVATION_WAIT: Duration = Duration::from_secs(5);

/// What a standby answers itself, as Vault's handler table does.
fn is_local(path: &str) -> bool {
    const LOCAL: [&str; 7] = [
        "/v1/sys/init",
        "/v1/sys/seal-status",
        "/v1/sys/unseal",
        "/v1/sys/health",
        "/v1/sys/leader",
        "/v1/sys/storage/raft/join",
        "/v1/sys/storage/raft/bootstrap",
    ];
    !path.starts_with("/v1/") || LOCAL.contains(&path.trim_end_matches('/'))
}

pub async fn standby_forwarding(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<Data<ApiState>>().cloned();
    let Some(state) = state.filter(|s| s.core.raft().is_some() && !s.core.is_sealed()) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    if is_local(req.path()) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    if matches!(state.core.ha_mode(), HaMode::Active) {
        return serve_active(&state, req, next).await;
    }
    if req.path().trim_end_matches('/') == "/v1/sys/seal" {
        // Vault's standby has no token store to check the caller against: it refuses rather
        // than seal itself or (forwarded) the active node.
        let resp = respond_error(500, vec!["vault cannot seal when in standby mode; please restart instead".into()]);
        return Ok(req.into_response(resp));
    }
    let body = match read_body(req.take_payload(), state.max_request_size).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return Ok(req.into_response(core_error(&CoreError::TooLarge))),
        Err(BodyError::Read(e)) => {
            let resp = respond_error(400, vec![format!("failed to read request body: {e}")]);
            return Ok(req.into_response(resp));
        }
    };
    // A forwarded request is never forwarded again; on a node that is not (yet) active it
    // waits for activation like a request on the new leader itself.
    let forwarded = req.headers().contains_key(FORWARDED_HEADER);
    let me = state.core.raft().map(|r| r.me().raft_id).unwrap_or_default();
    let deadline = Instant::now() + ACTIVATION_WAIT;
    // A leader that could not be dialed (the request never left): wait for the next one.
    let mut unreachable: Option<u64> = None;
    loop {
        let leader = match state.core.ha_mode() {
            HaMode::Active => {
                req.set_payload(actix_http::Payload::from(Bytes::from(body)));
                return serve_active(&state, req, next).await;
            }
            HaMode::Standby(Some(l)) if l.raft_id != me && !forwarded && unreachable != Some(l.raft_id) => l,
            // No leader known yet (an election, or this node just restarted), or this node
            // won and is activating: wait a little rather than fail at once.
            _ if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            HaMode::Standby(Some(l)) if l.raft_id != me && !forwarded => {
                let resp = redirect(&req, &l.api_addr);
                return Ok(req.into_response(resp));
            }
            HaMode::Standby(_) => {
                let resp = respond_error(500, vec!["local node not active but active cluster node not found".into()]);
                return Ok(req.into_response(resp));
            }
        };
        if req.headers().contains_key(NO_FORWARDING_HEADER) {
            let resp = redirect(&req, &leader.api_addr);
            return Ok(req.into_response(resp));
        }
        let Some(raft) = state.core.raft() else {
            let resp = redirect(&req, &leader.api_addr);
            return Ok(req.into_response(resp));
        };
        match raft.transport().forward(&leader.cluster_addr, forward_request(&req, body.clone())).await {
            Ok(answer) => return Ok(req.into_response(response_from(answer))),
            Err(ForwardError::Connect(e)) => {
                tracing::debug!(error = %e, leader = %leader.node_id, "active node unreachable; waiting for a new one");
                unreachable = Some(leader.raft_id);
            }
            Err(e) => {
                tracing::warn!(error = %e, leader = %leader.node_id, "forwarding failed; redirecting the client");
                let resp = redirect(&req, &leader.api_addr);
                return Ok(req.into_response(resp));
            }
        }
    }
}

/// The active node answers, then proves it still leads (the leader lease): an answer built
/// from the store of a leader that a partition deposed must not reach the client.
async fn serve_active(
    state: &ApiState,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Handing over or giving up membership ends the lease by design; what these answer was
    // committed through raft, not read from the local store.
    let hands_over = matches!(req.path(), "/v1/sys/step-down" | "/v1/sys/storage/raft/remove-peer");
    let resp = next.call(req).await?.map_into_boxed_body();
    let Some(raft) = state.core.raft().filter(|_| !hands_over) else {
        return Ok(resp);
    };
    match raft.confirm_lease().await {
        Ok(()) => Ok(resp),
        Err(e) => {
            tracing::warn!(error = %e, "leadership not confirmed after serving a request; the answer is withheld");
            let error = respond_error(500, vec!["local node not active but active cluster node not found".into()]);
            Ok(resp.into_response(error))
        }
    }
}

/// Vault's standby answer: 307 to the same path and query on the active node.
fn redirect(req: &ServiceRequest, api_addr: &str) -> HttpResponse {
    redirect_uri(req.uri(), api_addr)
}

fn redirect_uri(uri: &Uri, api_addr: &str) -> HttpResponse {
    let pq = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    HttpResponse::TemporaryRedirect()
        .insert_header(("Location", format!("{}{pq}", api_addr.trim_end_matches('/'))))
        .finish()
}

/// The answer to a request whose write found this node no longer leading (nothing of that
/// write was proposed): a standby's answer, 307 to the new active node when it is known, else
/// Vault's error for a cluster without one.
pub fn not_active(state: &ApiState, uri: &Uri) -> HttpResponse {
    tracing::info!("a write found this node no longer leading; sending the client to the active node");
    // This node may not have stepped back yet: ask raft who leads now.
    let leader = state.core.raft().and_then(|raft| {
        let cluster = raft.cluster_state();
        cluster.leader().filter(|l| l.raft_id != raft.me().raft_id && !l.api_addr.is_empty()).cloned()
    });
    match leader {
        Some(leader) => redirect_uri(uri, &leader.api_addr),
        None => respond_error(500, vec!["local node not active but active cluster node not found".into()]),
    }
}

fn forward_request(req: &ServiceRequest, body: Vec<u8>) -> ForwardRequest {
    ForwardRequest {
        id: 0,
        method: req.method().to_string(),
        uri: req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_else(|| req.path().to_string()),
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| Header { name: n.as_str().to_string(), value: v.as_bytes().to_vec() })
            .collect(),
        body,
        remote_addr: req.peer_addr().map(|a| a.to_string()).unwrap_or_default(),
    }
}

fn response_from(answer: ForwardResponse) -> HttpResponse {
    let status = u16::try_from(answer.status).ok().and_then(|s| StatusCode::from_u16(s).ok());
    let mut resp = HttpResponse::build(status.unwrap_or(StatusCode::BAD_GATEWAY));
    for h in answer.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(h.name.as_str()), HeaderValue::from_bytes(&h.value)) {
            if n != actix_web::http::header::CONTENT_LENGTH && n != actix_web::http::header::TRANSFER_ENCODING {
                resp.append_header((n, v));
            }
        }
    }
    resp.body(answer.body)
}

type Job = (ForwardRequest, oneshot::Sender<ForwardResponse>);

/// The arbiter that serves forwarded requests; dropping it (when the server stops) stops it.
/// It is kept apart from the handler: the handler lives inside the core the arbiter's routes
/// hold, so an arbiter owned by the handler would never be dropped.
pub struct ForwardService(actix_rt::Arbiter);

impl Drop for ForwardService {
    fn drop(&mut self) {
        self.0.stop();
    }
}

/// Serves forwarded requests through this node's routes: one service built from the same `App`
/// as the listener's, on an arbiter of its own. Keep the [`ForwardService`] while serving.
pub fn forwarded_request_handler(state: Data<ApiState>) -> (ForwardHandler, ForwardService) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    let arbiter = actix_rt::Arbiter::new();
    // The routes are not `Send`: they are built on the arbiter's own thread.
    arbiter.spawn_fn(move || {
        actix_rt::spawn(async move {
            // Behind the same middleware: a node that is no longer active does not answer
            // from its own store, and the active node proves its lease first.
            let app = App::new()
                .app_data(state)
                .wrap(actix_web::middleware::from_fn(standby_forwarding))
                .configure(configure);
            let service = match app.into_factory().new_service(AppConfig::default()).await {
                Ok(s) => Rc::new(s),
                Err(()) => {
                    tracing::error!("the service for forwarded requests failed to start");
                    return;
                }
            };
            while let Some((req, done)) = rx.recv().await {
                let service = service.clone();
                actix_rt::spawn(async move {
                    let _ = done.send(run(service.as_ref(), req).await);
                });
            }
        });
    });
    let handler: ForwardHandler = Arc::new(move |req: ForwardRequest| {
        let id = req.id;
        let (done, answer) = oneshot::channel();
        let queued = tx.send((req, done)).is_ok();
        Box::pin(async move {
            match answer.await {
                Ok(resp) if queued => resp,
                _ => ForwardResponse {
                    id,
                    status: 503,
                    headers: vec![Header { name: "content-type".into(), value: b"application/json".to_vec() }],
                    body: br#"{"errors":["the active node is shutting down"]}"#.to_vec(),
                },
            }
        })
    });
    (handler, ForwardService(arbiter))
}

/// The HTTP request a standby forwarded, as the listener would have parsed it.
fn http_request(req: ForwardRequest) -> Result<actix_http::Request, String> {
    let mut http = actix_http::Request::with_payload(actix_http::Payload::from(Bytes::from(req.body)));
    let head = http.head_mut();
    head.method = Method::from_bytes(req.method.as_bytes()).map_err(|e| format!("invalid method: {e}"))?;
    head.uri = req.uri.parse().map_err(|e| format!("invalid request URI: {e}"))?;
    for h in req.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(h.name.as_str()), HeaderValue::from_bytes(&h.value)) {
            head.headers.append(n, v);
        }
    }
    head.headers.insert(HeaderName::from_static(FORWARDED_HEADER), HeaderValue::from_static("1"));
    head.peer_addr = req.remote_addr.parse().ok();
    Ok(http)
}

async fn run<S, B>(service: &S, req: ForwardRequest) -> ForwardResponse
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let id = req.id;
    let resp = match http_request(req) {
        Ok(http) => match service.call(http).await {
            Ok(r) => r.into_parts().1.map_into_boxed_body(),
            Err(e) => e.error_response(),
        },
        Err(msg) => respond_error(400, vec![msg]),
    };
    let status = u32::from(resp.status().as_u16());
    let headers = resp
        .headers()
        .iter()
        .map(|(n, v)| Header { name: n.as_str().to_string(), value: v.as_bytes().to_vec() })
        .collect();
    let body = actix_web::body::to_bytes(resp.into_body()).await.map(|b| b.to_vec()).unwrap_or_default();
    ForwardResponse { id, status, headers, body }
}
