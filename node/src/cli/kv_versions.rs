//! `kv delete | undelete | destroy` and `kv metadata put | delete`: commands that change
//! versions or key settings rather than data.

use reqwest::Method;

use super::client::Body;
use super::command::{Cmd, Opts};
use super::flags::{flag, FlagKind, FlagSpec};
use super::godur;
use super::gojson::Json;
use super::kv::{parse_versions, report, Target, MOUNT_FLAG};
use super::output::Ui;
use super::secret::Secret;

const VERSIONS_FLAG: FlagSpec = flag("versions", FlagKind::List);

fn versions_body(values: &[String]) -> Body {
    let versions = parse_versions(values).into_iter().map(Json::Str).collect();
    Body::Json(Json::Obj(vec![("versions".into(), Json::Arr(versions))]))
}

/// What `kv delete` and friends print after a call that succeeded.
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

pub fn delete(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[VERSIONS_FLAG, MOUNT_FLAG];
    let cmd = Cmd {
        usage: "Usage: strongbox kv delete [options] PATH\n\n  Soft-deletes the latest version (or -versions) of PATH.",
        flags: FLAGS,
        opts: Opts::FIELD,
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
    // Messages name the data path even when specific versions are deleted.
    let full_path = t.api_path("data");
    let versions = p.list("versions");
    let result = if t.v2 && !versions.is_empty() {
        client.write(Method::PUT, &t.api_path("delete"), versions_body(&versions))
    } else {
        client.delete(&full_path, &[])
    };
    match result {
        Ok(s) => output_done(&ui, s, format!("Success! Data deleted (if it existed) at: {full_path}")),
        Err(w) => report(&ui, "Error deleting", &full_path, &w.err, w.secret.as_ref()),
    }
}

/// `kv undelete` and `kv destroy`: POST the `-versions` list to `<mount>/<op>/<path>`.
pub fn change_versions(args: &[String], op: &'static str) -> i32 {
    const FLAGS: &[FlagSpec] = &[VERSIONS_FLAG, MOUNT_FLAG];
    let cmd = Cmd {
        usage: if op == "undelete" {
            "Usage: strongbox kv undelete [options] KEY\n\n  Restores soft-deleted -versions of KEY (KV v2 only)."
        } else {
            "Usage: strongbox kv destroy [options] KEY\n\n  Permanently removes -versions of KEY (KV v2 only)."
        },
        flags: FLAGS,
        opts: Opts::OUTPUT,
        args: Some((1, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let versions = p.list("versions");
    if versions.is_empty() {
        ui.err(&format!("No versions provided, use the \"-versions\" flag to specify the version to {op}."));
        return 1;
    }
    let t = match Target::resolve(&ui, &client, &p, &p.args[0]) {
        Ok(t) => t,
        Err(code) => return code,
    };
    if !t.v2 {
        let name = if op == "undelete" { "Undelete" } else { "Destroy" };
        ui.err(&format!("{name} not supported on KV Version 1"));
        return 1;
    }
    let path = t.api_path(op);
    match client.write(Method::PUT, &path, versions_body(&versions)) {
        Ok(None) => {
            if ui.is_table() {
                ui.out(&format!("Success! Data written to: {path}"));
            }
            0
        }
        Ok(Some(s)) => ui.secret(&s),
        Err(w) => report(&ui, "Error writing data to", &path, &w.err, w.secret.as_ref()),
    }
}

pub fn metadata_put(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[
        flag("max-versions", FlagKind::Int),
        flag("cas-required", FlagKind::Bool),
        flag("delete-version-after", FlagKind::Dur),
        flag("custom-metadata", FlagKind::Map),
        MOUNT_FLAG,
    ];
    let cmd = Cmd {
        usage: "Usage: strongbox kv metadata put [options] KEY\n\n  Creates a blank key or updates its settings (KV v2 only).",
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
            0
        }
        Ok(Some(s)) => ui.secret(&s),
        Err(w) => report(&ui, "Error writing data to", &path, &w.err, w.secret.as_ref()),
    }
}

pub fn metadata_delete(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[MOUNT_FLAG];
    let cmd = Cmd {
        usage: "Usage: strongbox kv metadata delete [options] PATH\n\n  Deletes all versions and metadata of PATH (KV v2 only).",
        flags: FLAGS,
        opts: Opts::HTTP,
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
    let path = t.api_path("metadata");
    match client.delete(&path, &[]) {
        Ok(_) => {
            ui.out(&format!("Success! Data deleted (if it existed) at: {path}"));
            0
        }
        Err(w) => report(&ui, "Error deleting", &path, &w.err, w.secret.as_ref()),
    }
}
