//! The seal status snapshot published by the seal keeper and served by `sys/seal-status`.

use serde::{Deserialize, Serialize};

/// `core/seal-config`: the only plaintext entry in storage.
pub const SEAL_CONFIG_PATH: &str = "core/seal-config";
/// Cluster name and id, in the barrier.
pub const CLUSTER_INFO_PATH: &str = "core/cluster/local/info";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SealConfig {
    #[serde(rename = "type")]
    pub kind: String,
    pub secret_shares: u8,
    pub secret_threshold: u8,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClusterInfo {
    pub name: String,
    pub id: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SealStatus {
    #[serde(rename = "type")]
    pub kind: String,
    pub initialized: bool,
    pub sealed: bool,
    pub t: u8,
    pub n: u8,
    pub progress: usize,
    pub nonce: String,
    pub version: String,
    pub build_date: String,
    pub migration: bool,
    pub recovery_seal: bool,
    pub storage_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
}

impl SealStatus {
    pub fn uninitialized(storage_type: &str) -> Self {
        SealStatus {
            kind: "shamir".into(),
            initialized: false,
            sealed: true,
            t: 0,
            n: 0,
            progress: 0,
            nonce: String::new(),
            version: crate::VERSION.into(),
            build_date: crate::BUILD_DATE.into(),
            migration: false,
            recovery_seal: false,
            storage_type: storage_type.into(),
            cluster_name: None,
            cluster_id: None,
        }
    }
}
