//! `kv delete | undelete | destroy` and `kv metadata put | delete`: commands that change
//! versions or key settings rather than data.

use reqwest::Method;

use super::client::Body;
use super::command::{Ctx, Fail, Outcome};
use super::godur;
use super::gojson::Json;
use super::kv::{parse_versions, write_failed, Target};
use super::output::Ui;
use super::secret::Secret;

fn versions_body(values: &[String]) -> Body {
    let versions = parse_versions(values).into_iter().map(Json::Str).collect();
    Body::Json(Json::Obj(vec![("versions".into(), Json::Arr(versions))]))
}

/// What `kv delete` prints after a call that succeeded.
fn output_done(ui: &Ui, secret: Option<Secret>, success: String) -> i32 {
    match secret {
        None => {
            if ui.is_table() {
                ui.out(&success);
            }
            0
        }
        Some(s) => ui.secret_or_field(&s),
    }
}

pub(super) fn delete(Ctx { p, ui, client }: Ctx) -> Outcome {
    let t = Target::resolve(&client, &p, &p.args[0])?;
    // Messages name the data path even when specific versions are deleted.
    let full_path = t.api_path("data");
    let versions = p.list("versions");
    let result = if t.v2 && !versions.is_empty() {
        client.write(Method::PUT, &t.api_path("delete"), versions_body(&versions))
    } else {
        client.delete(&full_path, &[])
    };
    let secret = result.map_err(|w| write_failed(&ui, "Error deleting", &full_path, w))?;
    Ok(output_done(&ui, secret, format!("Success! Data deleted (if it existed) at: {full_path}")))
}

pub(super) fn undelete(ctx: Ctx) -> Outcome {
    change_versions(ctx, "undelete")
}

pub(super) fn destroy(ctx: Ctx) -> Outcome {
    change_versions(ctx, "destroy")
}

/// `kv undelete` and `kv destroy`: PUT the `-versions` list to `<mount>/<op>/<path>`.
fn change_versions(Ctx { p, ui, client }: Ctx, op: &str) -> Outcome {
    let versions = p.list("versions");
    if versions.is_empty() {
        return Err(Fail::usage(format!(
            "No versions provided, use the \"-versions\" flag to specify the version to {op}."
        )));
    }
    let t = Target::resolve(&client, &p, &p.args[0])?;
    if !t.v2 {
        let name = if op == "undelete" { "Undelete" } else { "Destroy" };
        return Err(Fail::usage(format!("{name} not supported on KV Version 1")));
    }
    let path = t.api_path(op);
    match client.write(Method::PUT, &path, versions_body(&versions)) {
        Ok(None) => {
            if ui.is_table() {
                ui.out(&format!("Success! Data written to: {path}"));
            }
            Ok(0)
        }
        Ok(Some(s)) => Ok(ui.secret(&s)),
        Err(w) => Err(write_failed(&ui, "Error writing data to", &path, w)),
    }
}

pub(super) fn metadata_put(Ctx { p, ui, client }: Ctx) -> Outcome {
    let t = Target::resolve(&client, &p, &p.args[0])?;
    if !t.v2 {
        return Err(Fail::usage("Metadata not supported on KV Version 1"));
    }
    let path = t.api_path("metadata");
    // Keys in sorted order, as Go marshals the map.
    let mut body = Vec::new();
    if let Some(b) = p.bool("cas-required") {
        body.push(("cas_required".to_string(), Json::Bool(b)));
    }
    let custom = p.map("custom-metadata");
    if !custom.is_empty() {
        let m = custom.into_iter().map(|(k, v)| (k, Json::Str(v))).collect();
        body.push(("custom_metadata".to_string(), Json::Obj(m)));
    }
    if let Some(d) = p.dur("delete-version-after").filter(|d| *d >= 0) {
        body.push(("delete_version_after".to_string(), Json::Str(godur::go_string(d))));
    }
    if let Some(n) = p.int("max-versions").filter(|n| *n >= 0) {
        body.push(("max_versions".to_string(), Json::int(n)));
    }
    match client.write(Method::PUT, &path, Body::Json(Json::Obj(body))) {
        Ok(None) => {
            if ui.is_table() {
                ui.out(&format!("Success! Data written to: {path}"));
            }
            Ok(0)
        }
        Ok(Some(s)) => Ok(ui.secret(&s)),
        Err(w) => Err(write_failed(&ui, "Error writing data to", &path, w)),
    }
}

pub(super) fn metadata_delete(Ctx { p, ui, client }: Ctx) -> Outcome {
    let t = Target::resolve(&client, &p, &p.args[0])?;
    if !t.v2 {
        return Err(Fail::usage("Metadata not supported on KV Version 1"));
    }
    let path = t.api_path("metadata");
    client.delete(&path, &[]).map_err(|w| write_failed(&ui, "Error deleting", &path, w))?;
    ui.out(&format!("Success! Data deleted (if it existed) at: {path}"));
    Ok(0)
}
