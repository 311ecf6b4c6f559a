//! `kv get`, `kv list` and `kv metadata get`.

use serde_json::{Map, Value};

use super::command::{Cmd, Opts};
use super::flags::{flag, FlagKind, FlagSpec};
use super::kv::{output_path, output_section, Target, MOUNT_FLAG};
use super::output::Ui;
use super::secret::Secret;
use super::table::header_for_keys;

pub fn get(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[flag("version", FlagKind::Int), MOUNT_FLAG];
    let cmd = Cmd {
        usage: "Usage: strongbox kv get [options] KEY\n\n  Retrieves the value at KEY from the key-value store (-version for an older version).",
        flags: FLAGS,
        opts: Opts::FIELD,
        args: Some((1, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    // `kv get` only drops one leading slash, unlike the other KV commands.
    let arg = &p.args[0];
    let partial = arg.strip_prefix('/').unwrap_or(arg).to_string();
    let t = match Target::resolve_with(&ui, &client, &p, partial) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let full_path = t.api_path("data");
    let mut query = Vec::new();
    if let Some(v) = p.int("version").filter(|v| t.v2 && *v > 0) {
        query.push(("version", v.to_string()));
    }
    let secret = match client.read(&full_path, &query) {
        Ok(Some(s)) => s,
        Ok(None) => {
            ui.err(&format!("No value found at {full_path}"));
            return 2;
        }
        Err(e) => {
            ui.err(&format!("Error reading {full_path}: {e}"));
            return 2;
        }
    };
    if let Some(field) = &ui.field {
        return get_field(&ui, &secret, t.v2, field, &full_path);
    }
    if secret.wrap_info.is_some() || !ui.is_table() {
        return ui.secret(&secret);
    }
    ui.print_warnings(&secret);
    if t.v2 {
        output_path(&ui, &full_path, "Secret Path");
    }
    if let Some(Value::Object(meta)) = secret.get("metadata") {
        output_section(&ui, "Metadata", meta);
        ui.out("");
    }
    let data: Option<Map<String, Value>> =
        if t.v2 { secret.get("data").and_then(Value::as_object).cloned() } else { secret.data.clone() };
    if let Some(data) = data {
        output_section(&ui, "Data", &data);
    }
    0
}

/// `kv get -field`: for v2 the field comes from the inner `data` map.
fn get_field(ui: &Ui, secret: &Secret, v2: bool, field: &str, full_path: &str) -> i32 {
    if !v2 {
        return ui.field(secret, field);
    }
    match secret.get("data") {
        Some(Value::Object(inner)) => {
            if field == "data" && !inner.contains_key("data") {
                return ui.field(secret, field);
            }
            ui.field_value(inner.get(field), field)
        }
        Some(other) if !other.is_null() => ui.field_value(None, field),
        _ => {
            ui.err(&format!("No data found at {full_path}"));
            2
        }
    }
}

pub fn list(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[MOUNT_FLAG];
    let cmd = Cmd {
        usage: "Usage: strongbox kv list [options] PATH\n\n  Lists the keys at PATH in the key-value store.",
        flags: FLAGS,
        opts: Opts::OUTPUT,
        args: None,
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let arg = match p.args.len() {
        0 if p.str("mount").unwrap_or_default().is_empty() => {
            ui.err("Not enough arguments (expected 1, got 0)");
            return 1;
        }
        0 => String::new(),
        1 => p.args[0].clone(),
        n => {
            ui.err(&format!("Too many arguments (expected 1, got {n})"));
            return 1;
        }
    };
    let t = match Target::resolve(&ui, &client, &p, &arg) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let full_path = t.api_path("metadata");
    let secret = match client.list(&full_path) {
        Ok(s) => s,
        Err(e) => {
            ui.err(&format!("Error listing {full_path}: {e}"));
            return 2;
        }
    };
    output_list(&ui, secret, &full_path, true)
}

/// The tail shared by `kv list` and `list`. `kv list` treats a response without data as
/// "no value"; `list` prints it (it may carry warnings).
pub fn output_list(ui: &Ui, secret: Option<Secret>, path: &str, kv: bool) -> i32 {
    if let Some(s) = &secret {
        let wrapped = s.wrap_info.as_ref().and_then(|w| w.get("ttl")).and_then(Value::as_i64);
        if wrapped.is_some_and(|ttl| ttl != 0) {
            return ui.secret(s);
        }
    }
    let has_keys = secret.as_ref().and_then(|s| s.get("keys")).is_some_and(Value::is_array);
    let has_data = secret.as_ref().is_some_and(|s| s.data.is_some());
    if !ui.is_table() && !has_keys {
        ui.data(&Value::Object(Map::new()));
        return 2;
    }
    let Some(secret) = secret.filter(|_| has_data || !kv) else {
        ui.err(&format!("No value found at {path}"));
        return 2;
    };
    if !has_data {
        return ui.secret(&secret);
    }
    if !has_keys {
        ui.err(&format!("No entries found at {path}"));
        return 2;
    }
    ui.list(&secret)
}

pub fn metadata_get(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[MOUNT_FLAG];
    let cmd = Cmd {
        usage: "Usage: strongbox kv metadata get [options] KEY\n\n  Retrieves the metadata and version list of KEY (KV v2 only).",
        flags: FLAGS,
        opts: Opts::OUTPUT,
        args: Some((1, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let t = match Target::resolve(&ui, &client, &p, &p.args[0]) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if !t.v2 {
        ui.err("Metadata not supported on KV Version 1");
        return 1;
    }
    let full_path = t.api_path("metadata");
    let mut secret = match client.read(&full_path, &[]) {
        Ok(Some(s)) => s,
        Ok(None) => {
            ui.err(&format!("No value found at {full_path}"));
            return 2;
        }
        Err(e) => {
            ui.err(&format!("Error reading {full_path}: {e}"));
            return 2;
        }
    };
    if secret.wrap_info.is_some() || !ui.is_table() {
        return ui.secret(&secret);
    }
    let Some(Value::Object(versions)) = secret.data.as_mut().and_then(|d| d.remove("versions")) else {
        ui.err(&format!("No value found at {full_path}"));
        ui.secret(&secret);
        return 2;
    };
    output_path(&ui, &full_path, "Metadata Path");
    let keys: Vec<String> = secret.data.iter().flat_map(|d| d.keys().cloned()).collect();
    ui.out(&header_for_keys("Metadata", keys.iter()));
    ui.secret(&secret);
    let mut numbers: Vec<(i64, &String)> = Vec::new();
    for k in versions.keys() {
        match k.parse::<i64>() {
            Ok(n) => numbers.push((n, k)),
            Err(_) => {
                ui.err(&format!("Error parsing version {k}"));
                return 2;
            }
        }
    }
    numbers.sort();
    for (n, k) in numbers {
        let version = versions[k].as_object().cloned().unwrap_or_default();
        ui.out("");
        output_section(&ui, &format!("Version {n}"), &version);
    }
    0
}
