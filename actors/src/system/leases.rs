//! `sys/leases/*` and the legacy `sys/renew`, `sys/revoke`, `sys/revoke-prefix`,
//! `sys/revoke-force` aliases (Vault's `leasePaths`: `(leases/)?renew(/<lease id>)?` and so
//! on), answered as Vault answers them. The sudo ones (`lookup/<prefix>`, `revoke-prefix`,
//! `revoke-force`, `sys/leases`) are checked by the ACL step.
//!
//! Vault answers an asynchronous revoke (`sync: false`) with 202 and the tidy with 202 and a
//! warning; the api layer has no 202 yet, so these answer 204 and 200.

use super::fields;
use crate::core::Core;
use crate::expiration::{
    revoke_error, CountIrrevocable, ListIrrevocable, ListLeases, Lookup, Renew, Revoke, RevokePrefix, Tidy,
    MAX_IRREVOCABLE_LEASES,
};
use crate::{CoreError, Operation, Request, Response};
use serde_json::{json, Value};

const TIDY_STARTED: &str =
    "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";

/// Whether `path` (below `sys/`) is one of the lease endpoints.
pub fn is_lease_path(path: &str) -> bool {
    let rest = path.strip_prefix("leases/").unwrap_or(path);
    path == "leases"
        || ["lookup", "tidy", "count", "renew", "revoke", "revoke-prefix", "revoke-force"]
            .iter()
            .any(|name| rest == *name || rest.starts_with(&format!("{name}/")))
}

/// Dispatches a lease path (below `sys/`).
pub async fn handle(core: &Core, req: &Request, path: &str) -> Result<Option<Response>, CoreError> {
    let op = req.operation;
    if path == "leases" {
        return match op {
            Operation::Read => list_irrevocable(core, req).await,
            _ => Err(CoreError::UnsupportedOperation),
        };
    }
    let legacy = !path.starts_with("leases/");
    let rest = path.strip_prefix("leases/").unwrap_or(path);
    let (name, arg) = match rest.split_once('/') {
        Some((name, arg)) => (name, Some(arg)),
        None => (rest, None),
    };
    match (op, name, arg, legacy) {
        (Operation::List, "lookup", _, false) => {
            // Vault lists `sys/leases/lookup/` (a sudo path) when asked for `sys/leases/lookup`.
            if arg.is_none() && !req.token_entry.as_ref().is_some_and(|t| core.has_sudo(t, "sys/leases/lookup/")) {
                return Err(CoreError::PermissionDenied);
            }
            list(core, arg.unwrap_or("")).await
        }
        (Operation::Update, "lookup", None, false) => lookup(core, req).await,
        (Operation::Update, "renew", _, _) => renew(core, req, arg).await,
        (Operation::Update, "revoke", _, _) => revoke(core, req, arg).await,
        (Operation::Update, "revoke-prefix" | "revoke-force", Some(""), _) => {
            Err(CoreError::invalid("cannot write to a path ending in '/'"))
        }
        (Operation::Update, "revoke-prefix", Some(prefix), _) => revoke_prefix(core, req, prefix, false).await,
        (Operation::Update, "revoke-force", Some(prefix), _) => revoke_prefix(core, req, prefix, true).await,
        (Operation::Update, "tidy", None, false) => tidy(core).await,
        (Operation::Read, "count", None, false) => count(core, req).await,
        (_, "lookup" | "tidy" | "count", _, true) => Err(CoreError::UnsupportedPath),
        (_, "revoke-prefix" | "revoke-force", None, _) => Err(CoreError::UnsupportedPath),
        _ => Err(CoreError::UnsupportedOperation),
    }
}

/// `lease_id` from the body, else from the URL (Vault's `url_lease_id`).
fn lease_id(req: &Request, url: Option<&str>) -> Result<String, CoreError> {
    let id = fields::string(&req.data, "lease_id")?.filter(|s| !s.is_empty());
    match id.or_else(|| url.filter(|s| !s.is_empty()).map(str::to_string)) {
        Some(id) => Ok(id),
        None => Err(CoreError::invalid("lease_id must be specified")),
    }
}

/// `PUT sys/leases/lookup {lease_id}`.
async fn lookup(core: &Core, req: &Request) -> Result<Option<Response>, CoreError> {
    let id = fields::string(&req.data, "lease_id")?.filter(|s| !s.is_empty());
    let id = id.ok_or_else(|| CoreError::invalid("lease_id must be specified"))?;
    let lease = core.expiration.send(Lookup { lease_id: id }).await??;
    let lease = lease.ok_or_else(|| CoreError::invalid("invalid lease"))?;
    Ok(Some(Response::with_data(lease.lookup_data(core.leases.now()))))
}

/// `LIST sys/leases/lookup/<prefix>`.
async fn list(core: &Core, prefix: &str) -> Result<Option<Response>, CoreError> {
    let keys = core.expiration.send(ListLeases { prefix: prefix.to_string() }).await??;
    if keys.is_empty() {
        return Err(CoreError::NotFound);
    }
    Ok(Some(Response::list(keys)))
}

/// `sys/leases/renew[/<lease id>] {lease_id, increment}`.
async fn renew(core: &Core, req: &Request, url: Option<&str>) -> Result<Option<Response>, CoreError> {
    let id = lease_id(req, url)?;
    let increment = fields::duration(&req.data, "increment")?.unwrap_or(0);
    core.expiration.send(Renew { lease_id: id, increment }).await?
}

/// `sys/leases/revoke[/<lease id>] {lease_id, sync}`.
async fn revoke(core: &Core, req: &Request, url: Option<&str>) -> Result<Option<Response>, CoreError> {
    let id = lease_id(req, url)?;
    let sync = fields::boolean(&req.data, "sync")?.unwrap_or(true);
    core.expiration.send(Revoke { lease_id: id, sync }).await?.map_err(revoke_error)?;
    Ok(None)
}

/// `sys/leases/revoke-prefix/<prefix> {sync}` and `sys/leases/revoke-force/<prefix>`.
async fn revoke_prefix(core: &Core, req: &Request, prefix: &str, force: bool) -> Result<Option<Response>, CoreError> {
    let sync = force || fields::boolean(&req.data, "sync")?.unwrap_or(true);
    let msg = RevokePrefix { prefix: prefix.to_string(), force, sync };
    core.expiration.send(msg).await??;
    Ok(None)
}

/// `sys/leases/tidy`: runs in the background.
async fn tidy(core: &Core) -> Result<Option<Response>, CoreError> {
    if !core.expiration.send(Tidy).await? {
        tracing::warn!("tidy operation on leases is already in progress");
    }
    Ok(Some(Response::default().warn(TIDY_STARTED)))
}

/// Only `type=irrevocable` is supported; anything else reads as nothing (404), as in Vault.
fn wants_irrevocable(req: &Request) -> Result<bool, CoreError> {
    Ok(fields::string(&req.data, "type")?.is_some_and(|t| t.eq_ignore_ascii_case("irrevocable")))
}

/// `GET sys/leases/count?type=irrevocable`.
async fn count(core: &Core, req: &Request) -> Result<Option<Response>, CoreError> {
    if !wants_irrevocable(req)? {
        return Err(CoreError::NotFound);
    }
    let (total, counts) = core.expiration.send(CountIrrevocable).await?;
    Ok(Some(Response::from_value(json!({ "lease_count": total, "counts": counts }))))
}

/// `GET sys/leases?type=irrevocable&limit=<n|none>`.
async fn list_irrevocable(core: &Core, req: &Request) -> Result<Option<Response>, CoreError> {
    if !wants_irrevocable(req)? {
        return Err(CoreError::NotFound);
    }
    let limit = match fields::string(&req.data, "limit")?.unwrap_or_default().as_str() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_paths_and_their_legacy_aliases() {
        for p in [
            "leases",
            "leases/lookup",
            "leases/lookup/",
            "leases/lookup/auth/token/",
            "leases/renew",
            "renew",
            "renew/a/b",
            "revoke/x",
            "leases/revoke-prefix/x",
            "revoke-force/x",
            "leases/tidy",
            "leases/count",
        ] {
            assert!(is_lease_path(p), "{p}");
        }
        for p in ["leasesx", "renewal", "mounts", "lease/lookup"] {
            assert!(!is_lease_path(p), "{p}");
        }
    }
}
