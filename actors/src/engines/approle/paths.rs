//! AppRole's table, in the order of Vault's `approle` backend: `login`, `role/`, `role/<name>`,
//! the per-field paths below a role, the secret ID paths, and `tidy/secret-id`.

use super::{login, role_fields, role_paths, secret_id_paths, tidy, AppRole};
use crate::engines::userpass::token_params::TOKEN_FIELDS;
use crate::logical::{
    AuthRenewal, Display, Engine, Field, FieldData, FieldDefault, FieldType, Op, PathDef, PathsSpecial, TokenRenewal,
};
use crate::{CoreError, Request};
use async_trait::async_trait;

const ROLE_NAME: Field = Field::new("role_name", FieldType::Name, "Name of the role. Must be less than 4096 bytes.");

const ROLE_FIELDS: &[Field] = &[
    ROLE_NAME,
    Field::new("bind_secret_id", FieldType::Bool, "Impose secret_id to be presented when logging in using this role. Defaults to 'true'.")
        .default(FieldDefault::Bool(true)),
    Field::new("bound_cidr_list", FieldType::CommaStrings, "Use \"secret_id_bound_cidrs\" instead.").deprecated(),
    Field::new(
        "secret_id_bound_cidrs",
        FieldType::CommaStrings,
        "Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP addresses which can perform the login operation.",
    ),
    Field::new("policies", FieldType::CommaStrings, "Use \"token_policies\" instead. If this and \"token_policies\" are both specified, only \"token_policies\" will be used.").deprecated(),
    Field::new("secret_id_num_uses", FieldType::Int, "Number of times a SecretID can access the role, after which the SecretID will expire. Defaults to 0 meaning that the secret_id is of unlimited use."),
    Field::new("secret_id_ttl", FieldType::Duration, "Duration in seconds after which the issued SecretID should expire. Defaults to 0, meaning no expiration."),
    Field::new("period", FieldType::Duration, "Use \"token_period\" instead. If this and \"token_period\" are both specified, only \"token_period\" will be used.").deprecated(),
    Field::new("role_id", FieldType::String, "Identifier of the role. Defaults to a UUID."),
    Field::new("local_secret_ids", FieldType::Bool, "If set, the secret IDs generated using this role will be cluster local. This can only be set during role creation and once set, it can't be reset later."),
];

const SECRET_ID_FIELDS: &[Field] = &[
    ROLE_NAME,
    Field::new("metadata", FieldType::String, "Metadata to be tied to the SecretID. This should be a JSON formatted string containing the metadata in key value pairs."),
    Field::new("cidr_list", FieldType::CommaStrings, "Comma separated string or list of CIDR blocks enforcing secret IDs to be used from specific set of IP addresses. If 'secret_id_bound_cidrs' is set on the role, then the list of CIDR blocks listed here should be a subset of the CIDR blocks listed on the role."),
    Field::new("token_bound_cidrs", FieldType::CommaStrings, "Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP addresses which can use the returned token. Should be a subset of the token CIDR blocks listed on the role, if any."),
    Field::new("ttl", FieldType::Duration, "Duration in seconds after which this SecretID expires. Overrides secret_id_ttl role option when supplied. May not be longer than role's secret_id_ttl."),
    Field::new("num_uses", FieldType::Int, "Number of times this SecretID can be used, after which the SecretID expires. Overrides secret_id_num_uses role option when supplied. May not be higher than role's secret_id_num_uses."),
];

const CUSTOM_SECRET_ID_FIELDS: &[Field] =
    &[Field::new("secret_id", FieldType::String, "SecretID to be attached to the role.")];
const SECRET_ID: &[Field] = &[ROLE_NAME, Field::new("secret_id", FieldType::String, "SecretID attached to the role.")];
const SECRET_ID_ACCESSOR: &[Field] =
    &[ROLE_NAME, Field::new("secret_id_accessor", FieldType::String, "Accessor of the SecretID")];
const LOGIN: &[Field] = &[
    Field::new(
        "role_id",
        FieldType::String,
        "Unique identifier of the Role. Required to be supplied when the 'bind_secret_id' constraint is set.",
    ),
    Field::new("secret_id", FieldType::String, "SecretID belong to the App role").default(FieldDefault::Str("")),
];

/// The per-field paths below a role, each with the fields it reads.
// The single-field paths show the token parameters without the role form's labels, as Vault.
const POLICIES: &[Field] = &[ROLE_NAME, ROLE_FIELDS[4], TOKEN_FIELDS[6].display(Display::NONE)];
const BOUND_CIDR_LIST: &[Field] = &[ROLE_NAME, ROLE_FIELDS[2]];
const SECRET_ID_BOUND_CIDRS: &[Field] = &[ROLE_NAME, ROLE_FIELDS[3]];
const TOKEN_BOUND_CIDRS: &[Field] = &[ROLE_NAME, TOKEN_FIELDS[0].display(Display::NONE)];
const BIND_SECRET_ID: &[Field] = &[ROLE_NAME, ROLE_FIELDS[1]];
const SECRET_ID_NUM_USES: &[Field] = &[ROLE_NAME, ROLE_FIELDS[5]];
const SECRET_ID_TTL: &[Field] = &[ROLE_NAME, ROLE_FIELDS[6]];
const PERIOD: &[Field] = &[ROLE_NAME, ROLE_FIELDS[7], TOKEN_FIELDS[5].display(Display::NONE)];
const TOKEN_NUM_USES: &[Field] = &[ROLE_NAME, TOKEN_FIELDS[4].display(Display::NONE)];
const TOKEN_TTL: &[Field] = &[ROLE_NAME, TOKEN_FIELDS[8].display(Display::NONE)];
const TOKEN_MAX_TTL: &[Field] = &[ROLE_NAME, TOKEN_FIELDS[2].display(Display::NONE)];
const ROLE_ID: &[Field] = &[ROLE_NAME, ROLE_FIELDS[8]];
const JUST_THE_NAME: &[Field] = &[ROLE_NAME];

/// The `role_name` capture.
fn name(d: &FieldData) -> &str {
    d.str("role_name").unwrap_or_default()
}

/// A per-field path: `role/<name>/<field>` with the operations it declares.
macro_rules! field_path {
    ($field:literal, $fields:expr, $help:literal, [$($op:ident),*]) => {{
        let mut def = PathDef::new(concat!("role/{role_name}/", $field))
            .display(Display::ids("app-role", $field))
            .fields(&[$fields])
            .help($help, $help);
        $(def = def.$op(|e: &AppRole, r: &Request, d: &FieldData| {
            Box::pin(async move { role_fields::handle(&e.inner, r, d, name(d), $field).await })
        });)*
        def
    }};
}

impl AppRole {
    async fn role_exists(&self, _: &Request, d: &FieldData) -> Result<bool, CoreError> {
        let _guard = self.inner.role_lock(name(d)).read().await;
        Ok(self.inner.load_role(name(d)).await?.is_some())
    }
}

const HELP: &str = "Any registered Role can authenticate itself with Vault. The credentials\ndepends on the constraints that are set on the Role. One common required\ncredential is the 'role_id' which is a unique identifier of the Role.\nIt can be retrieved from the 'role/<appname>/role-id' endpoint.\n\nThe default constraint configuration is 'bind_secret_id', which requires\nthe credential 'secret_id' to be presented during login. Refer to the\ndocumentation for other types of constraints.";

#[async_trait]
impl Engine for AppRole {
    fn paths() -> Vec<PathDef<Self>> {
        vec![
            PathDef::new("login")
                .display(Display::verb("app-role", "login", ""))
                .fields(&[LOGIN])
                .update(|e: &AppRole, r, d| Box::pin(login::login(&e.inner, r, d)))
                .help("Issue a token based on the credentials supplied", "While the credential 'role_id' is required at all times,\nother credentials required depends on the properties App Role\nto which the 'role_id' belongs to. The 'bind_secret_id'\nconstraint (enabled by default) on the App Role requires the\n'secret_id' credential to be presented."),
            PathDef::new("role/?")
                .display(Display::ids("app-role", "roles"))
                .list(|e: &AppRole, _, _| Box::pin(role_paths::list(&e.inner)))
                .help("Lists all the roles registered with the backend.", "The list will contain the names of the roles."),
            PathDef::new("role/{role_name}")
                .display(Display::ids("app-role", "role"))
                .fields(&[ROLE_FIELDS, TOKEN_FIELDS])
                .read(|e: &AppRole, _, d| Box::pin(role_paths::read(&e.inner, name(d))))
                .update(|e: &AppRole, _, d| Box::pin(role_paths::write(&e.inner, d, name(d))))
                .delete(|e: &AppRole, _, d| Box::pin(role_paths::delete(&e.inner, name(d))))
                .exists(crate::handler!(Self::role_exists))
                .help("Register an role with the backend.", "A role can represent a service, a machine or anything that can be IDed.\nThe set of policies on the role defines access to the role, meaning, any\nVault token with a policy set that is a superset of the policies on the\nrole registered here will have access to the role. If a SecretID is desired\nto be generated against only this specific role, it can be done via\n'role/<role_name>/secret-id' and 'role/<role_name>/custom-secret-id' endpoints.\nThe properties of the SecretID created against the role and the properties\nof the token issued with the SecretID generated against the role, can be\nconfigured using the fields of this endpoint."),
            field_path!("policies", POLICIES, "Policies of the role.", [read, update, delete]),
            field_path!("bound-cidr-list", BOUND_CIDR_LIST, "Deprecated: Comma separated list of CIDR blocks, if set, specifies blocks of IP addresses which can perform the login operation", [read, update, delete]),
            field_path!("secret-id-bound-cidrs", SECRET_ID_BOUND_CIDRS, "Comma separated list of CIDR blocks, if set, specifies blocks of IP addresses which can perform the login operation", [read, update, delete]),
            field_path!("token-bound-cidrs", TOKEN_BOUND_CIDRS, "Comma separated string or list of CIDR blocks. If set, specifies the blocks of IP addresses which can use the returned token.", [read, update, delete]),
            field_path!("bind-secret-id", BIND_SECRET_ID, "Impose secret_id to be presented during login using this role.", [read, update, delete]),
            field_path!("secret-id-num-uses", SECRET_ID_NUM_USES, "Use limit of the SecretID generated against the role.", [read, update, delete]),
            field_path!("secret-id-ttl", SECRET_ID_TTL, "Duration in seconds, representing the lifetime of the SecretIDs that are generated against the role using 'role/<role_name>/secret-id' or 'role/<role_name>/custom-secret-id' endpoints.", [read, update, delete]),
            field_path!("period", PERIOD, "Updates the value of 'period' on the role", [read, update, delete]),
            field_path!("token-num-uses", TOKEN_NUM_USES, "Number of times issued tokens can be used", [read, update, delete]),
            field_path!("token-ttl", TOKEN_TTL, "Duration in seconds, the lifetime of the token issued by using the SecretID that is generated against this role, before which the token needs to be renewed.", [read, update, delete]),
            field_path!("token-max-ttl", TOKEN_MAX_TTL, "Duration in seconds, the maximum lifetime of the tokens issued by using the SecretIDs that were generated against this role, after which the tokens are not allowed to be renewed.", [read, update, delete]),
            field_path!("role-id", ROLE_ID, "Returns the 'role_id' of the role.", [read, update]),
            field_path!("local-secret-ids", JUST_THE_NAME, "Enables cluster local secret IDs", [read]),
            PathDef::new("role/{role_name}/secret-id/?")
                .display(Display::ids("app-role", "secret-id"))
                .op_display(Op::List, Display::ids("", "secret-ids"))
                .fields(&[SECRET_ID_FIELDS])
                .update(|e: &AppRole, _, d| Box::pin(secret_id_paths::generate(&e.inner, d, name(d), None)))
                .list(|e: &AppRole, _, d| Box::pin(secret_id_paths::list(&e.inner, name(d))))
                .help("Generate a SecretID against this role.", "The SecretID generated using this endpoint will be scoped to access\njust this role and none else. The properties of this SecretID will be\nbased on the options set on the role. It will expire after a period\ndefined by the 'secret_id_ttl' option on the role and/or the backend\nmount's maximum TTL value."),
            PathDef::new("role/{role_name}/secret-id/lookup")
                .display(Display::verb("app-role", "look-up", "secret-id"))
                .fields(&[SECRET_ID])
                .update(|e: &AppRole, _, d| Box::pin(secret_id_paths::lookup(&e.inner, d, name(d))))
                .help("Read the properties of an issued secret_id", "This endpoint is used to read the properties of a secret_id associated to a\nrole."),
            PathDef::new("role/{role_name}/secret-id/destroy")
                .display(Display::verb("app-role", "destroy", "secret-id"))
                .op_display(Op::Delete, Display::ids("", "secret-id2"))
                .fields(&[SECRET_ID])
                .update(|e: &AppRole, _, d| Box::pin(secret_id_paths::destroy(&e.inner, d, name(d))))
                .delete(|e: &AppRole, _, d| Box::pin(secret_id_paths::destroy(&e.inner, d, name(d))))
                .help("Invalidate an issued secret_id", "This endpoint is used to delete the properties of a secret_id associated to a\nrole."),
            PathDef::new("role/{role_name}/secret-id-accessor/lookup")
                .display(Display::verb("app-role", "look-up", "secret-id-by-accessor"))
                .fields(&[SECRET_ID_ACCESSOR])
                .update(|e: &AppRole, _, d| Box::pin(secret_id_paths::accessor_lookup(&e.inner, d, name(d))))
                .help("Read an issued secret_id, using its accessor", "This is particularly useful to lookup the non-expiring 'secret_id's.\nThe list operation on the 'role/<role_name>/secret-id' endpoint will return\nthe 'secret_id_accessor's. This endpoint can be used to read the properties\nof the secret. If the 'secret_id_num_uses' field in the response is 0, it\nrepresents a non-expiring 'secret_id'."),
            PathDef::new("role/{role_name}/secret-id-accessor/destroy")
                .display(Display::verb("app-role", "destroy", "secret-id-by-accessor"))
                .op_display(Op::Delete, Display::ids("", "secret-id-by-accessor2"))
                .fields(&[SECRET_ID_ACCESSOR])
                .update(|e: &AppRole, _, d| Box::pin(secret_id_paths::accessor_destroy(&e.inner, d, name(d))))
                .delete(|e: &AppRole, _, d| Box::pin(secret_id_paths::accessor_destroy(&e.inner, d, name(d))))
                .help("Delete an issued secret_id, using its accessor", "This is particularly useful to clean-up the non-expiring 'secret_id's.\nThe list operation on the 'role/<role_name>/secret-id' endpoint will return\nthe 'secret_id_accessor's. This endpoint can be used to read the properties\nof the secret. If the 'secret_id_num_uses' field in the response is 0, it\nrepresents a non-expiring 'secret_id'."),
            PathDef::new("role/{role_name}/custom-secret-id")
                .display(Display::ids("app-role", "custom-secret-id"))
                .fields(&[SECRET_ID_FIELDS, CUSTOM_SECRET_ID_FIELDS])
                .update(|e: &AppRole, _, d| {
                    Box::pin(async move {
                        let id = d.str("secret_id").unwrap_or_default().to_string();
                        secret_id_paths::generate(&e.inner, d, name(d), Some(id)).await
                    })
                })
                .help("Assign a SecretID of choice against the role.", "This option is not recommended unless there is a specific need\nto do so. This will assign a client supplied SecretID to be used to access\nthe role. This SecretID will behave similarly to the SecretIDs generated by\nthe backend. The properties of this SecretID will be based on the options\nset on the role. It will expire after a period defined by the 'secret_id_ttl'\noption on the role and/or the backend mount's maximum TTL value."),
            PathDef::new("tidy/secret-id")
                .display(Display::verb("app-role", "tidy", "secret-id"))
                .update(|e: &AppRole, _, _| Box::pin(async move { Ok(Some(tidy::response(e.inner.clone().start_tidy()))) }))
                .help("Trigger the clean-up of expired SecretID entries.", "SecretIDs will have expiration time attached to them. The periodic function\nof the backend will look for expired entries and delete them. This happens once in a minute. Invoking\nthis endpoint will trigger the clean-up action, without waiting for the backend's periodic function."),
        ]
    }

    fn help() -> &'static str {
        HELP
    }

    fn special() -> PathsSpecial {
        PathsSpecial { unauthenticated: &["login"], ..Default::default() }
    }

    /// Vault's `pathLoginRenew`: the role must still exist; its current token TTLs bound the
    /// renewal.
    async fn renew_auth(&self, token: &TokenRenewal) -> Result<Option<AuthRenewal>, CoreError> {
        self.renew(token).await
    }

    /// Vault tidies expired secret IDs once a minute, from the node's periodic scheduler.
    async fn periodic(&self) -> Result<(), CoreError> {
        self.inner.clone().start_tidy();
        Ok(())
    }
}
