//! `operator raft join | list-peers | remove-peer` and `operator step-down`, as Vault's CLI.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::Body;
use super::command::{Cmd, Opts};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::Json;
use super::table::table_output;

pub const SUBCOMMANDS: &[(&str, &str)] = &[
    ("autopilot", "Manage autopilot of integrated storage"),
    ("join", "Joins a node to the Raft cluster"),
    ("list-peers", "Returns the Raft peer set"),
    ("remove-peer", "Removes a node from the Raft cluster"),
    ("snapshot", "Restores and saves snapshots from the Raft cluster"),
];

const SNAPSHOT_SUBCOMMANDS: &[(&str, &str)] = &[
    ("restore", "Installs the provided snapshot, returning the cluster to the state defined in it"),
    ("save", "Saves a snapshot of the current state of the Raft cluster into a file"),
];

pub fn run(sub: &str, args: &[String]) -> Option<i32> {
    Some(match sub {
        "join" => join(args),
        "autopilot" => super::group(
            args,
            "operator raft autopilot",
            super::operator_autopilot::SUBCOMMANDS,
            super::operator_autopilot::run,
        ),
        "list-peers" => list_peers(args),
        "remove-peer" => remove_peer(args),
        "snapshot" => super::group(args, "operator raft snapshot", SNAPSHOT_SUBCOMMANDS, run_snapshot),
        _ => return None,
    })
}

const JOIN_FLAGS: &[FlagSpec] = &[
    flag("leader-ca-cert", FlagKind::Str),
    flag("leader-client-cert", FlagKind::Str),
    flag("leader-client-key", FlagKind::Str),
    flag("retry", FlagKind::Bool),
    flag("non-voter", FlagKind::Bool),
];

/// Vault's `parseFlagFile`: `@path` reads the file, anything else is the value itself.
fn flag_file(value: Option<&str>) -> Result<Option<String>, String> {
    match value {
        None | Some("") => Ok(None),
        Some(v) => match v.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path).map(Some).map_err(|e| e.to_string()),
            None => Ok(Some(v.to_string())),
        },
    }
}

fn join(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator raft join [options] <leader-api-addr>\n\n  Join the current node as a peer to the Raft cluster by providing the address\n  of the Raft leader node.\n\n      $ strongbox operator raft join \"http://127.0.0.2:8200\"",
        flags: JOIN_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let mut files = Vec::new();
    for (name, what) in [
        ("leader-ca-cert", "leader CA certificate"),
        ("leader-client-cert", "leader client certificate"),
        ("leader-client-key", "leader client key"),
    ] {
        match flag_file(p.str(name)) {
            Ok(v) => files.push(v),
            Err(e) => {
                ui.err(&format!("Failed to parse {what}: {e}"));
                return 1;
            }
        }
    }
    let body = json!({
        "leader_api_addr": p.args.first().map(|a| a.trim()).unwrap_or_default(),
        "leader_ca_cert": files[0],
        "leader_client_cert": files[1],
        "leader_client_key": files[2],
        "retry": p.bool("retry").unwrap_or(false),
        "non_voter": p.bool("non-voter").unwrap_or(false),
    });
    let resp = match client.raw(Method::POST, "sys/storage/raft/join", Some(Body::Json(Json::from_value(&body)))) {
        Ok(r) => r,
        Err(e) => {
            ui.err(&format!("Error joining the node to the Raft cluster: {e}"));
            return 2;
        }
    };
    let joined = serde_json::from_slice::<Value>(&resp.body)
        .ok()
        .and_then(|v| v.get("joined").and_then(Value::as_bool))
        .unwrap_or(false);
    if !ui.is_table() {
        return ui.data(&json!({ "joined": joined }));
    }
    ui.out(&table_output(vec!["Key | Value".into(), format!("Joined | {joined}")], " | "));
    0
}

fn list_peers(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage:
            "Usage: strongbox operator raft list-peers\n\n  Provides the details of all the peers in the Raft cluster.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: None,
    };
    let (_, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let secret = match client.read("sys/storage/raft/configuration", &[]) {
        Ok(Some(s)) => s,
        Ok(None) => {
            ui.err("No raft cluster configuration found");
            return 2;
        }
        Err(e) => {
            ui.err(&format!("Error reading the raft cluster configuration: {e}"));
            return 2;
        }
    };
    if !ui.is_table() {
        return ui.secret(&secret);
    }
    let servers = secret
        .data
        .as_ref()
        .and_then(|d| d.get("config"))
        .and_then(|c| c.get("servers"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut lines = vec!["Node | Address | State | Voter".to_string()];
    for s in servers {
        let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let flag = |k: &str| s.get(k).and_then(Value::as_bool).unwrap_or(false);
        let state = if flag("leader") { "leader" } else { "follower" };
        lines.push(format!("{} | {} | {state} | {}", text("node_id"), text("address"), flag("voter")));
    }
    ui.out(&table_output(lines, " | "));
    0
}

fn remove_peer(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator raft remove-peer <server_id>\n\n  Removes a node from the Raft cluster.\n\n      $ strongbox operator raft remove-peer node1",
        flags: &[],
        opts: Opts::HTTP,
        args: None,
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let server_id = match p.args.as_slice() {
        [] => {
            ui.err("Server id is required");
            return 1;
        }
        [id] => id.trim().to_string(),
        more => {
            ui.err(&format!("Too many arguments (expected 1, got {})", more.len()));
            return 1;
        }
    };
    let body = Body::Json(Json::from_value(&json!({ "server_id": server_id })));
    match client.raw(Method::POST, "sys/storage/raft/remove-peer", Some(body)) {
        Ok(_) => {
            ui.out("Peer removed successfully!");
            0
        }
        Err(e) => {
            ui.err(&format!("Error removing the peer from raft cluster: {e}"));
            2
        }
    }
}

fn run_snapshot(sub: &str, args: &[String]) -> Option<i32> {
    Some(match sub {
        "save" => snapshot_save(args),
        "restore" => snapshot_restore(args),
        _ => return None,
    })
}

fn snapshot_save(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator raft snapshot save <snapshot_file>\n\n  Saves a snapshot of the current state of the Raft cluster into a file.\n\n      $ strongbox operator raft snapshot save raft.snap",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((1, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let path = p.args[0].trim().to_string();
    if path.is_empty() {
        ui.err("Output file name is required");
        return 1;
    }
    let resp = match client.raw(Method::GET, "sys/storage/raft/snapshot", None) {
        Ok(r) => r,
        Err(e) => {
            ui.err(&format!("Error taking the snapshot: {e}"));
            return 2;
        }
    };
    // Written beside the target and renamed, so a failed save never leaves half a file.
    let tmp = format!("{path}.tmp-{}", std::process::id());
    if let Err(e) = std::fs::write(&tmp, &resp.body).and_then(|_| std::fs::rename(&tmp, &path)) {
        let _ = std::fs::remove_file(&tmp);
        ui.err(&format!("Error writing snapshot file: {e}"));
        return 1;
    }
    0
}

const RESTORE_FLAGS: &[FlagSpec] = &[flag("force", FlagKind::Bool)];

fn snapshot_restore(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator raft snapshot restore <snapshot_file>\n\n  Installs the provided snapshot, returning the cluster to the state defined in it.\n\n      $ strongbox operator raft snapshot restore raft.snap",
        flags: RESTORE_FLAGS,
        opts: Opts::HTTP,
        args: Some((1, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let archive = match std::fs::read(p.args[0].trim()) {
        Ok(b) => b,
        Err(e) => {
            ui.err(&format!("Error opening snapshot file: {e}"));
            return 2;
        }
    };
    let path =
        if p.bool("force").unwrap_or(false) { "sys/storage/raft/snapshot-force" } else { "sys/storage/raft/snapshot" };
    match client.raw(Method::POST, path, Some(Body::Bytes(archive))) {
        Ok(_) => 0,
        Err(e) => {
            ui.err(&format!("Error installing the snapshot: {e}"));
            2
        }
    }
}
