//! Route table and shared state of the HTTP API.

use crate::error::respond_error;
use crate::{logical, sys_raft, sys_raw};
use actix_web::web;
use std::sync::Arc;
use std::time::Instant;
use strongbox_actors::Core;

/// Renders the Prometheus exposition text (installed by the binary).
pub type MetricsRender = Arc<dyn Fn() -> String + Send + Sync>;

pub struct ApiState {
    pub core: Arc<Core>,
    /// `max_request_size` of the listener, in bytes.
    pub max_request_size: usize,
    pub metrics: Option<MetricsRender>,
}

/// A bounded label for request metrics: `sys/<endpoint>` or `logical`.
fn path_class(path: &str) -> String {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some("sys"), Some(second)) if !second.is_empty() => format!("sys/{second}"),
        (Some("sys"), _) => "sys".into(),
        (Some("auth"), _) => "auth".into(),
        _ => "logical".into(),
    }
}

pub(crate) fn record(path: &str, method: &str, status: u16, started: Instant) {
    let class = path_class(path);
    metrics::counter!("strongbox_http_requests_total", "class" => class.clone(), "method" => method.to_string(), "code" => status.to_string())
        .increment(1);
    metrics::histogram!("strongbox_http_request_seconds", "class" => class).record(started.elapsed().as_secs_f64());
}

async fn not_found() -> actix_web::HttpResponse {
    respond_error(404, Vec::new())
}

/// Registers every `/v1/` route; the raw `sys/` handlers first, then the logical catch-all.
pub fn configure(cfg: &mut web::ServiceConfig) {
    let not_allowed = || web::route().to(sys_raw::method_not_allowed);
    cfg.service(
        web::resource("/v1/sys/init")
            .route(web::get().to(sys_raw::init_status))
            .route(web::put().to(sys_raw::init))
            .route(web::post().to(sys_raw::init))
            .default_service(not_allowed()),
    )
    .service(
        web::resource("/v1/sys/seal-status").route(web::get().to(sys_raw::seal_status)).default_service(not_allowed()),
    )
    .service(
        web::resource("/v1/sys/unseal")
            .route(web::put().to(sys_raw::unseal))
            .route(web::post().to(sys_raw::unseal))
            .default_service(not_allowed()),
    )
    .service(
        web::resource("/v1/sys/health")
            .route(web::get().to(sys_raw::health))
            .route(web::head().to(sys_raw::health))
            .default_service(not_allowed()),
    )
    .service(web::resource("/v1/sys/leader").route(web::get().to(sys_raw::leader)).default_service(not_allowed()))
    .service(
        web::resource("/v1/sys/storage/raft/configuration")
            .route(web::get().to(sys_raw::raft_configuration))
            .default_service(not_allowed()),
    )
    .service(
        web::resource("/v1/sys/storage/raft/join")
            .route(web::put().to(sys_raft::join))
            .route(web::post().to(sys_raft::join))
            .default_service(not_allowed()),
    )
    .service(
        web::resource("/v1/sys/storage/raft/snapshot")
            .route(web::get().to(sys_raft::snapshot_save))
            .route(web::put().to(sys_raft::snapshot_restore))
            .route(web::post().to(sys_raft::snapshot_restore))
            .default_service(not_allowed()),
    )
    .service(
        web::resource("/v1/sys/storage/raft/snapshot-force")
            .route(web::put().to(sys_raft::snapshot_restore_force))
            .route(web::post().to(sys_raft::snapshot_restore_force))
            .default_service(not_allowed()),
    )
    .service(web::resource("/v1/sys/metrics").route(web::get().to(sys_raw::metrics)).default_service(not_allowed()))
    .service(web::resource("/v1/{path:.*}").route(web::route().to(logical::handle)))
    .default_service(web::route().to(not_found));
}

#[cfg(test)]
mod tests {
    use super::path_class;

    #[test]
    fn classes_are_bounded() {
        assert_eq!(path_class("sys/mounts/kv/tune"), "sys/mounts");
        assert_eq!(path_class("secret/data/a"), "logical");
        assert_eq!(path_class("auth/token/create"), "auth");
    }
}
