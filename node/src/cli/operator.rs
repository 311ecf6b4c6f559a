//! `operator init | unseal | seal | key-status | rotate | step-down`; `operator raft` is in
//! `operator_raft.rs`, `operator members` in `operator_members.rs`.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::Value;

use super::client::{Body, Client};
use super::command::{Cmd, Opts};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::{as_struct, field, Field, Json, Kind};
use super::output::{prompt_hidden, Ui};
use super::status::{decode, fetch_seal_status, output_seal_status};
use super::table::{columnize, wrap_at_length};

const DEFAULT_SHARES: i64 = 5;
const DEFAULT_THRESHOLD: i64 = 3;

pub fn run(sub: &str, args: &[String]) -> Option<i32> {
    Some(match sub {
        "init" => init(args),
        "unseal" => unseal(args),
        "seal" => seal(args),
        "key-status" => key_status(args),
        "rotate" => rotate(args),
        "step-down" => step_down(args),
        "members" => super::operator_members::members(args),
        "raft" => super::group(args, "operator raft", super::operator_raft::SUBCOMMANDS, super::operator_raft::run),
        _ => return None,
    })
}

pub const SUBCOMMANDS: &[(&str, &str)] = &[
    ("init", "Initializes a server"),
    ("key-status", "Provides information about the active encryption key"),
    ("members", "Returns the list of nodes in the cluster"),
    ("raft", "Interact with Vault's raft storage backend"),
    ("rotate", "Rotates the underlying encryption key"),
    ("seal", "Seals the Vault server"),
    ("step-down", "Forces Vault to resign active duty"),
    ("unseal", "Unseals the Vault server"),
];

const INIT_FLAGS: &[FlagSpec] = &[
    flag("status", FlagKind::Bool),
    FlagSpec { name: "key-shares", aliases: &["n"], kind: FlagKind::Int },
    FlagSpec { name: "key-threshold", aliases: &["t"], kind: FlagKind::Int },
    flag("recovery-shares", FlagKind::Int),
    flag("recovery-threshold", FlagKind::Int),
];

fn init(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator init [options]\n\n  Initializes a server: generates the root key and splits it into unseal keys.",
        flags: INIT_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    if p.bool("status").unwrap_or(false) {
        return init_status(&ui, &client);
    }
    let seal = match fetch_seal_status(&client) {
        Ok(s) => s,
        Err(e) => {
            ui.err(&e.to_string());
            return 2;
        }
    };
    let recovery = seal.get("recovery_seal").and_then(Value::as_bool).unwrap_or(false);
    let pick = |name: &str, default: i64, applies: bool| match p.int(name).unwrap_or(0) {
        0 if applies => default,
        n => n,
    };
    let shares = pick("key-shares", DEFAULT_SHARES, !recovery);
    let threshold = pick("key-threshold", DEFAULT_THRESHOLD, !recovery);
    let rec_shares = pick("recovery-shares", DEFAULT_SHARES, recovery);
    let rec_threshold = pick("recovery-threshold", DEFAULT_THRESHOLD, recovery);
    // The Go client's `api.InitRequest`, field for field.
    let body = Json::Obj(vec![
        ("secret_shares".into(), Json::int(shares)),
        ("secret_threshold".into(), Json::int(threshold)),
        ("pgp_keys".into(), Json::Null),
        ("recovery_shares".into(), Json::int(rec_shares)),
        ("recovery_threshold".into(), Json::int(rec_threshold)),
        ("recovery_pgp_keys".into(), Json::Null),
        ("root_token_pgp_key".into(), Json::str("")),
    ]);
    let resp = match client.raw(Method::PUT, "sys/init", Some(Body::Json(body))).and_then(|r| decode(&r.body)) {
        Ok(v) => v,
        Err(e) => {
            ui.err(&format!("Error initializing: {e}"));
            return 2;
        }
    };
    let list = |k: &str| -> Vec<String> {
        resp.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default()
    };
    let (keys, keys_b64) = (list("keys"), list("keys_base64"));
    let (rkeys, rkeys_b64) = (list("recovery_keys"), list("recovery_keys_base64"));
    let root = resp.get("root_token").and_then(Value::as_str).unwrap_or_default();
    if !ui.is_table() {
        // Vault's `machineInit` view of the response.
        let strs = |v: &[String]| Json::Arr(v.iter().map(|s| Json::str(s)).collect());
        let (n, t) = if keys.is_empty() { (1, 1) } else { (shares, threshold) };
        return ui.json(&Json::Obj(vec![
            ("unseal_keys_b64".into(), strs(&keys_b64)),
            ("unseal_keys_hex".into(), strs(&keys)),
            ("unseal_shares".into(), Json::int(n)),
            ("unseal_threshold".into(), Json::int(t)),
            ("recovery_keys_b64".into(), strs(&rkeys_b64)),
            ("recovery_keys_hex".into(), strs(&rkeys)),
            ("recovery_keys_shares".into(), Json::int(rec_shares)),
            ("recovery_keys_threshold".into(), Json::int(rec_threshold)),
            ("root_token".into(), Json::str(root)),
        ]));
    }
    let pick_b64 = |hex: &[String], b64: &[String], i: usize| {
        if b64.len() == hex.len() {
            b64[i].clone()
        } else {
            hex[i].clone()
        }
    };
    for i in 0..keys.len() {
        ui.out(&format!("Unseal Key {}: {}", i + 1, pick_b64(&keys, &keys_b64, i)));
    }
    for i in 0..rkeys.len() {
        ui.out(&format!("Recovery Key {}: {}", i + 1, pick_b64(&rkeys, &rkeys_b64, i)));
    }
    ui.out("");
    ui.out(&format!("Initial Root Token: {root}"));
    if keys.is_empty() {
        ui.out("");
        ui.out("Success! Vault is initialized");
    } else {
        for para in [
            format!("Vault initialized with {shares} key shares and a key threshold of {threshold}. Please securely distribute the key shares printed above. When the Vault is re-sealed, restarted, or stopped, you must supply at least {threshold} of these keys to unseal it before it can start servicing requests."),
            format!("Vault does not store the generated root key. Without at least {threshold} keys to reconstruct the root key, Vault will remain permanently sealed!"),
            "It is possible to generate new unseal keys, provided you have a quorum of existing unseal keys shares. See \"vault operator rekey\" for more information.".to_string(),
        ] {
            ui.out("");
            ui.out(&wrap_at_length(&para, 0));
        }
    }
    if !rkeys.is_empty() {
        ui.out("");
        ui.out(&wrap_at_length(&format!("Recovery key initialized with {rec_shares} key shares and a key threshold of {rec_threshold}. Please securely distribute the key shares printed above."), 0));
    }
    0
}

/// `operator init -status`: 0 initialized, 2 not, 1 on error.
fn init_status(ui: &Ui, client: &Client) -> i32 {
    let inited = match client.raw(Method::GET, "sys/init", None).and_then(|r| decode(&r.body)) {
        Ok(v) => v.get("initialized").and_then(Value::as_bool).unwrap_or(false),
        Err(e) => {
            ui.err(&format!("Error checking init status: {e}"));
            return 1;
        }
    };
    if ui.is_table() {
        ui.out(if inited { "Vault is initialized" } else { "Vault is not initialized" });
    } else {
        // Vault's `InitStatusResponse` has no JSON tags, hence the capital I.
        ui.json(&Json::Obj(vec![("Initialized".into(), Json::Bool(inited))]));
    }
    if inited {
        0
    } else {
        2
    }
}

const UNSEAL_FLAGS: &[FlagSpec] = &[flag("reset", FlagKind::Bool), flag("migrate", FlagKind::Bool)];

fn unseal(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator unseal [options] [KEY]\n\n  Provides a portion of the root key to unseal a Vault server. Without KEY, prompts for it.",
        flags: UNSEAL_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 1)),
    };
    let (p, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    let body = if p.bool("reset").unwrap_or(false) {
        Json::Obj(vec![("reset".into(), Json::Bool(true))])
    } else {
        let key = match p.args.first() {
            Some(k) => k.trim().to_string(),
            None if p.bool("non-interactive").unwrap_or(false) => {
                ui.err(&wrap_at_length("Refusing to read from stdin with -non-interactive specified; specify unseal key as an argument to this command", 0));
                return 1;
            }
            None => match prompt_hidden(&mut std::io::stdout(), "Unseal Key (will be hidden): ") {
                Ok(k) => k.trim().to_string(),
                Err(e) => {
                    ui.err(&wrap_at_length(&format!("An error occurred attempting to ask for an unseal key. The raw error message is shown below, but usually this is because you attempted to pipe a value into the unseal command or you are executing outside of a terminal (tty). You should run the unseal command from a terminal for maximum security. If this is not an option, the unseal key can be provided as the first argument to the unseal command. The raw error was:\n\n{e}"), 0));
                    return 1;
                }
            },
        };
        Json::Obj(vec![
            ("key".into(), Json::Str(key)),
            ("reset".into(), Json::Bool(false)),
            ("migrate".into(), Json::Bool(p.bool("migrate").unwrap_or(false))),
        ])
    };
    let what = if p.bool("reset").unwrap_or(false) { "Error resetting unseal process" } else { "Error unsealing" };
    match client.raw(Method::PUT, "sys/unseal", Some(Body::Json(body))).and_then(|r| decode(&r.body)) {
        Ok(status) => output_seal_status(&ui, &client, &status),
        Err(e) => {
            ui.err(&format!("{what}: {e}"));
            2
        }
    }
}

fn seal(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator seal [options]\n\n  Seals the Vault server.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((0, 0)),
    };
    let (_, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    match client.raw(Method::PUT, "sys/seal", None) {
        Ok(_) => {
            ui.out("Success! Vault is sealed.");
            0
        }
        Err(e) => {
            ui.err(&format!("Error sealing: {e}"));
            2
        }
    }
}

fn step_down(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator step-down [options]\n\n  Forces the Vault server at the given address to step down from active duty.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((0, 0)),
    };
    let (_, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    match client.raw(Method::PUT, "sys/step-down", None) {
        Ok(_) => {
            ui.out(&format!("Success! Stepped down: {}", client.address()));
            0
        }
        Err(e) => {
            ui.err(&format!("Error stepping down: {e}"));
            2
        }
    }
}

/// Vault's `api.KeyStatus`.
const KEY_STATUS: &[Field] =
    &[field("term", Kind::Int), field("install_time", Kind::Str), field("encryptions", Kind::Int)];

fn key_status(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage:
            "Usage: strongbox operator key-status [options]\n\n  Provides information about the active encryption key.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
    };
    let (_, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    print_key_status(&ui, &client, None)
}

fn rotate(args: &[String]) -> i32 {
    let cmd = Cmd {
        usage: "Usage: strongbox operator rotate [options]\n\n  Rotates the underlying encryption key (adds a new key term to the keyring).",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
    };
    let (_, ui, client) = match cmd.prepare(args) {
        Ok(c) => (c.p, c.ui, c.client),
        Err(code) => return code,
    };
    if let Err(e) = client.raw(Method::PUT, "sys/rotate", None) {
        ui.err(&format!("Error rotating key: {e}"));
        return 2;
    }
    print_key_status(&ui, &client, Some("Success! Rotated key"))
}

fn print_key_status(ui: &Ui, client: &Client, banner: Option<&str>) -> i32 {
    let status = match client.read("sys/key-status", &[]) {
        Ok(Some(s)) => s.data.map(Value::Object).unwrap_or(Value::Null),
        Ok(None) => Value::Null,
        Err(e) => {
            ui.err(&format!("Error reading key status: {e}"));
            return 2;
        }
    };
    let install: Option<DateTime<Utc>> = status
        .get("install_time")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    if !ui.is_table() {
        let mut j = as_struct(Some(&status), KEY_STATUS);
        if let (Json::Obj(fields), Some(t)) = (&mut j, install) {
            fields[1].1 = Json::Str(super::status::rfc3339_nano(&t.fixed_offset()));
        }
        return ui.json(&j);
    }
    let num = |k: &str| status.get(k).and_then(Value::as_i64).unwrap_or(0);
    // Go's zero time when the server sent none.
    let time = install
        .map(|t| t.format("%d %b %y %H:%M UTC").to_string())
        .unwrap_or_else(|| "01 Jan 01 00:00 UTC".to_string());
    if let Some(b) = banner {
        ui.out(b);
        ui.out("");
    }
    ui.out(&columnize(
        &[
            format!("Key Term | {}", num("term")),
            format!("Install Time | {time}"),
            format!("Encryption Count | {}", num("encryptions")),
        ],
        "|",
    ));
    0
}
