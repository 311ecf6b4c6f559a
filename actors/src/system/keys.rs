//! `sys/key-status` and `sys/rotate`.

use crate::core::Core;
use crate::{CoreError, Response};
use serde_json::json;

pub async fn key_status(core: &Core) -> Result<Option<Response>, CoreError> {
    let s = core.barrier.key_status()?;
    Ok(Some(Response::from_value(json!({
        "term": s.term,
        "install_time": s.install_time.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        "encryptions": s.encryptions,
    }))))
}

pub async fn rotate(core: &Core) -> Result<Option<Response>, CoreError> {
    let term = core.barrier.rotate().await?;
    tracing::info!(term, "barrier key rotated");
    Ok(None)
}
