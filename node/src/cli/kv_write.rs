//! `kv put`, `kv patch` and `kv rollback`: the commands that write a new version.

use std::io::Read;

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{Body, Client};
use super::command::{Ctx, Fail, OrFail, Outcome};
use super::gojson::Json;
use super::kv::{output_path, output_section, write_failed, Target};
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

pub(super) fn put(Ctx { p, ui, client }: Ctx) -> Outcome {
    match p.args.len() {
        0 => return Err(Fail::usage("Not enough arguments (expected >1, got 0)")),
        1 => return Err(Fail::usage("Must supply data")),
        _ => {}
    }
    let data = parse_data(&mut stdin(), &p.args[1..]).or_usage("Failed to parse K=V data")?.unwrap_or_default();
    let t = Target::resolve(&client, &p, &p.args[0])?;
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
    let secret = client
        .write(Method::PUT, &full_path, Body::Json(body))
        .map_err(|w| write_failed(&ui, "Error writing data to", &full_path, w))?;
    Ok(output_written(&ui, &full_path, secret))
}

pub(super) fn patch(Ctx { p, ui, client }: Ctx) -> Outcome {
    let remove = p.list("remove-data");
    if p.args.is_empty() {
        return Err(Fail::usage("Not enough arguments (expected >1, got 0)"));
    }
    if remove.is_empty() && p.args.len() == 1 {
        return Err(Fail::usage("Must supply data"));
    }
    let mut data = parse_data(&mut stdin(), &p.args[1..]).or_usage("Failed to parse K=V data")?.unwrap_or_default();
    let t = Target::resolve(&client, &p, &p.args[0])?;
    if !t.v2 {
        return Err(Fail::api("K/V engine mount must be version 2 for patch support"));
    }
    let full_path = t.api_path("data");
    for key in remove {
        // A null in a JSON merge patch removes the key.
        data.insert(key, Value::Null);
    }
    let cas = p.int("cas").unwrap_or(0);
    let secret = match p.str("method").unwrap_or_default() {
        "rw" => read_then_write(&client, &full_path, data),
        "patch" => merge_patch(&ui, &client, &full_path, data, cas, false),
        "" => merge_patch(&ui, &client, &full_path, data, cas, true),
        other => return Err(Fail::api(format!("Unsupported method provided to -method flag: {other}"))),
    }?;
    Ok(output_written(&ui, &full_path, secret))
}

type PatchResult = Result<Option<Secret>, Fail>;

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
        Err(w) if fallback && w.err.status() == Some(405) => read_then_write(client, path, data),
        Err(w) if fallback && w.err.status() == Some(403) => {
            ui.err(&format!("Data was written to {path} but we recommend that you add the \"patch\" capability to your ACL policy in order to use HTTP PATCH in the future."));
            read_then_write(client, path, data)
        }
        Err(w) => Err(Fail::api(format!("Error writing data to {path}: {}", w.err))),
    }
}

/// Reads a version (the current one without `version`), checks it exists, and returns its
/// metadata and (when `need_data`) its data.
fn pre_read(
    client: &Client,
    path: &str,
    version: Option<i64>,
    what: &str,
    need_data: bool,
) -> Result<MetaAndData, Fail> {
    let query: Vec<(&str, String)> = version.map(|v| ("version", v.to_string())).into_iter().collect();
    let secret = client
        .read(path, &query)
        .or_api(&format!("Error doing pre-read at {path}"))?
        .filter(|s| s.data.is_some())
        .ok_or_else(|| Fail::api(format!("No value found at {path}")))?;
    let Some(meta) = secret.get("metadata").and_then(Value::as_object).cloned() else {
        return Err(Fail::api(format!("No metadata found at {path}; {what} only works on existing data")));
    };
    if version.is_some() {
        let deleted = meta.get("deletion_time").and_then(Value::as_str).unwrap_or_default();
        if !deleted.is_empty() {
            return Err(Fail::api("Cannot roll back to a version that has been deleted"));
        }
        if meta.get("destroyed").and_then(Value::as_bool).unwrap_or(false) {
            return Err(Fail::api("Cannot roll back to a version that has been destroyed"));
        }
    }
    if !need_data {
        return Ok((meta, Map::new()));
    }
    let Some(data) = secret.get("data").and_then(Value::as_object).cloned() else {
        return Err(Fail::api(format!("No data found at {path}; {what} only works on existing data")));
    };
    Ok((meta, data))
}

fn read_then_write(client: &Client, path: &str, new_data: Map<String, Value>) -> PatchResult {
    let (meta, mut data) = pre_read(client, path, None, "patch", true)?;
    data.extend(new_data);
    write_version(client, path, data, &meta)
}

/// Writes `data` as a new version, check-and-set against the version in `meta`.
fn write_version(client: &Client, path: &str, data: Map<String, Value>, meta: &Map<String, Value>) -> PatchResult {
    let cas = meta.get("version").cloned().unwrap_or(Value::Null);
    let body = Json::Obj(vec![
        ("data".into(), Json::from_value(&Value::Object(data))),
        ("options".into(), Json::Obj(vec![("cas".into(), Json::from_value(&cas))])),
    ]);
    client
        .write(Method::PUT, path, Body::Json(body))
        .map_err(|w| Fail::api(format!("Error writing data to {path}: {}", w.err)))
}

pub(super) fn rollback(Ctx { p, ui, client }: Ctx) -> Outcome {
    if p.args.len() != 1 {
        return Err(Fail::usage(format!("Invalid number of arguments (expected 1, got {})", p.args.len())));
    }
    let Some(version) = p.int("version") else {
        return Err(Fail::usage("Version flag must be specified"));
    };
    if version <= 0 {
        return Err(Fail::usage(format!("Invalid value {version} for the version flag")));
    }
    let t = Target::resolve(&client, &p, &p.args[0])?;
    if !t.v2 {
        return Err(Fail::api("K/V engine mount must be version 2 for rollback support"));
    }
    let full_path = t.api_path("data");
    let (current, _) = pre_read(&client, &full_path, None, "rollback", false)?;
    let (_, data) = pre_read(&client, &full_path, Some(version), "rollback", true)?;
    match write_version(&client, &full_path, data, &current)? {
        None => {
            if ui.is_table() {
                ui.out(&format!("Success! Data written to: {full_path}"));
            }
            Ok(0)
        }
        Some(secret) => Ok(ui.secret_or_field(&secret)),
    }
}
