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

use super::EngineContext;
use crate::barrier::BarrierView;
use crate::handler;
use crate::logical::{AuthRenewal, Display, Engine, Field, FieldType, PathDef, PathsSpecial, TokenRenewal};
use crate::CoreError;
use async_trait::async_trait;
use token_params::TOKEN_FIELDS;

/// bcrypt's cost for new hashes: Vault's `bcrypt.DefaultCost`.
pub const BCRYPT_COST: u32 = 10;

pub struct Userpass {
    view: BarrierView,
}

impl Userpass {
    pub fn new(ctx: EngineContext) -> Self {
        Userpass { view: ctx.view }
    }
}

const USERNAME: Field = Field::new("username", FieldType::Name, "Username for this user.");
const PASSWORD: Field = Field::new("password", FieldType::String, "Password for this user.");
/// The password as the user form shows it: masked.
const NEW_PASSWORD: Field = PASSWORD.display(Display::SENSITIVE);

const USER_FIELDS: &[Field] = &[
    USERNAME,
    NEW_PASSWORD,
    Field::new(
        "policies",
        FieldType::CommaStrings,
        "Use \"token_policies\" instead. If this and \"token_policies\" are both specified, only \"token_policies\" will be used.",
    )
    .deprecated(),
    Field::new(
        "ttl",
        FieldType::Duration,
        "Use \"token_ttl\" instead. If this and \"token_ttl\" are both specified, only \"token_ttl\" will be used.",
    )
    .deprecated(),
    Field::new(
        "max_ttl",
        FieldType::Duration,
        "Use \"token_max_ttl\" instead. If this and \"token_max_ttl\" are both specified, only \"token_max_ttl\" will be used.",
    )
    .deprecated(),
    Field::new(
        "bound_cidrs",
        FieldType::CommaStrings,
        "Use \"token_bound_cidrs\" instead. If this and \"token_bound_cidrs\" are both specified, only \"token_bound_cidrs\" will be used.",
    )
    .deprecated(),
];

const PASSWORD_FIELDS: &[Field] = &[USERNAME, PASSWORD];
const LOGIN_FIELDS: &[Field] = &[Field::new("username", FieldType::Name, "Username of the user."), PASSWORD];

const POLICIES_FIELDS: &[Field] = &[
    USERNAME,
    Field::new("policies", FieldType::CommaStrings, "Use \"token_policies\" instead.").deprecated(),
    Field::new("token_policies", FieldType::CommaStrings, "Comma-separated list of policies")
        .display(Display::NONE.describe("A list of policies that will apply to the generated token for this user.")),
];

const HELP: &str = "The \"userpass\" credential provider allows authentication using\na combination of a username and password. No additional factors\nare supported.\n\nThe username/password combination is configured using the \"users/\"\nendpoints by a user with root access. Authentication is then done\nby supplying the two fields for \"login\".";

#[async_trait]
impl Engine for Userpass {
    fn paths() -> Vec<PathDef<Self>> {
        vec![
            PathDef::new("users/?")
                .display(Display::ids("userpass", "users").navigation("User"))
                .list(handler!(Self::list))
                .help("Manage users allowed to authenticate.", "This endpoint allows you to create, read, update, and delete users\nthat are allowed to authenticate."),
            PathDef::new("users/{username}")
                .display(Display::ids("userpass", "user").action("User", "Create"))
                .fields(&[USER_FIELDS, TOKEN_FIELDS])
                .read(handler!(Self::read))
                .update(handler!(Self::write))
                .delete(handler!(Self::delete))
                .exists(handler!(Self::exists))
                .help(
                    "Manage users allowed to authenticate.",
                    "This endpoint allows you to create, read, update, and delete users\nthat are allowed to authenticate.\n\nDeleting a user will not revoke auth for prior authenticated users\nwith that name. To do this, do a revoke on \"login/<username>\" for\nthe username you want revoked. If you don't need to revoke login immediately,\nthen the next renew will cause the lease to expire.",
                ),
            PathDef::new("users/{username}/password")
                .display(Display::verb("userpass", "reset", "password"))
                .fields(&[PASSWORD_FIELDS])
                .update(handler!(Self::set_password))
                .help("Reset user's password.", "This endpoint allows resetting the user's password."),
            PathDef::new("users/{username}/policies")
                .display(Display::verb("userpass", "update", "policies"))
                .fields(&[POLICIES_FIELDS])
                .update(handler!(Self::set_policies))
                .help(
                    "Update the policies associated with the username.",
                    "This endpoint allows updating the policies associated with the username.",
                ),
            PathDef::new("login/{username}")
                .display(Display::verb("userpass", "login", ""))
                .fields(&[LOGIN_FIELDS])
                .update(handler!(Self::login))
                .help("Log in with a username and password.", "This endpoint authenticates using a username and password."),
        ]
    }

    fn help() -> &'static str {
        HELP
    }

    fn special() -> PathsSpecial {
        PathsSpecial { unauthenticated: &["login/*"], ..Default::default() }
    }

    /// Vault's `pathLoginRenew`: the user must still exist with the policies the token got;
    /// the renewal is bounded by the user's current token TTLs.
    async fn renew_auth(&self, token: &TokenRenewal) -> Result<Option<AuthRenewal>, CoreError> {
        self.renew(token).await
    }
}

#[cfg(test)]
mod tests;
