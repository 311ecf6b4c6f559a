//! `sys/audit`, `sys/audit/<path>` and `sys/audit-hash/<path>`: Vault's `handleAuditTable`,
//! `handleEnableAudit`, `handleDisableAudit` and `handleAuditHash`.

use crate::audit::{AuditEntry, DisableAudit, EnableAudit};
use crate::core::Core;
use crate::logical::FieldData;
use crate::{CoreError, Response};
use serde_json::{json, Map, Value};

pub async fn list(core: &Core) -> Result<Option<Response>, CoreError> {
    let data: Map<String, Value> = core
        .audit
        .entries()
        .into_iter()
        .map(|(e, degraded)| {
            // `degraded` is ours: the device's last entry was not recorded within its deadline.
            let info = json!({
                "type": e.kind, "description": e.description, "options": e.options,
                "local": e.local, "path": e.path, "degraded": degraded,
            });
            (e.path, info)
        })
        .collect();
    Ok(Some(Response::with_data(data)))
}

pub async fn enable(core: &Core, path: &str, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let entry = AuditEntry {
        path: path.to_string(),
        kind: d.str_or_default("type"),
        description: d.str_or_default("description"),
        options: d.pairs("options").cloned().unwrap_or_default(),
        local: d.bool_or_default("local"),
        uuid: String::new(),
        accessor: String::new(),
    };
    core.audit_table.send(EnableAudit(entry)).await??;
    Ok(None)
}

pub async fn disable(core: &Core, path: &str) -> Result<Option<Response>, CoreError> {
    core.audit_table.send(DisableAudit(path.to_string())).await??;
    Ok(None)
}

pub async fn hash(core: &Core, path: &str, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let hash = core.audit.hash(path, &d.str_or_default("input"))?;
    Ok(Some(Response::from_value(json!({ "hash": hash }))))
}

/// `sys/config/auditing/request-headers`: every configured header.
pub async fn headers(core: &Core) -> Result<Option<Response>, CoreError> {
    let config = core.audit.headers.get();
    Ok(Some(Response::from_value(json!({ "headers": *config }))))
}

pub async fn header(core: &Core, name: &str) -> Result<Option<Response>, CoreError> {
    let config = core.audit.headers.get();
    let settings =
        config.get(&name.to_lowercase()).ok_or_else(|| CoreError::invalid("Could not find header in config"))?;
    Ok(Some(Response::from_value(json!({ name: settings }))))
}

pub async fn set_header(core: &Core, name: &str, d: &FieldData) -> Result<Option<Response>, CoreError> {
    if name.is_empty() {
        return Err(CoreError::invalid("missing header name"));
    }
    core.audit.headers.set(&core.barrier, name, d.bool_or_default("hmac")).await?;
    Ok(None)
}

pub async fn remove_header(core: &Core, name: &str) -> Result<Option<Response>, CoreError> {
    if name.is_empty() {
        return Err(CoreError::invalid("missing header name"));
    }
    core.audit.headers.remove(&core.barrier, name).await?;
    Ok(None)
}
