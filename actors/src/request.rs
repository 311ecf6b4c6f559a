//! The logical request every HTTP call becomes before it walks the pipeline.

use crate::token_store::TokenEntry;
use crate::SecretString;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

/// Vault's logical operations. PUT and POST are both `Update` (Vault tells create from update
/// with an existence check; ACL's `create` capability arrives with the policy store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Read,
    Update,
    Delete,
    List,
    Patch,
    /// `?help=1`: the path's help instead of its handler (Vault's `HelpOperation`).
    Help,
}

impl Operation {
    pub fn as_str(&self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::List => "list",
            Operation::Patch => "patch",
            Operation::Help => "help",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub operation: Operation,
    /// Full logical path below `/v1/`, without leading slash.
    pub path: String,
    /// The JSON body for writes; query parameters for reads, lists and deletes.
    pub data: Map<String, Value>,
    /// Redacted in `Debug`.
    pub client_token: Option<SecretString>,
    /// Filled in by the router: the mount that serves the request, e.g. `secret/`.
    pub mount_point: String,
    /// Filled in by the router: the path below the mount.
    pub relative_path: String,
    /// Filled in by authentication: the policies of the calling token.
    pub policies: Vec<String>,
    /// Filled in by authentication: the calling token's entry (absent on unauthenticated paths).
    pub token_entry: Option<Arc<TokenEntry>>,
    /// `X-Vault-Wrap-TTL` in seconds: wrap the response in a single-use token.
    pub wrap_ttl: Option<u64>,
    /// The client's address, for CIDR-bound tokens and secret IDs.
    pub remote_addr: Option<IpAddr>,
    /// HTTP headers by lower-case name: only those audit devices are configured to log.
    pub headers: BTreeMap<String, Vec<String>>,
}

impl Request {
    pub fn new(operation: Operation, path: impl Into<String>) -> Self {
        Request {
            id: uuid::Uuid::new_v4().to_string(),
            operation,
            path: path.into(),
            data: Map::new(),
            client_token: None,
            mount_point: String::new(),
            relative_path: String::new(),
            policies: Vec::new(),
            token_entry: None,
            wrap_ttl: None,
            remote_addr: None,
            headers: BTreeMap::new(),
        }
    }

    pub fn with_data(mut self, data: Map<String, Value>) -> Self {
        self.data = data;
        self
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.client_token = Some(SecretString::new(token));
        self
    }
}
