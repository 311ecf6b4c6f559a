//! `login/<name>` (Vault's `pathLogin`): a bcrypt check, then the user's token parameters as a
//! [`Login`] for the pipeline's login step. Unknown users and wrong passwords get the same
//! answer after the same work: an unknown user's password is checked against a dummy hash.

use super::users::{password, username};
use super::Userpass;
use crate::logical::{FieldData, Reply};
use crate::{CoreError, Login, Request, Response};
use std::collections::BTreeMap;

/// bcrypt (cost 10, as every stored hash) of a random string nobody knows.
pub(super) const DUMMY_HASH: &str = "$2b$10$j/miwAXukwiqlhOmYVecS.eHDe2wODApAjrPUnJNcIaiv5pr0sNA6";

/// Vault's answer to a wrong password and to an unknown user alike.
fn rejected() -> CoreError {
    CoreError::invalid("invalid username or password")
}

impl Userpass {
    pub(super) async fn login(&self, req: &Request, d: &FieldData) -> Reply {
        let username = username(d).to_lowercase();
        // A Go error in Vault's handler: 500.
        let password = password(d).ok_or_else(|| CoreError::Internal("missing password".into()))?;
        // A storage error is reported only after the hash check, so it costs the same time.
        let user = self.user(&username).await;
        let hash = match &user {
            Ok(Some(u)) if !u.password_hash.is_empty() => u.password_hash.clone(),
            _ => DUMMY_HASH.to_string(),
        };
        let matched = tokio::task::spawn_blocking(move || bcrypt::verify(password.as_bytes(), &hash).unwrap_or(false))
            .await
            .map_err(CoreError::internal)?;
        if !matched {
            return Err(rejected());
        }
        let user = user?.ok_or_else(rejected)?;
        if !user.token.allows(req.remote_addr) {
            return Err(CoreError::PermissionDenied);
        }
        let login = Login {
            metadata: BTreeMap::from([("username".to_string(), username.clone())]),
            display_name: username.clone(),
            alias_name: username,
            ..user.token.login()
        };
        Ok(Some(Response { login: Some(login), ..Default::default() }))
    }
}
