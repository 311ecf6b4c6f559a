//! KV v2's table, in the order Vault's plugin declares its paths: `config`, `data/`,
//! `metadata/`, `delete/`, `undelete/`, `destroy/`, `subkeys/`, then the catch-all that answers
//! any other path with a hint toward `vault kv`.

use super::{invalid_path, meta_key, not_found, HandlerResult, KvV2, Outcome};
use crate::logical::{Display, Engine, Field, FieldData, FieldType, Op, PathDef, PathsSpecial, Reply};
use crate::{CoreError, Operation, Request};
use async_trait::async_trait;

const PATH: Field = Field::new("path", FieldType::String, "Location of the secret.");

const CONFIG: &[Field] = &[
    Field::new("max_versions", FieldType::Int, "The number of versions to keep for each key. Defaults to 10"),
    Field::new(
        "cas_required",
        FieldType::Bool,
        "If true, the backend will require the cas parameter to be set for each write",
    ),
    Field::new(
        "delete_version_after",
        FieldType::SignedDuration,
        "If set, the length of time before a version is deleted. A negative duration disables the use of delete_version_after on all keys. A zero duration clears the current setting. Accepts a Go duration format string.",
    ),
];

const DATA: &[Field] = &[
    PATH,
    Field::new(
        "version",
        FieldType::Int,
        "If provided during a read, the value at the version number will be returned",
    ),
    Field::new(
        "options",
        FieldType::Map,
        "Options for writing a KV entry.\n\nSet the \"cas\" value to use a Check-And-Set operation. If not set the write will\nbe allowed. If set to 0 a write will only be allowed if the key doesn't exist.\nIf the index is non-zero the write will only be allowed if the key's current\nversion matches the version specified in the cas parameter.",
    ),
    Field::new("data", FieldType::Map, "The contents of the data map will be stored and returned on read."),
];

const METADATA: &[Field] = &[
    PATH,
    Field::new(
        "cas_required",
        FieldType::Bool,
        "If true the key will require the cas parameter to be set on all write requests. If false, the backend's configuration will be used.",
    ),
    Field::new(
        "max_versions",
        FieldType::Int,
        "The number of versions to keep. If not set, the backend's configured max version is used.",
    ),
    Field::new(
        "delete_version_after",
        FieldType::Duration,
        "The length of time before a version is deleted. If not set, the backend's configured delete_version_after is used. Cannot be greater than the backend's delete_version_after. A zero duration clears the current setting. A negative duration will cause an error.",
    ),
    Field::new(
        "custom_metadata",
        FieldType::Map,
        "User-provided key-value pairs that are used to describe arbitrary and version-agnostic information about a secret.",
    ),
];

const VERSIONS: &[Field] = &[PATH, Field::new("versions", FieldType::CommaInts, "The versions to be archived. The versioned data will not be deleted, but it will no longer be returned in normal get requests.")];

const SUBKEYS: &[Field] = &[
    PATH,
    Field::new(
        "version",
        FieldType::Int,
        "Specifies which version to retrieve. If not provided, the current version will be used.",
    ),
    Field::new(
        "depth",
        FieldType::Int,
        "Specifies the deepest nesting level to provide in the output.If non-zero, keys that reside at the specified depth value will be artificially treated as leaves and will thus be 'null' even if further underlying subkeys exist.",
    ),
];

/// The key a path names; keys never climb out of the mount.
fn key(d: &FieldData) -> Result<&str, CoreError> {
    let key = d.str("path").unwrap_or("");
    if key.split('/').any(|seg| seg == "..") {
        return Err(CoreError::invalid("invalid path: must not contain '..'"));
    }
    Ok(key)
}

/// A handler's outcome as the table's reply: 404s keep Vault's body when there is one.
fn reply(outcome: HandlerResult) -> Reply {
    match outcome? {
        Outcome::Done(resp) => Ok(resp),
        Outcome::NotFound(body) => Err(not_found(body)),
    }
}

/// A table entry for a handler taking the key and the fields.
macro_rules! keyed {
    ($f:ident) => {
        |e: &KvV2, _: &Request, d: &FieldData| Box::pin(async move { reply(e.$f(key(d)?, d).await) })
    };
    ($f:ident, no_fields) => {
        |e: &KvV2, _: &Request, d: &FieldData| Box::pin(async move { reply(e.$f(key(d)?).await) })
    };
}

impl KvV2 {
    /// Vault's `dataExistenceCheck`/`metadataExistenceCheck`: a key exists once it has metadata.
    async fn key_exists(&self, _: &Request, d: &FieldData) -> Result<bool, CoreError> {
        Ok(self.view.get(&meta_key(key(d)?)).await?.is_some())
    }

    async fn invalid(&self, req: &Request, _: &FieldData) -> Reply {
        reply(Ok(invalid_path(req.operation)))
    }
}

const HELP: &str = "The KV backend reads and writes arbitrary secrets to the backend.\nThe secrets are encrypted/decrypted by Vault: they are never stored\nunencrypted in the backend and the backend never has an opportunity to\nsee the unencrypted value.\n\nThis backend differs from the 'kv' backend in that it is versioned:\nevery write keeps the previous versions, up to max_versions.";

#[async_trait]
impl Engine for KvV2 {
    fn paths() -> Vec<PathDef<Self>> {
        vec![
            PathDef::new("config")
                .display(Display::ids("kv-v2", ""))
                .op_display(Op::Read, Display::verb("", "read", "configuration"))
                .op_display(Op::Update, Display::verb("", "configure", ""))
                .fields(&[CONFIG])
                .read(|e: &KvV2, _, _| Box::pin(async move { reply(e.config_read().await) }))
                .update(|e: &KvV2, _, d| Box::pin(async move { reply(e.config_write(d).await) }))
                .help(
                    "Configures settings for the KV store",
                    "This path configures backend level settings that are applied to\nevery key in the key-value store.",
                ),
            PathDef::new("data/{path:leaf}")
                .display(Display::ids("kv-v2", ""))
                .op_display(Op::Read, Display::verb("", "read", ""))
                .op_display(Op::Update, Display::verb("", "write", ""))
                .op_display(Op::Delete, Display::verb("", "delete", ""))
                .op_display(Op::Patch, Display::verb("", "patch", ""))
                .fields(&[DATA])
                .read(keyed!(data_read))
                .update(keyed!(data_write))
                .patch(keyed!(data_patch))
                .delete(keyed!(data_delete, no_fields))
                .exists(crate::handler!(Self::key_exists))
                .help(
                    "Write, Patch, Read, and Delete data in the Key-Value Store.",
                    "This path takes a key name and based on the operation stores, retrieves or\ndeletes versions of data.\n\nIf a write operation is used the endpoint takes an options object and a data\nobject. The options object is used to pass some options to the write command and\nthe data object is encrypted and stored in the storage backend. Each write\noperation for a key creates a new version and does not overwrite the previous\ndata.\n\nA read operation will return the latest version for a key unless the \"version\"\nparameter is set, then it returns the version at that number.\n\nDelete operations are a soft delete. They will mark the latest version as deleted,\nbut the underlying data will not be fully removed. Delete operations can be\nundone.",
                ),
            PathDef::new("metadata/{path:any}")
                .display(Display::ids("kv-v2", ""))
                .op_display(Op::Read, Display::verb("", "read", "metadata"))
                .op_display(Op::List, Display::verb("", "list", ""))
                .op_display(Op::Update, Display::verb("", "write", "metadata"))
                .op_display(Op::Patch, Display::verb("", "patch", "metadata"))
                .op_display(Op::Delete, Display::verb("", "delete", "metadata-and-all-versions"))
                .fields(&[METADATA])
                .read(keyed!(metadata_read, no_fields))
                .list(keyed!(metadata_list, no_fields))
                .update(keyed!(metadata_write))
                .patch(keyed!(metadata_patch))
                .delete(keyed!(metadata_delete, no_fields))
                .exists(crate::handler!(Self::key_exists))
                .help(
                    "Configures settings for the KV store",
                    "This path takes a key name and based on the operation stores, retrieves or\ndeletes metadata for the key: the version history, its settings and custom\nmetadata. Deleting the metadata deletes every version of the key.",
                ),
            PathDef::new("delete/{path:any}")
                .display(Display::verb("kv-v2", "delete", "versions"))
                .fields(&[VERSIONS])
                .update(keyed!(versions_delete))
                .help("Marks one or more versions as deleted in the KV store.", "Deletes the data for the provided version and path in the key-value store. The\nversioned data will not be fully removed, but marked as deleted and will no\nlonger be returned in normal get requests. This operation can be undone."),
            PathDef::new("undelete/{path:any}")
                .display(Display::verb("kv-v2", "undelete", "versions"))
                .fields(&[VERSIONS])
                .update(keyed!(versions_undelete))
                .help("Undeletes one or more versions from the KV store.", "Undeletes the data for the provided version and path in the key-value store.\nThis restores the data, allowing it to be returned on get requests."),
            PathDef::new("destroy/{path:any}")
                .display(Display::verb("kv-v2", "destroy", "versions"))
                .fields(&[VERSIONS])
                .update(keyed!(versions_destroy))
                .help("Permanently removes one or more versions in the KV store", "Permanently removes the specified version numbers for the provided key and\npath from the key-value store."),
            PathDef::new("subkeys/{path:any}")
                .display(Display::ids("kv-v2", "subkeys"))
                .fields(&[SUBKEYS])
                .read(keyed!(subkeys_read))
                .help("Read the structure of a secret entry from the Key-Value store with the values removed.", "This path provides the subkeys that exist within a secret entry that exists\nat the provided path. The secret entry at this path will be retrieved and\nstripped of all data by replacing underlying values of leaf keys (i.e. non-map\nkeys or map keys with no underlying subkeys) with null."),
            PathDef::new("{path:any}").unpublished()
                .read(crate::handler!(Self::invalid))
                .update(crate::handler!(Self::invalid))
                .delete(crate::handler!(Self::invalid))
                .list(crate::handler!(Self::invalid))
                .arbitrary_input(),
        ]
    }

    fn help() -> &'static str {
        HELP
    }

    fn special() -> PathsSpecial {
        PathsSpecial { seal_wrap: &["config"], ..Default::default() }
    }
}

/// The operation a caller asked for, named as `vault kv` names it.
pub(super) fn cli_verb(op: Operation) -> &'static str {
    match op {
        Operation::Update => "put",
        Operation::Patch => "patch",
        Operation::Read | Operation::Help => "get",
        Operation::List => "list",
        Operation::Delete => "delete",
    }
}
