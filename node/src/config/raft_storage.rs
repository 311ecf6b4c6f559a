//! `storage "raft" { path, node_id, ... }` (Vault's integrated storage) and the addresses a raft
//! node advertises: `api_addr` (clients) and `cluster_addr` (peers). Vault's defaults when they
//! are missing: the first listener's address, and its `cluster_address` or port + 1.

use super::{ConfigError, ServerConfig, StorageConfig};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Vault's default number of log entries kept after a snapshot.
const DEFAULT_TRAILING_LOGS: u64 = 10_000;

/// Options Vault's raft stanza has that this server accepts without acting on them (yet).
const ACCEPTED: [&str; 6] = [
    "snapshot_threshold",
    "snapshot_interval",
    "max_entry_size",
    "autopilot_reconcile_interval",
    "autopilot_update_interval",
    "max_mount_and_namespace_table_entry_size",
];

#[derive(Debug, Clone, PartialEq)]
pub struct RaftStorageConfig {
    pub path: PathBuf,
    /// `None`: the node id is read from (or generated into) `<path>/node-id`, as Vault does.
    pub node_id: Option<String>,
    pub trailing_logs: u64,
    /// Scales raft's timing; 0 means Vault's default (5).
    pub performance_multiplier: u64,
    pub api_addr: String,
    /// host:port, no scheme.
    pub cluster_addr: String,
    /// Where the cluster listener binds: the listener's `cluster_address`, else its port + 1,
    /// else the advertised `cluster_addr`.
    pub cluster_listen: String,
    /// Leaders to join at startup while the node is uninitialized.
    pub retry_join: Vec<super::retry_join::RetryJoin>,
    pub warnings: Vec<String>,
}

fn uint(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Reads the raft stanza of `cfg` (whose storage kind is `raft`).
pub fn raft_storage(cfg: &ServerConfig, storage: &StorageConfig) -> Result<RaftStorageConfig, ConfigError> {
    let bad = |key: &str, reason: &str| ConfigError::Value {
        file: "configuration".into(),
        key: format!("storage.raft.{key}"),
        reason: reason.into(),
    };
    let mut out = RaftStorageConfig {
        path: PathBuf::new(),
        node_id: None,
        trailing_logs: DEFAULT_TRAILING_LOGS,
        performance_multiplier: 0,
        api_addr: String::new(),
        cluster_addr: String::new(),
        cluster_listen: String::new(),
        retry_join: Vec::new(),
        warnings: Vec::new(),
    };
    let mut non_voter = false;
    for (key, v) in &storage.options {
        match key.as_str() {
            "path" => out.path = v.as_str().filter(|s| !s.is_empty()).ok_or_else(|| bad(key, "must be a path"))?.into(),
            "node_id" => out.node_id = Some(v.as_str().ok_or_else(|| bad(key, "must be a string"))?.to_string()),
            "trailing_logs" => out.trailing_logs = uint(v).ok_or_else(|| bad(key, "must be an integer"))?,
            "performance_multiplier" => {
                out.performance_multiplier = uint(v).filter(|n| *n <= 10).ok_or_else(|| bad(key, "must be 0 to 10"))?
            }
            "retry_join" => out.retry_join = super::retry_join::parse(v).map_err(|e| bad(key, &e))?,
            "retry_join_as_non_voter" => {
                non_voter = match v {
                    Value::Bool(b) => *b,
                    Value::String(s) => s.parse().map_err(|_| bad(key, "must be a boolean"))?,
                    _ => return Err(bad(key, "must be a boolean")),
                }
            }
            k if ACCEPTED.contains(&k) => {}
            other => out.warnings.push(format!("storage \"raft\": unknown option \"{other}\" ignored")),
        }
    }
    for target in &mut out.retry_join {
        target.non_voter = non_voter;
    }
    if out.path.as_os_str().is_empty() {
        return Err(bad("path", "the path option is required"));
    }
    let listener = cfg.listeners.first();
    out.api_addr = match (&cfg.api_addr, listener) {
        (Some(a), _) => a.clone(),
        (None, Some(l)) => format!("{}://{}", if l.tls_disable { "http" } else { "https" }, l.address),
        (None, None) => "http://127.0.0.1:8200".into(),
    };
    out.cluster_addr = match (&cfg.cluster_addr, listener) {
        (Some(a), _) => strip_scheme(a),
        (None, Some(l)) => match &l.cluster_address {
            Some(a) => a.clone(),
            None => next_port(&l.address).ok_or_else(|| bad("cluster_addr", "cannot derive it from the listener"))?,
        },
        (None, None) => "127.0.0.1:8201".into(),
    };
    out.cluster_listen = match listener {
        Some(l) => match &l.cluster_address {
            Some(a) => a.clone(),
            None => next_port(&l.address).unwrap_or_else(|| out.cluster_addr.clone()),
        },
        None => out.cluster_addr.clone(),
    };
    Ok(out)
}

/// `https://10.0.0.1:8201` → `10.0.0.1:8201` (raft peers dial host:port).
fn strip_scheme(addr: &str) -> String {
    let rest = addr.split_once("://").map_or(addr, |(_, r)| r);
    rest.trim_end_matches('/').to_string()
}

fn next_port(address: &str) -> Option<String> {
    let mut a: SocketAddr = address.parse().ok()?;
    a.set_port(a.port().checked_add(1)?);
    Some(a.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{apply, parse_text};
    use std::path::Path;

    fn parse(text: &str) -> Result<RaftStorageConfig, ConfigError> {
        let mut cfg = ServerConfig::default();
        apply(&mut cfg, &parse_text(text, Path::new("r.hcl"))?, "r.hcl")?;
        let storage = cfg.storage.clone().unwrap();
        raft_storage(&cfg, &storage)
    }

    #[test]
    fn vault_style_raft_stanza() {
        let r = parse(
            r#"
            storage "raft" {
              path = "/var/lib/strongbox"
              node_id = "node1"
              trailing_logs = "500"
              snapshot_threshold = 8192
              retry_join { leader_api_addr = "https://10.0.0.2:8200" }
            }
            listener "tcp" {
              address     = "127.0.0.1:8200"
              tls_disable = true
            }
            api_addr = "http://127.0.0.1:8200"
            cluster_addr = "https://127.0.0.1:8201"
            "#,
        )
        .unwrap();
        assert_eq!(r.path, PathBuf::from("/var/lib/strongbox"));
        assert_eq!((r.node_id.as_deref(), r.trailing_logs), (Some("node1"), 500));
        assert_eq!((r.api_addr.as_str(), r.cluster_addr.as_str()), ("http://127.0.0.1:8200", "127.0.0.1:8201"));
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.retry_join.len(), 1);
        assert_eq!(r.retry_join[0].leader_api_addr, "https://10.0.0.2:8200");
    }

    #[test]
    fn addresses_default_from_the_listener_and_path_is_required() {
        let r = parse(
            r#"
            storage "raft" { path = "/d" }
            listener "tcp" {
              address     = "127.0.0.5:9200"
              tls_disable = true
            }
            "#,
        )
        .unwrap();
        assert_eq!((r.api_addr.as_str(), r.cluster_addr.as_str()), ("http://127.0.0.5:9200", "127.0.0.5:9201"));
        assert_eq!(r.node_id, None);
        let err = parse(r#"storage "raft" { node_id = "x" }"#).unwrap_err().to_string();
        assert!(err.contains("storage.raft.path"), "{err}");
    }
}
