//! The `strongbox` binary: `strongbox server ...` runs a node, every other subcommand is a
//! Vault-style CLI command that talks to a node over the HTTP API.

mod cli;
mod config;
mod server;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = cli::run(args);
    std::process::exit(code);
}
