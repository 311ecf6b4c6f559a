//! Response wrapping (request path step 8): a response is stored in the cubbyhole of a fresh
//! single-use token and the client gets only `wrap_info`. Unwrapping spends that use, returns the
//! stored response and revokes the token, so a response can be read exactly once.

use crate::barrier::BarrierView;
use crate::core::Core;
use crate::policy_store::RESPONSE_WRAPPING_POLICY_NAME;
use crate::token_store::{NewToken, TokenEntry};
use crate::{CoreError, Request, Response, SecretString, WrapInfo};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Per-token private storage: `<salted token hash>/<path>`. The wrapped response of a wrapping
/// token lives at `<hash>/response`; the cubbyhole engine keeps its keys beside it.
pub const CUBBYHOLE_VIEW: &str = "sys/cubbyhole/";
/// The cubbyhole key of a wrapped response (Vault's `cubbyhole/response`).
const RESPONSE_KEY: &str = "response";

/// What a wrapping token's cubbyhole holds.
#[derive(Serialize, Deserialize)]
struct Wrapped {
    response: Response,
    creation_path: String,
    /// RFC 3339.
    creation_time: String,
    ttl: u64,
}

/// Vault's answer to every unusable wrapping token.
fn not_valid() -> CoreError {
    CoreError::invalid("wrapping token is not valid or does not exist")
}

fn response_key(token_key: &str) -> String {
    format!("{token_key}/{RESPONSE_KEY}")
}

impl Core {
    fn cubbyhole(&self) -> BarrierView {
        BarrierView::new(self.barrier.clone(), CUBBYHOLE_VIEW)
    }

    /// Wraps `resp` for `ttl` seconds: mints the wrapping token, stores the response in its
    /// cubbyhole and returns what the client sees instead.
    pub(crate) async fn wrap_response(&self, req: &Request, resp: Response, ttl: u64) -> Result<Response, CoreError> {
        let spec = NewToken {
            policies: vec![RESPONSE_WRAPPING_POLICY_NAME.to_string()],
            path: req.path.clone(),
            num_uses: 1,
            ttl,
            explicit_max_ttl: ttl,
            ..Default::default()
        };
        let created = self.tokens.create(spec).await?;
        let creation_time = crate::token_store::rfc3339_nano(created.entry.issued_at());
        let wrap_info = WrapInfo {
            token: created.id.into(),
            accessor: created.entry.accessor.clone(),
            ttl,
            creation_time: creation_time.clone(),
            creation_path: req.path.clone(),
            wrapped_accessor: resp.auth.as_ref().map(|a| a.accessor.clone()).unwrap_or_default(),
        };
        let stored = Wrapped { response: resp, creation_path: req.path.clone(), creation_time, ttl };
        if let Err(e) = self.cubbyhole().put_json(&response_key(created.entry.key()), &stored).await {
            // Leave no token behind that unwraps to nothing.
            let _ = self.tokens.revoke_tree(created.entry.key()).await;
            return Err(e);
        }
        Ok(Response { wrap_info: Some(wrap_info), ..Default::default() })
    }

    /// Vault's `ValidateWrappingToken`, run for `sys/wrapping/{lookup,rewrap,unwrap}` before the
    /// caller is authenticated: the wrapping token (the `token` field, else the client token)
    /// must exist and be one, so a spent or bogus one is a 400 rather than a 403.
    pub(crate) async fn validate_wrapping_token(&self, req: &Request) -> Result<(), CoreError> {
        let invalid = |e: &str| CoreError::invalid(format!("error validating wrapping token: {e}"));
        let token = match req.data.get("token").filter(|v| !v.is_null()) {
            Some(serde_json::Value::String(t)) if t.is_empty() => return Err(invalid("empty token in request body")),
            Some(serde_json::Value::String(t)) => SecretString::new(t.as_str()),
            Some(_) => return Err(invalid("could not decode token in request body")),
            None => req.client_token.clone().filter(|t| !t.is_empty()).ok_or_else(|| invalid("token is empty"))?,
        };
        let entry = self.tokens.lookup(&token).await?.ok_or_else(not_valid)?;
        if entry.policies.len() != 1 || entry.policies[0] != RESPONSE_WRAPPING_POLICY_NAME {
            return Err(not_valid());
        }
        Ok(())
    }

    /// The wrapping token a `sys/wrapping/*` request names: the `token` field, else the caller's
    /// own token (already authenticated, and its use already spent, by the pipeline).
    async fn wrapping_token(&self, req: &Request, spend_use: bool) -> Result<Arc<TokenEntry>, CoreError> {
        // Only a string names a token; anything else falls back to the caller's own.
        let named = req.data.get("token").and_then(serde_json::Value::as_str).filter(|t| !t.is_empty());
        let entry = match named {
            Some(token) => {
                let entry = self.tokens.lookup(token).await?.ok_or_else(not_valid)?;
                if spend_use {
                    self.tokens.use_token(&entry).await?.ok_or_else(not_valid)?
                } else {
                    entry
                }
            }
            None => req
                .token_entry
                .clone()
                .ok_or_else(|| CoreError::invalid("error validating wrapping token: token is empty"))?,
        };
        if entry.policies.len() != 1 || entry.policies[0] != RESPONSE_WRAPPING_POLICY_NAME {
            return Err(not_valid());
        }
        Ok(entry)
    }

    /// `sys/wrapping/unwrap`: the stored response, once.
    pub(crate) async fn unwrap(&self, req: &Request) -> Result<Response, CoreError> {
        let entry = self.wrapping_token(req, true).await?;
        let key = response_key(entry.key());
        let stored: Option<Wrapped> = self.cubbyhole().get_json(&key).await?;
        // Spent either way: the token and its cubbyhole go.
        self.cubbyhole().delete(&key).await?;
        self.tokens.revoke_tree(entry.key()).await?;
        Ok(stored.ok_or_else(not_valid)?.response)
    }

    /// `sys/wrapping/lookup`: when and where a wrapping token was made, without spending it.
    pub(crate) async fn wrap_lookup(&self, req: &Request) -> Result<Response, CoreError> {
        let entry = self.wrapping_token(req, false).await?;
        let stored: Wrapped = self.cubbyhole().get_json(&response_key(entry.key())).await?.ok_or_else(not_valid)?;
        let mut data = serde_json::Map::new();
        data.insert("creation_path".into(), stored.creation_path.into());
        data.insert("creation_time".into(), stored.creation_time.into());
        data.insert("creation_ttl".into(), stored.ttl.into());
        Ok(Response::with_data(data))
    }

    /// `sys/wrapping/rewrap`: the same response under a new wrapping token with the old TTL.
    pub(crate) async fn rewrap(&self, req: &Request) -> Result<Response, CoreError> {
        let entry = self.wrapping_token(req, true).await?;
        let key = response_key(entry.key());
        let stored: Wrapped = self.cubbyhole().get_json(&key).await?.ok_or_else(not_valid)?;
        let mut origin = req.clone();
        origin.path = stored.creation_path.clone();
        let rewrapped = self.wrap_response(&origin, stored.response, stored.ttl).await?;
        self.cubbyhole().delete(&key).await?;
        self.tokens.revoke_tree(entry.key()).await?;
        Ok(rewrapped)
    }

    /// `sys/wrapping/wrap`: wraps the request body itself; needs a wrap TTL.
    pub(crate) async fn wrap_data(&self, req: &Request) -> Result<Response, CoreError> {
        if req.wrap_ttl.is_none() {
            return Err(CoreError::invalid("endpoint requires response wrapping to be used"));
        }
        Ok(Response::with_data(req.data.clone()))
    }
}
