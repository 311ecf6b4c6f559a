//! `sys/capabilities`, `sys/capabilities-self` and `sys/capabilities-accessor`: what a token may
//! do on some paths, as Vault's `handleCapabilities` / `handleCapabilitiesAccessor` report it.

use crate::core::Core;
use crate::logical::FieldData;
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

/// Vault's order: the token must be named, then the paths, then the token must exist.
pub async fn handle(
    core: &Core,
    req: &Request,
    d: &FieldData,
    subject: Subject,
) -> Result<Option<Response>, CoreError> {
    let entry = match subject {
        Subject::Token => named_token(d.str("token"))?,
        Subject::Caller => named_token(req.client_token.as_deref())?,
        Subject::Accessor => {
            let accessor = d.str("accessor").filter(|a| !a.is_empty());
            let accessor = accessor.ok_or_else(|| CoreError::invalid("missing accessor"))?;
            let invalid = || CoreError::invalid("invalid accessor").listed();
            let index = core.tokens.lookup_accessor(accessor).await?.ok_or_else(invalid)?;
            Named::Entry(core.tokens.lookup_key(&index.token_key, false).await?.ok_or_else(invalid)?)
        }
    };
    let mut paths = d.strings("paths").unwrap_or_default().to_vec();
    if paths.is_empty() {
        paths = d.strings("path").unwrap_or_default().to_vec();
    }
    if paths.is_empty() {
        return Err(CoreError::invalid("paths must be supplied"));
    }
    let entry = match entry {
        Named::Entry(e) => e,
        Named::Token(t) => core.tokens.lookup(t).await?.ok_or_else(|| CoreError::invalid("invalid token").listed())?,
    };
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

/// The token a request asks about: by ID, looked up once the paths are known, or found already.
enum Named<'a> {
    Token(&'a str),
    Entry(Arc<TokenEntry>),
}

/// A Go error in Vault when no token is named: a listed 500.
fn named_token(token: Option<&str>) -> Result<Named<'_>, CoreError> {
    token.filter(|t| !t.is_empty()).map(Named::Token).ok_or_else(|| CoreError::internal("no token found").listed())
}
