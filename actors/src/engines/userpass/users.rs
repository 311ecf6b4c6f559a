//! Users: storage (`user/<name>`, as Vault lays it out) and the `users/...` endpoints.

use super::token_params::{upgrade, Legacy, TokenParams};
use super::{Userpass, BCRYPT_COST};
use crate::system::fields;
use crate::{CoreError, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map};
use zeroize::Zeroizing;

/// Where users live in the mount's view.
pub(super) const USER_PREFIX: &str = "user/";

/// Vault's `UserEntry`: the `token_*` parameters, the bcrypt hash, and the deprecated fields
/// kept so a read still shows what was written under the old names.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct UserEntry {
    #[serde(flatten)]
    pub token: TokenParams,
    /// bcrypt, `$2b$10$...`.
    #[serde(default)]
    pub password_hash: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    #[serde(default)]
    pub ttl: u64,
    #[serde(default)]
    pub max_ttl: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bound_cidrs: Vec<String>,
}

/// Vault's `ErrorResponse` + `ErrInvalidRequest`: a 400 with the plain message.
fn invalid(msg: String) -> CoreError {
    CoreError::invalid(msg)
}

/// A Go error returned by a handler: Vault answers 500 with the message wrapped by multierror.
fn handler_error(msg: &str) -> CoreError {
    CoreError::Internal(format!("1 error occurred:\n\t* {msg}\n\n"))
}

/// bcrypt of `password` at Vault's cost, off the async workers.
pub(super) async fn hash_password(password: Zeroizing<String>) -> Result<String, CoreError> {
    tokio::task::spawn_blocking(move || bcrypt::hash(password.as_bytes(), BCRYPT_COST))
        .await
        .map_err(CoreError::internal)?
        .map_err(CoreError::internal)
}

/// The `password` field: absent and empty are the same to Vault.
pub(super) fn password(req: &Request) -> Result<Option<Zeroizing<String>>, CoreError> {
    Ok(fields::string(&req.data, "password")?.filter(|p| !p.is_empty()).map(Zeroizing::new))
}

impl Userpass {
    fn key(name: &str) -> String {
        format!("{USER_PREFIX}{}", name.to_lowercase())
    }

    pub(super) async fn user(&self, name: &str) -> Result<Option<UserEntry>, CoreError> {
        self.view.get_json(&Self::key(name)).await
    }

    async fn put_user(&self, name: &str, user: &UserEntry) -> Result<(), CoreError> {
        self.view.put_json(&Self::key(name), user).await
    }

    pub(super) async fn list(&self) -> Result<Option<Response>, CoreError> {
        Ok(Some(Response::list(self.view.list(USER_PREFIX).await?)))
    }

    pub(super) async fn read(&self, name: &str) -> Result<Option<Response>, CoreError> {
        let user = self.user(name).await?.ok_or(CoreError::NotFound)?;
        let mut data = Map::new();
        user.token.populate(&mut data);
        if user.ttl > 0 {
            data.insert("ttl".into(), json!(user.ttl));
        }
        if user.max_ttl > 0 {
            data.insert("max_ttl".into(), json!(user.max_ttl));
        }
        if !user.policies.is_empty() {
            data.insert("policies".into(), json!(user.token.token_policies));
        }
        if !user.bound_cidrs.is_empty() {
            data.insert("bound_cidrs".into(), json!(user.bound_cidrs));
        }
        Ok(Some(Response::with_data(data)))
    }

    /// Create or update (Vault's `pathUserWrite` / `userCreateUpdate`): a new user needs a
    /// password.
    pub(super) async fn write(&self, name: &str, req: &Request) -> Result<Option<Response>, CoreError> {
        let existing = self.user(name).await?;
        let password = password(req)?;
        if existing.is_none() && password.is_none() {
            return Err(invalid("missing password".into()));
        }
        let mut user = existing.unwrap_or_default();
        user.token.parse(&req.data).map_err(invalid)?;
        if let Some(p) = password {
            user.password_hash = hash_password(p).await?;
        } else if fields::get(&req.data, "password").is_some() {
            return Err(invalid("missing password".into()));
        }
        let legacy = Legacy {
            policies: &mut user.policies,
            ttl: &mut user.ttl,
            max_ttl: &mut user.max_ttl,
            bound_cidrs: &mut user.bound_cidrs,
        };
        upgrade(&req.data, &mut user.token, legacy).map_err(invalid)?;
        self.put_user(name, &user).await?;
        Ok(None)
    }

    pub(super) async fn delete(&self, name: &str) -> Result<Option<Response>, CoreError> {
        self.view.delete(&Self::key(name)).await?;
        Ok(None)
    }

    /// `users/<name>/password`: a new password for an existing user.
    pub(super) async fn set_password(&self, name: &str, req: &Request) -> Result<Option<Response>, CoreError> {
        let mut user = self.user(name).await?.ok_or_else(|| handler_error("username does not exist"))?;
        let password = password(req)?.ok_or_else(|| invalid("missing password".into()))?;
        user.password_hash = hash_password(password).await?;
        self.put_user(name, &user).await?;
        Ok(None)
    }

    /// `users/<name>/policies`: `token_policies` (or the deprecated `policies`) of an existing
    /// user, as Vault's `pathUserPoliciesUpdate` sets them.
    pub(super) async fn set_policies(&self, name: &str, req: &Request) -> Result<Option<Response>, CoreError> {
        let mut user = self.user(name).await?.ok_or_else(|| handler_error("username does not exist"))?;
        let list = |key: &str| fields::string_list(&req.data, key);
        match (list("token_policies")?, list("policies")?) {
            (Some(p), given) => {
                user.token.token_policies = crate::login::sanitize_policies(&p, false);
                user.policies = if given.is_some() { user.token.token_policies.clone() } else { Vec::new() };
            }
            (None, Some(p)) => {
                user.policies = crate::login::sanitize_policies(&p, false);
                user.token.token_policies = user.policies.clone();
            }
            (None, None) => {}
        }
        self.put_user(name, &user).await?;
        Ok(None)
    }
}
