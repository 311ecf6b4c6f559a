//! `lookup`, `lookup-self`, `lookup-accessor` and `LIST accessors`.

use super::caller;
use super::fields::bad_request;
use crate::core::Core;
use crate::logical::FieldData;
use crate::token_store::{rfc3339_nano, TokenEntry};
use crate::{CoreError, Request, Response, SecretString};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// Vault's lookup data for a token. `id` is the token as the client gave it ("" when looked up
/// by accessor): the store never knows it.
pub(super) fn lookup_data(id: &str, e: &TokenEntry, now: DateTime<Utc>) -> Map<String, Value> {
    let expired = e.is_expired(now);
    let data = json!({
        "id": id,
        "accessor": e.accessor,
        "policies": e.policies,
        "path": e.path,
        "meta": if e.meta.is_empty() { Value::Null } else { json!(e.meta) },
        "display_name": e.display_name,
        "num_uses": e.num_uses,
        "orphan": e.orphan,
        "creation_time": e.creation_time,
        "creation_ttl": e.ttl,
        "expire_time": e.expire_time.map(rfc3339_nano),
        "ttl": e.remaining_ttl(now),
        "explicit_max_ttl": e.explicit_max_ttl,
        "entity_id": e.entity_id,
        "type": e.token_type.as_str(),
        "issue_time": rfc3339_nano(e.issued_at()),
        // Vault's lease.renewable(): a token without expiry has no lease to renew.
        "renewable": e.renewable && e.expire_time.is_some() && !expired,
    });
    let Value::Object(mut map) = data else { return Map::new() };
    if !e.role.is_empty() {
        map.insert("role".into(), json!(e.role));
    }
    if e.period > 0 {
        map.insert("period".into(), json!(e.period));
    }
    if let Some(t) = e.last_renewal_time {
        map.insert("last_renewal_time".into(), json!(t.timestamp()));
        map.insert("last_renewal".into(), json!(rfc3339_nano(t)));
    }
    map
}

/// `lookup {token}`; without a token, the caller's own. Unknown tokens are a 403, as in Vault.
pub(super) async fn lookup(core: &Core, req: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let id = match d.str("token").filter(|t| !t.is_empty()) {
        Some(t) => SecretString::new(t.to_string()),
        None => req.client_token.clone().unwrap_or_default(),
    };
    if id.is_empty() {
        return Err(CoreError::invalid("missing token ID"));
    }
    let entry = core.tokens.lookup_tainted(&id).await?.ok_or_else(|| CoreError::Forbidden("bad token".into()))?;
    Ok(Some(Response::with_data(lookup_data(&id, &entry, core.tokens.now()))))
}

/// `lookup-self`: the entry the pipeline authenticated (its use already counted).
pub(super) async fn lookup_self(core: &Core, req: &Request, _: &FieldData) -> Result<Option<Response>, CoreError> {
    let entry = caller(req)?;
    let id = req.client_token.as_deref().unwrap_or_default();
    Ok(Some(Response::with_data(lookup_data(id, entry, core.tokens.now()))))
}

/// `lookup-accessor {accessor}`: the token's data without its ID.
pub(super) async fn lookup_accessor(core: &Core, _: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let accessor = d.str_or_default("accessor");
    if accessor.is_empty() {
        return Err(bad_request("missing accessor"));
    }
    let index = core.tokens.lookup_accessor(&accessor).await?.ok_or_else(|| bad_request("invalid accessor"))?;
    let entry = core.tokens.lookup_key(&index.token_key, true).await?.ok_or(CoreError::PermissionDenied)?;
    Ok(Some(Response::with_data(lookup_data("", &entry, core.tokens.now()))))
}

/// `LIST accessors` (sudo, enforced by the ACL step): every known accessor.
pub(super) async fn list_accessors(core: &Core, _: &Request, _: &FieldData) -> Result<Option<Response>, CoreError> {
    let keys = core.tokens.list_accessors().await?;
    if keys.is_empty() {
        return Err(CoreError::NotFound);
    }
    Ok(Some(Response::list(keys)))
}
