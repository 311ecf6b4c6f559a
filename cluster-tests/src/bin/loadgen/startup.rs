//! `startup_leases`: how long a durable server takes to serve again after a restart with many
//! leases in storage, and what a lease costs in memory.
//!
//! One run, against the server binary `--server-bin` (strongbox or OpenBao; both take
//! `server -config=<file>`), listening on `--addr`, with its data in a fresh `--workdir`:
//!
//! 1. start it on `--storage` (`rocksdb`, `file` or `raft`), `sys/init` with one key share,
//!    unseal, wait until it is active, mount KV v2 at `bench/` and write `bench/data/probe`;
//! 2. create `--leases` service tokens (`auth/token/create` `{"policies":["default"],"ttl":"24h"}`
//!    as the root token, `--clients` at a time): each is a lease in `sys/expire/`;
//! 3. stop the server (SIGTERM, then wait for it to exit), start it again, and time: from the
//!    spawn to the listener answering `sys/seal-status` (`listen_ms`), to the unseal call's answer
//!    (`unseal_ms`), to the first `GET bench/data/probe` answering 200 (`startup_ms`, the figure),
//!    and to the server logging `lease restore complete` (`restored_ms`; Vault, OpenBao and
//!    strongbox restore leases in the background after unseal, and log that line when done);
//! 4. read the server's RSS (`/proc/<pid>/status`): before and after creating the leases in the
//!    first process (`rss_live_*_kb`), and in the second once the restore has completed and the
//!    server sat idle for a second (`rss_restored_kb`). `scripts/bench` subtracts the restored RSS
//!    of a run with no leases to get the bytes per lease.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Client, Method};
use serde_json::{json, Value};

use crate::http::{new_client, send};
use crate::shape::{base, created_token, json_200, leak, setup_call};
use crate::Args;

/// The token every lease is: a service token holding `default`, living a day.
const LEASE_TOKEN_BODY: &str = r#"{"policies":["default"],"ttl":"24h"}"#;
/// What the probe read must return.
const PROBE_VALUE: &str = "startup-probe";
/// How long any single wait may take before the run is called failed.
const WAIT_LIMIT: Duration = Duration::from_secs(300);
/// Polling interval of the timed waits.
const POLL: Duration = Duration::from_millis(5);

/// A running server and the file its output goes to.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(args: &Args, config: &Path, log: PathBuf) -> Result<Server, String> {
        let bin = args.server_bin.as_ref().ok_or("--server-bin is required for startup_leases")?;
        let out = fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(bin)
            .arg("server")
            .arg(format!("-config={}", config.display()))
            .env_remove("VAULT_ADDR")
            .env_remove("VAULT_TOKEN")
            .env_remove("BAO_ADDR")
            .env_remove("BAO_TOKEN")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        Ok(Server { child, log })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident set size in KiB, from /proc.
    fn rss_kb(&self) -> Result<u64, String> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.pid())).map_err(|e| e.to_string())?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| "no VmRSS in /proc/<pid>/status".to_string())
    }

    fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("the server exited ({status}); log: {}", self.log.display())),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// SIGTERM, up to 60 s for a clean exit, then SIGKILL.
    fn stop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.pid().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("loadgen: the server did not exit within 60s of SIGTERM; killing it");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The configuration file for `storage` with data under `data`.
fn render_config(args: &Args, data: &Path) -> Result<String, String> {
    let listen = base(args).trim_start_matches("http://").to_string();
    let (host, port) = listen.rsplit_once(':').ok_or("--addr needs a port")?;
    let port: u16 = port.parse().map_err(|_| "--addr needs a numeric port")?;
    let path = json!(data.display().to_string());
    let storage = match args.storage.as_str() {
        "rocksdb" | "file" => format!("storage \"{}\" {{\n  path = {path}\n}}\n", args.storage),
        "raft" => format!(
            "storage \"raft\" {{\n  path = {path}\n  node_id = \"bench-node\"\n}}\napi_addr = {}\ncluster_addr = {}\n",
            json!(format!("http://{listen}")),
            json!(format!("https://{host}:{}", port.wrapping_add(1))),
        ),
        other => return Err(format!("unknown --storage {other:?} (rocksdb, file or raft)")),
    };
    Ok(format!(
        "{storage}listener \"tcp\" {{\n  address = {}\n  tls_disable = true\n}}\ndisable_mlock = true\n",
        json!(listen)
    ))
}

/// Polls `probe` every few milliseconds until it returns true; fails on the deadline or when
/// the server exits.
async fn wait_until<F, Fut>(server: &mut Server, what: &str, mut probe: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        if probe().await {
            return Ok(());
        }
        if let Some(e) = server.exited() {
            return Err(format!("waiting for {what}: {e}"));
        }
        if Instant::now() > deadline {
            return Err(format!("{what}: not within {}s", WAIT_LIMIT.as_secs()));
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn get_status(client: &Client, url: &str, token: &str) -> Option<(u16, Vec<u8>)> {
    send(client, Method::GET, url, token, None).await.ok().map(|(s, b)| (s, b.as_ref().to_vec()))
}

/// Whether the probe secret reads back.
async fn probe_reads(client: &Client, args: &Args) -> bool {
    let url = format!("{}/v1/bench/data/probe", base(args));
    match get_status(client, &url, &args.token).await {
        Some((200, body)) => {
            serde_json::from_slice::<Value>(&body).map(|v| v["data"]["data"]["v"] == PROBE_VALUE).unwrap_or(false)
        }
        _ => false,
    }
}

/// Waits for the listener, then unseals with `key`; returns (listening, unseal answered).
async fn unseal(server: &mut Server, client: &Client, args: &Args, key: &str) -> Result<(Instant, Instant), String> {
    let status_url = format!("{}/v1/sys/seal-status", base(args));
    wait_until(server, "the listener", || async { get_status(client, &status_url, "").await.is_some() }).await?;
    let listening = Instant::now();
    let body = leak(json!({ "key": key }).to_string());
    let url = format!("{}/v1/sys/unseal", base(args));
    let (status, resp) = send(client, Method::PUT, &url, "", Some(body)).await?;
    let unsealed = Instant::now();
    let resp = json_200(status, resp.as_ref()).map_err(|e| format!("unseal: {e}"))?;
    if resp["sealed"] != json!(false) {
        return Err(format!("still sealed after the unseal key: {resp}"));
    }
    Ok((listening, unsealed))
}

/// Whether the server's log says the lease restore is complete.
fn restore_logged(log: &Path) -> bool {
    fs::read_to_string(log).map(|t| t.contains("lease restore complete")).unwrap_or(false)
}

/// Creates `n` service tokens (leases) with `clients` concurrent creators.
async fn create_leases(args: &Args, token: &str, n: u64) -> Result<(), String> {
    let started = Instant::now();
    let creators = args.clients.max(1) as u64;
    let mut tasks = Vec::new();
    for c in 0..creators {
        let url = format!("{}/v1/auth/token/create", base(args));
        let token = token.to_string();
        let count = n / creators + u64::from(c < n % creators);
        tasks.push(tokio::spawn(async move {
            let client = new_client().map_err(|e| e.to_string())?;
            for _ in 0..count {
                let (status, body) = send(&client, Method::POST, &url, &token, Some(LEASE_TOKEN_BODY)).await?;
                let created = json_200(status, body.as_ref()).map_err(|e| format!("creating a lease token: {e}"))?;
                created_token(&created, "service")?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!("loadgen: created {n} service tokens (leases) in {secs:.1}s ({:.0}/s)", n as f64 / secs.max(1e-9));
    Ok(())
}

fn ms(from: Instant, to: Instant) -> f64 {
    (to.duration_since(from).as_secs_f64() * 1e6).round() / 1e3
}

/// The whole run; prints the JSON line.
pub async fn run(args: &Args) -> Result<Value, String> {
    let workdir = args.workdir.clone().ok_or("--workdir is required for startup_leases")?;
    let data = workdir.join("data");
    fs::create_dir_all(&data).map_err(|e| format!("{}: {e}", data.display()))?;
    let config = workdir.join("server.hcl");
    fs::write(&config, render_config(args, &data)?).map_err(|e| e.to_string())?;
    let client = new_client().map_err(|e| e.to_string())?;
    let leases = args.leases;

    // 1. First life: init, unseal, the probe secret, the leases.
    let mut server = Server::start(args, &config, workdir.join("server-1.log"))?;
    let status_url = format!("{}/v1/sys/seal-status", base(args));
    wait_until(&mut server, "the listener", || async { get_status(&client, &status_url, "").await.is_some() }).await?;
    let init_url = format!("{}/v1/sys/init", base(args));
    let init_body = r#"{"secret_shares":1,"secret_threshold":1}"#;
    let (status, body) = send(&client, Method::PUT, &init_url, "", Some(init_body)).await?;
    let init = json_200(status, body.as_ref()).map_err(|e| format!("init: {e}"))?;
    let key = init["keys_base64"][0].as_str().or(init["keys"][0].as_str()).ok_or("no key in the init answer")?;
    let root = init["root_token"].as_str().ok_or("no root_token in the init answer")?.to_string();
    let key = key.to_string();
    unseal(&mut server, &client, args, &key).await?;
    let root_args = Args { token: root.clone(), ..args.clone() };
    // Raft elects itself after the unseal: wait until the node is active.
    let health_url = format!("{}/v1/sys/health", base(args));
    wait_until(&mut server, "an active node", || async {
        matches!(get_status(&client, &health_url, "").await, Some((200, _)))
    })
    .await?;
    let mount = r#"{"type":"kv","options":{"version":"2"}}"#;
    setup_call(&client, &root_args, Method::POST, "sys/mounts/bench", Some(mount)).await?;
    let probe = leak(json!({ "data": { "v": PROBE_VALUE } }).to_string());
    // A fresh KV v2 mount may answer 4xx/5xx for a moment while it upgrades; retry briefly.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match setup_call(&client, &root_args, Method::POST, "bench/data/probe", Some(probe)).await {
            Ok(_) => break,
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_live_before = server.rss_kb()?;
    create_leases(args, &root, leases).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_live_after = server.rss_kb()?;
    server.stop();
    drop(server);

    // 2. Second life: the timed restart.
    let spawned = Instant::now();
    let mut server = Server::start(args, &config, workdir.join("server-2.log"))?;
    let (listening, unsealed) = unseal(&mut server, &client, args, &key).await?;
    let rss_sealed = server.rss_kb().unwrap_or(0);
    wait_until(&mut server, "the first read", || probe_reads(&client, &root_args)).await?;
    let read = Instant::now();
    let log = server.log.clone();
    wait_until(&mut server, "lease restore complete in the log", || {
        let done = restore_logged(&log);
        async move { done }
    })
    .await?;
    let restored = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_restored = server.rss_kb()?;
    server.stop();

    let live_per_lease = if leases > 0 {
        ((rss_live_after as f64 - rss_live_before as f64) * 1024.0 / leases as f64).round()
    } else {
        0.0
    };
    eprintln!(
        "{} startup_leases: {leases} leases on {}: listening {:.0} ms, unsealed {:.0} ms, first read {:.0} ms, \
         restore logged {:.0} ms after the spawn; RSS {} KiB restored ({} KiB sealed; live {} -> {} KiB, \
         {live_per_lease} B/lease)",
        args.label,
        args.storage,
        ms(spawned, listening),
        ms(spawned, unsealed),
        ms(spawned, read),
        ms(spawned, restored),
        rss_restored,
        rss_sealed,
        rss_live_before,
        rss_live_after,
    );
    Ok(json!({
        "label": args.label,
        "test": "startup_leases",
        "storage": args.storage,
        "leases": leases,
        "errors": 0,
        "listen_ms": ms(spawned, listening),
        "unseal_ms": ms(spawned, unsealed),
        "startup_ms": ms(spawned, read),
        "restored_ms": ms(spawned, restored),
        "rss_sealed_kb": rss_sealed,
        "rss_restored_kb": rss_restored,
        "rss_live_before_kb": rss_live_before,
        "rss_live_after_kb": rss_live_after,
        "live_bytes_per_lease": live_per_lease,
    }))
}
