//! The generic commands `read`, `write`, `list` and `delete`, which talk to any API path.

use std::io::Read;

use reqwest::Method;

use super::client::Body;
use super::command::{Cmd, Opts};
use super::flags::{FlagKind, FlagSpec};
use super::gojson::Json;
use super::kv::report;
use super::kv_read::output_list;
use super::kvargs::{parse_data, parse_string_lists};
use super::output::{err, out};
use super::paths::sanitize_path;

/// Stdin for `k=-` and `-`; empty under `-non-interactive`.
fn stdin(non_interactive: bool) -> Box<dyn Read> {
    if non_interactive {
        Box::new(std::io::empty())
    } else {
        Box::new(std::io::stdin())
    }
}

pub fn read(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox read [options] PATH [K=V...]\n\n  Reads data from PATH (K=V pairs become query parameters).",
        flags: &[],
        opts: Opts::FIELD,
        args: None,
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    if p.args.is_empty() {
        ui.err("Not enough arguments (expected 1, got 0)");
        return 1;
    }
    let path = sanitize_path(&p.args[0]);
    let mut input = stdin(p.bool("non-interactive").unwrap_or(false));
    let params = match parse_string_lists(&mut input, &p.args[1..]) {
        Ok(d) => d,
        Err(e) => {
            ui.err(&format!("Failed to parse K=V data: {e}"));
            return 1;
        }
    };
    let query: Vec<(&str, String)> =
        params.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.clone()))).collect();
    if ui.format == "raw" {
        return read_raw(&client, &path, &query);
    }
    match client.read(&path, &query) {
        Ok(Some(secret)) => ui.secret_or_field(&secret),
        Ok(None) => {
            ui.err(&format!("No value found at {path}"));
            2
        }
        Err(e) => {
            ui.err(&format!("Error reading {path}: {e}"));
            2
        }
    }
}

/// `read -format=raw`: the response body exactly as the server sent it.
fn read_raw(client: &super::client::Client, path: &str, query: &[(&str, String)]) -> i32 {
    match client.send(Method::GET, path, query, None) {
        Err(e) | Ok((_, Some(e))) => {
            err(&format!("Error reading: {path}: {e}"));
            2
        }
        Ok((resp, None)) if resp.body.is_empty() => {
            err(&format!("No value found at {path}"));
            2
        }
        Ok((resp, None)) => {
            out(&String::from_utf8_lossy(&resp.body));
            0
        }
    }
}

pub fn write(args: &[String]) -> i32 {
    const FLAGS: &[FlagSpec] = &[FlagSpec { name: "force", aliases: &["f"], kind: FlagKind::Bool }];
    let cmd = Cmd {
        usage: "Usage: strongbox write [options] PATH [DATA K=V...]\n\n  Writes data to PATH (k=v, k=@file, k=- or - for JSON on stdin; -force to send no data).",
        flags: FLAGS,
        opts: Opts::FIELD,
        args: None,
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    if p.args.is_empty() {
        ui.err("Not enough arguments (expected 1, got 0)");
        return 1;
    }
    if p.args.len() == 1 && !p.bool("force").unwrap_or(false) {
        ui.err("Must supply data or use -force");
        return 1;
    }
    let path = sanitize_path(&p.args[0]);
    let data = match parse_data(&mut stdin(false), &p.args[1..]) {
        Ok(d) => d,
        Err(e) => {
            ui.err(&format!("Failed to parse K=V data: {e}"));
            return 1;
        }
    };
    // No data at all is sent as JSON `null`, like the Go client's nil map.
    let body = match data {
        Some(m) => Json::from_value(&serde_json::Value::Object(m)),
        None => Json::Null,
    };
    match client.write(Method::PUT, &path, Body::Json(body)) {
        Ok(None) => {
            if ui.is_table() {
                ui.out(&format!("Success! Data written to: {path}"));
            }
            0
        }
        Ok(Some(secret)) => ui.secret_or_field(&secret),
        Err(w) => report(&ui, "Error writing data to", &path, &w.err, w.secret.as_ref()),
    }
}

pub fn list(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox list [options] PATH\n\n  Lists the keys at PATH.",
        flags: &[],
        opts: Opts::DETAILED,
        args: Some((1, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let path = sanitize_path(&p.args[0]);
    match client.list(&path) {
        Ok(secret) => output_list(&ui, secret, &path, false),
        Err(e) => {
            ui.err(&format!("Error listing {path}: {e}"));
            2
        }
    }
}

pub fn delete(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox delete [options] PATH [K=V...]\n\n  Deletes the data at PATH.",
        flags: &[],
        opts: Opts::FIELD,
        args: None,
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    if p.args.is_empty() {
        ui.err("Not enough arguments (expected at least 1, got 0)");
        return 1;
    }
    let path = sanitize_path(&p.args[0]);
    let mut input = stdin(p.bool("non-interactive").unwrap_or(false));
    let params = match parse_string_lists(&mut input, &p.args[1..]) {
        Ok(d) => d,
        Err(e) => {
            ui.err(&format!("Failed to parse string list data: {e}"));
            return 1;
        }
    };
    let query: Vec<(&str, String)> =
        params.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.clone()))).collect();
    match client.delete(&path, &query) {
        Ok(None) => {
            if ui.is_table() {
                ui.out(&format!("Success! Data deleted (if it existed) at: {path}"));
            }
            0
        }
        Ok(Some(secret)) => ui.secret_or_field(&secret),
        Err(w) => report(&ui, "Error deleting", &path, &w.err, w.secret.as_ref()),
    }
}
