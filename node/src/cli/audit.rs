//! `audit enable | disable | list`: audit devices through `sys/audit`, with Vault's CLI texts.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::Body;
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::Json;
use super::kvargs::parse_strings;
use super::paths::ensure_trailing_slash;
use super::secrets::{list_table, text};
use super::table::table_output;

pub const COMMANDS: &[Command] = &[
    Command::group("audit", "Interact with audit devices"),
    Command {
        name: "audit disable",
        synopsis: "Disables an audit device",
        usage: "Usage: strongbox audit disable [options] PATH\n\n  Disables an audit device. Once an audit device is disabled, no future audit\n  logs are dispatched to it. The data associated with the audit device is not\n  affected.\n\n      $ strongbox audit disable file/",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(disable),
    },
    Command {
        name: "audit enable",
        synopsis: "Enables an audit device",
        usage: "Usage: strongbox audit enable [options] TYPE [CONFIG K=V...]\n\n  Enables an audit device at a given path.\n\n      $ strongbox audit enable file file_path=/var/log/audit.log",
        flags: ENABLE_FLAGS,
        opts: Opts::HTTP,
        args: None,
        run: Run::Api(enable),
    },
    Command {
        name: "audit list",
        synopsis: "Lists enabled audit devices",
        usage: "Usage: strongbox audit list [options]\n\n  Lists the enabled audit devices in the server. The output lists the\n  enabled audit devices and the options for those devices.",
        flags: &[],
        opts: Opts::DETAILED,
        args: Some((0, 0)),
        run: Run::Api(list),
    },
];

const ENABLE_FLAGS: &[FlagSpec] =
    &[flag("description", FlagKind::Str), flag("path", FlagKind::Str), flag("local", FlagKind::Bool)];

/// The Go client joins paths with `path.Join`, which drops the trailing slash.
fn device_url(path: &str) -> String {
    format!("sys/audit/{}", path.trim_end_matches('/'))
}

fn enable(Ctx { p, ui, client }: Ctx) -> Outcome {
    let Some(kind) = p.args.first().map(|a| a.trim().to_string()) else {
        return Err(Fail::usage(
            "Error enabling audit device: audit type missing. Valid types include 'file', 'socket' and 'syslog'.",
        ));
    };
    let path = ensure_trailing_slash(p.str("path").filter(|s| !s.is_empty()).unwrap_or(&kind));
    let mut stdin: Box<dyn std::io::Read> = match p.bool("non-interactive").unwrap_or(false) {
        true => Box::new(std::io::empty()),
        false => Box::new(std::io::stdin()),
    };
    let options = parse_strings(&mut stdin, &p.args[1..]).or_usage("Failed to parse K=V data")?;
    let body = json!({
        "type": kind,
        "description": p.str("description").unwrap_or_default(),
        "options": options,
        "local": p.bool("local").unwrap_or(false),
    });
    client
        .raw(Method::PUT, &device_url(&path), Some(Body::Json(Json::from_value(&body))))
        .or_api("Error enabling audit device")?;
    ui.out(&format!("Success! Enabled the {kind} audit device at: {path}"));
    Ok(0)
}

fn disable(Ctx { p, ui, client }: Ctx) -> Outcome {
    let path = ensure_trailing_slash(p.args[0].trim());
    client.raw(Method::DELETE, &device_url(&path), None).or_api("Error disabling audit device")?;
    ui.out(&format!("Success! Disabled audit device (if it was enabled) at: {path}"));
    Ok(0)
}

fn list(Ctx { p, ui, client }: Ctx) -> Outcome {
    let audits = list_table(&client, "sys/audit").or_api("Error listing audits")?;
    if !ui.is_table() {
        return Ok(ui.data(&Value::Object(audits.into_iter().collect())));
    }
    if audits.is_empty() {
        ui.out("No audit devices are enabled.");
        return Ok(2);
    }
    let detailed = p.bool("detailed").unwrap_or(false);
    let mut rows = vec![match detailed {
        true => "Path | Type | Description | Replication | Options".to_string(),
        false => "Path | Type | Description".to_string(),
    }];
    for (path, a) in &audits {
        let row = format!("{} | {} | {}", text(a, "path"), text(a, "type"), text(a, "description"));
        if !detailed {
            rows.push(row);
            continue;
        }
        let replication = if a.get("local").and_then(Value::as_bool) == Some(true) { "local" } else { "replicated" };
        let opts: Vec<String> = a
            .get("options")
            .and_then(Value::as_object)
            .map(|o| o.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect())
            .unwrap_or_default();
        rows.push(format!(
            "{path} | {} | {} | {replication} | {}",
            text(a, "type"),
            text(a, "description"),
            opts.join(" ")
        ));
    }
    ui.out(&table_output(rows, "|"));
    Ok(0)
}
