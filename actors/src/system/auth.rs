//! `sys/auth`, `sys/auth/<path>`, `sys/auth/<path>/tune` (and `sys/mounts/auth/<path>/tune`):
//! Vault's `handleAuthTable`, `handleReadAuth`, `handleEnableAuth`, `handleDisableAuth` and the
//! auth half of the tune endpoints.

use super::mounts::{
    apply_config, check_enable_ttls, enable_config, mount_json, token_type, tune_edit, tune_json, Setting,
};
use crate::core::Core;
use crate::logical::FieldData;
use crate::mount_table::{normalize_path, DisableAuth, EnableAuth, ListAuth, MountEntry, TuneAuth};
use crate::{CoreError, Response};
use serde_json::{Map, Value};

async fn find(core: &Core, path: &str) -> Result<Option<MountEntry>, CoreError> {
    let path = normalize_path(path);
    Ok(core.mounts.send(ListAuth).await?.iter().find(|e| e.path == path).cloned())
}

fn no_sysview(path: &str) -> CoreError {
    CoreError::invalid(format!("cannot fetch sysview for path \"auth/{}\"", normalize_path(path)))
}

pub async fn list(core: &Core) -> Result<Option<Response>, CoreError> {
    let entries = core.mounts.send(ListAuth).await?;
    let data: Map<String, Value> = entries.iter().map(|e| (e.path.clone(), mount_json(e))).collect();
    Ok(Some(Response::with_data(data)))
}

pub async fn read(core: &Core, path: &str) -> Result<Option<Response>, CoreError> {
    let entry = find(core, path)
        .await?
        .ok_or_else(|| CoreError::invalid(format!("No auth engine at {}", normalize_path(path))))?;
    Ok(Some(Response::from_value(mount_json(&entry))))
}

/// The method type: `type`, or `plugin_name` (also in `config`) for the `plugin` type.
fn method_type(d: &FieldData, config: Option<&FieldData>) -> Result<String, CoreError> {
    let kind = d.str_or_default("type");
    match kind.as_str() {
        "" => Err(CoreError::invalid("backend type must be specified as a string")),
        "plugin" => {
            let from_config = config.and_then(|c| c.str("plugin_name"));
            from_config
                .or(d.str("plugin_name"))
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .ok_or_else(|| CoreError::invalid("plugin_name must be provided for plugin backend"))
        }
        _ => Ok(kind),
    }
}

pub async fn enable(core: &Core, path: &str, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let config = enable_config(d, "auth")?;
    let kind = method_type(d, config.as_ref())?;
    let mut entry = MountEntry::new_auth(path, &kind, &d.str_or_default("description"));
    entry.options = d.pairs("options").cloned().unwrap_or_default();
    if entry.options.get("version").is_some_and(|v| !v.is_empty()) {
        return Err(CoreError::invalid(format!("auth method \"{kind}\" does not allow setting a version")));
    }
    entry.local = d.bool_or_default("local");
    entry.seal_wrap = d.bool_or_default("seal_wrap");
    entry.external_entropy_access = d.bool_or_default("external_entropy_access");
    if let Some(cfg) = &config {
        entry.config.token_type = token_type(cfg.str("token_type").unwrap_or_default())?;
        if let Some(v) = cfg.str("listing_visibility") {
            if !["", "hidden", "unauth"].contains(&v) {
                return Err(CoreError::invalid(format!("invalid listing_visibility {v}")));
            }
        }
        apply_config(&mut entry, cfg, Setting::Enable)?;
        check_enable_ttls(core, &entry.config)?;
    }
    core.mounts.send(EnableAuth(entry)).await??;
    Ok(None)
}

pub async fn disable(core: &Core, path: &str) -> Result<Option<Response>, CoreError> {
    // The tokens the method issued go first (Vault's disableCredential revokes the mount's
    // lease prefix); the token store itself cannot be disabled.
    if normalize_path(path) != "token/" && find(core, path).await?.is_some() {
        super::leases::revoke_mount(core, &format!("auth/{}", normalize_path(path))).await?;
    }
    core.mounts.send(DisableAuth(path.to_string())).await??;
    Ok(None)
}

pub async fn read_tune(core: &Core, path: &str) -> Result<Option<Response>, CoreError> {
    let entry = find(core, path).await?.ok_or_else(|| no_sysview(path))?;
    Ok(Some(Response::from_value(tune_json(core, &entry))))
}

pub async fn tune(core: &Core, path: &str, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let current = find(core, path).await?.ok_or_else(|| no_sysview(path))?;
    let apply = tune_edit(current, d)?;
    core.mounts.send(TuneAuth { path: path.to_string(), apply }).await??;
    Ok(None)
}
