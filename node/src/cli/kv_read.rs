//! `kv get`, `kv list` and `kv metadata get`.

use serde_json::{Map, Value};

use super::command::{Ctx, Fail, OrFail, Outcome};
use super::kv::{output_path, output_section, Target};
use super::output::Ui;
use super::secret::Secret;
use super::table::header_for_keys;

pub(super) fn get(Ctx { p, ui, client }: Ctx) -> Outcome {
    // `kv get` only drops one leading slash, unlike the other KV commands.
    let arg = &p.args[0];
    let partial = arg.strip_prefix('/').unwrap_or(arg).to_string();
    let t = Target::resolve_with(&client, &p, partial)?;
    let full_path = t.api_path("data");
    let mut query = Vec::new();
    if let Some(v) = p.int("version").filter(|v| t.v2 && *v > 0) {
        query.push(("version", v.to_string()));
    }
    let secret = client
        .read(&full_path, &query)
        .or_api(&format!("Error reading {full_path}"))?
        .ok_or_else(|| Fail::api(format!("No value found at {full_path}")))?;
    if let Some(field) = &ui.field {
        return get_field(&ui, &secret, t.v2, field, &full_path);
    }
    if secret.wrap_info.is_some() || !ui.is_table() {
        return Ok(ui.secret(&secret));
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
    Ok(0)
}

/// `kv get -field`: for v2 the field comes from the inner `data` map.
fn get_field(ui: &Ui, secret: &Secret, v2: bool, field: &str, full_path: &str) -> Outcome {
    if !v2 {
        return Ok(ui.field(secret, field));
    }
    match secret.get("data") {
        Some(Value::Object(inner)) => {
            if field == "data" && !inner.contains_key("data") {
                return Ok(ui.field(secret, field));
            }
            Ok(ui.field_value(inner.get(field), field))
        }
        Some(other) if !other.is_null() => Ok(ui.field_value(None, field)),
        _ => Err(Fail::api(format!("No data found at {full_path}"))),
    }
}

pub(super) fn list(Ctx { p, ui, client }: Ctx) -> Outcome {
    // PATH may be left out when `-mount` names the mount.
    let arg = match p.args.len() {
        0 if p.str("mount").unwrap_or_default().is_empty() => {
            return Err(Fail::usage("Not enough arguments (expected 1, got 0)"));
        }
        0 => String::new(),
        1 => p.args[0].clone(),
        n => return Err(Fail::usage(format!("Too many arguments (expected 1, got {n})"))),
    };
    let t = Target::resolve(&client, &p, &arg)?;
    let full_path = t.api_path("metadata");
    let secret = client.list(&full_path).or_api(&format!("Error listing {full_path}"))?;
    Ok(output_list(&ui, secret, &full_path, true))
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

pub(super) fn metadata_get(Ctx { p, ui, client }: Ctx) -> Outcome {
    let t = Target::resolve(&client, &p, &p.args[0])?;
    if !t.v2 {
        return Err(Fail::usage("Metadata not supported on KV Version 1"));
    }
    let full_path = t.api_path("metadata");
    let mut secret = client
        .read(&full_path, &[])
        .or_api(&format!("Error reading {full_path}"))?
        .ok_or_else(|| Fail::api(format!("No value found at {full_path}")))?;
    if secret.wrap_info.is_some() || !ui.is_table() {
        return Ok(ui.secret(&secret));
    }
    let Some(Value::Object(versions)) = secret.data.as_mut().and_then(|d| d.remove("versions")) else {
        // The secret is printed after the error, so the error cannot wait for the dispatcher.
        ui.err(&format!("No value found at {full_path}"));
        ui.secret(&secret);
        return Err(Fail::reported(2));
    };
    output_path(&ui, &full_path, "Metadata Path");
    let keys: Vec<String> = secret.data.iter().flat_map(|d| d.keys().cloned()).collect();
    ui.out(&header_for_keys("Metadata", keys.iter()));
    ui.secret(&secret);
    let mut numbers: Vec<(i64, &String)> = Vec::new();
    for k in versions.keys() {
        let n = k.parse::<i64>().map_err(|_| Fail::api(format!("Error parsing version {k}")))?;
        numbers.push((n, k));
    }
    numbers.sort();
    for (n, k) in numbers {
        let version = versions[k].as_object().cloned().unwrap_or_default();
        ui.out("");
        output_section(&ui, &format!("Version {n}"), &version);
    }
    Ok(0)
}
