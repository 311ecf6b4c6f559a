//! `sys/leases/*` and the legacy `sys/renew`, `sys/revoke`, `sys/revoke-prefix`,
//! `sys/revoke-force` aliases (Vault's `leasePaths`: `(leases/)?renew(/<lease id>)?` and so
//! on), answered as Vault answers them. The sudo ones (`lookup/<prefix>`, `revoke-prefix`,
//! `revoke-force`, `sys/leases`) are checked by the ACL step.
//!
//! Vault answers an asynchronous revoke (`sync: false`) with 202 and the tidy with 202 and a
//! warning; the api layer has no 202 yet, so these answer 204 and 200.

use crate::core::Core;
use crate::expiration::{
    revoke_error, CountIrrevocable, ListIrrevocable, ListLeases, Lookup, Renew, Revoke, RevokePrefix, Tidy,
    MAX_IRREVOCABLE_LEASES,
};
use crate::logical::FieldData;
use crate::{CoreError, Request, Response};
use serde_json::{json, Value};

const TIDY_STARTED: &str =
    "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

/// `lease_id` from the body, else from the URL (Vault's `url_lease_id`).
fn lease_id(d: &FieldData) -> Result<String, CoreError> {
    let id = d.str("lease_id").filter(|s| !s.is_empty());
    match id.or_else(|| d.str("url_lease_id").filter(|s| !s.is_empty())) {
        Some(id) => Ok(id.to_string()),
        None => Err(CoreError::invalid("lease_id must be specified")),
    }
}

/// `LIST sys/leases/lookup`: Vault lists `sys/leases/lookup/` (a sudo path) when asked for it
/// without the slash, so the ACL step (which saw the path without it) is repeated here.
pub(super) async fn list_root(core: &Core, req: &Request) -> Result<Option<Response>, CoreError> {
    if !req.token_entry.as_ref().is_some_and(|t| core.has_sudo(t, "sys/leases/lookup/")) {
        return Err(CoreError::PermissionDenied);
    }
    list(core, "").await
}

/// `PUT sys/leases/lookup {lease_id}`.
pub(super) async fn lookup(core: &Core, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let id = d.str("lease_id").filter(|s| !s.is_empty()).map(str::to_string);
    let id = id.ok_or_else(|| CoreError::invalid("lease_id must be specified"))?;
    let lease = core.expiration.send(Lookup { lease_id: id }).await??;
    let lease = lease.ok_or_else(|| CoreError::invalid("invalid lease"))?;
    Ok(Some(Response::with_data(lease.lookup_data(core.leases.now()))))
}

/// `LIST sys/leases/lookup/<prefix>`.
pub(super) async fn list(core: &Core, prefix: &str) -> Result<Option<Response>, CoreError> {
    let keys = core.expiration.send(ListLeases { prefix: prefix.to_string() }).await??;
    if keys.is_empty() {
        return Err(CoreError::NotFound);
    }
    Ok(Some(Response::list(keys)))
}

/// `sys/leases/renew[/<lease id>] {lease_id, increment}`.
pub(super) async fn renew(core: &Core, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let id = lease_id(d)?;
    let increment = d.seconds("increment").unwrap_or(0);
    core.expiration.send(Renew { lease_id: id, increment }).await?
}

/// `sys/leases/revoke[/<lease id>] {lease_id, sync}`.
pub(super) async fn revoke(core: &Core, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let id = lease_id(d)?;
    let sync = d.bool_or_default("sync");
    core.expiration.send(Revoke { lease_id: id, sync }).await?.map_err(revoke_error)?;
    Ok(None)
}

/// `sys/leases/revoke-prefix/<prefix> {sync}` and `sys/leases/revoke-force/<prefix>`.
pub(super) async fn revoke_prefix(core: &Core, d: &FieldData, force: bool) -> Result<Option<Response>, CoreError> {
    let sync = force || d.bool_or_default("sync");
    let msg = RevokePrefix { prefix: d.str_or_default("prefix"), force, sync };
    core.expiration.send(msg).await??;
    Ok(None)
}

/// `sys/leases/tidy`: runs in the background.
pub(super) async fn tidy(core: &Core) -> Result<Option<Response>, CoreError> {
    if !core.expiration.send(Tidy).await? {
        tracing::warn!("tidy operation on leases is already in progress");
    }
    Ok(Some(Response::default().warn(TIDY_STARTED)))
}

/// Only `type=irrevocable` is supported; anything else reads as nothing (404), as in Vault.
fn wants_irrevocable(d: &FieldData) -> bool {
    d.str("type").is_some_and(|t| t.eq_ignore_ascii_case("irrevocable"))
}

/// `GET sys/leases/count?type=irrevocable`.
pub(super) async fn count(core: &Core, d: &FieldData) -> Result<Option<Response>, CoreError> {
    if !wants_irrevocable(d) {
        return Err(CoreError::NotFound);
    }
    let (total, counts) = core.expiration.send(CountIrrevocable).await?;
    Ok(Some(Response::from_value(json!({ "lease_count": total, "counts": counts }))))
}

/// `GET sys/leases?type=irrevocable&limit=<n|none>`.
pub(super) async fn list_irrevocable(core: &Core, d: &FieldData) -> Result<Option<Response>, CoreError> {
    if !wants_irrevocable(d) {
        return Err(CoreError::NotFound);
    }
    let limit = match d.str_or_default("limit").as_str() {
        "" => Some(MAX_IRREVOCABLE_LEASES),
        l if l.eq_ignore_ascii_case("none") => None,
        l => match l.parse::<i64>() {
            Ok(n) if n >= 1 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            Ok(_) => return Err(CoreError::invalid("limit must be 'none' or a positive integer")),
            Err(e) => return Err(CoreError::invalid(format!("invalid 'limit' provided: {e}"))),
        },
    };
    let (leases, warning) = core.expiration.send(ListIrrevocable { limit }).await?;
    let list: Vec<Value> =
        leases.iter().map(|l| json!({ "lease_id": l.lease_id, "mount_id": l.mount_id, "error": l.error })).collect();
    let mut resp = Response::from_value(json!({ "lease_count": list.len(), "leases": list }));
    if let Some(w) = warning {
        resp = resp.warn(w);
    }
    Ok(Some(resp))
}

/// Revokes every lease of a mount before it goes (Vault's unmount and remount revoke the
/// mount's prefix, synchronously, through the engine that is still mounted). `path` is the
/// lease path prefix: `secret/`, or `auth/userpass/` for an auth method.
pub(crate) async fn revoke_mount(core: &Core, path: &str) -> Result<(), CoreError> {
    let mut prefix = path.trim_start_matches('/').to_string();
    if !prefix.ends_with('/') {
        prefix.push('/');
    }
    core.expiration.send(RevokePrefix { prefix, force: false, sync: true }).await?
}
