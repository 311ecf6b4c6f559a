//! `operator raft autopilot state | get-config | set-config`, as Vault's CLI prints them.

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::Body;
use super::command::{Cmd, Opts};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::Json;
use super::table::{columnize, table_output};

pub const SUBCOMMANDS: &[(&str, &str)] = &[
    ("get-config", "Returns the configuration of the autopilot subsystem under integrated storage"),
    ("set-config", "Modify the configuration of the autopilot subsystem under integrated storage"),
    ("state", "Displays the state of the raft cluster under integrated storage as seen by autopilot"),
];

pub fn run(sub: &str, args: &[String]) -> Option<i32> {
    Some(match sub {
        "state" => state(args),
        "get-config" => get_config(args),
        "set-config" => set_config(args),
        _ => return None,
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn read(args: &[String], usage: &'static str, path: &str) -> Result<(super::output::Ui, Map<String, Value>), i32> {
    let cmd = Cmd { usage, flags: &[], opts: Opts::OUTPUT, args: Some((0, 0)) };
    let ctx = cmd.prepare(args)?;
    match ctx.client.read(path, &[]) {
        Ok(Some(s)) => {
            let data = s.data.clone().unwrap_or_default();
            if !ctx.ui.is_table() {
                return Err(ctx.ui.secret(&s));
            }
            Ok((ctx.ui, data))
        }
        Ok(None) => {
            ctx.ui.err("No autopilot information found");
            Err(2)
        }
        Err(e) => {
            ctx.ui.err(&format!("Error reading {path}: {e}"));
            Err(2)
        }
    }
}

fn state(args: &[String]) -> i32 {
    let usage = "Usage: strongbox operator raft autopilot state\n\n  Displays the state of the raft cluster under integrated storage as seen by autopilot.";
    let (ui, d) = match read(args, usage, "sys/storage/raft/autopilot/state") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let get = |k: &str| d.get(k).map(text).unwrap_or_default();
    let mut out = vec![
        format!("Healthy: | {}", get("healthy")),
        format!("Failure Tolerance: | {}", get("failure_tolerance")),
        format!("Leader: | {}", get("leader")),
        "Voters:".to_string(),
    ];
    for v in d.get("voters").and_then(Value::as_array).into_iter().flatten() {
        out.push(format!("   {}", text(v)));
    }
    out.push("Servers:".to_string());
    for (id, s) in d.get("servers").and_then(Value::as_object).into_iter().flatten() {
        out.push(format!("   {id}"));
        let f = |k: &str| s.get(k).map(text).unwrap_or_default();
        for (label, key) in [
            ("Name", "name"),
            ("Address", "address"),
            ("Status", "status"),
            ("Node Status", "node_status"),
            ("Healthy", "healthy"),
            ("Last Contact", "last_contact"),
            ("Last Term", "last_term"),
            ("Last Index", "last_index"),
            ("Version", "version"),
            ("Node Type", "node_type"),
        ] {
            out.push(format!("      {label}: | {}", f(key)));
        }
    }
    ui.out(&columnize(&out, " | "));
    0
}

fn get_config(args: &[String]) -> i32 {
    let usage = "Usage: strongbox operator raft autopilot get-config\n\n  Returns the configuration of the autopilot subsystem under integrated storage.";
    let (ui, d) = match read(args, usage, "sys/storage/raft/autopilot/configuration") {
        Ok(r) => r,
        Err(code) => return code,
    };
    let get = |k: &str| d.get(k).map(text).unwrap_or_default();
    let rows = [
        ("Cleanup Dead Servers", "cleanup_dead_servers"),
        ("Last Contact Threshold", "last_contact_threshold"),
        ("Dead Server Last Contact Threshold", "dead_server_last_contact_threshold"),
        ("Server Stabilization Time", "server_stabilization_time"),
        ("Min Quorum", "min_quorum"),
        ("Max Trailing Logs", "max_trailing_logs"),
        ("Disable Upgrade Migration", "disable_upgrade_migration"),
    ];
    let mut lines = vec!["Key | Value".to_string()];
    lines.extend(rows.iter().map(|(label, key)| format!("{label} | {}", get(key))));
    ui.out(&table_output(lines, " | "));
    0
}

const SET_FLAGS: &[FlagSpec] = &[
    flag("cleanup-dead-servers", FlagKind::Bool),
    flag("last-contact-threshold", FlagKind::Str),
    flag("dead-server-last-contact-threshold", FlagKind::Str),
    flag("max-trailing-logs", FlagKind::Int),
    flag("min-quorum", FlagKind::Int),
    flag("server-stabilization-time", FlagKind::Str),
    flag("disable-upgrade-migration", FlagKind::Bool),
];

fn set_config(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator raft autopilot set-config [options]\n\n  Modify the configuration of the autopilot subsystem under integrated storage.",
        flags: SET_FLAGS,
        opts: Opts::HTTP,
        args: Some((0, 0)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let mut body = Map::new();
    for spec in SET_FLAGS {
        if !p.is_set(spec.name) {
            continue;
        }
        let key = spec.name.replace('-', "_");
        let value = match spec.kind {
            FlagKind::Bool => Value::from(p.bool(spec.name).unwrap_or(false)),
            FlagKind::Int => Value::from(p.int(spec.name).unwrap_or(0)),
            _ => Value::from(p.str(spec.name).unwrap_or_default()),
        };
        body.insert(key, value);
    }
    let body = Body::Json(Json::from_value(&Value::Object(body)));
    match client.raw(Method::POST, "sys/storage/raft/autopilot/configuration", Some(body)) {
        Ok(_) => 0,
        Err(e) => {
            ui.err(&format!("Error updating the autopilot configuration: {e}"));
            2
        }
    }
}
