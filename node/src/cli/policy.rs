//! `policy write | read | list | delete | fmt`: ACL policies through `sys/policies/acl`, and a
//! local formatter for policy files.

use std::io::Read;

use reqwest::Method;
use serde_json::{json, Value};

use super::client::{ApiError, Body, Client};
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::Parsed;
use super::gojson::Json;
use super::output::Ui;
use super::policy_fmt;

pub const COMMANDS: &[Command] = &[
    Command::group("policy", "Interact with policies"),
    Command {
        name: "policy delete",
        synopsis: "Deletes a policy by name",
        usage: "Usage: strongbox policy delete [options] NAME\n\n  Deletes the policy named NAME. Tokens holding it lose its rules at once.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(delete),
    },
    Command {
        name: "policy fmt",
        synopsis: "Formats a policy on disk",
        usage: "Usage: strongbox policy fmt [options] PATH\n\n  Formats a local policy file to the policy specification. This command will\n  overwrite the file at the given PATH with the properly-formatted policy\n  file contents.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Local(fmt),
    },
    Command {
        name: "policy list",
        synopsis: "Lists the installed policies",
        usage: "Usage: strongbox policy list [options]\n\n  Lists the names of the policies that are installed on the server.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
        run: Run::Api(list),
    },
    Command {
        name: "policy read",
        synopsis: "Prints the contents of a policy",
        usage: "Usage: strongbox policy read [options] [NAME]\n\n  Prints the contents and metadata of the policy named NAME. If the policy\n  does not exist, an error is returned.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((1, 1)),
        run: Run::Api(read),
    },
    Command {
        name: "policy write",
        synopsis: "Uploads a named policy from a file",
        usage: "Usage: strongbox policy write [options] NAME PATH\n\n  Uploads a policy with name NAME from the contents of a local file PATH or\n  stdin. If PATH is \"-\", the policy is read from stdin.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((2, 2)),
        run: Run::Api(write),
    },
];

/// Policy names are normalised to lower case, as Vault does before every call.
fn normalize(name: &str) -> String {
    name.trim().to_lowercase()
}

fn acl_path(name: &str) -> String {
    format!("sys/policies/acl/{name}")
}

/// Go's `os.Open` error text.
fn open_error(path: &str, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ if e.raw_os_error() == Some(21) => "is a directory".to_string(),
        _ => e.to_string(),
    };
    format!("open {path}: {what}")
}

fn write(Ctx { p, ui, client }: Ctx) -> Outcome {
    let given = &p.args[0];
    let name = normalize(given);
    let path = p.args[1].trim();
    let mut rules = String::new();
    if path == "-" {
        std::io::stdin().read_to_string(&mut rules).or_api("Error reading policy")?;
    } else {
        let mut f = std::fs::File::open(path)
            .map_err(|e| Fail::api(format!("Error opening policy file: {}", open_error(path, &e))))?;
        f.read_to_string(&mut rules).or_api("Error reading policy")?;
    }
    let body = Json::Obj(vec![("policy".into(), Json::Str(rules))]);
    client.raw(Method::PUT, &acl_path(&name), Some(Body::Json(body))).or_api("Error uploading policy")?;
    if *given != name {
        ui.err(&format!("Policy name was converted from \"{given}\" to \"{name}\""));
    }
    ui.out(&format!("Success! Uploaded policy: {name}"));
    Ok(0)
}

/// `Sys().GetPolicy`: `Ok(None)` on a 404.
fn get_policy(client: &Client, name: &str) -> Result<Option<String>, ApiError> {
    let secret = match client.request(Method::GET, &acl_path(name), &[], None) {
        Err(e) if e.status() == Some(404) => return Ok(None),
        other => other?,
    };
    let data =
        secret.and_then(|s| s.data).ok_or_else(|| ApiError::Other("data from server response is empty".to_string()))?;
    match data.get("policy") {
        Some(Value::String(rules)) => Ok(Some(rules.clone())),
        _ => Err(ApiError::Other("no policy found in response".to_string())),
    }
}

fn read(Ctx { p, ui, client }: Ctx) -> Outcome {
    let name = normalize(&p.args[0]);
    let rules = match get_policy(&client, &name).or_api(&format!("Error reading policy named {name}"))? {
        Some(r) if !r.is_empty() => r,
        _ => return Err(Fail::api(format!("No policy named: {name}"))),
    };
    if ui.is_table() {
        ui.out(rules.trim());
        return Ok(0);
    }
    Ok(ui.data(&json!({ "policy": rules })))
}

fn list(Ctx { ui, client, .. }: Ctx) -> Outcome {
    let names = client
        .request(Method::GET, "sys/policies/acl", &[("list", "true".into())], None)
        .and_then(|s| {
            let data =
                s.and_then(|s| s.data).ok_or_else(|| ApiError::Other("data from server response is empty".into()))?;
            Ok(data.get("keys").and_then(Value::as_array).cloned().unwrap_or_default())
        })
        .or_api("Error listing policies")?;
    if ui.is_table() {
        for n in &names {
            ui.out(&super::gojson::fmt_v(n));
        }
        return Ok(0);
    }
    Ok(ui.data(&Value::Array(names)))
}

fn delete(Ctx { p, ui, client }: Ctx) -> Outcome {
    let name = normalize(&p.args[0]);
    client.raw(Method::DELETE, &acl_path(&name), None).or_api(&format!("Error deleting {name}"))?;
    ui.out(&format!("Success! Deleted policy: {name}"));
    Ok(0)
}

/// `policy fmt PATH`: validates the file as a policy, then rewrites it in place the way Vault's
/// `hcl/printer` lays it out. It accepts the HTTP flags (every Vault command does) but never
/// talks to a server.
fn fmt(p: Parsed, ui: Ui) -> Outcome {
    let path = expand_home(p.args[0].trim());
    let src = std::fs::read_to_string(&path)
        .map_err(|e| Fail::usage(format!("Error reading source file: {}", open_error(&path, &e))))?;
    strongbox_actors::policy_store::Policy::parse("fmt", src.as_str()).map_err(|e| Fail::usage(e.to_string()))?;
    let formatted = policy_fmt::format(&src).or_usage("Error printing result")?;
    std::fs::write(&path, formatted)
        .map_err(|e| Fail::usage(format!("Error writing result: {}", open_error(&path, &e))))?;
    ui.out(&format!("Success! Formatted policy: {path}"));
    Ok(0)
}

/// `homedir.Expand`: a leading `~` (alone or before `/`) is the home directory.
fn expand_home(path: &str) -> String {
    match (path.strip_prefix('~'), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if rest.is_empty() || rest.starts_with('/') => format!("{home}{rest}"),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_cased_and_trimmed() {
        assert_eq!(normalize(" My-Policy "), "my-policy");
        assert_eq!(acl_path("a"), "sys/policies/acl/a");
    }

    #[test]
    fn open_errors_read_like_go() {
        let e = std::fs::File::open("/nonexistent/x").unwrap_err();
        assert_eq!(open_error("/nonexistent/x", &e), "open /nonexistent/x: no such file or directory");
    }

    #[test]
    fn only_a_leading_tilde_is_expanded() {
        assert_eq!(expand_home("a/~b"), "a/~b");
        assert_eq!(expand_home("~user/x"), "~user/x");
        if let Ok(home) = std::env::var("HOME") {
            assert_eq!(expand_home("~/p.hcl"), format!("{home}/p.hcl"));
        }
    }
}
