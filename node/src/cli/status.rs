//! `status` and the seal-status view shared with `operator unseal`: `sys/seal-status` merged
//! with `sys/leader`, printed as Vault's `SealStatusOutput`.

use chrono::{DateTime, FixedOffset};
use reqwest::Method;
use serde_json::Value;

use super::client::{ApiError, Client};
use super::gojson::{as_struct, field, omit, Field, Json, Kind};
use super::output::Ui;
use super::table::table_output;

/// Vault's `api.SealStatusResponse`. `commit_date` is OpenBao's name for `build_date`; it is
/// kept when a server sends it.
const SEAL_STATUS: &[Field] = &[
    field("type", Kind::Str),
    field("initialized", Kind::Bool),
    field("sealed", Kind::Bool),
    field("t", Kind::Int),
    field("n", Kind::Int),
    field("progress", Kind::Int),
    field("nonce", Kind::Str),
    field("version", Kind::Str),
    omit("commit_date", Kind::Str),
    field("build_date", Kind::Str),
    field("migration", Kind::Bool),
    omit("cluster_name", Kind::Str),
    omit("cluster_id", Kind::Str),
    field("recovery_seal", Kind::Bool),
    omit("recovery_seal_type", Kind::Str),
    omit("storage_type", Kind::Str),
    omit("warnings", Kind::Any),
];

/// Fetches `sys/seal-status`.
pub fn fetch_seal_status(client: &Client) -> Result<Value, ApiError> {
    let resp = client.raw(Method::GET, "sys/seal-status", None)?;
    decode(&resp.body)
}

pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::Other(e.to_string()))
}

/// `OutputSealStatus`: adds the leader view and prints. "Vault is sealed" from `sys/leader`
/// means HA is enabled but cannot be queried yet.
pub fn output_seal_status(ui: &Ui, client: &Client, status: &Value) -> i32 {
    let leader = match client.raw(Method::GET, "sys/leader", None) {
        Ok(resp) => match decode(&resp.body) {
            Ok(v) => v,
            Err(e) => {
                ui.err(&format!("Error checking leader status: {e}"));
                return 1;
            }
        },
        Err(e) if e.to_string().contains("Vault is sealed") => {
            serde_json::json!({"ha_enabled": true})
        }
        Err(e) => {
            ui.err(&format!("Error checking leader status: {e}"));
            return 1;
        }
    };
    let active_time = leader
        .get("active_time")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .filter(|t| t.timestamp() != ZERO_TIME_UNIX);
    if ui.format == "json" {
        let Json::Obj(mut fields) = as_struct(Some(status), SEAL_STATUS) else {
            return 1;
        };
        let get = |k: &str| leader.get(k).cloned().unwrap_or(Value::Null);
        fields.push(("ha_enabled".into(), Json::Bool(get("ha_enabled") == Value::Bool(true))));
        if get("is_self") == Value::Bool(true) {
            fields.push(("is_self".into(), Json::Bool(true)));
        }
        if let Some(t) = active_time {
            fields.push(("active_time".into(), Json::Str(rfc3339_nano(&t))));
        }
        for k in ["leader_address", "leader_cluster_address"] {
            if let Some(s) = get(k).as_str().filter(|s| !s.is_empty()) {
                fields.push((k.into(), Json::str(s)));
            }
        }
        for k in ["raft_committed_index", "raft_applied_index"] {
            if let Some(n) = get(k).as_u64().filter(|n| *n > 0) {
                fields.push((k.into(), Json::Num(n.to_string())));
            }
        }
        return ui.json(&Json::Obj(fields));
    }
    if !ui.is_table() {
        ui.err(&format!("Invalid output format: {}", ui.format));
        return 1;
    }
    ui.out(&seal_status_table(status, &leader, active_time));
    0
}

/// Go's zero `time.Time`, which Vault treats as "no active time".
const ZERO_TIME_UNIX: i64 = -62_135_596_800;

fn seal_status_table(s: &Value, leader: &Value, active: Option<DateTime<FixedOffset>>) -> String {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let flag = |v: &Value, k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_i64).unwrap_or(0);
    let sealed = flag(s, "sealed");
    let recovery = flag(s, "recovery_seal");
    let mut out = vec!["Key | Value".to_string(), format!("Seal Type | {}", text(s, "type"))];
    if recovery {
        out.push(format!("Recovery Seal Type | {}", text(s, "recovery_seal_type")));
    }
    out.push(format!("Initialized | {}", flag(s, "initialized")));
    out.push(format!("Sealed | {sealed}"));
    let prefix = if recovery { "Recovery " } else { "" };
    out.push(format!("Total {prefix}Shares | {}", num(s, "n")));
    out.push(format!("Threshold | {}", num(s, "t")));
    if sealed {
        out.push(format!("Unseal Progress | {}/{}", num(s, "progress"), num(s, "t")));
        out.push(format!("Unseal Nonce | {}", text(s, "nonce")));
    }
    if flag(s, "migration") {
        out.push("Seal Migration in Progress | true".to_string());
    }
    for (key, label) in [
        ("version", "Version"),
        ("build_date", "Build Date"),
        ("commit_date", "Commit Date"),
        ("storage_type", "Storage Type"),
    ] {
        let v = text(s, key);
        if !v.is_empty() {
            out.push(format!("{label} | {v}"));
        }
    }
    let (name, id) = (text(s, "cluster_name"), text(s, "cluster_id"));
    if !name.is_empty() && !id.is_empty() {
        out.push(format!("Cluster Name | {name}"));
        out.push(format!("Cluster ID | {id}"));
    }
    let ha = flag(leader, "ha_enabled");
    out.push(format!("HA Enabled | {ha}"));
    if ha && !sealed {
        let is_self = flag(leader, "is_self");
        out.push(format!("HA Cluster | {}", text(leader, "leader_cluster_address")));
        out.push(format!("HA Mode | {}", if is_self { "active" } else { "standby" }));
        if let Some(t) = active.filter(|_| is_self) {
            out.push(format!("Active Since | {}", rfc3339_nano(&t)));
        }
        let addr = text(leader, "leader_address");
        if !is_self && !addr.is_empty() {
            out.push(format!("Active Node Address | {addr}"));
        }
    }
    for (key, label) in [("raft_committed_index", "Raft Committed Index"), ("raft_applied_index", "Raft Applied Index")]
    {
        let n = num(leader, key);
        if n > 0 {
            out.push(format!("{label} | {n}"));
        }
    }
    table_output(out, "|")
}

/// Go's `time.RFC3339Nano` layout: trailing zeros of the fraction dropped, `Z` for UTC.
pub fn rfc3339_nano(t: &DateTime<FixedOffset>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    let frac = if nanos == 0 { String::new() } else { format!(".{nanos:09}").trim_end_matches('0').to_string() };
    let offset = t.offset().local_minus_utc();
    let zone = if offset == 0 { "Z".to_string() } else { t.format("%:z").to_string() };
    format!("{base}{frac}{zone}")
}

/// `vault status`: 0 unsealed, 2 sealed, 1 on error.
pub fn status(ui: &Ui, client: &Client) -> i32 {
    let status = match fetch_seal_status(client) {
        Ok(s) => s,
        Err(e) => {
            ui.err(&format!("Error checking seal status: {e}"));
            return 1;
        }
    };
    let code = output_seal_status(ui, client, &status);
    if status.get("sealed").and_then(Value::as_bool).unwrap_or(false) {
        return 2;
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sealed_status_table() {
        let s = json!({"type":"shamir","initialized":true,"sealed":true,"t":2,"n":3,"progress":1,
            "nonce":"abc","version":"1.0.0","build_date":"","storage_type":"raft"});
        let want = "Key                Value\n\
                    ---                -----\n\
                    Seal Type          shamir\n\
                    Initialized        true\n\
                    Sealed             true\n\
                    Total Shares       3\n\
                    Threshold          2\n\
                    Unseal Progress    1/2\n\
                    Unseal Nonce       abc\n\
                    Version            1.0.0\n\
                    Storage Type       raft\n\
                    HA Enabled         true";
        assert_eq!(seal_status_table(&s, &json!({"ha_enabled": true}), None), want);
    }

    #[test]
    fn rfc3339_nano_trims_like_go() {
        let t = DateTime::parse_from_rfc3339("2024-01-02T03:04:05.120000+00:00").unwrap();
        assert_eq!(rfc3339_nano(&t), "2024-01-02T03:04:05.12Z");
    }
}
