//! `renew`, `renew-self` and `renew-accessor`.

use super::fields::bad_request;
use super::{sys_ttls, MOUNT_POINT};
use crate::core::Core;
use crate::logical::FieldData;
use crate::logical::{AuthRenewal, TokenRenewal};
use crate::mount_table::CREDENTIAL_ROUTE_PREFIX;
use crate::token_store::{SysTtls, TokenEntry};
use crate::{Auth, CoreError, Request, Response};

/// The TTLs a renewal is bounded by: for a token an auth method issued, the method's mount as
/// tuned now (through its system view) and what the method grants (Vault's `AuthRenew`); for
/// the token store's own tokens, its mount's.
async fn auth_method_bounds(core: &Core, entry: &TokenEntry) -> Result<(SysTtls, Option<AuthRenewal>), CoreError> {
    if entry.path.starts_with(MOUNT_POINT) || !entry.path.starts_with(CREDENTIAL_ROUTE_PREFIX) {
        return Ok((sys_ttls(core), None));
    }
    let route = core.router.load().route(&entry.path).map(|(route, rest)| (route.clone(), rest));
    let Some((route, rest)) = route else {
        return Ok((sys_ttls(core), None));
    };
    let token = TokenRenewal {
        path: rest,
        policies: entry.policies.clone(),
        metadata: entry.meta.clone(),
        display_name: entry.display_name.clone(),
    };
    let granted = route.backend.renew_auth(&token).await?;
    let (default_ttl, max_ttl) = core.effective_ttls(&route.entry.config);
    Ok((SysTtls { default_ttl, max_ttl }, granted))
}

/// Renews the token stored under `key`; `id` is echoed as `client_token`.
async fn renew_key(core: &Core, d: &FieldData, entry: &TokenEntry, id: &str) -> Result<Option<Response>, CoreError> {
    if entry.is_batch() {
        return Err(CoreError::invalid("batch tokens cannot be renewed"));
    }
    let increment = d.seconds("increment").unwrap_or(0);
    let (sys, granted) = auth_method_bounds(core, entry).await?;
    let renewed = core.tokens.renew(entry.key(), increment, sys, granted).await?;
    let e = &renewed.entry;
    let auth = Auth {
        client_token: id.into(),
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

async fn renew_token(core: &Core, d: &FieldData, id: &str) -> Result<Option<Response>, CoreError> {
    if id.is_empty() {
        return Err(CoreError::invalid("missing token ID"));
    }
    let entry = core.tokens.lookup(id).await?.ok_or_else(|| CoreError::invalid("token not found"))?;
    renew_key(core, d, &entry, id).await
}

/// `renew {token, increment}`.
pub(super) async fn renew(core: &Core, _: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    renew_token(core, d, &d.str_or_default("token")).await
}

/// `renew-self {increment}`.
pub(super) async fn renew_self(core: &Core, req: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let id = req.client_token.clone().unwrap_or_default();
    renew_token(core, d, &id).await
}

/// `renew-accessor {accessor, increment}`: the response does not carry the token.
pub(super) async fn renew_accessor(core: &Core, _: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let accessor = d.str_or_default("accessor");
    if accessor.is_empty() {
        return Err(bad_request("missing accessor"));
    }
    let index = core.tokens.lookup_accessor(&accessor).await?.ok_or_else(|| bad_request("invalid accessor"))?;
    let entry =
        core.tokens.lookup_key(&index.token_key, false).await?.ok_or_else(|| CoreError::invalid("token not found"))?;
    renew_key(core, d, &entry, "").await
}
