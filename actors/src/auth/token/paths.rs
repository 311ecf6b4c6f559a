//! The token store's table (Vault's `vault/token_store.go` paths): patterns, declared fields,
//! handlers and help. Served over the [`Core`], mounted at `auth/token/`.

use super::{create, lookup, renew, revoke, roles};
use crate::core::Core;
use crate::handler;
use crate::logical::{Display, Field, FieldData, FieldDefault, FieldType, Op, PathDef, PathsSpecial, Reply};
use crate::Request;

const CREATE_FIELDS: &[Field] = &[
    Field::new("display_name", FieldType::String, "Name to associate with this token"),
    Field::new("entity_alias", FieldType::String, "Name of the entity alias to associate with this token"),
    Field::new("explicit_max_ttl", FieldType::String, "Explicit Max TTL of this token"),
    Field::new("id", FieldType::String, "Value for the token"),
    Field::new("lease", FieldType::String, "Use 'ttl' instead").deprecated(),
    Field::new("meta", FieldType::KvPairs, "Arbitrary key=value metadata to associate with the token"),
    Field::new("no_default_policy", FieldType::Bool, "Do not include default policy for this token"),
    Field::new("no_parent", FieldType::Bool, "Create the token with no parent"),
    Field::new("num_uses", FieldType::Int, "Max number of uses for this token"),
    Field::new("period", FieldType::String, "Renew period"),
    Field::new("policies", FieldType::CommaStrings, "List of policies for the token"),
    Field::new(
        "renewable",
        FieldType::Bool,
        "Allow token to be renewed past its initial TTL up to system/mount maximum TTL",
    )
    .default(FieldDefault::Bool(true)),
    Field::new("ttl", FieldType::String, "Time to live for this token"),
    Field::new("type", FieldType::String, "Token type"),
];

const ROLE_NAME: Field = Field::new("role_name", FieldType::Name, "Name of the role");

const INCREMENT: Field =
    Field::new("increment", FieldType::Duration, "The desired increment in seconds to the token expiration")
        .default(FieldDefault::Int(0));

const ROLE_FIELDS: &[Field] = &[
    ROLE_NAME,
    Field::new("allowed_entity_aliases", FieldType::CommaStrings, "String or JSON list of allowed entity aliases. If set, specifies the entity aliases which are allowed to be used during token generation. This field supports globbing."),
    Field::new("allowed_policies", FieldType::CommaStrings, "If set, tokens can be created with any subset of the policies in this list, rather than the normal semantics of tokens being a subset of the calling token's policies. The parameter is a comma-delimited string of policy names."),
    Field::new("allowed_policies_glob", FieldType::CommaStrings, "If set, tokens can be created with any subset of glob matched policies in this list, rather than the normal semantics of tokens being a subset of the calling token's policies. The parameter is a comma-delimited string of policy name globs."),
    Field::new("bound_cidrs", FieldType::CommaStrings, "Use 'token_bound_cidrs' instead.").deprecated(),
    Field::new("disallowed_policies", FieldType::CommaStrings, "If set, successful token creation via this role will require that no policies in the given list are requested. The parameter is a comma-delimited string of policy names."),
    Field::new("disallowed_policies_glob", FieldType::CommaStrings, "If set, successful token creation via this role will require that no requested policies glob match any of policies in this list. The parameter is a comma-delimited string of policy name globs."),
    Field::new("explicit_max_ttl", FieldType::Duration, "Use 'token_explicit_max_ttl' instead.").deprecated(),
    Field::new("orphan", FieldType::Bool, "If true, tokens created via this role will be orphan tokens (have no parent)"),
    Field::new("path_suffix", FieldType::String, "If set, tokens created via this role will contain the given suffix as a part of their path. This can be used to assist use of the 'revoke-prefix' endpoint later on. The given suffix must match the regular expression.\\w[\\w-.]+\\w"),
    Field::new("period", FieldType::Duration, "Use 'token_period' instead.").deprecated(),
    Field::new("renewable", FieldType::Bool, "Tokens created via this role will be renewable or not according to this value. Defaults to \"true\".").default(FieldDefault::Bool(true)),
    Field::new("token_bound_cidrs", FieldType::CommaStrings, "Comma separated string or JSON list of CIDR blocks. If set, specifies the blocks of IP addresses which are allowed to use the generated token.").display(Display::named("Generated Token's Bound CIDRs", "Tokens").describe("A list of CIDR blocks. If set, specifies the blocks of IP addresses which are allowed to use the generated token.")),
    Field::new("token_explicit_max_ttl", FieldType::Duration, "If set, tokens created via this role carry an explicit maximum TTL. During renewal, the current maximum TTL values of the role and the mount are not checked for changes, and any updates to these values will have no effect on the token being renewed.").display(Display::named("Generated Token's Explicit Maximum TTL", "Tokens")),
    Field::new("token_no_default_policy", FieldType::Bool, "If true, the 'default' policy will not automatically be added to generated tokens").display(Display::named("Do Not Attach 'default' Policy To Generated Tokens", "Tokens")),
    Field::new("token_num_uses", FieldType::Int, "The maximum number of times a token may be used, a value of zero means unlimited").display(Display::named("Maximum Uses of Generated Tokens", "Tokens")),
    Field::new("token_period", FieldType::Duration, "If set, tokens created via this role will have no max lifetime; instead, their renewal period will be fixed to this value. This takes an integer number of seconds, or a string duration (e.g. \"24h\").").display(Display::named("Generated Token's Period", "Tokens")),
    Field::new("token_type", FieldType::String, "The type of token to generate, service or batch").default(FieldDefault::Str("default-service")).display(Display::named("Generated Token's Type", "Tokens")),
];

const TOKEN_LOOKUP: &[Field] = &[Field::new("token", FieldType::String, "Token to lookup (POST request body)")];
const TOKEN_RENEW: &[Field] = &[INCREMENT, Field::new("token", FieldType::String, "Token to renew (request body)")];
const TOKEN_REVOKE: &[Field] = &[Field::new("token", FieldType::String, "Token to revoke (request body)")];
const ACCESSOR_LOOKUP: &[Field] =
    &[Field::new("accessor", FieldType::String, "Accessor of the token to look up (request body)")];
const ACCESSOR_RENEW: &[Field] =
    &[INCREMENT, Field::new("accessor", FieldType::String, "Accessor of the token to renew (request body)")];
const ACCESSOR_REVOKE: &[Field] = &[Field::new("accessor", FieldType::String, "Accessor of the token (request body)")];

pub(super) const HELP: &str = "The token credential backend is always enabled and builtin to Vault.\nClient tokens are used to identify a client and to allow Vault to associate\npolicies and ACLs which are enforced on every request. This backend also\nallows for generating sub-tokens as well as revocation of tokens. The tokens\nare renewable if associated with a lease.";

/// Vault's token store `PathsSpecial`: listing accessors and orphaning revokes need sudo.
pub(super) fn special() -> PathsSpecial {
    PathsSpecial { root: &["revoke-orphan/*", "accessors*"], ..Default::default() }
}

async fn create_child(core: &Core, req: &Request, d: &FieldData) -> Reply {
    create::create(core, req, d, false, None).await
}

async fn create_orphan(core: &Core, req: &Request, d: &FieldData) -> Reply {
    create::create(core, req, d, true, None).await
}

async fn create_for_role(core: &Core, req: &Request, d: &FieldData) -> Reply {
    create::create(core, req, d, false, Some(d.str_or_default("role_name"))).await
}

pub(super) fn paths() -> Vec<PathDef<Core>> {
    vec![
        PathDef::new("roles/?")
            .display(Display::ids("token", "roles"))
            .list(handler!(roles::list))
            .help("This endpoint lists configured roles.", "This endpoint lists configured roles."),
        PathDef::new("roles/{role_name}")
            .display(Display::ids("token", "role"))
            .fields(&[ROLE_FIELDS])
            .read(handler!(roles::read))
            .create(handler!(roles::write))
            .update(handler!(roles::write))
            .delete(handler!(roles::delete))
            .exists(handler!(roles::exists))
            .help(ROLES_HELP, ROLES_HELP),
        PathDef::new("create-orphan")
            .display(Display::verb("token", "create-orphan", ""))
            .fields(&[CREATE_FIELDS])
            .update(handler!(create_orphan))
            .help("The token create path is used to create new orphan tokens.", CREATE_HELP),
        PathDef::new("create/{role_name}")
            .display(Display::verb("token", "create-against-role", ""))
            .fields(&[&[ROLE_NAME], CREATE_FIELDS])
            .update(handler!(create_for_role))
            .help("This token create path is used to create new tokens adhering to the given role.", CREATE_HELP),
        PathDef::new("create")
            .display(Display::verb("token", "create", ""))
            .fields(&[CREATE_FIELDS])
            .update(handler!(create_child))
            .help("The token create path is used to create new tokens.", CREATE_HELP),
        PathDef::new("lookup")
            .display(Display::verb("token", "look-up", ""))
            .op_display(Op::Read, Display::ids("", "2"))
            .fields(&[TOKEN_LOOKUP])
            .read(handler!(lookup::lookup))
            .update(handler!(lookup::lookup))
            .help("This endpoint will lookup a token and its properties.", LOOKUP_HELP),
        PathDef::new("lookup-accessor")
            .display(Display::verb("token", "look-up-accessor", ""))
            .fields(&[ACCESSOR_LOOKUP])
            .update(handler!(lookup::lookup_accessor))
            .help("This endpoint will lookup a token associated with the given accessor and its properties. Response will not contain the token ID.", LOOKUP_HELP),
        PathDef::new("lookup-self")
            .display(Display::verb("token", "look-up-self", ""))
            .op_display(Op::Update, Display::verb("", "look-up-self2", ""))
            .fields(&[TOKEN_LOOKUP])
            .read(handler!(lookup::lookup_self))
            .update(handler!(lookup::lookup_self))
            .help("This endpoint will lookup a token and its properties.", LOOKUP_HELP),
        // Vault's `accessors/$`: the slash is part of the path (a LIST always sends it).
        PathDef::new("accessors/")
            .display(Display::ids("token", "accessors"))
            .list(handler!(lookup::list_accessors))
            .help("List token accessors, which can then be be used to iterate and discover their properties or revoke them. Because this can be used to cause a denial of service, this endpoint requires 'sudo' capability in addition to 'list'.", "List token accessors, which can then be be used to iterate and discover their properties or revoke them. Because this can be used to cause a denial of service, this endpoint requires 'sudo' capability in addition to 'list'."),
        PathDef::new("revoke")
            .display(Display::verb("token", "revoke", ""))
            .fields(&[TOKEN_REVOKE])
            .update(handler!(revoke::revoke))
            .help("This endpoint will delete the given token and all of its child tokens.", REVOKE_HELP),
        PathDef::new("revoke-self")
            .display(Display::verb("token", "revoke-self", ""))
            .update(handler!(revoke::revoke_self))
            .help("This endpoint will delete the token used to call it and all of its child tokens.", REVOKE_HELP),
        PathDef::new("revoke-accessor")
            .display(Display::verb("token", "revoke-accessor", ""))
            .fields(&[ACCESSOR_REVOKE])
            .update(handler!(revoke::revoke_accessor))
            .help("This endpoint will delete the token associated with the accessor and all of its child tokens.", REVOKE_HELP),
        PathDef::new("revoke-orphan")
            .display(Display::verb("token", "revoke-orphan", ""))
            .fields(&[TOKEN_REVOKE])
            .update(handler!(revoke::revoke_orphan))
            .help("This endpoint will delete the token and orphan its child tokens.", REVOKE_HELP),
        PathDef::new("renew")
            .display(Display::verb("token", "renew", ""))
            .fields(&[TOKEN_RENEW])
            .update(handler!(renew::renew))
            .help("This endpoint will renew the given token and prevent expiration.", RENEW_HELP),
        PathDef::new("renew-self")
            .display(Display::verb("token", "renew-self", ""))
            .fields(&[TOKEN_RENEW])
            .update(handler!(renew::renew_self))
            .help("This endpoint will renew the token used to call it and prevent expiration.", RENEW_HELP),
        PathDef::new("renew-accessor")
            .display(Display::verb("token", "renew-accessor", ""))
            .fields(&[ACCESSOR_RENEW])
            .update(handler!(renew::renew_accessor))
            .help("This endpoint will renew a token associated with the given accessor and its properties. Response will not contain the token ID.", RENEW_HELP),
        PathDef::new("tidy")
            .display(Display::verb("token", "tidy", ""))
            .update(handler!(revoke::tidy))
            .help("This endpoint performs cleanup tasks that can be run if certain error conditions have occurred.", "This endpoint performs cleanup tasks that can be run to clean up token and lease entries after certain error conditions. Usually running this is not necessary, and is only required if upgrade notes or support personnel suggest it."),
    ]
}

const ROLES_HELP: &str = "This endpoint allows creating, reading, and deleting roles.";
const CREATE_HELP: &str = "The token create path is used to create new tokens. A child token is created by default, with at most the calling token's policies; orphans, custom IDs and periodic tokens need sudo.";
const LOOKUP_HELP: &str = "This endpoint will lookup a token and its properties.";
const REVOKE_HELP: &str = "This endpoint will delete the token and, unless orphaning, all of its child tokens.";
const RENEW_HELP: &str = "This endpoint will renew a token, extending its TTL by the increment within the bounds of its auth mount and role.";
