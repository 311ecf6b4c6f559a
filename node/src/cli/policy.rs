//! `policy write | read | list | delete | fmt`: ACL policies through `sys/policies/acl`, and a
//! local formatter for policy files.

use std::io::Read;

use reqwest::Method;
use serde_json::{json, Value};

use super::client::{ApiError, Body, Client, HTTP_FLAGS};
use super::command::{Cmd, Opts};
use super::flags::{parse, FlagSpec, ParseError};
use super::gojson::Json;
use super::output::{err, out};
use super::policy_fmt;

pub const SUBCOMMANDS: &[(&str, &str)] = &[
    ("delete", "Deletes a policy by name"),
    ("fmt", "Formats a policy on disk"),
    ("list", "Lists the installed policies"),
    ("read", "Prints the contents of a policy"),
    ("write", "Uploads a named policy from a file"),
];

pub fn run(sub: &str, args: &[String]) -> Option<i32> {
    Some(match sub {
        "write" => write(args),
        "read" => read(args),
        "list" => list(args),
        "delete" => delete(args),
        "fmt" => fmt(args),
        _ => return None,
    })
}

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

fn write(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox policy write [options] NAME PATH\n\n  Uploads a policy with name NAME from the contents of a local file PATH or\n  stdin. If PATH is \"-\", the policy is read from stdin.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((2, 2)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let given = &p.args[0];
    let name = normalize(given);
    let path = p.args[1].trim();
    let mut rules = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut rules).map_err(|e| format!("Error reading policy: {e}"))
    } else {
        match std::fs::File::open(path) {
            Ok(mut f) => f.read_to_string(&mut rules).map_err(|e| format!("Error reading policy: {e}")),
            Err(e) => Err(format!("Error opening policy file: {}", open_error(path, &e))),
        }
    };
    if let Err(msg) = read {
        ui.err(&msg);
        return 2;
    }
    let body = Json::Obj(vec![("policy".into(), Json::Str(rules))]);
    if let Err(e) = client.raw(Method::PUT, &acl_path(&name), Some(Body::Json(body))) {
        ui.err(&format!("Error uploading policy: {e}"));
        return 2;
    }
    if *given != name {
        ui.err(&format!("Policy name was converted from \"{given}\" to \"{name}\""));
    }
    ui.out(&format!("Success! Uploaded policy: {name}"));
    0
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

fn read(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox policy read [options] [NAME]\n\n  Prints the contents and metadata of the policy named NAME. If the policy\n  does not exist, an error is returned.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((1, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let name = normalize(&p.args[0]);
    let rules = match get_policy(&client, &name) {
        Ok(Some(r)) if !r.is_empty() => r,
        Ok(_) => {
            ui.err(&format!("No policy named: {name}"));
            return 2;
        }
        Err(e) => {
            ui.err(&format!("Error reading policy named {name}: {e}"));
            return 2;
        }
    };
    if ui.is_table() {
        ui.out(rules.trim());
        return 0;
    }
    ui.data(&json!({ "policy": rules }))
}

fn list(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox policy list [options]\n\n  Lists the names of the policies that are installed on the server.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
    };
    let (ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.ui, c.client),
        Err(code) => return code,
    };
    let listed = client.request(Method::GET, "sys/policies/acl", &[("list", "true".into())], None).and_then(|s| {
        let data =
            s.and_then(|s| s.data).ok_or_else(|| ApiError::Other("data from server response is empty".into()))?;
        Ok(data.get("keys").and_then(Value::as_array).cloned().unwrap_or_default())
    });
    let names = match listed {
        Ok(n) => n,
        Err(e) => {
            ui.err(&format!("Error listing policies: {e}"));
            return 2;
        }
    };
    if ui.is_table() {
        for n in &names {
            ui.out(&super::gojson::fmt_v(n));
        }
        return 0;
    }
    ui.data(&Value::Array(names))
}

fn delete(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox policy delete [options] NAME\n\n  Deletes the policy named NAME. Tokens holding it lose its rules at once.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((1, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let name = normalize(&p.args[0]);
    if let Err(e) = client.raw(Method::DELETE, &acl_path(&name), None) {
        ui.err(&format!("Error deleting {name}: {e}"));
        return 2;
    }
    ui.out(&format!("Success! Deleted policy: {name}"));
    0
}

/// `policy fmt PATH`: validates the file as a policy, then rewrites it in place the way Vault's
/// `hcl/printer` lays it out. It accepts the HTTP flags (every Vault command does) but never
/// talks to a server.
fn fmt(args: &[String]) -> i32 {
    const USAGE: &str = "Usage: strongbox policy fmt [options] PATH\n\n  Formats a local policy file to the policy specification. This command will\n  overwrite the file at the given PATH with the properly-formatted policy\n  file contents.";
    let specs: Vec<&FlagSpec> = HTTP_FLAGS.iter().collect();
    let p = match parse(&specs, args) {
        Ok(p) => p,
        Err(ParseError::Help) => {
            out(USAGE);
            return 0;
        }
        Err(ParseError::Invalid(msg)) => {
            err(&msg);
            return 1;
        }
    };
    match p.args.len() {
        0 => {
            err("Not enough arguments (expected 1, got 0)");
            return 1;
        }
        1 => {}
        n => {
            err(&format!("Too many arguments (expected 1, got {n})"));
            return 1;
        }
    }
    let path = expand_home(p.args[0].trim());
    let src = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            err(&format!("Error reading source file: {}", open_error(&path, &e)));
            return 1;
        }
    };
    if let Err(e) = strongbox_actors::policy_store::Policy::parse("fmt", src.as_str()) {
        err(&e.to_string());
        return 1;
    }
    let formatted = match policy_fmt::format(&src) {
        Ok(f) => f,
        Err(e) => {
            err(&format!("Error printing result: {e}"));
            return 1;
        }
    };
    if let Err(e) = std::fs::write(&path, formatted) {
        err(&format!("Error writing result: {}", open_error(&path, &e)));
        return 1;
    }
    out(&format!("Success! Formatted policy: {path}"));
    0
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
