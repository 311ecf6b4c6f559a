//! `kv put`, `kv patch` and `kv rollback`: the commands that write a new version.

use std::io::Read;

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{Body, Client};
use super::command::{Cmd, Opts};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::Json;
use super::kv::{output_path, output_section, report, Target, MOUNT_FLAG};
use super::kvargs::parse_data;
use super::output::Ui;
use super::secret::Secret;

/// Prints a write's response the way `kv put`/`kv patch` do: the secret path and the new
/// version's metadata as tables, otherwise the whole secret.
fn output_written(ui: &Ui, full_path: &str, secret: Option<Secret>) -> i32 {
    let Some(secret) = secret else {
        if ui.is_table() {
            ui.out(&format!("Success! Data written to: {full_path}"));
        }
        return 0;
    };
    if let Some(f) = &ui.field {
        return ui.field(&secret, f);
    }
    let wrapped = secret.wrap_info.as_ref().is_some_and(|w| w.get("ttl").and_then(Value::as_i64).unwrap_or(0) != 0);
    if ui.is_table() && !wrapped {
        output_path(ui, full_path, "Secret Path");
        output_section(ui, "Metadata", secret.data.as_ref().unwrap_or(&Map::new()));
        return 0;
    }
    ui.secret(&secret)
}

fn stdin() -> Box<dyn Read> {
    Box::new(std::io::stdin())
}

pub fn put(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[flag("cas", FlagKind::Int), MOUNT_FLAG];
    let cmd = Cmd {
        usage: "Usage: strongbox kv put [options] KEY [DATA]\n\n  Writes the data to the given path in the key-value store (k=v, k=@file, k=- or - for JSON on stdin).",
        flags: FLAGS,
        opts: Opts::FIELD,
        args: None,
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    match p.args.len() {
        0 => {
            ui.err("Not enough arguments (expected >1, got 0)");
            return 1;
        }
        1 => {
            ui.err("Must supply data");
            return 1;
        }
        _ => {}
    }
    let data = match parse_data(&mut stdin(), &p.args[1..]) {
        Ok(d) => d.unwrap_or_default(),
        Err(e) => {
            ui.err(&format!("Failed to parse K=V data: {e}"));
            return 1;
        }
    };
    let t = match Target::resolve(&ui, &client, &p, &p.args[0]) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let full_path = t.api_path("data");
    let body = if t.v2 {
        let mut options = Vec::new();
        if let Some(cas) = p.int("cas").filter(|c| *c > -1) {
            options.push(("cas".to_string(), Json::int(cas)));
        }
        Json::Obj(vec![("data".into(), Json::from_value(&Value::Object(data))), ("options".into(), Json::Obj(options))])
    } else {
        Json::from_value(&Value::Object(data))
    };
    match client.write(Method::PUT, &full_path, Body::Json(body)) {
        Ok(secret) => output_written(&ui, &full_path, secret),
        Err(w) => report(&ui, "Error writing data to", &full_path, &w.err, w.secret.as_ref()),
    }
}

pub fn patch(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] =
        &[flag("cas", FlagKind::Int), flag("method", FlagKind::Str), MOUNT_FLAG, flag("remove-data", FlagKind::List)];
    let cmd = Cmd {
        usage: "Usage: strongbox kv patch [options] KEY [DATA]\n\n  Updates data at the given path without overwriting the rest (KV v2 only).",
        flags: FLAGS,
        opts: Opts::FIELD,
        args: None,
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let remove = p.list("remove-data");
    if p.args.is_empty() {
        ui.err(&format!("Not enough arguments (expected >1, got {})", p.args.len()));
        return 1;
    }
    if remove.is_empty() && p.args.len() == 1 {
        ui.err("Must supply data");
        return 1;
    }
    let mut data = match parse_data(&mut stdin(), &p.args[1..]) {
        Ok(d) => d.unwrap_or_default(),
        Err(e) => {
            ui.err(&format!("Failed to parse K=V data: {e}"));
            return 1;
        }
    };
    let t = match Target::resolve(&ui, &client, &p, &p.args[0]) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if !t.v2 {
        ui.err("K/V engine mount must be version 2 for patch support");
        return 2;
    }
    let full_path = t.api_path("data");
    for key in remove {
        // A null in a JSON merge patch removes the key.
        data.insert(key, Value::Null);
    }
    let cas = p.int("cas").unwrap_or(0);
    let result = match p.str("method").unwrap_or_default() {
        "rw" => read_then_write(&ui, &client, &full_path, data),
        "patch" => merge_patch(&ui, &client, &full_path, data, cas, false),
        "" => merge_patch(&ui, &client, &full_path, data, cas, true),
        other => {
            ui.err(&format!("Unsupported method provided to -method flag: {other}"));
            return 2;
        }
    };
    match result {
        Err(code) => code,
        Ok(None) => {
            if ui.is_table() {
                ui.out(&format!("Success! Data written to: {full_path}"));
            }
            0
        }
        Ok(secret) => output_written(&ui, &full_path, secret),
    }
}

type PatchResult = Result<Option<Secret>, i32>;

/// A version's metadata and data.
type MetaAndData = (Map<String, Value>, Map<String, Value>);

fn merge_patch(
    ui: &Ui,
    client: &Client,
    path: &str,
    data: Map<String, Value>,
    cas: i64,
    fallback: bool,
) -> PatchResult {
    let mut options = Vec::new();
    if cas > 0 {
        options.push(("cas".to_string(), Json::int(cas)));
    }
    let body = Json::Obj(vec![
        ("data".into(), Json::from_value(&Value::Object(data.clone()))),
        ("options".into(), Json::Obj(options)),
    ]);
    match client.write(Method::PATCH, path, Body::MergePatch(body)) {
        Ok(s) => Ok(s),
        // Servers or policies without PATCH: fall back to read, merge, write.
        Err(w) if fallback && w.err.status() == Some(405) => read_then_write(ui, client, path, data),
        Err(w) if fallback && w.err.status() == Some(403) => {
            ui.err(&format!("Data was written to {path} but we recommend that you add the \"patch\" capability to your ACL policy in order to use HTTP PATCH in the future."));
            read_then_write(ui, client, path, data)
        }
        Err(w) => {
            ui.err(&format!("Error writing data to {path}: {}", w.err));
            Err(2)
        }
    }
}

/// Reads a version (the current one without `version`), checks it exists, and returns its
/// metadata and (when `need_data`) its data.
fn pre_read(
    ui: &Ui,
    client: &Client,
    path: &str,
    version: Option<i64>,
    what: &str,
    need_data: bool,
) -> Result<MetaAndData, i32> {
    let query: Vec<(&str, String)> = version.map(|v| ("version", v.to_string())).into_iter().collect();
    let secret = match client.read(path, &query) {
        Ok(Some(s)) if s.data.is_some() => s,
        Ok(_) => {
            ui.err(&format!("No value found at {path}"));
            return Err(2);
        }
        Err(e) => {
            ui.err(&format!("Error doing pre-read at {path}: {e}"));
            return Err(2);
        }
    };
    let Some(meta) = secret.get("metadata").and_then(Value::as_object).cloned() else {
        ui.err(&format!("No metadata found at {path}; {what} only works on existing data"));
        return Err(2);
    };
    if version.is_some() {
        let deleted = meta.get("deletion_time").and_then(Value::as_str).unwrap_or_default();
        if !deleted.is_empty() {
            ui.err("Cannot roll back to a version that has been deleted");
            return Err(2);
        }
        if meta.get("destroyed").and_then(Value::as_bool).unwrap_or(false) {
            ui.err("Cannot roll back to a version that has been destroyed");
            return Err(2);
        }
    }
    if !need_data {
        return Ok((meta, Map::new()));
    }
    let Some(data) = secret.get("data").and_then(Value::as_object).cloned() else {
        ui.err(&format!("No data found at {path}; {what} only works on existing data"));
        return Err(2);
    };
    Ok((meta, data))
}

fn read_then_write(ui: &Ui, client: &Client, path: &str, new_data: Map<String, Value>) -> PatchResult {
    let (meta, mut data) = pre_read(ui, client, path, None, "patch", true)?;
    data.extend(new_data);
    write_version(ui, client, path, data, &meta)
}

/// Writes `data` as a new version, check-and-set against the version in `meta`.
fn write_version(
    ui: &Ui,
    client: &Client,
    path: &str,
    data: Map<String, Value>,
    meta: &Map<String, Value>,
) -> PatchResult {
    let cas = meta.get("version").cloned().unwrap_or(Value::Null);
    let body = Json::Obj(vec![
        ("data".into(), Json::from_value(&Value::Object(data))),
        ("options".into(), Json::Obj(vec![("cas".into(), Json::from_value(&cas))])),
    ]);
    client.write(Method::PUT, path, Body::Json(body)).map_err(|w| {
        ui.err(&format!("Error writing data to {path}: {}", w.err));
        2
    })
}

pub fn rollback(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[flag("version", FlagKind::Int), MOUNT_FLAG];
    let cmd = Cmd {
        usage: "Usage: strongbox kv rollback [options] KEY\n\n  Restores -version as the newest version of KEY (KV v2 only).",
        flags: FLAGS,
        opts: Opts::OUTPUT,
        args: None,
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    if p.args.len() != 1 {
        ui.err(&format!("Invalid number of arguments (expected 1, got {})", p.args.len()));
        return 1;
    }
    let Some(version) = p.int("version") else {
        ui.err("Version flag must be specified");
        return 1;
    };
    if version <= 0 {
        ui.err(&format!("Invalid value {version} for the version flag"));
        return 1;
    }
    let t = match Target::resolve(&ui, &client, &p, &p.args[0]) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if !t.v2 {
        ui.err("K/V engine mount must be version 2 for rollback support");
        return 2;
    }
    let full_path = t.api_path("data");
    let result = pre_read(&ui, &client, &full_path, None, "rollback", false).and_then(|(current, _)| {
        let (_, data) = pre_read(&ui, &client, &full_path, Some(version), "rollback", true)?;
        write_version(&ui, &client, &full_path, data, &current)
    });
    match result {
        Err(code) => code,
        Ok(None) => {
            if ui.is_table() {
                ui.out(&format!("Success! Data written to: {full_path}"));
            }
            0
        }
        Ok(Some(secret)) => ui.secret_or_field(&secret),
    }
}
