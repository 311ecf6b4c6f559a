//! Runs the `strongbox` binary as the Vault-style CLI against a node, with `VAULT_ADDR`,
//! `VAULT_TOKEN` and a private `HOME` (so `~/.vault-token` of whoever runs the tests is never
//! read or written).

use crate::binary;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long one CLI invocation may take.
const CLI_DEADLINE: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct CliOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    /// stdout parsed as JSON (for `-format=json`); panics with the whole output otherwise.
    pub fn must_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

/// Rows of the `Key  Value` table in `stdout`, in printed order.
pub fn table_rows(stdout: &str) -> Vec<(String, String)> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with("Key "));
    let header = lines.next().unwrap_or_else(|| panic!("no Key/Value table in {stdout:?}"));
    assert!(header.split_whitespace().eq(["Key", "Value"]), "{header}");
    assert!(lines.next().is_some_and(|l| l.split_whitespace().eq(["---", "-----"])), "{stdout}");
    lines
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap_or((l, ""));
            (k.to_string(), v.trim().to_string())
        })
        .collect()
}

/// The value of `key` among [`table_rows`]; panics when it is missing.
pub fn row<'a>(rows: &'a [(String, String)], key: &str) -> &'a str {
    rows.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {key} in {rows:?}"))
}

pub struct Cli {
    home: TempDir,
    addr: String,
    token: Option<String>,
    env: Vec<(String, String)>,
}

impl Cli {
    /// A CLI talking to `addr` (`VAULT_ADDR`), with an empty private `HOME`.
    pub fn new(addr: &str) -> Cli {
        let home = tempfile::Builder::new().prefix("strongbox-cli-home-").tempdir().expect("creating HOME");
        Cli { home, addr: addr.to_string(), token: None, env: Vec::new() }
    }

    /// Sets `VAULT_TOKEN`.
    pub fn token(mut self, token: &str) -> Cli {
        self.token = Some(token.to_string());
        self
    }

    pub fn set_token(&mut self, token: Option<&str>) {
        self.token = token.map(String::from);
    }

    /// An extra environment variable (e.g. `VAULT_CACERT`).
    pub fn env(mut self, key: &str, value: &str) -> Cli {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Runs `strongbox <args>` and returns its exit code and output; panics if it cannot run or
    /// hangs.
    pub fn must_run(&self, args: &[&str]) -> CliOutput {
        let mut cmd = Command::new(binary::must_find());
        cmd.args(args)
            .current_dir(self.home.path())
            .env("HOME", self.home.path())
            .env("VAULT_ADDR", &self.addr)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("VAULT_") && k != "VAULT_ADDR" {
                cmd.env_remove(k);
            }
        }
        if let Some(t) = &self.token {
            cmd.env("VAULT_TOKEN", t);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawning the strongbox CLI");
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("waiting for the CLI") {
                break status;
            }
            if start.elapsed() > CLI_DEADLINE {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "strongbox {} hung for {CLI_DEADLINE:?}; stdout: {} stderr: {}",
                    args.join(" "),
                    join(stdout),
                    join(stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        CliOutput { code: status.code().unwrap_or(-1), stdout: join(stdout), stderr: join(stderr) }
    }

    /// [`Cli::must_run`], panicking unless the exit code is `code`.
    pub fn must_exit(&self, code: i32, args: &[&str]) -> CliOutput {
        let out = self.must_run(args);
        assert_eq!(out.code, code, "strongbox {}: want exit {code}: {out:?}", args.join(" "));
        out
    }
}

/// Reads a child's pipe to the end on its own thread, so a chatty command never blocks on a full pipe.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

fn join(h: JoinHandle<String>) -> String {
    h.join().unwrap_or_default()
}
