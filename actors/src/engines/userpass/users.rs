//! Users: storage (`user/<name>`, as Vault lays it out) and the `users/...` endpoints.

use super::token_params::{upgrade, Legacy, TokenParams};
use super::{Userpass, BCRYPT_COST};
use crate::logical::{AuthRenewal, FieldData, Reply, TokenRenewal};
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
    CoreError::internal(msg).listed()
}

/// bcrypt of `password` at Vault's cost, off the async workers.
pub(super) async fn hash_password(password: Zeroizing<String>) -> Result<String, CoreError> {
    tokio::task::spawn_blocking(move || bcrypt::hash(password.as_bytes(), BCRYPT_COST))
        .await
        .map_err(CoreError::internal)?
        .map_err(CoreError::internal)
}

/// The `password` field: absent and empty are the same to Vault.
pub(super) fn password(d: &FieldData) -> Option<Zeroizing<String>> {
    d.str("password").filter(|p| !p.is_empty()).map(|p| Zeroizing::new(p.to_string()))
}

/// The `username` capture.
pub(super) fn username(d: &FieldData) -> &str {
    d.str("username").unwrap_or("")
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

    pub(super) async fn list(&self, _: &Request, _: &FieldData) -> Reply {
        Ok(Some(Response::list(self.view.list(USER_PREFIX).await?)))
    }

    /// A write to an unknown user is a `create` for the ACL.
    pub(super) async fn exists(&self, _: &Request, d: &FieldData) -> Result<bool, CoreError> {
        Ok(self.user(username(d)).await?.is_some())
    }

    pub(super) async fn read(&self, _: &Request, d: &FieldData) -> Reply {
        let name = username(d);
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
    pub(super) async fn write(&self, _: &Request, d: &FieldData) -> Reply {
        let name = username(d);
        let existing = self.user(name).await?;
        let password = password(d);
        if existing.is_none() && password.is_none() {
            return Err(invalid("missing password".into()));
        }
        let mut user = existing.unwrap_or_default();
        user.token.parse(d).map_err(invalid)?;
        if let Some(p) = password {
            user.password_hash = hash_password(p).await?;
        } else if d.has("password") {
            return Err(invalid("missing password".into()));
        }
        let legacy = Legacy {
            policies: &mut user.policies,
            ttl: &mut user.ttl,
            max_ttl: &mut user.max_ttl,
            bound_cidrs: &mut user.bound_cidrs,
        };
        upgrade(d, &mut user.token, legacy).map_err(invalid)?;
        self.put_user(name, &user).await?;
        Ok(None)
    }

    pub(super) async fn delete(&self, _: &Request, d: &FieldData) -> Reply {
        self.view.delete(&Self::key(username(d))).await?;
        Ok(None)
    }

    /// `users/<name>/password`: a new password for an existing user.
    pub(super) async fn set_password(&self, _: &Request, d: &FieldData) -> Reply {
        let name = username(d);
        let mut user = self.user(name).await?.ok_or_else(|| handler_error("username does not exist"))?;
        let password = password(d).ok_or_else(|| invalid("missing password".into()))?;
        user.password_hash = hash_password(password).await?;
        self.put_user(name, &user).await?;
        Ok(None)
    }

    /// `users/<name>/policies`: `token_policies` (or the deprecated `policies`) of an existing
    /// user, as Vault's `pathUserPoliciesUpdate` sets them.
    pub(super) async fn set_policies(&self, _: &Request, d: &FieldData) -> Reply {
        let name = username(d);
        let mut user = self.user(name).await?.ok_or_else(|| handler_error("username does not exist"))?;
        match (d.strings("token_policies"), d.strings("policies")) {
            (Some(p), given) => {
                user.token.token_policies = crate::login::sanitize_policies(p, false);
                user.policies = if given.is_some() { user.token.token_policies.clone() } else { Vec::new() };
            }
            (None, Some(p)) => {
                user.policies = crate::login::sanitize_policies(p, false);
                user.token.token_policies = user.policies.clone();
            }
            (None, None) => {}
        }
        self.put_user(name, &user).await?;
        Ok(None)
    }
}

impl Userpass {
    /// Vault's `pathLoginRenew`.
    pub(super) async fn renew(&self, token: &TokenRenewal) -> Result<Option<AuthRenewal>, CoreError> {
        let name = token.metadata.get("username").map(String::as_str).unwrap_or_default();
        // Vault answers a deleted user with a nil response: the renewal grants nothing.
        let user = self.user(name).await?.ok_or_else(|| CoreError::invalid("user no longer exists"))?;
        let mut want = user.token.token_policies.clone();
        let mut have = token.policies.clone();
        for list in [&mut want, &mut have] {
            list.retain(|p| p != "default");
            list.sort();
            list.dedup();
        }
        if want != have {
            return Err(CoreError::invalid("policies have changed, not renewing"));
        }
        Ok(Some(AuthRenewal {
            ttl: user.token.token_ttl,
            max_ttl: user.token.token_max_ttl,
            period: user.token.token_period,
        }))
    }
}
