//! The declared fields of the system backend's paths, shared by several rows of its table, and
//! of the `config` object a mount or auth enable carries (decoded by the same framework).

use crate::logical::{Field, FieldDefault, FieldType};

/// `sys/mounts/<path>` and `sys/auth/<path>` (enable).
pub(super) const MOUNT_FIELDS: &[Field] = &[
    Field::new("type", FieldType::String, "The type of the backend. Example: \"passthrough\""),
    Field::new("description", FieldType::String, "User-friendly description for this mount."),
    Field::new("config", FieldType::Map, "Configuration for this mount, such as default_lease_ttl and max_lease_ttl."),
    Field::new(
        "local",
        FieldType::Bool,
        "Mark the mount as a local mount, which is not replicated and is unaffected by replication.",
    )
    .default(FieldDefault::Bool(false)),
    Field::new("seal_wrap", FieldType::Bool, "Whether to turn on seal wrapping for the mount.")
        .default(FieldDefault::Bool(false)),
    Field::new(
        "external_entropy_access",
        FieldType::Bool,
        "Whether to give the mount access to Vault's external entropy.",
    )
    .default(FieldDefault::Bool(false)),
    Field::new(
        "options",
        FieldType::KvPairs,
        "The options to pass into the backend. Should be a json object with string keys and values.",
    ),
    Field::new(
        "plugin_name",
        FieldType::String,
        "Name of the plugin to mount based from the name registered in the plugin catalog.",
    ),
    Field::new("plugin_version", FieldType::String, "The semantic version of the plugin to use, or \"latest\"."),
];

/// The tunable settings: a tune body, and the `config` object of an enable.
pub(super) const TUNE_FIELDS: &[Field] = &[
    Field::new("default_lease_ttl", FieldType::String, "The default lease TTL for this mount."),
    Field::new("max_lease_ttl", FieldType::String, "The max lease TTL for this mount."),
    Field::new("description", FieldType::String, "User-friendly description for this mount."),
    Field::new("force_no_cache", FieldType::Bool, "Whether to disable caching for this mount."),
    Field::new("listing_visibility", FieldType::String, "Determines the visibility of the mount in the UI-specific listing endpoint. Accepted value are 'unauth' and 'hidden', with the empty default ('') behaving like 'hidden'."),
    Field::new("audit_non_hmac_request_keys", FieldType::CommaStrings, "The list of keys in the request data object that will not be HMAC'ed by audit devices."),
    Field::new("audit_non_hmac_response_keys", FieldType::CommaStrings, "The list of keys in the response data object that will not be HMAC'ed by audit devices."),
    Field::new("passthrough_request_headers", FieldType::CommaStrings, "A list of headers to whitelist and pass from the request to the plugin."),
    Field::new("allowed_response_headers", FieldType::CommaStrings, "A list of headers to whitelist and allow a plugin to set on responses."),
    Field::new("token_type", FieldType::String, "The type of token to issue (service or batch)."),
    Field::new("options", FieldType::KvPairs, "The options to pass into the backend. Should be a json object with string keys and values."),
    Field::new("plugin_version", FieldType::String, "The semantic version of the plugin to use, or \"latest\"."),
    Field::new("user_lockout_config", FieldType::Map, "The user lockout configuration to pass into the backend. Should be a json object with string keys and values."),
];

/// The `config` object of an enable: the tunables plus the plugin name.
pub(super) const CONFIG_FIELDS: &[&[Field]] =
    &[TUNE_FIELDS, &[Field::new("plugin_name", FieldType::String, "Name of the plugin to mount.")]];

/// `sys/policy/<name>` and `sys/policies/acl/<name>`.
pub(super) const POLICY_FIELDS: &[Field] = &[
    Field::new("policy", FieldType::String, "The rules of the policy."),
    Field::new("cas", FieldType::Int, "The version of the policy a write expects to replace."),
    Field::new("cas_required", FieldType::Bool, "Whether writes of the policy need cas."),
    Field::new("expiration", FieldType::String, "When the policy expires."),
    Field::new("ttl", FieldType::Duration, "How long the policy lives."),
    Field::new("allow_slashes_in_identity_templates", FieldType::Bool, "").default(FieldDefault::Bool(false)),
    Field::new("allow_wildcards_in_identity_templates", FieldType::Bool, "").default(FieldDefault::Bool(false)),
];

/// `sys/capabilities*`.
pub(super) const CAPABILITIES_FIELDS: &[Field] = &[
    Field::new("paths", FieldType::CommaStrings, "Paths on which capabilities are being queried."),
    Field::new("path", FieldType::CommaStrings, "Use 'paths' instead.").deprecated(),
];

/// `sys/leases/lookup`, `renew`, `revoke`.
pub(super) const LEASE_FIELDS: &[Field] = &[
    Field::new("lease_id", FieldType::String, "The lease identifier to renew. This is included with a lease."),
    Field::new("url_lease_id", FieldType::String, "The lease identifier to renew. This is included with a lease."),
    Field::new("increment", FieldType::Duration, "The desired increment in seconds to the lease"),
    Field::new("sync", FieldType::Bool, "Whether or not to perform the revocation synchronously")
        .default(FieldDefault::Bool(true)),
];
