//! `revoke`, `revoke-self`, `revoke-accessor`, `revoke-orphan` and `tidy`.

use super::fields::bad_request;
use super::has_sudo;
use crate::core::Core;
use crate::logical::FieldData;
use crate::{CoreError, Request, Response};

/// Revokes `id` and its subtree; an unknown token is no error (Vault's `revokeCommon`).
async fn revoke_tree(core: &Core, id: &str) -> Result<Option<Response>, CoreError> {
    let Some(entry) = core.tokens.lookup(id).await? else { return Ok(None) };
    if entry.is_batch() {
        return Err(CoreError::invalid("batch tokens cannot be revoked"));
    }
    core.tokens.revoke_tree(entry.key()).await?;
    Ok(None)
}

/// `revoke {token}`.
pub(super) async fn revoke(core: &Core, _: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let id = d.str_or_default("token");
    if id.is_empty() {
        return Err(CoreError::invalid("missing token ID"));
    }
    revoke_tree(core, &id).await
}

/// `revoke-self`.
pub(super) async fn revoke_self(core: &Core, req: &Request, _: &FieldData) -> Result<Option<Response>, CoreError> {
    let id = req.client_token.clone().unwrap_or_default();
    revoke_tree(core, &id).await
}

/// `revoke-accessor {accessor}`.
pub(super) async fn revoke_accessor(core: &Core, _: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let accessor = d.str_or_default("accessor");
    if accessor.is_empty() {
        return Err(bad_request("missing accessor"));
    }
    let Some(index) = core.tokens.lookup_accessor(&accessor).await? else {
        return Ok(Some(Response::default().warn("No token found with this accessor")));
    };
    let entry =
        core.tokens.lookup_key(&index.token_key, false).await?.ok_or_else(|| CoreError::invalid("token not found"))?;
    core.tokens.revoke_tree(entry.key()).await?;
    Ok(None)
}

/// `revoke-orphan {token}` (root or sudo): the token goes, its children stay as orphans.
pub(super) async fn revoke_orphan(core: &Core, req: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let id = d.str_or_default("token");
    if id.is_empty() {
        return Err(CoreError::invalid("missing token ID"));
    }
    if !has_sudo(core, req) {
        return Err(CoreError::invalid("root or sudo privileges required to revoke and orphan"));
    }
    let entry = core.tokens.lookup(&id).await?.ok_or_else(|| CoreError::invalid("token to revoke not found"))?;
    if entry.is_batch() {
        return Err(CoreError::invalid("batch tokens cannot be revoked"));
    }
    core.tokens.revoke_orphan(entry.key()).await?;
    Ok(None)
}

/// `tidy`: runs in the background like Vault's. Vault answers 202; this API answers 200.
pub(super) async fn tidy(core: &Core, _: &Request, _: &FieldData) -> Result<Option<Response>, CoreError> {
    let warning = if core.tokens.start_tidy() {
        "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."
    } else {
        "Tidy operation already in progress."
    };
    Ok(Some(Response::default().warn(warning)))
}
