//! `renew`, `renew-self` and `renew-accessor`.

use super::fields::{bad_request, duration, string};
use super::sys_ttls;
use crate::core::Core;
use crate::token_store::TokenEntry;
use crate::{Auth, CoreError, Request, Response};

/// Renews the token stored under `key`; `id` is echoed as `client_token`.
async fn renew_key(core: &Core, req: &Request, entry: &TokenEntry, id: &str) -> Result<Option<Response>, CoreError> {
    if entry.is_batch() {
        return Err(CoreError::invalid("batch tokens cannot be renewed"));
    }
    let increment = duration(&req.data, "increment")?.unwrap_or(0);
    let renewed = core.tokens.renew(entry.key(), increment, sys_ttls(core)).await?;
    let e = &renewed.entry;
    let auth = Auth {
        client_token: id.to_string(),
        accessor: e.accessor.clone(),
        policies: e.policies.clone(),
        token_policies: e.policies.clone(),
        metadata: e.meta.clone(),
        lease_duration: renewed.ttl,
        renewable: e.renewable,
        entity_id: e.entity_id.clone(),
        token_type: e.token_type.as_str().into(),
        orphan: e.orphan,
        num_uses: e.num_uses,
    };
    Ok(Some(Response { warnings: renewed.warnings, ..Response::with_auth(auth) }))
}

async fn renew_token(core: &Core, req: &Request, id: &str) -> Result<Option<Response>, CoreError> {
    if id.is_empty() {
        return Err(CoreError::invalid("missing token ID"));
    }
    let entry = core.tokens.lookup(id).await?.ok_or_else(|| CoreError::invalid("token not found"))?;
    renew_key(core, req, &entry, id).await
}

/// `renew {token, increment}`.
pub(super) async fn renew(core: &Core, req: &Request) -> Result<Option<Response>, CoreError> {
    let id = string(&req.data, "token")?.unwrap_or_default();
    renew_token(core, req, &id).await
}

/// `renew-self {increment}`.
pub(super) async fn renew_self(core: &Core, req: &Request) -> Result<Option<Response>, CoreError> {
    let id = req.client_token.clone().unwrap_or_default();
    renew_token(core, req, &id).await
}

/// `renew-accessor {accessor, increment}`: the response does not carry the token.
pub(super) async fn renew_accessor(core: &Core, req: &Request) -> Result<Option<Response>, CoreError> {
    let accessor = string(&req.data, "accessor")?.unwrap_or_default();
    if accessor.is_empty() {
        return Err(bad_request("missing accessor"));
    }
    let index = core.tokens.lookup_accessor(&accessor).await?.ok_or_else(|| bad_request("invalid accessor"))?;
    let entry =
        core.tokens.lookup_key(&index.token_key, false).await?.ok_or_else(|| CoreError::invalid("token not found"))?;
    renew_key(core, req, &entry, "").await
}
