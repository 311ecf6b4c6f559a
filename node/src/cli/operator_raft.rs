//! `operator raft join | list-peers | remove-peer | snapshot save | snapshot restore`, as
//! Vault's CLI; `operator raft autopilot` is in `operator_autopilot.rs`.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::Body;
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::Json;
use super::table::table_output;

pub const COMMANDS: &[Command] = &[
    Command::group("operator raft", "Interact with Vault's raft storage backend"),
    Command {
        name: "operator raft join",
        synopsis: "Joins a node to the Raft cluster",
        usage: "Usage: strongbox operator raft join [options] <leader-api-addr>\n\n  Join the current node as a peer to the Raft cluster by providing the address\n  of the Raft leader node.\n\n      $ strongbox operator raft join \"http://127.0.0.2:8200\"",
        flags: JOIN_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 1)),
        run: Run::Api(join),
    },
    Command {
        name: "operator raft list-peers",
        synopsis: "Returns the Raft peer set",
        usage:
            "Usage: strongbox operator raft list-peers\n\n  Provides the details of all the peers in the Raft cluster.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: None,
        run: Run::Api(list_peers),
    },
    Command {
        name: "operator raft remove-peer",
        synopsis: "Removes a node from the Raft cluster",
        usage: "Usage: strongbox operator raft remove-peer <server_id>\n\n  Removes a node from the Raft cluster.\n\n      $ strongbox operator raft remove-peer node1",
        flags: &[],
        opts: Opts::HTTP,
        args: None,
        run: Run::Api(remove_peer),
    },
    Command::group("operator raft snapshot", "Restores and saves snapshots from the Raft cluster"),
    Command {
        name: "operator raft snapshot restore",
        synopsis: "Installs the provided snapshot, returning the cluster to the state defined in it",
        usage: "Usage: strongbox operator raft snapshot restore <snapshot_file>\n\n  Installs the provided snapshot, returning the cluster to the state defined in it.\n\n      $ strongbox operator raft snapshot restore raft.snap",
        flags: RESTORE_FLAGS,
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(snapshot_restore),
    },
    Command {
        name: "operator raft snapshot save",
        synopsis: "Saves a snapshot of the current state of the Raft cluster into a file",
        usage: "Usage: strongbox operator raft snapshot save <snapshot_file>\n\n  Saves a snapshot of the current state of the Raft cluster into a file.\n\n      $ strongbox operator raft snapshot save raft.snap",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(snapshot_save),
    },
];

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

fn join(Ctx { p, ui, client }: Ctx) -> Outcome {
    let mut files = Vec::new();
    for (name, what) in [
        ("leader-ca-cert", "leader CA certificate"),
        ("leader-client-cert", "leader client certificate"),
        ("leader-client-key", "leader client key"),
    ] {
        files.push(flag_file(p.str(name)).or_usage(&format!("Failed to parse {what}"))?);
    }
    let body = json!({
        "leader_api_addr": p.args.first().map(|a| a.trim()).unwrap_or_default(),
        "leader_ca_cert": files[0],
        "leader_client_cert": files[1],
        "leader_client_key": files[2],
        "retry": p.bool("retry").unwrap_or(false),
        "non_voter": p.bool("non-voter").unwrap_or(false),
    });
    let resp = client
        .raw(Method::POST, "sys/storage/raft/join", Some(Body::Json(Json::from_value(&body))))
        .or_api("Error joining the node to the Raft cluster")?;
    let joined = serde_json::from_slice::<Value>(&resp.body)
        .ok()
        .and_then(|v| v.get("joined").and_then(Value::as_bool))
        .unwrap_or(false);
    if !ui.is_table() {
        return Ok(ui.data(&json!({ "joined": joined })));
    }
    ui.out(&table_output(vec!["Key | Value".into(), format!("Joined | {joined}")], " | "));
    Ok(0)
}

fn list_peers(Ctx { ui, client, .. }: Ctx) -> Outcome {
    let secret = client
        .read("sys/storage/raft/configuration", &[])
        .or_api("Error reading the raft cluster configuration")?
        .ok_or_else(|| Fail::api("No raft cluster configuration found"))?;
    if !ui.is_table() {
        return Ok(ui.secret(&secret));
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
    Ok(0)
}

fn remove_peer(Ctx { p, ui, client }: Ctx) -> Outcome {
    let server_id = match p.args.as_slice() {
        [] => return Err(Fail::usage("Server id is required")),
        [id] => id.trim().to_string(),
        more => return Err(Fail::usage(format!("Too many arguments (expected 1, got {})", more.len()))),
    };
    let body = Body::Json(Json::from_value(&json!({ "server_id": server_id })));
    client
        .raw(Method::POST, "sys/storage/raft/remove-peer", Some(body))
        .or_api("Error removing the peer from raft cluster")?;
    ui.out("Peer removed successfully!");
    Ok(0)
}

fn snapshot_save(Ctx { p, client, .. }: Ctx) -> Outcome {
    let path = p.args[0].trim().to_string();
    if path.is_empty() {
        return Err(Fail::usage("Output file name is required"));
    }
    let resp = client.raw(Method::GET, "sys/storage/raft/snapshot", None).or_api("Error taking the snapshot")?;
    // Written beside the target and renamed, so a failed save never leaves half a file.
    let tmp = format!("{path}.tmp-{}", std::process::id());
    if let Err(e) = std::fs::write(&tmp, &resp.body).and_then(|_| std::fs::rename(&tmp, &path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Fail::usage(format!("Error writing snapshot file: {e}")));
    }
    Ok(0)
}

const RESTORE_FLAGS: &[FlagSpec] = &[flag("force", FlagKind::Bool)];

fn snapshot_restore(Ctx { p, client, .. }: Ctx) -> Outcome {
    // Exit 2 although the file is local: the code this command has always returned here.
    let archive = std::fs::read(p.args[0].trim()).or_api("Error opening snapshot file")?;
    let path =
        if p.bool("force").unwrap_or(false) { "sys/storage/raft/snapshot-force" } else { "sys/storage/raft/snapshot" };
    client.raw(Method::POST, path, Some(Body::Bytes(archive))).or_api("Error installing the snapshot")?;
    Ok(0)
}
