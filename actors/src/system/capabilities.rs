//! `sys/capabilities`, `sys/capabilities-self` and `sys/capabilities-accessor`: what a token may
//! do on some paths, as Vault's `handleCapabilities` / `handleCapabilitiesAccessor` report it.

use super::fields;
use crate::core::Core;
use crate::token_store::TokenEntry;
use crate::{CoreError, Request, Response};
use serde_json::{json, Map};
use std::sync::Arc;

/// Which token the capabilities are asked for.
pub enum Subject {
    /// `sys/capabilities`: the `token` field.
    Token,
    /// `sys/capabilities-self`: the caller's own token.
    Caller,
    /// `sys/capabilities-accessor`: the token behind the `accessor` field.
    Accessor,
}

pub async fn handle(core: &Core, req: &Request, subject: Subject) -> Result<Option<Response>, CoreError> {
    let entry = match subject {
        Subject::Token => token_entry(core, fields::string(&req.data, "token")?.as_deref()).await?,
        Subject::Caller => token_entry(core, req.client_token.as_deref()).await?,
        Subject::Accessor => {
            let accessor = fields::string(&req.data, "accessor")?.filter(|a| !a.is_empty());
            let accessor = accessor.ok_or_else(|| CoreError::invalid("missing accessor"))?;
            let invalid = || CoreError::invalid("invalid accessor");
            let index = core.tokens.lookup_accessor(&accessor).await?.ok_or_else(invalid)?;
            core.tokens.lookup_key(&index.token_key, false).await?.ok_or_else(invalid)?
        }
    };
    let mut paths = fields::string_list(&req.data, "paths")?.unwrap_or_default();
    if paths.is_empty() {
        paths = fields::string_list(&req.data, "path")?.unwrap_or_default();
    }
    if paths.is_empty() {
        return Err(CoreError::invalid("paths must be supplied"));
    }
    let mut data = Map::new();
    for path in &paths {
        data.insert(path.clone(), json!(core.capabilities(&entry, path)?));
    }
    // Kept by Vault for clients of the one-path form.
    if let [only] = paths.as_slice() {
        let caps = data.get(only).cloned().unwrap_or_default();
        data.insert("capabilities".into(), caps);
    }
    Ok(Some(Response::with_data(data)))
}

async fn token_entry(core: &Core, token: Option<&str>) -> Result<Arc<TokenEntry>, CoreError> {
    let token = token.filter(|t| !t.is_empty()).ok_or_else(|| CoreError::internal("no token found"))?;
    core.tokens.lookup(token).await?.ok_or_else(|| CoreError::invalid("invalid token"))
}
