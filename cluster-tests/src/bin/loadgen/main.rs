//! Closed-loop HTTP load generator for Vault-compatible servers.
//!
//! Request shapes (`--test`; module `shape`):
//!
//! * `kvv2_write`: `POST /v1/<mount>/data/<prefix>/secret-<n>` with body
//!   `{"data": {"foo": "<kvsize x 'a'>"}}`, `n` uniform in `1..=numkvs`;
//! * `kvv2_read`: `GET /v1/<mount>/data/<prefix>/secret-<n>`, same `n`;
//! * `token_create_service`: `POST /v1/auth/token/create` with
//!   `{"policies":["default"],"ttl":"1h"}` as `--token`, a new service token per request;
//! * `token_create_batch`: the same with `"type":"batch"` (batch tokens are not stored);
//! * `token_lookup_self`: `GET /v1/auth/token/lookup-self` with a service token holding only
//!   `default`, so authentication, the use count and the ACL all run;
//! * `approle_auth`: `POST /v1/auth/approle/login` with `{"role_id": ..., "secret_id": ...}`
//!   (vault-benchmark's `target_auth_approle.go`: AppRole enabled at `approle/`, the role
//!   `benchmark-role` with its defaults and one secret ID of unlimited uses, made in the setup);
//! * `userpass_auth`: `POST /v1/auth/userpass/login/benchmark-user` with `{"password": ...}`
//!   (vault-benchmark's `target_auth_userpass.go`: userpass enabled at `userpass/` and the user
//!   made with a random 64-character password in the setup; bcrypt cost 10 on every server);
//! * `transit_encrypt`, `transit_decrypt`, `transit_sign`, `transit_verify`: vault-benchmark's
//!   transit shapes (module `transit`): the key `test` of `--key-type` in a transit mount made
//!   in the setup, a random 128-byte input; `--batch N` sends N items per request;
//! * `startup_leases`: not a closed-loop test but a restart benchmark of a durable server started
//!   by the load generator itself (module `startup`: `--server-bin`, `--storage`, `--leases`,
//!   `--workdir`); it prints its own JSON line (startup_ms, restored_ms, RSS figures).
//!
//! The KV shapes are HashiCorp vault-benchmark's (`benchmarktests/target_secret_kvv2.go`): as in
//! its setup, `numkvs` secrets (`{"data": {"foo": 1}}`) are written before the timed phase.
//! `token_lookup_self` creates its token before the timed phase. `--no-seed` skips both (the
//! lookup then uses `--token` itself). The auth shapes always run their setup; as vault-benchmark
//! does, their logins carry `X-Vault-Token` too (servers ignore it on login paths).
//!
//! Unlike vault-benchmark (vegeta, open-loop at a fixed rate), this is closed-loop: `--clients`
//! workers, each with its own keep-alive connection, send the next request as soon as the previous
//! one completed, for `--duration` seconds. Every request carries `X-Vault-Token`.
//!
//! A request is an error when it fails in transport or its response is not what the shape expects:
//! non-2xx for the KV shapes; for the token shapes, not 200 or not the expected body (a token of
//! the requested type; lookup-self answering for the caller's token); for the auth shapes, not
//! 200 with an `auth.client_token`.
//!
//! Output: one human-readable line on stderr and one JSON object on stdout (`requests`, `errors`,
//! `rps`, `p50_ms`, `p99_ms`, ...). Exit status is 0 when the run completed, even with errors; 2
//! when the setup failed or no request succeeded.

mod http;
mod measure;
mod shape;
mod startup;
mod transit;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use crate::shape::{Shape, Test};

#[derive(Parser, Debug, Clone)]
#[command(about = "vault-benchmark-style load generator: KV v2, token store and auth shapes; a restart benchmark")]
pub struct Args {
    /// Server address, e.g. http://127.0.0.1:8200
    #[arg(long, env = "VAULT_ADDR", default_value = "http://127.0.0.1:8200")]
    addr: String,
    /// Token sent as X-Vault-Token (token_lookup_self: the token that creates its token)
    #[arg(long, env = "VAULT_TOKEN", default_value = "root")]
    token: String,
    /// Request shape
    #[arg(long, value_enum, default_value = "kvv2_read")]
    test: Test,
    /// Concurrent clients (one keep-alive connection each)
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Length of the timed phase, in seconds
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Number of distinct secrets (vault-benchmark's numkvs; KV shapes)
    #[arg(long, default_value_t = 1000)]
    numkvs: u32,
    /// Length of the written value (vault-benchmark's kvsize; kvv2_write)
    #[arg(long, default_value_t = 1)]
    kvsize: usize,
    /// KV v2 mount path
    #[arg(long, default_value = "secret")]
    mount: String,
    /// Path prefix under the mount (default: the test name)
    #[arg(long)]
    prefix: Option<String>,
    /// Skip the setup: no secrets written; token_lookup_self looks up --token itself
    #[arg(long)]
    no_seed: bool,
    /// Tokio worker threads of the load generator (0 = current-thread runtime)
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Label copied into the output (e.g. the server's name)
    #[arg(long, default_value = "")]
    label: String,
    /// Transit shapes: the key type (vault-benchmark's default: rsa-2048)
    #[arg(long, default_value = "rsa-2048")]
    key_type: String,
    /// Transit encrypt/decrypt: items per request in `batch_input` (0: a single item)
    #[arg(long, default_value_t = 0)]
    batch: usize,
    /// The test's name in the output (default: the shape's name)
    #[arg(long)]
    name: Option<String>,
    /// startup_leases: the server binary to start (`<bin> server -config=<file>`), listening on
    /// --addr
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// kvv2_read_audit / kvv2_write_audit: the file the audit device writes
    #[arg(long)]
    audit_file: Option<PathBuf>,
    /// startup_leases: the storage backend (rocksdb, file or raft)
    #[arg(long, default_value = "rocksdb")]
    storage: String,
    /// startup_leases: service tokens (each a lease) created before the restart
    #[arg(long, default_value_t = 10_000)]
    leases: u64,
    /// startup_leases: an empty directory for the configuration, data and server logs
    #[arg(long)]
    workdir: Option<PathBuf>,
}

async fn run(args: Args) -> ExitCode {
    if args.test == Test::StartupLeases {
        return match startup::run(&args).await {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("loadgen: startup_leases failed: {e}");
                ExitCode::from(2)
            }
        };
    }
    if args.numkvs == 0 || args.clients == 0 || args.duration <= 0.0 {
        eprintln!("loadgen: --numkvs, --clients and --duration must be positive");
        return ExitCode::from(2);
    }
    let shape = match Shape::prepare(&args).await {
        Ok(shape) => shape,
        Err(e) => {
            eprintln!("loadgen: {} setup failed: {e}", args.test.name());
            return ExitCode::from(2);
        }
    };
    let (mut total, elapsed) = measure::run(shape, args.clients, Duration::from_secs_f64(args.duration)).await;
    let rps = total.requests as f64 / elapsed;
    let p50 = total.quantile_ms(0.50);
    let p99 = total.quantile_ms(0.99);

    let label = if args.label.is_empty() { args.addr.clone() } else { args.label.clone() };
    let test_name = args.name.clone().unwrap_or_else(|| args.test.name().to_string());
    eprintln!(
        "{label} {}: {} requests, {} errors in {elapsed:.2}s over {} clients: \
         {rps:.0} req/s, p50 {p50:.3} ms, p99 {p99:.3} ms{}",
        test_name,
        total.requests,
        total.errors,
        args.clients,
        total.first_error.as_ref().map(|e| format!(" (first error: {e})")).unwrap_or_default()
    );
    let json = serde_json::json!({
        "label": label,
        "test": test_name,
        "clients": args.clients,
        "duration_s": (elapsed * 1000.0).round() / 1000.0,
        "numkvs": args.numkvs,
        "requests": total.requests,
        "errors": total.errors,
        "rps": (rps * 10.0).round() / 10.0,
        "p50_ms": (p50 * 1000.0).round() / 1000.0,
        "p99_ms": (p99 * 1000.0).round() / 1000.0,
    });
    println!("{json}");
    if total.requests == total.errors {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut builder = if args.threads == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(args.threads);
        b
    };
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("loadgen: cannot start the tokio runtime: {e}");
            return ExitCode::from(2);
        }
    };
    rt.block_on(run(args))
}
