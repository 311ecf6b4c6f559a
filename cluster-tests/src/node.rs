//! One `strongbox server` child process with its own directory (configuration, data, log and
//! `HOME`), on a free port of a loopback address. Killing it is `SIGKILL`; restarting keeps the
//! address, the port and the data directory. Dropping it kills it, and a node dropped while its
//! test panics prints its log.

use crate::config::NodeConfig;
use crate::http::{Client, Resp};
use crate::wait::DEFAULT_DEADLINE;
use crate::{binary, ports};
use serde_json::json;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::SocketAddrV4;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How many ports a node tries when another process takes its port before it binds.
const BIND_ATTEMPTS: usize = 5;
/// How much of the log a failing test prints.
const LOG_TAIL: usize = 20_000;

pub struct Node {
    config: NodeConfig,
    dir: TempDir,
    addr: SocketAddrV4,
    /// The cluster port (integrated storage), reserved with the API port.
    cluster_port: u16,
    child: Option<Child>,
    starts: u32,
}

impl Node {
    /// Starts a node and waits until it answers HTTP (and, in `-dev` mode, until it is set up).
    pub fn must_start(config: NodeConfig) -> Node {
        let mut last = String::new();
        for _ in 0..BIND_ATTEMPTS {
            let dir =
                tempfile::Builder::new().prefix("strongbox-node-").tempdir().expect("creating the node's directory");
            let addr = SocketAddrV4::new(config.ip, ports::must_free_port(config.ip));
            let cluster_port = ports::must_free_port(config.ip);
            let mut node = Node { config: config.clone(), dir, addr, cluster_port, child: None, starts: 0 };
            node.must_spawn();
            match node.wait_ready(DEFAULT_DEADLINE) {
                Ok(()) => return node,
                Err(e) if !node.is_running() && node.log().contains("error initializing listener") => {
                    // Someone took the port between the probe and the bind: try another one.
                    last = e;
                    node.kill();
                }
                Err(e) => panic!("node at {addr} did not become ready: {e}\n--- node log ---\n{}", node.log_tail()),
            }
        }
        panic!("node could not bind a port in {BIND_ATTEMPTS} attempts: {last}");
    }

    /// A `-dev` node (in memory, unsealed, KV v2 at `secret/`) with `root_token`.
    pub fn must_start_dev(root_token: &str) -> Node {
        Node::must_start(NodeConfig::dev(root_token))
    }

    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    pub fn addr(&self) -> SocketAddrV4 {
        self.addr
    }

    /// `http://127.0.0.1:<port>` (or `https://` for a TLS listener), the `VAULT_ADDR`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.config.scheme(), self.addr)
    }

    /// The node's own directory: configuration, log, `HOME` and data.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The storage directory (RocksDB lives here); kept across restarts.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The `HOME` the server runs with (where `-dev` may write `.vault-token`).
    pub fn home_dir(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("node.log")
    }

    /// Everything the node printed (stdout and stderr) across all of its starts.
    pub fn log(&self) -> String {
        std::fs::read(self.log_path()).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let mut cut = log.len().saturating_sub(LOG_TAIL);
        while !log.is_char_boundary(cut) {
            cut += 1;
        }
        log[cut..].to_string()
    }

    /// A client without a token (trusting the node's certificate if it has one).
    pub fn client(&self) -> Client {
        Client::new(&self.url(), self.config.tls.as_ref().map(|t| t.ca_pem.as_slice()))
    }

    /// In `-dev` mode, a client with the root token.
    pub fn dev_client(&self) -> Client {
        let dev = self.config.dev.as_ref().expect("dev_client on a node not in -dev mode");
        self.client().with_token(&dev.root_token)
    }

    /// In `-dev` mode, the unseal key the server printed (base64).
    pub fn dev_unseal_key(&self) -> String {
        self.printed("Unseal Key: ").expect("the dev server printed no unseal key")
    }

    /// The value after the last `prefix` at the start of a line of the log.
    pub fn printed(&self, prefix: &str) -> Option<String> {
        self.log().lines().rev().find_map(|l| l.strip_prefix(prefix).map(|v| v.trim().to_string()))
    }

    fn must_spawn(&mut self) {
        let data = self.data_dir();
        let home = self.home_dir();
        for d in [&data, &home] {
            std::fs::create_dir_all(d).expect("creating the node's directories");
        }
        let config_file = self.dir.path().join("config.hcl");
        std::fs::write(&config_file, self.config.render_hcl(self.addr, self.cluster_port, &data))
            .expect("writing the configuration");
        let args = self.config.server_args(self.addr, &config_file);
        let mut log = OpenOptions::new().create(true).append(true).open(self.log_path()).expect("opening the log");
        self.starts += 1;
        let _ = writeln!(log, "=== harness: start #{} of strongbox {}", self.starts, args.join(" "));
        let stderr = log.try_clone().expect("cloning the log handle");
        let mut cmd = Command::new(binary::must_find());
        cmd.args(&args)
            .current_dir(self.dir.path())
            .env("HOME", &home)
            .env("STRONGBOX_FAULTS_FILE", crate::faults::faults_file(self))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(stderr));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("VAULT_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(self.config.env.iter().map(|(k, v)| (k, v)));
        self.child = Some(cmd.spawn().expect("spawning strongbox"));
    }

    /// Whether the process is alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Waits until the node answers `sys/health` (with any status: 501 uninitialized and 503
    /// sealed are answers) and, in `-dev` mode, until it is set up and unsealed.
    pub fn wait_ready(&mut self, deadline: Duration) -> Result<(), String> {
        let start = Instant::now();
        let client = self.client();
        let mut last = String::from("no attempt");
        loop {
            if !self.is_running() {
                return Err(format!("the process exited ({last})"));
            }
            match client.try_request("GET", "sys/health", None) {
                Ok(_) if self.config.dev.is_none() => return Ok(()),
                Ok(r) if r.status == 200 && self.printed("Root Token: ").is_some() => return Ok(()),
                Ok(r) => last = format!("health {}: {}", r.status, r.text),
                Err(e) => last = e,
            }
            if start.elapsed() > deadline {
                return Err(format!("not ready after {deadline:?}: {last}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The cluster address peers dial (integrated storage).
    pub fn cluster_addr(&self) -> SocketAddrV4 {
        SocketAddrV4::new(*self.addr.ip(), self.cluster_port)
    }

    /// `SIGSTOP`: the process stays, frozen (a hung node); [`Node::resume`] thaws it.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// `SIGCONT` after [`Node::pause`].
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    /// `SIGHUP`: audit devices reopen their files and sockets.
    pub fn hangup(&self) {
        self.signal("-HUP");
    }

    fn signal(&self, sig: &str) {
        if let Some(child) = &self.child {
            let status = Command::new("kill").arg(sig).arg(child.id().to_string()).status();
            assert!(status.is_ok_and(|s| s.success()), "kill {sig} failed");
        }
    }

    /// `SIGKILL`, and waits for the process to be gone. No-op if it is not running.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `SIGTERM`, and waits for a clean exit (status 0). No-op if it is not running.
    pub fn must_stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let status = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -TERM failed");
        let start = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    assert!(status.success(), "the node exited with {status} after SIGTERM\n{}", self.log_tail());
                    return;
                }
                Ok(None) if start.elapsed() < DEFAULT_DEADLINE => std::thread::sleep(Duration::from_millis(20)),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the node did not exit within {DEFAULT_DEADLINE:?} of SIGTERM\n{}", self.log_tail());
                }
            }
        }
    }

    /// Kills the node if it runs and starts it again on the same address and data.
    pub fn restart(&mut self) {
        self.kill();
        self.must_spawn();
        if let Err(e) = self.wait_ready(DEFAULT_DEADLINE) {
            panic!("node at {} did not come back: {e}\n--- node log ---\n{}", self.addr, self.log_tail());
        }
    }

    /// `PUT sys/init`; returns the hex unseal keys and the root token.
    pub fn must_init(&self, shares: u32, threshold: u32) -> (Vec<String>, String) {
        let body = json!({"secret_shares": shares, "secret_threshold": threshold});
        let r = self.client().must_status(200, "PUT", "sys/init", Some(&body));
        let keys = r.json["keys"]
            .as_array()
            .unwrap_or_else(|| panic!("sys/init returned no keys: {}", r.text))
            .iter()
            .map(|k| k.as_str().expect("a key is a string").to_string())
            .collect();
        let root =
            r.json["root_token"].as_str().unwrap_or_else(|| panic!("sys/init returned no root token: {}", r.text));
        (keys, root.to_string())
    }

    /// `PUT sys/unseal {key}`.
    pub fn try_unseal_key(&self, key: &str) -> Result<Resp, String> {
        self.client().try_request("PUT", "sys/unseal", Some(&json!({ "key": key })))
    }

    /// Submits keys until the node reports it is unsealed; panics if the keys run out first.
    pub fn must_unseal(&self, keys: &[String]) {
        for key in keys {
            let r = self.try_unseal_key(key).unwrap_or_else(|e| panic!("sys/unseal: {e}"));
            assert_eq!(r.status, 200, "sys/unseal: {}", r.text);
            if r.json["sealed"] == json!(false) {
                return;
            }
        }
        panic!("still sealed after {} keys\n--- node log ---\n{}", keys.len(), self.log_tail());
    }

    /// Writes a line into the node's log, to mark what the test did (e.g. where it killed it).
    pub fn note(&self, msg: &str) {
        if let Ok(mut f) = OpenOptions::new().append(true).open(self.log_path()) {
            let _ = writeln!(f, "=== harness: {msg}");
        }
    }

    /// `PUT sys/seal` with `token`.
    pub fn must_seal(&self, token: &str) {
        self.client().with_token(token).must_ok("PUT", "sys/seal", None);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "--- log of node {} ({}) ---\n{}\n--- end of log ---",
                self.addr,
                self.dir.path().display(),
                self.log_tail()
            );
        }
    }
}
