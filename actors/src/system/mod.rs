//! The system backend: `sys/` paths that go through the logical pipeline (authenticated).
//! The seal, init and health endpoints that must answer while sealed live in the api crate.

mod auth;
mod capabilities;
pub(crate) mod fields;
mod keys;
mod leases;
mod mounts;
mod openapi;
mod policies;

use crate::core::Core;
use crate::{CoreError, Operation, Request, Response};
use capabilities::Subject;
use policies::Api;

pub use mounts::mount_json;

/// Dispatches a `sys/...` request by its path below `sys/`.
pub async fn handle(core: &Core, req: &mut Request) -> Result<Option<Response>, CoreError> {
    req.mount_point = "sys/".into();
    req.relative_path = req.path.strip_prefix("sys").unwrap_or("").trim_start_matches('/').to_string();
    let path = req.relative_path.clone();
    let op = req.operation;
    let segments: Vec<&str> = path.split('/').collect();
    match (op, segments.as_slice()) {
        (Operation::Read, ["auth"] | ["auth", ""]) => auth::list(core).await,
        (_, ["auth"] | ["auth", ""]) => Err(CoreError::UnsupportedOperation),
        (Operation::Read, ["auth", _, .., "tune"]) => auth::read_tune(core, auth_arg(&path, "auth/", true)?).await,
        (Operation::Update, ["auth", _, .., "tune"]) => auth::tune(core, auth_arg(&path, "auth/", true)?, req).await,
        (Operation::Read, ["auth", ..]) => auth::read(core, auth_arg(&path, "auth/", false)?).await,
        (Operation::Update, ["auth", ..]) => auth::enable(core, auth_arg(&path, "auth/", false)?, req).await,
        (Operation::Delete, ["auth", ..]) => auth::disable(core, auth_arg(&path, "auth/", false)?).await,
        // Vault serves an auth method's tuning under sys/mounts too.
        (Operation::Read, ["mounts", "auth", _, .., "tune"]) => {
            auth::read_tune(core, auth_arg(&path, "mounts/auth/", true)?).await
        }
        (Operation::Update, ["mounts", "auth", _, .., "tune"]) => {
            auth::tune(core, auth_arg(&path, "mounts/auth/", true)?, req).await
        }
        (Operation::Read, ["mounts"] | ["mounts", ""]) => mounts::list(core).await,
        (_, ["mounts"] | ["mounts", ""]) => Err(CoreError::UnsupportedOperation),
        (Operation::Read, ["mounts", .., "tune"]) => mounts::read_tune(core, mount_arg(&path, true)?).await,
        (Operation::Update, ["mounts", .., "tune"]) => mounts::tune(core, mount_arg(&path, true)?, req).await,
        (Operation::Read, ["mounts", ..]) => mounts::read(core, mount_arg(&path, false)?).await,
        (Operation::Update, ["mounts", ..]) => mounts::enable(core, mount_arg(&path, false)?, req).await,
        (Operation::Delete, ["mounts", ..]) => mounts::disable(core, mount_arg(&path, false)?).await,
        (Operation::Update, ["remount"]) => mounts::remount(core, req).await,
        (Operation::Read, ["remount", "status", id]) => mounts::remount_status(core, id).await,
        (Operation::Read, ["internal", "ui", "mounts"]) => mounts::ui_list(core, req).await,
        (Operation::Read, ["internal", "ui", "mounts", ..]) => {
            let rest = path.strip_prefix("internal/ui/mounts/").unwrap_or("");
            mounts::ui_read(core, req, rest).await
        }
        (Operation::Read, ["internal", "specs", "openapi"]) => openapi::read(core, req).await,
        (Operation::Read | Operation::List, ["policy"] | ["policy", ""]) => policies::list(core, Api::Legacy).await,
        (Operation::List, ["policies", "acl"] | ["policies", "acl", ""]) => policies::list(core, Api::Acl).await,
        (op, ["policy", _, ..]) => policy_op(core, op, Api::Legacy, policies::name_arg(&path, "policy/"), req).await,
        (op, ["policies", "acl", _, ..]) => {
            policy_op(core, op, Api::Acl, policies::name_arg(&path, "policies/acl/"), req).await
        }
        (_, ["policies", "acl", ..]) => Err(CoreError::UnsupportedOperation),
        (Operation::Update, ["capabilities"]) => capabilities::handle(core, req, Subject::Token).await,
        (Operation::Update, ["capabilities-self"]) => capabilities::handle(core, req, Subject::Caller).await,
        (Operation::Update, ["capabilities-accessor"]) => capabilities::handle(core, req, Subject::Accessor).await,
        (Operation::Update, ["wrapping", "wrap"]) => core.wrap_data(req).await.map(Some),
        (Operation::Update, ["wrapping", "unwrap"]) => core.unwrap(req).await.map(Some),
        (Operation::Update | Operation::Read, ["wrapping", "lookup"]) => core.wrap_lookup(req).await.map(Some),
        (Operation::Update, ["wrapping", "rewrap"]) => core.rewrap(req).await.map(Some),
        (Operation::Update, ["storage", "raft", "bootstrap", "challenge"]) => core.raft_bootstrap_challenge(req).await,
        (Operation::Update, ["storage", "raft", "bootstrap", "answer"]) => core.raft_bootstrap_answer(req).await,
        (Operation::Update, ["storage", "raft", "remove-peer"]) => core.raft_remove_peer(req).await,
        (Operation::Read, ["ha-status"]) => core.ha_status().await,
        (Operation::Read, ["storage", "raft", "autopilot", "state"]) => core.autopilot_state().await,
        (Operation::Read, ["storage", "raft", "autopilot", "configuration"]) => core.autopilot_config_read().await,
        (Operation::Update, ["storage", "raft", "autopilot", "configuration"]) => {
            core.autopilot_config_write(req).await
        }
        (Operation::Update, ["step-down"]) => core.step_down().await,
        (Operation::Read, ["key-status"]) => keys::key_status(core).await,
        (Operation::Update, ["rotate"]) | (Operation::Update, ["rotate", "keyring"]) => keys::rotate(core).await,
        (Operation::Update, ["seal"]) => {
            core.seal().await?;
            Ok(None)
        }
        _ if leases::is_lease_path(&path) => leases::handle(core, req, &path).await,
        _ if is_known_prefix(&segments) => Err(CoreError::UnsupportedOperation),
        _ => Err(CoreError::UnsupportedPath),
    }
}

fn is_known_prefix(segments: &[&str]) -> bool {
    matches!(
        segments.first(),
        Some(
            &"mounts"
                | &"auth"
                | &"remount"
                | &"key-status"
                | &"rotate"
                | &"seal"
                | &"policy"
                | &"capabilities"
                | &"capabilities-self"
                | &"capabilities-accessor"
                | &"wrapping"
        )
    )
}

async fn policy_op(
    core: &Core,
    op: Operation,
    api: Api,
    name: &str,
    req: &Request,
) -> Result<Option<Response>, CoreError> {
    match op {
        Operation::Read => policies::read(core, api, name).await,
        Operation::Update => policies::write(core, api, name, req).await,
        Operation::Delete => policies::delete(core, name).await,
        _ => Err(CoreError::UnsupportedOperation),
    }
}

/// The mount path in `mounts/<path>[/tune]`.
fn mount_arg(path: &str, tune: bool) -> Result<&str, CoreError> {
    let rest = path.strip_prefix("mounts/").unwrap_or("");
    let rest = if tune { rest.strip_suffix("/tune").unwrap_or(rest) } else { rest };
    if rest.trim_matches('/').is_empty() {
        return Err(CoreError::invalid("path cannot be empty"));
    }
    Ok(rest)
}

/// The auth method path in `<prefix><path>[/tune]` (`auth/` or `mounts/auth/`).
fn auth_arg<'a>(path: &'a str, prefix: &str, tune: bool) -> Result<&'a str, CoreError> {
    let rest = path.strip_prefix(prefix).unwrap_or("");
    let rest = if tune { rest.strip_suffix("/tune").unwrap_or(rest) } else { rest };
    if rest.trim_matches('/').is_empty() {
        return Err(CoreError::invalid("path must be specified as a string"));
    }
    Ok(rest)
}
