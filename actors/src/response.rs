//! The logical response an engine returns; the api crate wraps it in Vault's envelope.

use crate::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Response {
    pub data: Option<Map<String, Value>>,
    pub warnings: Vec<String>,
    /// Lease on a secret: (renewable, ttl seconds; 0 = the mount's default TTL). Without a
    /// `lease_id` this only sets `lease_duration` (KV's `ttl` key does that).
    pub lease: Option<(bool, u64)>,
    /// The lease the expiration manager registered for `secret` (request path step 7).
    #[serde(default)]
    pub lease_id: Option<String>,
    /// Set by an engine that issues something to renew and revoke (Vault's `logical.Secret`):
    /// the pipeline registers a lease for it, fills `lease` and `lease_id`, and hands it back to
    /// the engine's `renew_secret` / `revoke_secret`. Never stored with a wrapped response.
    #[serde(skip)]
    pub secret: Option<Secret>,
    /// The `auth` block of a login or token creation.
    pub auth: Option<Auth>,
    /// Set when the response was wrapped: the client sees only this.
    pub wrap_info: Option<WrapInfo>,
    /// Set by an auth method's login: the pipeline mints the token (request path step 7) and
    /// answers with the `auth` block instead.
    pub login: Option<Login>,
    /// A body sent as is, without the envelope (Vault's `HTTPRawBody`, e.g. the OpenAPI
    /// document). Never stored with a wrapped response.
    #[serde(skip)]
    pub raw: Option<Value>,
}

/// A leased secret as the engine issued it (Vault's `logical.Secret`), TTLs in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    pub renewable: bool,
    /// 0 = the mount's default TTL.
    pub ttl: u64,
    /// 0 = the mount's max TTL; otherwise the lease never outlives issue time + this.
    #[serde(default)]
    pub max_ttl: u64,
    /// What the engine needs to renew or revoke it later (Vault's `InternalData`); never shown
    /// to the client.
    #[serde(default)]
    pub internal: Map<String, Value>,
}

/// What an auth method decided at login (Vault's `logical.Auth` before the token exists): the
/// token's policies and parameters from the role or user (`token_*` fields), in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Login {
    /// `token_policies` (without `default`, which the token store adds unless
    /// `no_default_policy`).
    pub policies: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    /// E.g. `userpass-alice`; the token's display name becomes `<mount type>-<this>`'s form.
    pub display_name: String,
    /// `token_ttl`, 0 = the mount's default.
    pub ttl: u64,
    /// `token_max_ttl`, 0 = the mount's max.
    pub max_ttl: u64,
    pub explicit_max_ttl: u64,
    pub period: u64,
    pub num_uses: i64,
    pub no_default_policy: bool,
    /// `service`, `batch`, or empty for the mount's default (service).
    pub token_type: String,
    /// `token_bound_cidrs`: the token only works from these client networks.
    pub bound_cidrs: Vec<String>,
    pub renewable: bool,
    /// The user or role the login authenticated, for the lease path and audit.
    pub alias_name: String,
}

/// Vault's `auth` block (`logical.Auth` as the HTTP layer renders it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Auth {
    pub client_token: SecretString,
    pub accessor: String,
    pub policies: Vec<String>,
    pub token_policies: Vec<String>,
    /// Rendered as `null` when empty, as Vault does.
    pub metadata: BTreeMap<String, String>,
    pub lease_duration: u64,
    pub renewable: bool,
    pub entity_id: String,
    /// `service` or `batch`.
    pub token_type: String,
    pub orphan: bool,
    pub num_uses: i64,
}

/// Vault's `wrap_info` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WrapInfo {
    pub token: SecretString,
    pub accessor: String,
    pub ttl: u64,
    /// RFC 3339.
    pub creation_time: String,
    pub creation_path: String,
    /// The accessor of the wrapped token, when the wrapped response created one.
    pub wrapped_accessor: String,
}

impl Response {
    pub fn with_data(data: Map<String, Value>) -> Self {
        Response { data: Some(data), ..Default::default() }
    }

    /// A response carrying only an `auth` block.
    pub fn with_auth(auth: Auth) -> Self {
        Response { auth: Some(auth), ..Default::default() }
    }

    /// Builds a response from a JSON object; anything else becomes `{"value": ...}`.
    pub fn from_value(value: Value) -> Self {
        match value {
            Value::Object(map) => Self::with_data(map),
            other => {
                let mut map = Map::new();
                map.insert("value".into(), other);
                Self::with_data(map)
            }
        }
    }

    /// The answer to a LIST: `{"keys": [...]}`.
    pub fn list(keys: Vec<String>) -> Self {
        let mut map = Map::new();
        map.insert("keys".into(), Value::from(keys));
        Self::with_data(map)
    }

    pub fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }
}
