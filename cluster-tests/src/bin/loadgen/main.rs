//! Closed-loop HTTP load generator for Vault-compatible servers.
//!
//! Reproduces the request shapes of HashiCorp's vault-benchmark
//! (`benchmarktests/target_secret_kvv2.go`):
//!
//! * `kvv2_write`: `POST /v1/<mount>/data/<prefix>/secret-<n>` with body
//!   `{"data": {"foo": "<kvsize x 'a'>"}}`, `n` uniform in `1..=numkvs`;
//! * `kvv2_read`: `GET /v1/<mount>/data/<prefix>/secret-<n>`, same `n`.
//!
//! As in vault-benchmark's setup, `numkvs` secrets (`{"data": {"foo": 1}}`)
//! are written before the timed phase (both shapes; `--no-seed` skips it).
//! Unlike vault-benchmark (vegeta, open-loop at a fixed rate), this is
//! closed-loop: `--clients` workers, each with its own keep-alive connection,
//! send the next request as soon as the previous one completed, for
//! `--duration` seconds. Every request carries `X-Vault-Token`.
//!
//! Output: one human-readable line on stderr and one JSON object on stdout
//! (`requests`, `errors` = non-2xx or transport failures, `rps`, `p50_ms`,
//! `p99_ms`, ...). Exit status is 0 when the run completed, even with errors;
//! 2 when seeding failed or no request succeeded.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use rand::{Rng, SeedableRng};
use reqwest::{Client, Method};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Test {
    #[value(name = "kvv2_read")]
    Kvv2Read,
    #[value(name = "kvv2_write")]
    Kvv2Write,
}

impl Test {
    fn name(self) -> &'static str {
        match self {
            Test::Kvv2Read => "kvv2_read",
            Test::Kvv2Write => "kvv2_write",
        }
    }
}

#[derive(Parser, Debug, Clone)]
#[command(about = "vault-benchmark-style kvv2_read / kvv2_write load generator")]
struct Args {
    /// Server address, e.g. http://127.0.0.1:8200
    #[arg(long, env = "VAULT_ADDR", default_value = "http://127.0.0.1:8200")]
    addr: String,
    /// Token sent as X-Vault-Token
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
    /// Number of distinct secrets (vault-benchmark's numkvs)
    #[arg(long, default_value_t = 1000)]
    numkvs: u32,
    /// Length of the written value (vault-benchmark's kvsize)
    #[arg(long, default_value_t = 1)]
    kvsize: usize,
    /// KV v2 mount path
    #[arg(long, default_value = "secret")]
    mount: String,
    /// Path prefix under the mount (default: the test name)
    #[arg(long)]
    prefix: Option<String>,
    /// Do not write the numkvs secrets before the timed phase
    #[arg(long)]
    no_seed: bool,
    /// Tokio worker threads of the load generator (0 = current-thread runtime)
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Label copied into the output (e.g. the server's name)
    #[arg(long, default_value = "")]
    label: String,
}

/// What one worker measured.
#[derive(Default)]
struct WorkerStats {
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    /// Latency of every completed request, in microseconds.
    latencies_us: Vec<u32>,
}

fn secret_url(args: &Args, n: u32) -> String {
    let prefix = args.prefix.as_deref().unwrap_or(args.test.name());
    format!("{}/v1/{}/data/{}/secret-{}", args.addr.trim_end_matches('/'), args.mount, prefix, n)
}

fn new_client() -> reqwest::Result<Client> {
    Client::builder()
        .pool_max_idle_per_host(1)
        .pool_idle_timeout(None)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
}

/// Send one request and read the whole body; Ok(status) or a transport error.
async fn send(
    client: &Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<&'static str>,
) -> Result<u16, String> {
    let mut req = client.request(method, url).header("X-Vault-Token", token);
    if let Some(b) = body {
        req = req.header("Content-Type", "application/json").body(b);
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    resp.bytes().await.map_err(|e| e.to_string())?;
    Ok(status)
}

/// Write secret-1 ..= secret-numkvs with `clients` concurrent writers.
async fn seed(args: &Args) -> Result<(), String> {
    let body: &'static str = r#"{"data": {"foo": 1}}"#;
    let mut tasks = Vec::new();
    for w in 0..args.clients.max(1) {
        let args = args.clone();
        tasks.push(tokio::spawn(async move {
            let client = new_client().map_err(|e| e.to_string())?;
            let mut n = 1 + w as u32;
            while n <= args.numkvs {
                let url = secret_url(&args, n);
                let status = send(&client, Method::POST, &url, &args.token, Some(body)).await?;
                if !(200..300).contains(&status) {
                    return Err(format!("seeding {url}: HTTP {status}"));
                }
                n += args.clients.max(1) as u32;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

async fn worker(args: Args, body: Option<&'static str>, deadline: Instant) -> WorkerStats {
    let mut stats = WorkerStats::default();
    let client = match new_client() {
        Ok(c) => c,
        Err(e) => {
            stats.errors = 1;
            stats.first_error = Some(e.to_string());
            return stats;
        }
    };
    let method = match args.test {
        Test::Kvv2Read => Method::GET,
        Test::Kvv2Write => Method::POST,
    };
    // StdRng, unlike ThreadRng, is Send: the worker future holds it across awaits.
    let mut rng = rand::rngs::StdRng::from_entropy();
    let prebuilt: Vec<String> = (1..=args.numkvs).map(|n| secret_url(&args, n)).collect();
    while Instant::now() < deadline {
        let url = &prebuilt[rng.gen_range(0..prebuilt.len())];
        let start = Instant::now();
        let result = send(&client, method.clone(), url, &args.token, body).await;
        let micros = start.elapsed().as_micros().min(u32::MAX as u128) as u32;
        stats.requests += 1;
        match result {
            Ok(status) if (200..300).contains(&status) => stats.latencies_us.push(micros),
            Ok(status) => {
                stats.errors += 1;
                stats.latencies_us.push(micros);
                stats.first_error.get_or_insert_with(|| format!("HTTP {status} for {url}"));
            }
            Err(e) => {
                stats.errors += 1;
                stats.first_error.get_or_insert(e);
            }
        }
    }
    stats
}

/// The q-quantile (0..=1) of sorted latencies, in milliseconds.
fn quantile_ms(sorted_us: &[u32], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted_us.len() as f64).ceil() as usize;
    let idx = rank.clamp(1, sorted_us.len()) - 1;
    sorted_us[idx] as f64 / 1000.0
}

async fn run(args: Args) -> ExitCode {
    if args.numkvs == 0 || args.clients == 0 || args.duration <= 0.0 {
        eprintln!("loadgen: --numkvs, --clients and --duration must be positive");
        return ExitCode::from(2);
    }
    if !args.no_seed {
        let t = Instant::now();
        if let Err(e) = seed(&args).await {
            eprintln!("loadgen: seeding failed: {e}");
            return ExitCode::from(2);
        }
        eprintln!("loadgen: seeded {} secrets in {:.2}s", args.numkvs, t.elapsed().as_secs_f64());
    }
    // vault-benchmark's write body: {"data": {"foo": "<kvsize a's>"}}.
    let body: Option<&'static str> = match args.test {
        Test::Kvv2Write => {
            Some(Box::leak(format!(r#"{{"data": {{"foo": "{}"}}}}"#, "a".repeat(args.kvsize)).into_boxed_str()))
        }
        Test::Kvv2Read => None,
    };

    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(args.duration);
    let handles: Vec<_> = (0..args.clients).map(|_| tokio::spawn(worker(args.clone(), body, deadline))).collect();
    let mut total = WorkerStats::default();
    for h in handles {
        match h.await {
            Ok(s) => {
                total.requests += s.requests;
                total.errors += s.errors;
                if total.first_error.is_none() {
                    total.first_error = s.first_error;
                }
                total.latencies_us.extend(s.latencies_us);
            }
            Err(e) => {
                total.errors += 1;
                total.first_error.get_or_insert(e.to_string());
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    total.latencies_us.sort_unstable();
    let rps = total.requests as f64 / elapsed;
    let p50 = quantile_ms(&total.latencies_us, 0.50);
    let p99 = quantile_ms(&total.latencies_us, 0.99);

    let label = if args.label.is_empty() { args.addr.clone() } else { args.label.clone() };
    eprintln!(
        "{label} {}: {} requests, {} errors in {elapsed:.2}s over {} clients: \
         {rps:.0} req/s, p50 {p50:.3} ms, p99 {p99:.3} ms{}",
        args.test.name(),
        total.requests,
        total.errors,
        args.clients,
        total.first_error.as_ref().map(|e| format!(" (first error: {e})")).unwrap_or_default()
    );
    let json = serde_json::json!({
        "label": label,
        "test": args.test.name(),
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
