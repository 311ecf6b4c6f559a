//! `strongbox server`: parse flags and config, open storage, start the core's actors and the
//! HTTP listeners. `-dev` runs in memory, initialized and unsealed, with KV v2 at `secret/`.

mod dev;
#[cfg(feature = "faults")]
mod faults;
mod flags;
mod retry_join;

use crate::config::{self, ListenerConfig, ServerConfig, StorageConfig};
use actix_web::{web, App, HttpServer};
use anyhow::{bail, Context};
use flags::ServerFlags;
use metrics_exporter_prometheus::PrometheusBuilder;
use std::path::PathBuf;
use std::sync::Arc;
use strongbox_actors::replication::{RaftHandle, RaftOptions, RaftSettings};
use strongbox_actors::{Core, CoreConfig};
use strongbox_api::{configure, forward, tls, ApiState, MetricsRender};
use strongbox_storage::{InmemBackend, PhysicalBackend, RocksBackend};

pub fn run(args: Vec<String>) -> i32 {
    let flags = match ServerFlags::parse(&args) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let cfg = match build_config(&flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e:#}");
            return 1;
        }
    };
    let format = flags.log_format.clone().or_else(|| std::env::var("VAULT_LOG_FORMAT").ok()).or(cfg.log_format.clone());
    if let Err(e) = init_logging(flags.log_level.as_deref().or(cfg.log_level.as_deref()), format.as_deref()) {
        eprintln!("Error: {e}");
        return 1;
    }
    for w in &cfg.warnings {
        tracing::warn!("{w}");
    }
    let system = actix_web::rt::System::new();
    match system.block_on(serve(cfg, flags)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: {e:#}");
            1
        }
    }
}

/// Logs go to stderr: coloured only on a terminal (a file or a pipe gets plain text, as
/// Vault's), or one JSON object a line with `log_format = "json"` / `-log-format=json`.
fn init_logging(level: Option<&str>, format: Option<&str>) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("STRONGBOX_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level.unwrap_or("info")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second call (tests start servers in one process) keeps the first subscriber.
    let _ = match format.unwrap_or("standard") {
        "" | "standard" => builder.with_ansi(std::io::stderr().is_terminal()).try_init(),
        "json" => builder.json().with_ansi(false).try_init(),
        other => anyhow::bail!("unknown log format \"{other}\": use \"standard\" or \"json\""),
    };
    Ok(())
}

fn build_config(flags: &ServerFlags) -> anyhow::Result<ServerConfig> {
    if flags.dev {
        let mut cfg = if flags.config.is_empty() { ServerConfig::default() } else { config::load(&flags.config)? };
        cfg.storage.get_or_insert(StorageConfig { kind: "inmem".into(), options: Default::default() });
        cfg.listeners = vec![ListenerConfig {
            address: flags.dev_listen_address.clone(),
            cluster_address: None,
            tls_disable: true,
            tls_cert_file: None,
            tls_key_file: None,
            max_request_size: config::DEFAULT_MAX_REQUEST_SIZE,
        }];
        return Ok(cfg);
    }
    if flags.config.is_empty() {
        bail!("no configuration files found: use -config=FILE or -dev");
    }
    let cfg = config::load(&flags.config)?;
    if cfg.storage.is_none() {
        bail!("a storage backend must be specified");
    }
    if cfg.listeners.is_empty() {
        bail!("at least one listener must be specified");
    }
    Ok(cfg)
}

fn open_storage(storage: &StorageConfig) -> anyhow::Result<Arc<dyn PhysicalBackend>> {
    match storage.kind.as_str() {
        "inmem" => Ok(Arc::new(InmemBackend::new())),
        "rocksdb" => {
            let path = storage
                .options
                .get("path")
                .and_then(|v| v.as_str())
                .context("storage \"rocksdb\": the path option is required")?;
            std::fs::create_dir_all(path).with_context(|| format!("storage \"rocksdb\": cannot create {path}"))?;
            let backend = RocksBackend::open(&PathBuf::from(path))
                .with_context(|| format!("storage \"rocksdb\": cannot open {path}"))?;
            Ok(Arc::new(backend))
        }
        other => bail!("unknown or unsupported storage type \"{other}\""),
    }
}

/// `storage "raft"`: integrated storage in `path` (RocksDB in `path/db`; without a `node_id`
/// option, the id kept in `path/node-id`, generated on first start as Vault does).
fn start_raft(
    cfg: &ServerConfig,
    storage: &StorageConfig,
) -> anyhow::Result<(RaftHandle, Vec<config::retry_join::RetryJoin>)> {
    let rc = config::raft_storage::raft_storage(cfg, storage)?;
    for w in &rc.warnings {
        tracing::warn!("{w}");
    }
    let path = &rc.path;
    std::fs::create_dir_all(path).with_context(|| format!("storage \"raft\": cannot create {}", path.display()))?;
    let node_id = match rc.node_id {
        Some(id) => id,
        None => {
            let file = path.join("node-id");
            match std::fs::read_to_string(&file) {
                Ok(id) if !id.trim().is_empty() => id.trim().to_string(),
                _ => {
                    let id = uuid::Uuid::new_v4().to_string();
                    std::fs::write(&file, &id).with_context(|| format!("writing {}", file.display()))?;
                    id
                }
            }
        }
    };
    // Vault's performance_multiplier (default 5) scales raft's timing: 5 → 100 ms ticks,
    // elections after 1-2 s without a leader.
    let multiplier = if rc.performance_multiplier == 0 { 5 } else { rc.performance_multiplier };
    let opts = RaftOptions {
        path: path.join("db"),
        node_id,
        api_addr: rc.api_addr,
        cluster_addr: rc.cluster_addr,
        cluster_listen: rc.cluster_listen,
        settings: RaftSettings { trailing_logs: rc.trailing_logs, ..Default::default() },
        tick: std::time::Duration::from_millis(20 * multiplier),
    };
    let raft = RaftHandle::start(opts).with_context(|| format!("storage \"raft\": cannot open {}", path.display()))?;
    #[cfg(feature = "faults")]
    faults::watch(raft.transport().clone());
    Ok((raft, rc.retry_join))
}

fn metrics_render() -> Option<MetricsRender> {
    match PrometheusBuilder::new().install_recorder() {
        Ok(handle) => Some(Arc::new(move || handle.render())),
        Err(e) => {
            tracing::warn!("metrics disabled: {e}");
            None
        }
    }
}

async fn serve(cfg: ServerConfig, flags: ServerFlags) -> anyhow::Result<()> {
    let storage = cfg.storage.clone().context("a storage backend must be specified")?;
    let core_config = CoreConfig {
        default_lease_ttl: cfg.default_lease_ttl,
        max_lease_ttl: cfg.max_lease_ttl,
        storage_type: storage.kind.clone(),
    };
    let core = match storage.kind.as_str() {
        "raft" => {
            let (raft, joins) = start_raft(&cfg, &storage)?;
            let core = Core::start_on_raft(raft, core_config).await.context("starting the core")?;
            retry_join::spawn(core.clone(), joins);
            core
        }
        _ => Core::start(open_storage(&storage)?, core_config).await.context("starting the core")?,
    };
    let metrics = metrics_render();
    // Kept until the server stops: it owns the arbiter that serves forwarded requests.
    let _forward_service = if let Some(raft) = core.raft() {
        // Requests standbys forward run through the same routes, with the first listener's limits.
        let max_request_size = cfg.listeners.first().map_or(32 * 1024 * 1024, |l| l.max_request_size);
        let state = web::Data::new(ApiState { core: core.clone(), max_request_size, metrics: metrics.clone() });
        let (handler, service) = forward::forwarded_request_handler(state);
        raft.set_forward_handler(handler);
        Some(service)
    } else {
        None
    };
    let mut servers = Vec::with_capacity(cfg.listeners.len());
    for l in &cfg.listeners {
        let state = web::Data::new(ApiState {
            core: core.clone(),
            max_request_size: l.max_request_size,
            metrics: metrics.clone(),
        });
        let app = move || {
            App::new()
                .app_data(state.clone())
                .wrap(actix_web::middleware::from_fn(forward::standby_forwarding))
                .configure(configure)
        };
        let http = HttpServer::new(app).workers(worker_count());
        let bound = if l.tls_disable {
            http.bind(&l.address)
        } else {
            let (cert, key) =
                l.tls_cert_file.as_ref().zip(l.tls_key_file.as_ref()).context("listener: TLS files missing")?;
            http.bind_rustls_0_23(&l.address, tls::server_config(cert, key)?)
        }
        .with_context(|| format!("error initializing listener at {}", l.address))?;
        tracing::info!(address = %l.address, tls = !l.tls_disable, "listener started");
        servers.push(bound.run());
    }
    if flags.dev {
        dev::setup(&core, &flags, &cfg).await?;
    }
    reopen_audit_on_sighup(core.clone());
    // One HTTP server per listener; each stops on SIGINT/SIGTERM, and the node exits when all have.
    let running: Vec<_> = servers.into_iter().map(actix_web::rt::spawn).collect();
    for handle in running {
        handle.await.context("HTTP server task failed")?.context("HTTP server failed")?;
    }
    flush_storage().await;
    Ok(())
}

/// SIGHUP makes every audit device reopen its file or socket, as Vault's does, so a rotation
/// tool can move the file away and signal.
fn reopen_audit_on_sighup(core: Arc<Core>) {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::hangup()) {
        Ok(mut hup) => {
            actix_web::rt::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("SIGHUP: reopening audit devices");
                    core.reopen_audit_devices();
                }
            });
        }
        Err(e) => tracing::warn!(error = %e, "cannot listen for SIGHUP"),
    }
}

/// A graceful stop writes RocksDB's memtables out, so the next start has no WAL to replay.
/// Every acknowledged write is in the synced WAL already: this only saves time at the start.
async fn flush_storage() {
    let started = std::time::Instant::now();
    match actix_web::rt::task::spawn_blocking(strongbox_storage::flush_open_databases).await {
        Ok(Ok(0)) => {}
        Ok(Ok(n)) => {
            tracing::info!(databases = n, elapsed_ms = started.elapsed().as_millis() as u64, "storage flushed")
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "flushing storage at shutdown failed"),
        Err(e) => tracing::warn!(error = %e, "flushing storage at shutdown failed"),
    }
}

fn worker_count() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}
