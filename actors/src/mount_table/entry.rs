//! A row of the mount table, stored (as in Vault) in `core/mounts` through the barrier; auth
//! methods have rows of the same shape in `core/auth`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The mount table, encrypted by the barrier.
pub const MOUNT_TABLE_PATH: &str = "core/mounts";
/// Each engine's data lives below `logical/<mount uuid>/`.
pub const LOGICAL_PREFIX: &str = "logical/";
/// The system backend's own view.
pub const SYSTEM_VIEW_PREFIX: &str = "sys/";
/// The auth table (Vault's `coreAuthConfigPath`), encrypted by the barrier.
pub const AUTH_TABLE_PATH: &str = "core/auth";
/// Each auth method's data lives below `auth/<mount uuid>/` (Vault's `credentialBarrierPrefix`).
pub const CREDENTIAL_VIEW_PREFIX: &str = "auth/";
/// Auth methods are routed below `auth/` (Vault's `credentialRoutePrefix`).
pub const CREDENTIAL_ROUTE_PREFIX: &str = "auth/";
/// `table` of an auth method's entry (Vault's `credentialTableType`).
pub const AUTH_TABLE: &str = "auth";

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MountConfig {
    #[serde(default)]
    pub default_lease_ttl: u64,
    #[serde(default)]
    pub max_lease_ttl: u64,
    #[serde(default)]
    pub force_no_cache: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_non_hmac_request_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_non_hmac_response_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub listing_visibility: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passthrough_request_headers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_response_headers: Vec<String>,
    /// Auth methods only: `default-service` (empty), `default-batch`, `service` or `batch`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token_type: String,
}

impl MountConfig {
    /// The token type as Vault names it in `config` (auth methods only).
    pub fn token_type_name(&self) -> &str {
        if self.token_type.is_empty() {
            "default-service"
        } else {
            &self.token_type
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MountEntry {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub uuid: String,
    pub accessor: String,
    #[serde(default)]
    pub config: MountConfig,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub local: bool,
    #[serde(default)]
    pub seal_wrap: bool,
    #[serde(default)]
    pub external_entropy_access: bool,
    /// `auth` for auth methods; empty for secret mounts (Vault's `mounts`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub table: String,
}

impl MountEntry {
    /// A new entry with fresh uuid and accessor (`<type>_<8 hex>`, as Vault names them).
    pub fn new(path: &str, kind: &str, description: &str) -> Self {
        let accessor_kind = if kind == "kv-v2" { "kv" } else { kind };
        let accessor = format!("{accessor_kind}_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        MountEntry {
            path: path.to_string(),
            kind: kind.to_string(),
            description: description.to_string(),
            uuid: uuid::Uuid::new_v4().to_string(),
            accessor,
            config: MountConfig::default(),
            options: BTreeMap::new(),
            local: false,
            seal_wrap: false,
            external_entropy_access: false,
            table: String::new(),
        }
    }

    /// A new auth method entry: accessor `auth_<type>_<8 hex>`, as Vault names them.
    pub fn new_auth(path: &str, kind: &str, description: &str) -> Self {
        let mut e = MountEntry::new(path, kind, description);
        e.accessor = format!("auth_{kind}_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        e.table = AUTH_TABLE.to_string();
        e
    }

    pub fn is_auth(&self) -> bool {
        self.table == AUTH_TABLE
    }

    /// Where requests reach this mount: `secret/`, or `auth/userpass/` for an auth method.
    pub fn api_path(&self) -> String {
        if self.is_auth() {
            format!("{CREDENTIAL_ROUTE_PREFIX}{}", self.path)
        } else {
            self.path.clone()
        }
    }

    /// Where this mount's data lives in the barrier.
    pub fn view_prefix(&self) -> String {
        if self.kind == "system" {
            SYSTEM_VIEW_PREFIX.to_string()
        } else if self.kind == "cubbyhole" {
            // Every token's cubbyhole, in the one place the token store clears on revocation
            // and response wrapping writes to.
            crate::wrapping::CUBBYHOLE_VIEW.to_string()
        } else if self.is_auth() {
            format!("{CREDENTIAL_VIEW_PREFIX}{}/", self.uuid)
        } else {
            format!("{LOGICAL_PREFIX}{}/", self.uuid)
        }
    }

    /// The mounts every initialized node has.
    pub fn defaults() -> Vec<MountEntry> {
        vec![
            MountEntry::new("sys/", "system", "system endpoints used for control, policy and debugging"),
            Self::cubbyhole(),
        ]
    }

    /// The auth methods every initialized node has: the token store at `auth/token/`.
    pub fn auth_defaults() -> Vec<MountEntry> {
        vec![MountEntry::new_auth("token/", "token", "token based credentials")]
    }

    /// Vault's `cubbyhole/` mount: local, and neither movable nor removable.
    pub fn cubbyhole() -> MountEntry {
        let mut e = MountEntry::new("cubbyhole/", "cubbyhole", "per-token private secret storage");
        e.local = true;
        e
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StoredTable {
    #[serde(rename = "type")]
    pub kind: String,
    pub entries: Vec<MountEntry>,
}

/// Paths nobody may mount at or below (Vault's protected mounts).
pub const PROTECTED_PREFIXES: [&str; 5] = ["sys/", "auth/", "audit/", "cubbyhole/", "identity/"];

/// Normalizes a user-given mount path to Vault's form: no leading slash, one trailing slash.
pub fn normalize_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    format!("{trimmed}/")
}
