//! The Vault-compatible command line of the `strongbox` binary. Output, flags and exit codes
//! follow the `vault` CLI: Go-style flags before positional args, exit 1 for usage errors and
//! 2 for API errors, `Key  Value` tables or `-format=json`.

mod auth;
mod client;
mod command;
mod flags;
mod generic;
mod godur;
mod gojson;
mod hcl1;
mod kv;
mod kv_read;
mod kv_versions;
mod kv_write;
mod kvargs;
mod lease;
mod login;
mod login_userpass;
mod operator;
mod operator_autopilot;
mod operator_members;
mod operator_raft;
mod output;
mod path_help;
mod paths;
mod policy;
mod policy_fmt;
mod secret;
mod secrets;
mod status;
mod table;
mod token;
mod token_helper;
mod unwrap;

use command::{Cmd, Opts};

/// Runs the command line `args` (without the program name) and returns the exit code.
pub fn run(args: Vec<String>) -> i32 {
    let Some(first) = args.first() else {
        output::err(&usage());
        return 127;
    };
    let rest = &args[1..];
    match first.as_str() {
        "server" => crate::server::run(rest.to_vec()),
        "version" | "-v" | "-version" | "--version" => {
            output::out(&format!("Strongbox v{}", env!("CARGO_PKG_VERSION")));
            0
        }
        "-h" | "-help" | "--help" => {
            output::err(&usage());
            0
        }
        "status" => status(rest),
        "read" => generic::read(rest),
        "write" => generic::write(rest),
        "list" => generic::list(rest),
        "delete" => generic::delete(rest),
        "kv" => match rest.first().map(String::as_str) {
            Some("metadata") => group(&rest[1..], "kv metadata", kv::METADATA_SUBCOMMANDS, kv::run_metadata),
            _ => group(rest, "kv", kv::SUBCOMMANDS, kv::run),
        },
        "secrets" => group(rest, "secrets", secrets::SUBCOMMANDS, secrets::run),
        "operator" => group(rest, "operator", operator::SUBCOMMANDS, operator::run),
        "login" => login::run(rest),
        "path-help" => path_help::run(rest),
        "unwrap" => unwrap::run(rest),
        "auth" => group(rest, "auth", auth::SUBCOMMANDS, auth::run),
        "lease" => group(rest, "lease", lease::SUBCOMMANDS, lease::run),
        "policy" => group(rest, "policy", policy::SUBCOMMANDS, policy::run),
        "token" => group(rest, "token", token::SUBCOMMANDS, token::run),
        _ => {
            output::err(&usage());
            127
        }
    }
}

fn status(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox status [options]\n\n  Prints the seal and HA status. Exit code: 0 unsealed, 1 error, 2 sealed.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
    };
    match cmd.prepare_with(args, 1) {
        Ok(c) => status::status(&c.ui, &c.client),
        Err(code) => code,
    }
}

/// Runs a subcommand of a command group, or prints the group's help (exit 1, or 0 for `-h`).
pub(crate) fn group(
    args: &[String],
    name: &str,
    subs: &[(&str, &str)],
    run: fn(&str, &[String]) -> Option<i32>,
) -> i32 {
    let sub = args.first().map(String::as_str).unwrap_or_default();
    if let Some(code) = run(sub, args.get(1..).unwrap_or_default()) {
        return code;
    }
    let width = subs.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let lines: Vec<String> = subs.iter().map(|(n, d)| format!("    {n:width$}    {d}")).collect();
    output::err(&format!(
        "Usage: strongbox {name} <subcommand> [options] [args]\n\nSubcommands:\n{}",
        lines.join("\n")
    ));
    if matches!(sub, "-h" | "-help" | "--help") {
        0
    } else {
        1
    }
}

fn usage() -> String {
    "Usage: strongbox <command> [args]

Common commands:
    read        Read data and retrieves secrets
    write       Write data, configuration, and secrets
    delete      Delete secrets and configuration
    list        List data or secrets
    login       Authenticate locally
    server      Start a Strongbox server
    status      Print seal and HA status
    unwrap      Unwrap a wrapped secret

Other commands:
    auth        Interact with auth methods
    kv          Interact with Vault's Key-Value storage
    lease       Interact with leases
    operator    Perform operator-specific tasks
    path-help   Retrieve API help for paths
    policy      Interact with policies
    secrets     Interact with secrets engines
    token       Interact with tokens
    version     Prints the Strongbox version"
        .to_string()
}
