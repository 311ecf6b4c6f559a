//! The system backend's table (Vault's `vault/logical_system_paths.go`): the `sys/` paths served
//! through the pipeline, their fields, handlers, help and `PathsSpecial`. The seal, init, health
//! and raft join endpoints answer while sealed and stay raw handlers in the api crate.

use super::fields::{CAPABILITIES_FIELDS, LEASE_FIELDS, MOUNT_FIELDS, POLICY_FIELDS, TUNE_FIELDS};
use super::{audit, auth, capabilities, ceremonies, keys, leases, mounts, openapi, policies};
use crate::core::Core;
use crate::ha::AUTOPILOT_FIELDS;
use crate::handler;
use crate::logical::{Display, Field, FieldData, FieldType, Op, PathDef, PathsSpecial, Reply};
use crate::Request;
use capabilities::Subject;
use policies::Api;

pub(super) const HELP: &str = "The system backend is built-in to Vault and cannot be remounted or\nunmounted. It contains the paths that are used to configure Vault itself\nas well as perform core operations.";

/// Vault's system `PathsSpecial`, with the paths this node serves through the pipeline.
pub(super) fn special() -> PathsSpecial {
    PathsSpecial {
        root: &[
            "auth/*",
            "remount",
            "audit",
            "audit/*",
            "raw",
            "raw/*",
            "rotate",
            // Not in Vault's list, which predates the path; it does exactly what rotate does.
            "rotate/keyring",
            "config/cors",
            "config/auditing/*",
            "config/ui/headers/*",
            "plugins/catalog/*",
            "plugins/runtimes/catalog/*",
            "revoke-prefix/*",
            "revoke-force/*",
            "leases/revoke-prefix/*",
            "leases/revoke-force/*",
            "leases/lookup/*",
            "storage/raft/snapshot-auto/config/*",
            "leases",
            "internal/inspect/*",
            // Vault's seal and step-down handlers demand root or sudo themselves.
            "seal",
            "step-down",
            // OpenBao's authenticated root token generation.
            "generate-root-token/*",
        ],
        unauthenticated: &[
            "wrapping/lookup",
            "wrapping/pubkey",
            "internal/ui/mounts",
            "internal/ui/mounts/*",
            "internal/specs/openapi",
            "storage/raft/bootstrap/challenge",
            "storage/raft/bootstrap/answer",
            "generate-root",
            "generate-root/attempt",
            "generate-root/update",
            "rekey/init",
            "rekey/update",
            "rekey/verify",
            "rekey-recovery-key/*",
        ],
        seal_wrap: &[],
    }
}

const MOUNT_PATH: Field = Field::new("path", FieldType::String, "The path to mount to. Example: \"aws/east\"");
const AUTH_PATH: Field =
    Field::new("path", FieldType::String, "The path to mount to. Cannot be delimited. Example: \"user\"");
const AUDIT_PATH: Field =
    Field::new("path", FieldType::String, "The name of the backend. Cannot be delimited. Example: \"mysql\"");
const AUDIT_ENABLE: &[Field] = &[
    AUDIT_PATH,
    Field::new("type", FieldType::String, "The type of the backend. Example: \"mysql\""),
    Field::new("description", FieldType::String, "User-friendly description for this audit backend."),
    Field::new("options", FieldType::KvPairs, "Configuration options for the audit backend."),
    Field::new(
        "local",
        FieldType::Bool,
        "Mark the mount as a local mount, which is not replicated and is unaffected by replication.",
    ),
];
const AUDIT_HASH: &[Field] = &[AUDIT_PATH, Field::new("input", FieldType::String, "")];
const AUDITED_HEADER: &[Field] =
    &[Field::new("header", FieldType::String, ""), Field::new("hmac", FieldType::Bool, "")];
const POLICY_NAME: Field = Field::new("name", FieldType::String, "The name of the policy. Example: \"ops\"");
const LEGACY_RULES: &[Field] = &[Field::new("rules", FieldType::String, "The rules of the policy.").deprecated()];
const CAPABILITIES_TOKEN: &[Field] =
    &[Field::new("token", FieldType::String, "Token for which capabilities are being queried.")];
const CAPABILITIES_ACCESSOR: &[Field] =
    &[Field::new("accessor", FieldType::String, "Accessor of the token for which capabilities are being queried.")];
const WRAP_TOKEN: &[Field] = &[Field::new("token", FieldType::String, "")];
const REMOUNT_FIELDS: &[Field] = &[
    Field::new("from", FieldType::String, "The previous mount point."),
    Field::new("to", FieldType::String, "The new mount point."),
];
const MIGRATION_ID: &[Field] = &[Field::new("migration_id", FieldType::String, "The ID of the migration operation")];
const UI_MOUNT_PATH: &[Field] = &[Field::new("path", FieldType::String, "The path of the mount.")];
const OPENAPI_FIELDS: &[Field] = &[
    Field::new("generic_mount_paths", FieldType::Bool, "Use generic mount paths"),
    Field::new("context", FieldType::String, "Context string appended to every operationId"),
];
const LEASE_LIST_FIELDS: &[Field] = &[
    Field::new("type", FieldType::String, "Type of leases to get counts for (currently only supporting irrevocable)."),
    Field::new("limit", FieldType::String, "Number of leases to return: a positive integer, or 'none' for all"),
    Field::new(
        "include_child_namespaces",
        FieldType::Bool,
        "Set true if the response should include leases from child namespaces",
    ),
];
const LEASE_PREFIX: &[Field] =
    &[Field::new("prefix", FieldType::String, "The path to list leases under. Example: \"aws/creds/deploy\"")];
const REVOKE_PREFIX: &[Field] = &[
    Field::new("prefix", FieldType::String, "The path to revoke keys under. Example: \"prod/aws/ops\""),
    Field::new("sync", FieldType::Bool, "Whether or not to perform the revocation synchronously")
        .default(crate::logical::FieldDefault::Bool(true)),
];
const RAFT_BOOTSTRAP: &[Field] = &[
    Field::new("server_id", FieldType::String, "The ID of the node asking to join"),
    Field::new("answer", FieldType::String, "The answer to the challenge, base64"),
    Field::new("cluster_addr", FieldType::String, "The cluster address of the node asking to join"),
    Field::new("non_voter", FieldType::Bool, "Whether the node joins as a non-voter"),
    Field::new("api_addr", FieldType::String, "The API address of the node asking to join"),
];
const REMOVE_PEER: &[Field] = &[Field::new("server_id", FieldType::String, "The ID of the server to remove")];

/// The handlers below adapt the table's calling convention to the modules' functions.
macro_rules! adapt {
    ($name:ident, |$core:ident, $req:ident, $d:ident| $body:expr) => {
        #[allow(unused_variables)]
        async fn $name($core: &Core, $req: &Request, $d: &FieldData) -> Reply {
            $body
        }
    };
}

adapt!(auth_list, |core, req, d| auth::list(core).await);
adapt!(auth_read, |core, req, d| auth::read(core, &d.str_or_default("path")).await);
adapt!(auth_enable, |core, req, d| auth::enable(core, &d.str_or_default("path"), d).await);
adapt!(auth_disable, |core, req, d| auth::disable(core, &d.str_or_default("path")).await);
adapt!(auth_read_tune, |core, req, d| auth::read_tune(core, &d.str_or_default("path")).await);
adapt!(auth_tune, |core, req, d| auth::tune(core, &d.str_or_default("path"), d).await);
adapt!(audit_list, |core, req, d| audit::list(core).await);
adapt!(audit_enable, |core, req, d| audit::enable(core, &d.str_or_default("path"), d).await);
adapt!(audit_disable, |core, req, d| audit::disable(core, &d.str_or_default("path")).await);
adapt!(audit_hash, |core, req, d| audit::hash(core, &d.str_or_default("path"), d).await);
adapt!(audited_headers, |core, req, d| audit::headers(core).await);
adapt!(audited_header, |core, req, d| audit::header(core, &d.str_or_default("header")).await);
adapt!(audited_header_set, |core, req, d| audit::set_header(core, &d.str_or_default("header"), d).await);
adapt!(audited_header_remove, |core, req, d| audit::remove_header(core, &d.str_or_default("header")).await);
adapt!(mounts_list, |core, req, d| mounts::list(core).await);
adapt!(mount_read, |core, req, d| mounts::read(core, &d.str_or_default("path")).await);
adapt!(mount_enable, |core, req, d| mounts::enable(core, &d.str_or_default("path"), d).await);
adapt!(mount_disable, |core, req, d| mounts::disable(core, &d.str_or_default("path")).await);
adapt!(mount_read_tune, |core, req, d| mounts::read_tune(core, &d.str_or_default("path")).await);
adapt!(mount_tune, |core, req, d| mounts::tune(core, &d.str_or_default("path"), d).await);
adapt!(remount, |core, req, d| mounts::remount(core, d).await);
adapt!(remount_status, |core, req, d| mounts::remount_status(core, &d.str_or_default("migration_id")).await);
adapt!(ui_mounts, |core, req, d| mounts::ui_list(core, req).await);
adapt!(ui_mount, |core, req, d| mounts::ui_read(core, req, &d.str_or_default("path")).await);
adapt!(openapi_read, |core, req, d| openapi::read(core, req, d).await);
adapt!(policy_list, |core, req, d| policies::list(core, Api::Legacy).await);
adapt!(policy_read, |core, req, d| policies::read(core, Api::Legacy, &d.str_or_default("name")).await);
adapt!(policy_write, |core, req, d| policies::write(core, Api::Legacy, &d.str_or_default("name"), d).await);
adapt!(policy_delete, |core, req, d| policies::delete(core, &d.str_or_default("name")).await);
adapt!(acl_list, |core, req, d| policies::list(core, Api::Acl).await);
adapt!(acl_read, |core, req, d| policies::read(core, Api::Acl, &d.str_or_default("name")).await);
adapt!(acl_write, |core, req, d| policies::write(core, Api::Acl, &d.str_or_default("name"), d).await);
adapt!(capabilities_token, |core, req, d| capabilities::handle(core, req, d, Subject::Token).await);
adapt!(capabilities_self, |core, req, d| capabilities::handle(core, req, d, Subject::Caller).await);
adapt!(capabilities_accessor, |core, req, d| capabilities::handle(core, req, d, Subject::Accessor).await);
adapt!(wrap, |core, req, d| core.wrap_data(req).await.map(Some));
adapt!(unwrap, |core, req, d| core.unwrap(req).await.map(Some));
adapt!(wrap_lookup, |core, req, d| core.wrap_lookup(req).await.map(Some));
adapt!(rewrap, |core, req, d| core.rewrap(req).await.map(Some));
adapt!(raft_challenge, |core, req, d| core.raft_bootstrap_challenge(req).await);
adapt!(raft_answer, |core, req, d| core.raft_bootstrap_answer(req, d).await);
adapt!(raft_remove_peer, |core, req, d| core.raft_remove_peer(req).await);
adapt!(ha_status, |core, req, d| core.ha_status().await);
adapt!(autopilot_state, |core, req, d| core.autopilot_state().await);
adapt!(autopilot_read, |core, req, d| core.autopilot_config_read().await);
adapt!(autopilot_write, |core, req, d| core.autopilot_config_write(d).await);
adapt!(step_down, |core, req, d| core.step_down().await);
adapt!(key_status, |core, req, d| keys::key_status(core).await);
adapt!(rotate, |core, req, d| keys::rotate(core).await);
adapt!(seal, |core, req, d| core.seal().await.map(|()| None));

pub(super) fn paths() -> Vec<PathDef<Core>> {
    let mut paths = ceremonies::paths();
    paths.extend(vec![
        PathDef::new("auth/?")
            .display(Display::verb("auth", "list", "enabled-methods")).read(handler!(auth_list)).help(
            "List the currently enabled credential backends.",
            "List the currently enabled credential backends: the name, the type of the backend, and a user friendly description of the purpose for the credential backend.",
        ),
        PathDef::new("auth/{path:rest}/tune")
            .display(Display::ids("auth", ""))
            .op_display(Op::Read, Display::verb("", "read", "tuning-information"))
            .op_display(Op::Update, Display::verb("", "tune", "configuration-parameters"))
            .fields(&[&[AUTH_PATH], TUNE_FIELDS])
            .read(handler!(auth_read_tune))
            .update(handler!(auth_tune))
            .help("Tune the configuration parameters for an auth path.", "Read and write the 'default-lease-ttl' and 'max-lease-ttl' values of the auth path."),
        PathDef::new("auth/{path:rest}")
            .display(Display::ids("auth", ""))
            .op_display(Op::Read, Display::verb("", "read", "configuration"))
            .op_display(Op::Update, Display::verb("", "enable", "method"))
            .op_display(Op::Delete, Display::verb("", "disable", "method"))
            .fields(&[&[AUTH_PATH], MOUNT_FIELDS])
            .read(handler!(auth_read))
            .update(handler!(auth_enable))
            .delete(handler!(auth_disable))
            .help("Enable a new credential backend with a name.", "Enable a credential mechanism at a new path. This path will be used to login; /auth/<path>/login is where to log in. The path cannot be changed later."),
        // Vault serves an auth method's tuning under mounts/ too.
        PathDef::new("mounts/auth/{path:rest}/tune").unpublished()
            .fields(&[&[AUTH_PATH], TUNE_FIELDS])
            .read(handler!(auth_read_tune))
            .update(handler!(auth_tune))
            .help("Tune the configuration parameters for an auth path.", "Read and write the 'default-lease-ttl' and 'max-lease-ttl' values of the auth path."),
        PathDef::new("audit/?")
            .display(Display::verb("auditing", "list", "enabled-devices"))
            .read(handler!(audit_list))
            .help("List the enabled audit devices.", "List the currently enabled audit backends."),
        PathDef::new("audit/{path:rest}")
            .display(Display::ids("auditing", ""))
            .op_display(Op::Update, Display::verb("", "enable", "device"))
            .op_display(Op::Delete, Display::verb("", "disable", "device"))
            .fields(&[AUDIT_ENABLE])
            .update(handler!(audit_enable))
            .delete(handler!(audit_disable))
            .help("Enable or disable audit backends.", "Enable a new audit backend or disable an existing backend."),
        PathDef::new("audit-hash/{path:rest}")
            .display(Display::verb("auditing", "calculate", "hash"))
            .fields(&[AUDIT_HASH])
            .update(handler!(audit_hash))
            .help("The hash of the given string via the given audit backend", "The hash of the given string via the given audit backend"),
        PathDef::new("config/auditing/request-headers/?")
            .display(Display::verb("auditing", "list", "request-headers"))
            .read(handler!(audited_headers))
            .help("Lists the headers configured to be audited.", "Returns a list of headers that have been configured to be audited."),
        PathDef::new("config/auditing/request-headers/{header:rest}")
            .display(Display::ids("auditing", ""))
            .op_display(Op::Read, Display::verb("", "read", "request-header-information"))
            .op_display(Op::Update, Display::verb("", "enable", "request-header"))
            .op_display(Op::Delete, Display::verb("", "disable", "request-header"))
            .fields(&[AUDITED_HEADER])
            .read(handler!(audited_header))
            .update(handler!(audited_header_set))
            .delete(handler!(audited_header_remove))
            .help("Configures the headers sent to the audit logs.", "This path responds to the following HTTP methods.\n\n    GET /<name>\n        Returns the setting for the header with the given name.\n\n    POST /<name>\n        Enable auditing of the given header.\n\n    DELETE /<path>\n        Disable auditing of the given header."),
        PathDef::new("mounts/?")
            .display(Display::verb("mounts", "list", "secrets-engines"))
            .read(handler!(mounts_list))
            .help(
            "List the currently mounted backends.",
            "This path responds to the following HTTP methods.\n\n    GET /\n        Lists all the mounted secret backends.\n\n    GET /<mount point>\n        Get information about the mount at the specified path.\n\n    POST /<mount point>\n        Mount a new secret backend to the mount point in the URL.\n\n    POST /<mount point>/tune\n        Tune configuration parameters for the given mount point.\n\n    DELETE /<mount point>\n        Unmount the specified mount point.",
        ),
        PathDef::new("mounts/{path:rest}/tune")
            .display(Display::ids("mounts", ""))
            .op_display(Op::Read, Display::verb("", "read", "tuning-information"))
            .op_display(Op::Update, Display::verb("", "tune", "configuration-parameters"))
            .fields(&[&[MOUNT_PATH], TUNE_FIELDS])
            .read(handler!(mount_read_tune))
            .update(handler!(mount_tune))
            .help("Tune backend configuration parameters for this mount.", "Read and write the 'default-lease-ttl' and 'max-lease-ttl' values of the mount."),
        PathDef::new("mounts/{path:rest}")
            .display(Display::ids("mounts", ""))
            .op_display(Op::Read, Display::verb("", "read", "configuration"))
            .op_display(Op::Update, Display::verb("", "enable", "secrets-engine"))
            .op_display(Op::Delete, Display::verb("", "disable", "secrets-engine"))
            .fields(&[&[MOUNT_PATH], MOUNT_FIELDS])
            .read(handler!(mount_read))
            .update(handler!(mount_enable))
            .delete(handler!(mount_disable))
            .help("Mount a new backend at a new path.", "Mount a backend at a new path. A backend can be mounted multiple times at multiple paths in order to configure multiple separately configured backends. Example: you might have an AWS backend for the east coast, and one for the west coast."),
        PathDef::new("remount")
            .display(Display::verb("", "remount", ""))
            .fields(&[REMOUNT_FIELDS])
            .update(handler!(remount))
            .help("Move the mount point of an already-mounted backend, within or across namespaces", "Change the mount point of an already-mounted backend; its leases are revoked first."),
        PathDef::new("remount/status/{migration_id:segment}")
            .display(Display::verb("remount", "status", ""))
            .fields(&[MIGRATION_ID])
            .read(handler!(remount_status))
            .help("Check the status of a mount move operation", "Check the status of a mount move operation by its migration ID."),
        PathDef::new("internal/ui/mounts")
            .display(Display::verb("internal-ui", "list", "enabled-visible-mounts"))
            .read(handler!(ui_mounts))
            .help(UI_MOUNTS_HELP, UI_MOUNTS_HELP),
        PathDef::new("internal/ui/mounts/{path:rest}")
            .display(Display::verb("internal-ui", "read", "mount-information"))
            .fields(&[UI_MOUNT_PATH])
            .read(handler!(ui_mount))
            .help(UI_MOUNTS_HELP, UI_MOUNTS_HELP),
        PathDef::new("internal/specs/openapi")
            .display(Display::verb("internal", "generate", "open-api-document"))
            .op_display(Op::Update, Display::ids("", "open-api-document-with-parameters"))
            .fields(&[OPENAPI_FIELDS])
            .read(handler!(openapi_read))
            .update(handler!(openapi_read))
            .help("Generate an OpenAPI 3 document of all mounted paths.", "Generate an OpenAPI 3 document of all mounted paths the token may see."),
        PathDef::new("policy/?")
            .display(Display::verb("policies", "list", "acl-policies2"))
            .op_display(Op::List, Display::ids("", "acl-policies3"))
            .read(handler!(policy_list))
            .list(handler!(policy_list))
            .help(POLICY_LIST_HELP, POLICY_LIST_HELP),
        PathDef::new("policy/{name:rest}")
            .display(Display::ids("policies", "acl-policy2"))
            .fields(&[&[POLICY_NAME], POLICY_FIELDS, LEGACY_RULES])
            .read(handler!(policy_read))
            .update(handler!(policy_write))
            .delete(handler!(policy_delete))
            .help(POLICY_HELP, POLICY_HELP),
        PathDef::new("policies/acl/?")
            .display(Display::verb("policies", "list", "acl-policies"))
            .list(handler!(acl_list))
            .help(POLICY_LIST_HELP, POLICY_LIST_HELP),
        PathDef::new("policies/acl/{name:rest}")
            .display(Display::ids("policies", "acl-policy"))
            .fields(&[&[POLICY_NAME], POLICY_FIELDS])
            .read(handler!(acl_read))
            .update(handler!(acl_write))
            .delete(handler!(policy_delete))
            .help(POLICY_HELP, POLICY_HELP),
        PathDef::new("capabilities")
            .display(Display::verb("query", "token", "capabilities"))
            .fields(&[CAPABILITIES_FIELDS, CAPABILITIES_TOKEN])
            .update(handler!(capabilities_token))
            .help("Fetches the capabilities of the given token on the given path.", CAPABILITIES_HELP),
        PathDef::new("capabilities-self")
            .display(Display::verb("query", "token", "self-capabilities"))
            .fields(&[CAPABILITIES_FIELDS, CAPABILITIES_TOKEN])
            .update(handler!(capabilities_self))
            .help("Fetches the capabilities of the given token on the given path.", CAPABILITIES_HELP),
        PathDef::new("capabilities-accessor")
            .display(Display::verb("query", "token", "accessor-capabilities"))
            .fields(&[CAPABILITIES_FIELDS, CAPABILITIES_ACCESSOR])
            .update(handler!(capabilities_accessor))
            .help("Fetches the capabilities of the token associated with the given token, on the given path.", CAPABILITIES_HELP),
        PathDef::new("wrapping/wrap")
            .display(Display::verb("", "wrap", ""))
            .arbitrary_input()
            .update(handler!(wrap))
            .help("Response-wraps an arbitrary JSON object.", "Round trips the given input data into a response-wrapped token."),
        PathDef::new("wrapping/unwrap")
            .display(Display::verb("", "unwrap", ""))
            .fields(&[WRAP_TOKEN])
            .update(handler!(unwrap))
            .help("Unwraps a response-wrapped token.", "Unwraps a response-wrapped token. Unlike simply reading from cubbyhole/response (which is deprecated), this endpoint provides additional validation checks on the token, returns the original value on the wire rather than a JSON string representation of it, and ensures that the response is properly audit-logged."),
        PathDef::new("wrapping/lookup")
            .display(Display::verb("", "read", "wrapping-properties"))
            .op_display(Op::Read, Display::ids("", "wrapping-properties2"))
            .fields(&[WRAP_TOKEN])
            .read(handler!(wrap_lookup))
            .update(handler!(wrap_lookup))
            .help("Looks up the properties of a response-wrapped token.", "Returns the creation TTL and creation time of a response-wrapped token."),
        PathDef::new("wrapping/rewrap")
            .display(Display::verb("", "rewrap", ""))
            .fields(&[WRAP_TOKEN])
            .update(handler!(rewrap))
            .help("Rotates a response-wrapped token.", "Rotates a response-wrapped token; the output is a new token with the same response wrapped inside and the same TTL, and the original token is revoked."),
        PathDef::new("storage/raft/bootstrap/challenge")
            .fields(&[RAFT_BOOTSTRAP])
            .update(handler!(raft_challenge))
            .help("Creates a challenge for the new peer to be joined to the raft cluster.", "A node asking to join gets a challenge encrypted with the barrier's keys."),
        PathDef::new("storage/raft/bootstrap/answer")
            .fields(&[RAFT_BOOTSTRAP])
            .update(handler!(raft_answer))
            .help("Accepts an answer from the peer to be joined to the raft cluster.", "A node that decrypted its challenge is added to the raft configuration and gets the peers and the TLS keyring."),
        PathDef::new("storage/raft/remove-peer")
            .fields(&[REMOVE_PEER])
            .update(handler!(raft_remove_peer))
            .help("Remove a peer from the raft cluster.", "Remove a peer from the raft cluster by its server ID."),
        PathDef::new("storage/raft/autopilot/state")
            .read(handler!(autopilot_state))
            .help("Returns the state of the raft cluster under integrated storage as seen by autopilot.", "Returns the state of the raft cluster under integrated storage as seen by autopilot."),
        PathDef::new("storage/raft/autopilot/configuration")
            .fields(&[AUTOPILOT_FIELDS])
            .read(handler!(autopilot_read))
            .update(handler!(autopilot_write))
            .help("Returns the configuration of the autopilot subsystem.", "Reads or writes the configuration of the autopilot subsystem of integrated storage."),
        PathDef::new("ha-status")
            .display(Display::verb("", "ha-status", ""))
            .read(handler!(ha_status))
            .help("Provides information about the nodes in an HA cluster.", "Provides the list of hosts known to the active node and when they were last heard from."),
        PathDef::new("step-down")
            .display(Display::verb("", "step-down", "leader"))
            .update(handler!(step_down))
            .help("Cause the node to give up active status.", "This endpoint forces the node to give up active status. If the node does not have active status, this endpoint does nothing."),
        PathDef::new("key-status")
            .display(Display::verb("encryption-key", "status", ""))
            .read(handler!(key_status))
            .help("Provides information about the backend encryption key.", "Provides the current backend encryption key term and installation time."),
        PathDef::new("rotate/keyring")
            .update(handler!(rotate))
            .help("Rotates the backend encryption key used to persist data.", ROTATE_HELP),
        PathDef::new("rotate")
            .display(Display::verb("encryption-key", "rotate", ""))
            .update(handler!(rotate))
            .help("Rotates the backend encryption key used to persist data.", ROTATE_HELP),
        PathDef::new("seal")
            .display(Display::verb("", "seal", ""))
            .update(handler!(seal))
            .help("Seals the Vault instance.", "Seals the node: it forgets its keys and serves nothing but the seal and health endpoints until unsealed."),
    ]);
    paths.extend(lease_paths());
    paths
}

adapt!(leases_irrevocable, |core, req, d| leases::list_irrevocable(core, d).await);
adapt!(leases_count, |core, req, d| leases::count(core, d).await);
adapt!(lease_lookup, |core, req, d| leases::lookup(core, d).await);
adapt!(lease_list_root, |core, req, d| leases::list_root(core, req).await);
adapt!(lease_list, |core, req, d| leases::list(core, &d.str_or_default("prefix")).await);
adapt!(lease_renew, |core, req, d| leases::renew(core, d).await);
adapt!(lease_revoke, |core, req, d| leases::revoke(core, d).await);
adapt!(revoke_prefix, |core, req, d| leases::revoke_prefix(core, d, false).await);
adapt!(revoke_force, |core, req, d| leases::revoke_prefix(core, d, true).await);
adapt!(lease_tidy, |core, req, d| leases::tidy(core).await);

/// The lease operations, under `leases/` and at their pre-0.8 location without the prefix.
/// The last words of the lease paths' operation ids: Vault numbers the legacy ones outside
/// `leases/` with a 2.
const LEASE_ID_SUFFIXES: [[&str; 3]; 2] =
    [["lease", "lease-with-id", "lease-with-prefix"], ["lease2", "lease-with-id2", "lease-with-prefix2"]];

const LEASE_OPS: [[&str; 6]; 2] = [
    [
        "leases/renew",
        "leases/renew/{url_lease_id:rest}",
        "leases/revoke",
        "leases/revoke/{url_lease_id:rest}",
        "leases/revoke-prefix/{prefix:rest}",
        "leases/revoke-force/{prefix:rest}",
    ],
    [
        "renew",
        "renew/{url_lease_id:rest}",
        "revoke",
        "revoke/{url_lease_id:rest}",
        "revoke-prefix/{prefix:rest}",
        "revoke-force/{prefix:rest}",
    ],
];

/// Vault's `leasePaths`.
fn lease_paths() -> Vec<PathDef<Core>> {
    let renew = "Renew a lease on a secret";
    let revoke = "Revoke a leased secret immediately";
    let mut paths = vec![
        PathDef::new("leases")
            .display(Display::verb("leases", "list", ""))
            .fields(&[LEASE_LIST_FIELDS])
            .read(handler!(leases_irrevocable))
            .help("List leases associated with this Vault cluster", "List leases associated with this Vault cluster; only type=irrevocable is supported."),
        PathDef::new("leases/count")
            .display(Display::verb("leases", "count", ""))
            .fields(&[LEASE_LIST_FIELDS])
            .read(handler!(leases_count))
            .help("Count of leases associated with this Vault cluster", "Count of leases associated with this Vault cluster; only type=irrevocable is supported."),
        PathDef::new("leases/lookup")
            .display(Display::verb("leases", "read", "lease"))
            // Vault documents no list here (its lookup list takes an optional prefix): the
            // default id keeps this one apart.
            .op_display(Op::List, Display::verb("system", "list", "leases-lookup"))
            .fields(&[LEASE_FIELDS])
            .update(handler!(lease_lookup))
            .list(handler!(lease_list_root))
            .help(LOOKUP_HELP, LOOKUP_HELP),
        PathDef::new("leases/lookup/{prefix:any}")
            .display(Display::verb("leases", "look-up", ""))
            .fields(&[LEASE_PREFIX])
            .list(handler!(lease_list))
            .help(LOOKUP_HELP, LOOKUP_HELP),
        PathDef::new("leases/tidy")
            .display(Display::verb("leases", "tidy", "")).update(handler!(lease_tidy)).help(
            "This endpoint performs cleanup tasks that can be run if certain error conditions have occurred.",
            "This endpoint performs cleanup tasks that can be run to clean up the lease entries after certain error conditions.",
        ),
    ];
    for ([renew_path, renew_url, revoke_path, revoke_url, prefix, force], [lease, with_id, with_prefix]) in
        LEASE_OPS.into_iter().zip(LEASE_ID_SUFFIXES)
    {
        let ids = |verb, suffix| Display::verb("leases", verb, suffix);
        paths.extend([
            PathDef::new(renew_path)
                .display(ids("renew", lease))
                .fields(&[LEASE_FIELDS])
                .update(handler!(lease_renew))
                .help(renew, RENEW_HELP),
            PathDef::new(renew_url)
                .display(ids("renew", with_id))
                .fields(&[LEASE_FIELDS])
                .update(handler!(lease_renew))
                .help(renew, RENEW_HELP),
            PathDef::new(revoke_path)
                .display(ids("revoke", lease))
                .fields(&[LEASE_FIELDS])
                .update(handler!(lease_revoke))
                .help(revoke, REVOKE_HELP),
            PathDef::new(revoke_url)
                .display(ids("revoke", with_id))
                .fields(&[LEASE_FIELDS])
                .update(handler!(lease_revoke))
                .help(revoke, REVOKE_HELP),
            PathDef::new(prefix)
                .display(ids("revoke", with_prefix))
                .fields(&[REVOKE_PREFIX])
                .update(handler!(revoke_prefix))
                .help(
                "Revoke all secrets generated in a given prefix",
                "Revokes all the secrets generated under a given mount prefix. As with other revocation endpoints, the secret is revoked by its backend.",
            ),
            PathDef::new(force)
                .display(ids("force-revoke", with_prefix))
                .fields(&[REVOKE_PREFIX])
                .update(handler!(revoke_force))
                .help(
                "Revoke all secrets generated in a given prefix, ignoring errors.",
                "Revokes all secrets or tokens generated under a given prefix immediately; unlike revoke-prefix, errors from the backends are ignored and the leases are removed. Use with care.",
            ),
        ]);
    }
    paths
}

const UI_MOUNTS_HELP: &str = "Information about mounts returned according to their tuned visibility. Internal API; its location, inputs, and outputs may change.";
const POLICY_LIST_HELP: &str = "List the configured access control policies.";
const POLICY_HELP: &str = "Read, Modify, or Delete an access control policy.";
const CAPABILITIES_HELP: &str = "Fetches the capabilities of a token on the given paths: the single path form also answers with a 'capabilities' key.";
const ROTATE_HELP: &str = "This path responds to the following HTTP methods.\n\n    POST /\n        Rotates the backend encryption key used to persist data.";
const LOOKUP_HELP: &str = "View or list lease metadata.";
const RENEW_HELP: &str = "When a secret is read, it may optionally include a lease interval and a boolean indicating if renew is possible. For secrets that support lease renewal, this endpoint is used to extend the validity of the lease and to prevent an automatic revocation.";
const REVOKE_HELP: &str = "When a secret is generated, it is assigned a unique identifier called a lease ID. This endpoint revokes the secret with that lease ID, through its backend.";
