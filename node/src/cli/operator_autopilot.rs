//! `operator raft autopilot state | get-config | set-config`, as Vault's CLI prints them.

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::Body;
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::Json;
use super::table::{columnize, table_output};

pub const COMMANDS: &[Command] = &[
    Command::group("operator raft autopilot", "Manage autopilot of integrated storage"),
    Command {
        name: "operator raft autopilot get-config",
        synopsis: "Returns the configuration of the autopilot subsystem under integrated storage",
        usage: "Usage: strongbox operator raft autopilot get-config\n\n  Returns the configuration of the autopilot subsystem under integrated storage.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
        run: Run::Api(get_config),
    },
    Command {
        name: "operator raft autopilot set-config",
        synopsis: "Modify the configuration of the autopilot subsystem under integrated storage",
        usage: "Usage: strongbox operator raft autopilot set-config [options]\n\n  Modify the configuration of the autopilot subsystem under integrated storage.",
        flags: SET_FLAGS,
        opts: Opts::HTTP,
        args: Some((0, 0)),
        run: Run::Api(set_config),
    },
    Command {
        name: "operator raft autopilot state",
        synopsis: "Displays the state of the raft cluster under integrated storage as seen by autopilot",
        usage: "Usage: strongbox operator raft autopilot state\n\n  Displays the state of the raft cluster under integrated storage as seen by autopilot.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
        run: Run::Api(state),
    },
];

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Reads an autopilot endpoint and prints it: in table format what `table` makes of its data,
/// in the other formats the whole response.
fn show(Ctx { ui, client, .. }: Ctx, path: &str, table: fn(&Map<String, Value>) -> String) -> Outcome {
    let secret = client
        .read(path, &[])
        .or_api(&format!("Error reading {path}"))?
        .ok_or_else(|| Fail::api("No autopilot information found"))?;
    if !ui.is_table() {
        return Ok(ui.secret(&secret));
    }
    ui.out(&table(&secret.data.unwrap_or_default()));
    Ok(0)
}

fn state(ctx: Ctx) -> Outcome {
    show(ctx, "sys/storage/raft/autopilot/state", state_table)
}

fn state_table(d: &Map<String, Value>) -> String {
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
    columnize(&out, " | ")
}

fn get_config(ctx: Ctx) -> Outcome {
    show(ctx, "sys/storage/raft/autopilot/configuration", config_table)
}

fn config_table(d: &Map<String, Value>) -> String {
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
    table_output(lines, " | ")
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

fn set_config(Ctx { p, client, .. }: Ctx) -> Outcome {
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
    client
        .raw(Method::POST, "sys/storage/raft/autopilot/configuration", Some(body))
        .or_api("Error updating the autopilot configuration")?;
    Ok(0)
}
