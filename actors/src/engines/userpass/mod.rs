//! The `userpass` auth method (Vault's `builtin/credential/userpass`): users with bcrypt-hashed
//! passwords and `token_*` parameters; `login/<name>` checks a password and answers with a
//! [`crate::Login`] for the pipeline to mint the token from.
//!
//! Paths below the mount: `users/` (LIST), `users/<name>` (create, read, update, delete),
//! `users/<name>/password`, `users/<name>/policies` and `login/<name>` (no token needed).
//! Names are lower-cased, as Vault stores them.

mod login;
pub(crate) mod token_params;
mod users;

use super::LogicalBackend;
use crate::auth::token::is_name;
use crate::barrier::BarrierView;
use crate::{CoreError, Operation, Request, Response};
use async_trait::async_trait;

/// bcrypt's cost for new hashes: Vault's `bcrypt.DefaultCost`.
pub const BCRYPT_COST: u32 = 10;

pub struct Userpass {
    view: BarrierView,
}

impl Userpass {
    pub fn new(view: BarrierView) -> Self {
        Userpass { view }
    }
}

/// Which endpoint a path below the mount names.
#[derive(Debug, PartialEq, Eq)]
enum Endpoint<'a> {
    List,
    User(&'a str),
    Password(&'a str),
    Policies(&'a str),
    Login(&'a str),
}

fn endpoint(path: &str) -> Option<Endpoint<'_>> {
    if path == "users" || path == "users/" {
        return Some(Endpoint::List);
    }
    if let Some(name) = path.strip_prefix("login/") {
        return is_name(name).then_some(Endpoint::Login(name));
    }
    let rest = path.strip_prefix("users/")?;
    let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
    if !is_name(name) {
        return None;
    }
    match tail {
        "" if !rest.ends_with('/') => Some(Endpoint::User(name)),
        "password" => Some(Endpoint::Password(name)),
        "policies" => Some(Endpoint::Policies(name)),
        _ => None,
    }
}

#[async_trait]
impl LogicalBackend for Userpass {
    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        let Some(endpoint) = endpoint(&req.relative_path) else {
            return Err(CoreError::UnsupportedPath);
        };
        match (req.operation, endpoint) {
            (Operation::List, Endpoint::List) => self.list().await,
            (Operation::Read, Endpoint::User(name)) => self.read(name).await,
            (Operation::Update, Endpoint::User(name)) => self.write(name, req).await,
            (Operation::Delete, Endpoint::User(name)) => self.delete(name).await,
            (Operation::Update, Endpoint::Password(name)) => self.set_password(name, req).await,
            (Operation::Update, Endpoint::Policies(name)) => self.set_policies(name, req).await,
            (Operation::Update, Endpoint::Login(name)) => self.login(name, req).await,
            _ => Err(CoreError::UnsupportedOperation),
        }
    }

    /// A write to an unknown user is a `create` for the ACL.
    async fn exists(&self, req: &Request) -> Result<Option<bool>, CoreError> {
        match endpoint(&req.relative_path) {
            Some(Endpoint::User(name)) => Ok(Some(self.user(name).await?.is_some())),
            _ => Ok(None),
        }
    }

    fn unauthenticated_paths(&self) -> &'static [&'static str] {
        &["login/*"]
    }
}

#[cfg(test)]
mod tests;
