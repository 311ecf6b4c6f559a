//! `operator init | unseal | seal | key-status | rotate | step-down`; `operator raft` is in
//! `operator_raft.rs`, `operator members` in `operator_members.rs`, `operator rekey` and
//! `operator generate-root` in `operator_keys.rs`.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::Value;

use super::client::{Body, Client};
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec};
use super::gojson::{as_struct, field, Field, Json, Kind};
use super::operator_keys::pgp_key_files;
use super::output::{prompt_hidden, Ui};
use super::status::{decode, fetch_seal_status, output_seal_status};
use super::table::{columnize, wrap_at_length};

const DEFAULT_SHARES: i64 = 5;
const DEFAULT_THRESHOLD: i64 = 3;

pub const COMMANDS: &[Command] = &[
    Command::group("operator", "Perform operator-specific tasks"),
    Command {
        name: "operator init",
        synopsis: "Initializes a server",
        usage: "Usage: strongbox operator init [options]\n\n  Initializes a server: generates the root key and splits it into unseal keys.",
        flags: INIT_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
        run: Run::Api(init),
    },
    Command {
        name: "operator key-status",
        synopsis: "Provides information about the active encryption key",
        usage:
            "Usage: strongbox operator key-status [options]\n\n  Provides information about the active encryption key.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
        run: Run::Api(key_status),
    },
    Command {
        name: "operator rotate",
        synopsis: "Rotates the underlying encryption key",
        usage: "Usage: strongbox operator rotate [options]\n\n  Rotates the underlying encryption key (adds a new key term to the keyring).",
        flags: &[],
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
        run: Run::Api(rotate),
    },
    Command {
        name: "operator seal",
        synopsis: "Seals the Vault server",
        usage: "Usage: strongbox operator seal [options]\n\n  Seals the Vault server.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((0, 0)),
        run: Run::Api(seal),
    },
    Command {
        name: "operator step-down",
        synopsis: "Forces Vault to resign active duty",
        usage: "Usage: strongbox operator step-down [options]\n\n  Forces the Vault server at the given address to step down from active duty.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((0, 0)),
        run: Run::Api(step_down),
    },
    Command {
        name: "operator unseal",
        synopsis: "Unseals the Vault server",
        usage: "Usage: strongbox operator unseal [options] [KEY]\n\n  Provides a portion of the root key to unseal a Vault server. Without KEY, prompts for it.",
        flags: UNSEAL_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 1)),
        run: Run::Api(unseal),
    },
];

const INIT_FLAGS: &[FlagSpec] = &[
    flag("status", FlagKind::Bool),
    FlagSpec { name: "key-shares", aliases: &["n"], kind: FlagKind::Int },
    FlagSpec { name: "key-threshold", aliases: &["t"], kind: FlagKind::Int },
    flag("recovery-shares", FlagKind::Int),
    flag("recovery-threshold", FlagKind::Int),
    flag("pgp-keys", FlagKind::Str),
    flag("root-token-pgp-key", FlagKind::Str),
];

fn init(Ctx { p, ui, client }: Ctx) -> Outcome {
    if p.bool("status").unwrap_or(false) {
        return init_status(&ui, &client);
    }
    let seal = fetch_seal_status(&client).map_err(|e| Fail::api(e.to_string()))?;
    let recovery = seal.get("recovery_seal").and_then(Value::as_bool).unwrap_or(false);
    let pick = |name: &str, default: i64, applies: bool| match p.int(name).unwrap_or(0) {
        0 if applies => default,
        n => n,
    };
    let shares = pick("key-shares", DEFAULT_SHARES, !recovery);
    let threshold = pick("key-threshold", DEFAULT_THRESHOLD, !recovery);
    let rec_shares = pick("recovery-shares", DEFAULT_SHARES, recovery);
    let rec_threshold = pick("recovery-threshold", DEFAULT_THRESHOLD, recovery);
    let pgp_keys = match p.str("pgp-keys").filter(|k| !k.is_empty()) {
        Some(list) => Json::Arr(pgp_key_files(list)?.into_iter().map(Json::Str).collect()),
        None => Json::Null,
    };
    let root_pgp = match p.str("root-token-pgp-key").filter(|k| !k.is_empty()) {
        Some(file) => pgp_key_files(file)?.into_iter().next().unwrap_or_default(),
        None => String::new(),
    };
    // The Go client's `api.InitRequest`, field for field.
    let body = Json::Obj(vec![
        ("secret_shares".into(), Json::int(shares)),
        ("secret_threshold".into(), Json::int(threshold)),
        ("pgp_keys".into(), pgp_keys),
        ("recovery_shares".into(), Json::int(rec_shares)),
        ("recovery_threshold".into(), Json::int(rec_threshold)),
        ("recovery_pgp_keys".into(), Json::Null),
        ("root_token_pgp_key".into(), Json::Str(root_pgp)),
    ]);
    let resp = client
        .raw(Method::PUT, "sys/init", Some(Body::Json(body)))
        .and_then(|r| decode(&r.body))
        .or_api("Error initializing")?;
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
        return Ok(ui.json(&Json::Obj(vec![
            ("unseal_keys_b64".into(), strs(&keys_b64)),
            ("unseal_keys_hex".into(), strs(&keys)),
            ("unseal_shares".into(), Json::int(n)),
            ("unseal_threshold".into(), Json::int(t)),
            ("recovery_keys_b64".into(), strs(&rkeys_b64)),
            ("recovery_keys_hex".into(), strs(&rkeys)),
            ("recovery_keys_shares".into(), Json::int(rec_shares)),
            ("recovery_keys_threshold".into(), Json::int(rec_threshold)),
            ("root_token".into(), Json::str(root)),
        ])));
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
    Ok(0)
}

/// `operator init -status`: 0 initialized, 2 not, 1 on error.
fn init_status(ui: &Ui, client: &Client) -> Outcome {
    let inited = client
        .raw(Method::GET, "sys/init", None)
        .and_then(|r| decode(&r.body))
        .or_usage("Error checking init status")?
        .get("initialized")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if ui.is_table() {
        ui.out(if inited { "Vault is initialized" } else { "Vault is not initialized" });
    } else {
        // Vault's `InitStatusResponse` has no JSON tags, hence the capital I.
        ui.json(&Json::Obj(vec![("Initialized".into(), Json::Bool(inited))]));
    }
    Ok(if inited { 0 } else { 2 })
}

const UNSEAL_FLAGS: &[FlagSpec] = &[flag("reset", FlagKind::Bool), flag("migrate", FlagKind::Bool)];

fn unseal(Ctx { p, ui, client }: Ctx) -> Outcome {
    let body = if p.bool("reset").unwrap_or(false) {
        Json::Obj(vec![("reset".into(), Json::Bool(true))])
    } else {
        let key = match p.args.first() {
            Some(k) => k.trim().to_string(),
            None if p.bool("non-interactive").unwrap_or(false) => {
                return Err(Fail::usage(wrap_at_length("Refusing to read from stdin with -non-interactive specified; specify unseal key as an argument to this command", 0)));
            }
            None => match prompt_hidden(&mut std::io::stdout(), "Unseal Key (will be hidden): ") {
                Ok(k) => k.trim().to_string(),
                Err(e) => {
                    return Err(Fail::usage(wrap_at_length(&format!("An error occurred attempting to ask for an unseal key. The raw error message is shown below, but usually this is because you attempted to pipe a value into the unseal command or you are executing outside of a terminal (tty). You should run the unseal command from a terminal for maximum security. If this is not an option, the unseal key can be provided as the first argument to the unseal command. The raw error was:\n\n{e}"), 0)));
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
    let status =
        client.raw(Method::PUT, "sys/unseal", Some(Body::Json(body))).and_then(|r| decode(&r.body)).or_api(what)?;
    Ok(output_seal_status(&ui, &client, &status))
}

fn seal(Ctx { ui, client, .. }: Ctx) -> Outcome {
    client.raw(Method::PUT, "sys/seal", None).or_api("Error sealing")?;
    ui.out("Success! Vault is sealed.");
    Ok(0)
}

fn step_down(Ctx { ui, client, .. }: Ctx) -> Outcome {
    client.raw(Method::PUT, "sys/step-down", None).or_api("Error stepping down")?;
    ui.out(&format!("Success! Stepped down: {}", client.address()));
    Ok(0)
}

/// Vault's `api.KeyStatus`.
const KEY_STATUS: &[Field] =
    &[field("term", Kind::Int), field("install_time", Kind::Str), field("encryptions", Kind::Int)];

fn key_status(Ctx { ui, client, .. }: Ctx) -> Outcome {
    print_key_status(&ui, &client, None)
}

fn rotate(Ctx { ui, client, .. }: Ctx) -> Outcome {
    client.raw(Method::PUT, "sys/rotate", None).or_api("Error rotating key")?;
    print_key_status(&ui, &client, Some("Success! Rotated key"))
}

fn print_key_status(ui: &Ui, client: &Client, banner: Option<&str>) -> Outcome {
    let status = client
        .read("sys/key-status", &[])
        .or_api("Error reading key status")?
        .and_then(|s| s.data)
        .map_or(Value::Null, Value::Object);
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
        return Ok(ui.json(&j));
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
    Ok(0)
}
