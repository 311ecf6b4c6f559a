//! What a node is started with: storage, listener and mode, rendered as Vault-style HCL (or as
//! `-dev` flags).

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::{Path, PathBuf};

/// The storage backend of a non-dev node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Inmem,
    /// RocksDB in the node's data directory, kept across restarts.
    Rocksdb,
    /// Integrated storage (raft over RocksDB) in the node's data directory; the node id is
    /// `node-<port>` and the cluster port one the harness reserved.
    Raft,
}

/// A TLS listener's certificate and key files, and the PEM a client must trust to talk to it.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    pub ca_pem: Vec<u8>,
}

/// `-dev` mode: in memory, initialized, unsealed, KV v2 at `secret/`.
#[derive(Debug, Clone)]
pub struct Dev {
    pub root_token: String,
    /// Whether the server may write `~/.vault-token` (`HOME` is always the node's own directory).
    pub store_token: bool,
}

#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The loopback address the listener binds (127.0.0.x for multi-node clusters).
    pub ip: Ipv4Addr,
    pub storage: Storage,
    pub tls: Option<TlsFiles>,
    /// The listener's `max_request_size` in bytes; the server's default when `None`.
    pub max_request_size: Option<i64>,
    /// Extra top-level HCL appended to the configuration file.
    pub extra_hcl: String,
    /// Extra HCL inside the `storage "raft"` block (e.g. `retry_join { ... }`).
    pub raft_hcl: String,
    pub dev: Option<Dev>,
    /// Extra environment variables for the server process.
    pub env: Vec<(String, String)>,
}

impl NodeConfig {
    pub fn inmem() -> Self {
        NodeConfig {
            ip: Ipv4Addr::LOCALHOST,
            storage: Storage::Inmem,
            tls: None,
            max_request_size: None,
            extra_hcl: String::new(),
            raft_hcl: String::new(),
            dev: None,
            env: Vec::new(),
        }
    }

    pub fn rocksdb() -> Self {
        NodeConfig { storage: Storage::Rocksdb, ..Self::inmem() }
    }

    /// A node on integrated storage (`storage "raft"`), a cluster of one once initialized.
    pub fn raft() -> Self {
        NodeConfig { storage: Storage::Raft, ..Self::inmem() }
    }

    /// A `-dev` server with the given root token that does not touch `~/.vault-token`.
    pub fn dev(root_token: &str) -> Self {
        NodeConfig { dev: Some(Dev { root_token: root_token.into(), store_token: false }), ..Self::inmem() }
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn ip(mut self, ip: Ipv4Addr) -> Self {
        self.ip = ip;
        self
    }

    pub fn tls(mut self, tls: TlsFiles) -> Self {
        self.tls = Some(tls);
        self
    }

    pub fn max_request_size(mut self, bytes: i64) -> Self {
        self.max_request_size = Some(bytes);
        self
    }

    pub fn extra_hcl(mut self, hcl: &str) -> Self {
        self.extra_hcl.push_str(hcl);
        self.extra_hcl.push('\n');
        self
    }

    /// Adds HCL inside the `storage "raft"` block.
    pub fn raft_hcl(mut self, hcl: &str) -> Self {
        self.raft_hcl.push_str(hcl);
        self.raft_hcl.push('\n');
        self
    }

    /// In `-dev` mode, lets the server save its root token to `$HOME/.vault-token`.
    pub fn store_dev_token(mut self, store: bool) -> Self {
        if let Some(dev) = &mut self.dev {
            dev.store_token = store;
        }
        self
    }

    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The configuration file's text for a node listening on `addr` (and, on raft, for peers on
    /// `cluster_port`) with its data in `data_dir`.
    pub fn render_hcl(&self, addr: SocketAddrV4, cluster_port: u16, data_dir: &Path) -> String {
        let storage = match self.storage {
            Storage::Inmem => "storage \"inmem\" {}\n".to_string(),
            Storage::Rocksdb => {
                format!("storage \"rocksdb\" {{\n  path = {}\n}}\n", quote(&data_dir.display().to_string()))
            }
            Storage::Raft => format!(
                "storage \"raft\" {{\n  path = {}\n  node_id = {}\n{}}}\napi_addr = {}\ncluster_addr = {}\n",
                quote(&data_dir.display().to_string()),
                quote(&format!("node-{}", addr.port())),
                self.raft_hcl,
                quote(&format!("{}://{addr}", self.scheme())),
                quote(&format!("https://{}:{cluster_port}", addr.ip())),
            ),
        };
        let mut listener = format!("listener \"tcp\" {{\n  address = {}\n", quote(&addr.to_string()));
        if self.storage == Storage::Raft {
            listener.push_str(&format!("  cluster_address = {}\n", quote(&format!("{}:{cluster_port}", addr.ip()))));
        }
        match &self.tls {
            None => listener.push_str("  tls_disable = true\n"),
            Some(t) => {
                listener.push_str(&format!("  tls_cert_file = {}\n", quote(&t.cert_file.display().to_string())));
                listener.push_str(&format!("  tls_key_file = {}\n", quote(&t.key_file.display().to_string())));
            }
        }
        if let Some(n) = self.max_request_size {
            listener.push_str(&format!("  max_request_size = {n}\n"));
        }
        listener.push_str("}\n");
        format!("{storage}{listener}disable_mlock = true\n{}", self.extra_hcl)
    }

    /// The `strongbox` arguments that start this node.
    pub fn server_args(&self, addr: SocketAddrV4, config_file: &Path) -> Vec<String> {
        match &self.dev {
            Some(dev) => {
                let mut args = vec![
                    "server".to_string(),
                    "-dev".to_string(),
                    format!("-dev-root-token-id={}", dev.root_token),
                    format!("-dev-listen-address={addr}"),
                ];
                if !dev.store_token {
                    args.push("-dev-no-store-token".into());
                }
                args
            }
            None => vec!["server".to_string(), format!("-config={}", config_file.display())],
        }
    }
}

/// An HCL string literal (HCL's escapes for these characters are JSON's).
fn quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
