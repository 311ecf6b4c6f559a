//! The generic commands `read`, `write`, `list` and `delete`, which talk to any API path.

use std::io::Read;

use reqwest::Method;

use super::client::{Body, Client};
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{FlagKind, FlagSpec};
use super::gojson::Json;
use super::kv::write_failed;
use super::kv_read::output_list;
use super::kvargs::{parse_data, parse_string_lists};
use super::output::out;
use super::paths::sanitize_path;

// `read`, `write` and `delete` take any number of K=V pairs after PATH, so they check for PATH
// themselves, after the client is built: a bad client setting is reported before a missing PATH.
pub const COMMANDS: &[Command] = &[
    Command {
        name: "delete",
        synopsis: "Delete secrets and configuration",
        usage: "Usage: strongbox delete [options] PATH [K=V...]\n\n  Deletes the data at PATH.",
        flags: &[],
        opts: Opts::FIELD,
        args: None,
        run: Run::Api(delete),
    },
    Command {
        name: "list",
        synopsis: "List data or secrets",
        usage: "Usage: strongbox list [options] PATH\n\n  Lists the keys at PATH.",
        flags: &[],
        opts: Opts::DETAILED,
        args: Some((1, 1)),
        run: Run::Api(list),
    },
    Command {
        name: "read",
        synopsis: "Read data and retrieves secrets",
        usage: "Usage: strongbox read [options] PATH [K=V...]\n\n  Reads data from PATH (K=V pairs become query parameters).",
        flags: &[],
        opts: Opts::FIELD,
        args: None,
        run: Run::Api(read),
    },
    Command {
        name: "write",
        synopsis: "Write data, configuration, and secrets",
        usage: "Usage: strongbox write [options] PATH [DATA K=V...]\n\n  Writes data to PATH (k=v, k=@file, k=- or - for JSON on stdin; -force to send no data).",
        flags: WRITE_FLAGS,
        opts: Opts::FIELD,
        args: None,
        run: Run::Api(write),
    },
];

const WRITE_FLAGS: &[FlagSpec] = &[FlagSpec { name: "force", aliases: &["f"], kind: FlagKind::Bool }];

/// Stdin for `k=-` and `-`; empty under `-non-interactive`.
fn stdin(non_interactive: bool) -> Box<dyn Read> {
    if non_interactive {
        Box::new(std::io::empty())
    } else {
        Box::new(std::io::stdin())
    }
}

fn read(Ctx { p, ui, client }: Ctx) -> Outcome {
    if p.args.is_empty() {
        return Err(Fail::usage("Not enough arguments (expected 1, got 0)"));
    }
    let path = sanitize_path(&p.args[0]);
    let mut input = stdin(p.bool("non-interactive").unwrap_or(false));
    let params = parse_string_lists(&mut input, &p.args[1..]).or_usage("Failed to parse K=V data")?;
    let query: Vec<(&str, String)> =
        params.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.clone()))).collect();
    if ui.format == "raw" {
        return read_raw(&client, &path, &query);
    }
    match client.read(&path, &query).or_api(&format!("Error reading {path}"))? {
        Some(secret) => Ok(ui.secret_or_field(&secret)),
        None => Err(Fail::api(format!("No value found at {path}"))),
    }
}

/// `read -format=raw`: the response body exactly as the server sent it.
fn read_raw(client: &Client, path: &str, query: &[(&str, String)]) -> Outcome {
    match client.send(Method::GET, path, query, None) {
        Err(e) | Ok((_, Some(e))) => Err(Fail::api(format!("Error reading: {path}: {e}"))),
        Ok((resp, None)) if resp.body.is_empty() => Err(Fail::api(format!("No value found at {path}"))),
        Ok((resp, None)) => {
            out(&String::from_utf8_lossy(&resp.body));
            Ok(0)
        }
    }
}

fn write(Ctx { p, ui, client }: Ctx) -> Outcome {
    if p.args.is_empty() {
        return Err(Fail::usage("Not enough arguments (expected 1, got 0)"));
    }
    if p.args.len() == 1 && !p.bool("force").unwrap_or(false) {
        return Err(Fail::usage("Must supply data or use -force"));
    }
    let path = sanitize_path(&p.args[0]);
    let data = parse_data(&mut stdin(false), &p.args[1..]).or_usage("Failed to parse K=V data")?;
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
            Ok(0)
        }
        Ok(Some(secret)) => Ok(ui.secret_or_field(&secret)),
        // `report` prints the error itself: any secret that came back follows it on stdout.
        Err(w) => Err(write_failed(&ui, "Error writing data to", &path, w)),
    }
}

fn list(Ctx { p, ui, client }: Ctx) -> Outcome {
    let path = sanitize_path(&p.args[0]);
    let secret = client.list(&path).or_api(&format!("Error listing {path}"))?;
    Ok(output_list(&ui, secret, &path, false))
}

fn delete(Ctx { p, ui, client }: Ctx) -> Outcome {
    if p.args.is_empty() {
        return Err(Fail::usage("Not enough arguments (expected at least 1, got 0)"));
    }
    let path = sanitize_path(&p.args[0]);
    let mut input = stdin(p.bool("non-interactive").unwrap_or(false));
    let params = parse_string_lists(&mut input, &p.args[1..]).or_usage("Failed to parse string list data")?;
    let query: Vec<(&str, String)> =
        params.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.clone()))).collect();
    match client.delete(&path, &query) {
        Ok(None) => {
            if ui.is_table() {
                ui.out(&format!("Success! Data deleted (if it existed) at: {path}"));
            }
            Ok(0)
        }
        Ok(Some(secret)) => Ok(ui.secret_or_field(&secret)),
        Err(w) => Err(write_failed(&ui, "Error deleting", &path, w)),
    }
}
