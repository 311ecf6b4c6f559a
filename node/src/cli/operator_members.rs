//! `operator members`: the HA members as the active node sees them (`sys/ha-status`), in
//! Vault's columns.

use reqwest::Method;
use serde_json::Value;

use super::command::{Command, Ctx, Opts, OrFail, Outcome, Run};
use super::gojson::Json;
use super::table::table_output;

pub const COMMANDS: &[Command] = &[Command {
    name: "operator members",
    synopsis: "Returns the list of nodes in the cluster",
    usage: "Usage: strongbox operator members\n\n  Provides the details of all the nodes in the cluster.",
    flags: &[],
    opts: Opts::OUTPUT,
    args: Some((0, 0)),
    run: Run::Api(members),
}];

fn members(Ctx { ui, client, .. }: Ctx) -> Outcome {
    let resp = client.raw(Method::GET, "sys/ha-status", None).or_api("Error retrieving HA status")?;
    let status: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    let nodes = status.get("nodes").cloned().unwrap_or(Value::Array(Vec::new()));
    if !ui.is_table() {
        return Ok(ui.json(&Json::from_value(&serde_json::json!({ "nodes": nodes }))));
    }
    let mut lines = vec![
        "Host Name | API Address | Cluster Address | Active Node | Version | Upgrade Version | Redundancy Zone | Last Echo"
            .to_string(),
    ];
    for n in nodes.as_array().into_iter().flatten() {
        let text = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let active = n.get("active_node").and_then(Value::as_bool).unwrap_or(false);
        // Go's time.RFC3339: whole seconds.
        let echo = n
            .get("last_echo")
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| "n/a".into());
        lines.push(format!(
            "{} | {} | {} | {active} | {} | {} | {} | {echo}",
            text("hostname"),
            text("api_address"),
            text("cluster_address"),
            text("version"),
            text("upgrade_version"),
            text("redundancy_zone"),
        ));
    }
    ui.out(&table_output(lines, " | "));
    Ok(0)
}
