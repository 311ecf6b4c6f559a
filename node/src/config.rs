//! Vault's server configuration, HCL or JSON (`hcl-rs` parses HCL into the same JSON value
//! shape Vault's JSON form has). Unknown keys are warnings; bad values are errors that name
//! the key and the file.

use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use strongbox_actors::duration::parse_duration_value;

pub const DEFAULT_MAX_REQUEST_SIZE: usize = 32 * 1024 * 1024;
const DEFAULT_LEASE_TTL: u64 = 768 * 3600;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("error loading configuration from {file}: {reason}")]
    Load { file: String, reason: String },
    #[error("error in configuration {file}: {key}: {reason}")]
    Value { file: String, key: String, reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct StorageConfig {
    pub kind: String,
    pub options: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListenerConfig {
    pub address: String,
    pub cluster_address: Option<String>,
    pub tls_disable: bool,
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    pub max_request_size: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub storage: Option<StorageConfig>,
    pub listeners: Vec<ListenerConfig>,
    pub api_addr: Option<String>,
    pub cluster_addr: Option<String>,
    pub default_lease_ttl: u64,
    pub max_lease_ttl: u64,
    pub disable_mlock: bool,
    pub ui: bool,
    pub log_level: Option<String>,
    /// `standard` or `json` (Vault's `log_format`).
    pub log_format: Option<String>,
    pub warnings: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            storage: None,
            listeners: Vec::new(),
            api_addr: None,
            cluster_addr: None,
            default_lease_ttl: DEFAULT_LEASE_TTL,
            max_lease_ttl: DEFAULT_LEASE_TTL,
            disable_mlock: false,
            ui: false,
            log_level: None,
            log_format: None,
            warnings: Vec::new(),
        }
    }
}

/// Keys Vault accepts that this server reads or deliberately ignores without a warning.
const QUIET_KEYS: [&str; 11] = [
    "cluster_name",
    "pid_file",
    "telemetry",
    "plugin_directory",
    "raw_storage_endpoint",
    "introspection_endpoint",
    "disable_clustering",
    "default_max_request_duration",
    "enable_response_header_hostname",
    "enable_response_header_raft_node_id",
    "log_file",
];

/// Loads every file named (a directory contributes its `.hcl` and `.json` files), merging
/// them in order as Vault does.
pub fn load(paths: &[PathBuf]) -> Result<ServerConfig, ConfigError> {
    let mut cfg = ServerConfig::default();
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| load_err(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("hcl" | "json")))
                .collect();
            files.sort();
            for f in files {
                merge_file(&mut cfg, &f)?;
            }
        } else {
            merge_file(&mut cfg, path)?;
        }
    }
    Ok(cfg)
}

fn load_err(path: &Path, e: impl std::fmt::Display) -> ConfigError {
    ConfigError::Load { file: path.display().to_string(), reason: e.to_string() }
}

/// Parses one file's text; JSON by extension, HCL otherwise.
pub fn parse_text(text: &str, path: &Path) -> Result<Value, ConfigError> {
    let is_json = path.extension().and_then(|e| e.to_str()) == Some("json") || text.trim_start().starts_with('{');
    if is_json {
        serde_json::from_str(text).map_err(|e| load_err(path, e))
    } else {
        hcl::from_str(text).map_err(|e| load_err(path, e))
    }
}

fn merge_file(cfg: &mut ServerConfig, path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| load_err(path, e))?;
    let value = parse_text(&text, path)?;
    apply(cfg, &value, &path.display().to_string())
}

/// Blocks may come as `{"tcp": {...}}`, `[{"tcp": {...}}]` or `{"tcp": [{...}]}`:
/// flattens them to (label, body) pairs.
fn labeled_blocks(v: &Value) -> Vec<(String, Map<String, Value>)> {
    let mut out = Vec::new();
    match v {
        Value::Array(items) => items.iter().for_each(|i| out.extend(labeled_blocks(i))),
        Value::Object(m) => {
            for (label, body) in m {
                match body {
                    Value::Object(b) => out.push((label.clone(), b.clone())),
                    Value::Array(bs) => {
                        bs.iter().filter_map(Value::as_object).for_each(|b| out.push((label.clone(), b.clone())))
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

pub fn apply(cfg: &mut ServerConfig, value: &Value, file: &str) -> Result<(), ConfigError> {
    let top = value
        .as_object()
        .ok_or_else(|| ConfigError::Load { file: file.into(), reason: "configuration must be an object".into() })?;
    let bad = |key: &str, reason: String| ConfigError::Value { file: file.into(), key: key.into(), reason };
    for (key, v) in top {
        match key.as_str() {
            "storage" | "backend" => {
                let mut blocks = labeled_blocks(v);
                if blocks.len() != 1 {
                    return Err(bad(key, "exactly one storage block is required".into()));
                }
                let (kind, options) = blocks.remove(0);
                cfg.storage = Some(StorageConfig { kind, options });
            }
            "listener" => {
                for (kind, body) in labeled_blocks(v) {
                    if kind != "tcp" {
                        return Err(bad("listener", format!("unsupported listener type \"{kind}\"")));
                    }
                    cfg.listeners.push(listener(&body, file, &mut cfg.warnings)?);
                }
            }
            "api_addr" => cfg.api_addr = Some(string(v).ok_or_else(|| bad(key, "must be a string".into()))?),
            "cluster_addr" => cfg.cluster_addr = Some(string(v).ok_or_else(|| bad(key, "must be a string".into()))?),
            "default_lease_ttl" => cfg.default_lease_ttl = parse_duration_value(v).map_err(|e| bad(key, e))?,
            "max_lease_ttl" => cfg.max_lease_ttl = parse_duration_value(v).map_err(|e| bad(key, e))?,
            "disable_mlock" => cfg.disable_mlock = boolean(v).ok_or_else(|| bad(key, "must be a boolean".into()))?,
            "ui" => cfg.ui = boolean(v).ok_or_else(|| bad(key, "must be a boolean".into()))?,
            "log_level" => cfg.log_level = string(v),
            "log_format" => cfg.log_format = string(v),
            k if QUIET_KEYS.contains(&k) => {}
            other => cfg.warnings.push(format!("{file}: unknown or unsupported configuration key \"{other}\" ignored")),
        }
    }
    if cfg.default_lease_ttl > cfg.max_lease_ttl {
        return Err(bad("default_lease_ttl", "cannot be larger than max_lease_ttl".into()));
    }
    Ok(())
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// HCL configs often quote booleans (`tls_disable = "true"`), and Vault accepts 1/0 too.
fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn listener(body: &Map<String, Value>, file: &str, warnings: &mut Vec<String>) -> Result<ListenerConfig, ConfigError> {
    let bad = |key: &str, reason: &str| ConfigError::Value {
        file: file.into(),
        key: format!("listener.tcp.{key}"),
        reason: reason.into(),
    };
    let mut l = ListenerConfig {
        address: "127.0.0.1:8200".into(),
        cluster_address: None,
        tls_disable: false,
        tls_cert_file: None,
        tls_key_file: None,
        max_request_size: DEFAULT_MAX_REQUEST_SIZE,
    };
    for (key, v) in body {
        match key.as_str() {
            "address" => l.address = string(v).ok_or_else(|| bad(key, "must be a string"))?,
            "cluster_address" => l.cluster_address = Some(string(v).ok_or_else(|| bad(key, "must be a string"))?),
            "tls_disable" => l.tls_disable = boolean(v).ok_or_else(|| bad(key, "must be a boolean"))?,
            "tls_cert_file" => l.tls_cert_file = Some(string(v).ok_or_else(|| bad(key, "must be a string"))?.into()),
            "tls_key_file" => l.tls_key_file = Some(string(v).ok_or_else(|| bad(key, "must be a string"))?.into()),
            "max_request_size" => {
                let n = match v {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                }
                .ok_or_else(|| bad(key, "must be an integer"))?;
                // Vault: 0 means the default, a negative value disables the limit.
                l.max_request_size = match n {
                    0 => DEFAULT_MAX_REQUEST_SIZE,
                    n if n < 0 => usize::MAX,
                    n => n as usize,
                };
            }
            other => warnings.push(format!("{file}: listener option \"{other}\" is not supported and was ignored")),
        }
    }
    if l.address.parse::<std::net::SocketAddr>().is_err() {
        return Err(bad("address", &format!("invalid address \"{}\"", l.address)));
    }
    if !l.tls_disable && (l.tls_cert_file.is_none() || l.tls_key_file.is_none()) {
        return Err(bad("tls_cert_file", "tls_cert_file and tls_key_file are required unless tls_disable is set"));
    }
    Ok(l)
}

pub mod raft_storage;
pub mod retry_join;

#[cfg(test)]
mod tests;
