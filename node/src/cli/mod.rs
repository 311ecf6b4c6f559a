//! The Vault-compatible command line of the `strongbox` binary. Output, flags and exit codes
//! follow the `vault` CLI: Go-style flags before positional args, exit 1 for usage errors and
//! 2 for API errors, `Key  Value` tables or `-format=json`.

mod audit;
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
mod operator_keys;
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
mod transit;
mod unwrap;

use command::{Command, Fail, Opts, Outcome, Run};
use flags::Parsed;
use output::Ui;

/// The commands this module answers itself.
const COMMANDS: &[Command] = &[
    Command {
        name: "server",
        synopsis: "Start a Strongbox server",
        usage: "",
        flags: &[],
        opts: Opts::HTTP,
        args: None,
        run: Run::Raw(server),
    },
    Command {
        name: "status",
        synopsis: "Print seal and HA status",
        usage: "Usage: strongbox status [options]\n\n  Prints the seal and HA status. Exit code: 0 unsealed, 1 error, 2 sealed.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
        run: Run::Local(status),
    },
    Command {
        name: "version",
        synopsis: "Prints the Strongbox version",
        usage: "",
        flags: &[],
        opts: Opts::HTTP,
        args: None,
        run: Run::Raw(version),
    },
];

/// Every row of the command line, one table per module.
const TABLES: &[&[Command]] = &[
    COMMANDS,
    audit::COMMANDS,
    auth::COMMANDS,
    generic::COMMANDS,
    kv::COMMANDS,
    lease::COMMANDS,
    login::COMMANDS,
    operator::COMMANDS,
    operator_autopilot::COMMANDS,
    operator_keys::COMMANDS,
    operator_members::COMMANDS,
    operator_raft::COMMANDS,
    path_help::COMMANDS,
    policy::COMMANDS,
    secrets::COMMANDS,
    token::COMMANDS,
    transit::COMMANDS,
    unwrap::COMMANDS,
];

/// The top-level commands Vault's help lists first, in its order.
const COMMON: &[&str] = &["read", "write", "delete", "list", "login", "server", "status", "unwrap"];

fn rows() -> impl Iterator<Item = &'static Command> {
    TABLES.iter().flat_map(|t| t.iter())
}

fn find(name: &str) -> Option<&'static Command> {
    rows().find(|c| c.name == name)
}

/// Runs the command line `args` (without the program name) and returns the exit code: the row
/// named by the most leading words runs with the words after them.
pub fn run(args: Vec<String>) -> i32 {
    let Some(first) = args.first() else {
        output::err(&usage());
        return 127;
    };
    match first.as_str() {
        "-v" | "-version" | "--version" => return version(&[]),
        "-h" | "-help" | "--help" => {
            output::err(&usage());
            return 0;
        }
        _ => {}
    }
    let longest = args.len().min(4);
    let Some((cmd, used)) = (1..=longest).rev().find_map(|n| find(&args[..n].join(" ")).map(|c| (c, n))) else {
        output::err(&usage());
        return 127;
    };
    let rest = &args[used..];
    match cmd.run {
        Run::Group => group_help(cmd.name, rest.first().map(String::as_str)),
        _ => cmd.exec(rest),
    }
}

fn server(args: &[String]) -> i32 {
    crate::server::run(args.to_vec())
}

fn version(_: &[String]) -> i32 {
    output::out(&format!("Strongbox v{}", env!("CARGO_PKG_VERSION")));
    0
}

/// `status` builds its own client: exit code 2 is reserved for "sealed".
fn status(p: Parsed, ui: Ui) -> Outcome {
    let client = client::Client::from_flags(&p).map_err(Fail::usage)?;
    Ok(status::status(&ui, &client))
}

/// A group's help, listing its rows (exit 1, or 0 when help was asked for).
fn group_help(name: &str, sub: Option<&str>) -> i32 {
    let subs = children(name);
    let width = subs.iter().map(|c| c.0.len()).max().unwrap_or(0);
    let lines: Vec<String> = subs.iter().map(|(n, d)| format!("    {n:width$}    {d}")).collect();
    output::err(&format!(
        "Usage: strongbox {name} <subcommand> [options] [args]\n\nSubcommands:\n{}",
        lines.join("\n")
    ));
    if matches!(sub, Some("-h" | "-help" | "--help")) {
        0
    } else {
        1
    }
}

/// The rows one word below `parent` ("" for the top level), by name.
fn children(parent: &str) -> Vec<(&'static str, &'static str)> {
    let mut subs: Vec<_> = rows()
        .filter_map(|c| {
            let word = if parent.is_empty() { c.name } else { c.name.strip_prefix(parent)?.strip_prefix(' ')? };
            (!word.contains(' ')).then_some((word, c.synopsis))
        })
        .collect();
    subs.sort();
    subs
}

fn usage() -> String {
    let top = children("");
    let line = |(n, d): &(&str, &str)| format!("    {n:<12}{d}");
    let common: Vec<String> = COMMON.iter().filter_map(|name| top.iter().find(|(n, _)| n == name)).map(line).collect();
    let other: Vec<String> = top.iter().filter(|(n, _)| !COMMON.contains(n)).map(line).collect();
    format!(
        "Usage: strongbox <command> [args]\n\nCommon commands:\n{}\n\nOther commands:\n{}",
        common.join("\n"),
        other.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_named_once_and_sits_in_a_group() {
        let mut names: Vec<&str> = rows().map(|c| c.name).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a command name appears twice");
        for c in rows() {
            if let Some((parent, _)) = c.name.rsplit_once(' ') {
                assert!(matches!(find(parent).map(|g| &g.run), Some(Run::Group)), "{} has no group", c.name);
            }
        }
    }

    #[test]
    fn the_most_words_pick_the_row() {
        assert_eq!(find("kv metadata get").map(|c| c.name), Some("kv metadata get"));
        assert!(find("kv get metadata").is_none());
        let top = usage();
        assert!(top.starts_with("Usage: strongbox <command> [args]\n\nCommon commands:\n    read        Read data"));
        assert!(top.contains("\n    version     Prints the Strongbox version"));
        assert_eq!(children("operator raft").iter().map(|c| c.0).collect::<Vec<_>>()[..2], ["autopilot", "join"]);
    }
}
