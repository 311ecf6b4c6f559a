//! `operator generate-root` and `operator rekey`: the root-key ceremonies (Vault's
//! `command/operator_generate_root.go` and `operator_rekey.go`), and the PGP key files that
//! `-pgp-keys` / `-pgp-key` / `-root-token-pgp-key` name.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::{Body, Client};
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec, Parsed};
use super::gojson::Json;
use super::output::{prompt_hidden, Ui};
use super::status::decode;
use super::table::{columnize, table_output, wrap_at_length};
use strongbox_actors::seal_keeper::generate_root::{decode_token, random_otp};

pub const COMMANDS: &[Command] = &[
    Command {
        name: "operator generate-root",
        synopsis: "Generates a new root token",
        usage: "Usage: strongbox operator generate-root [options] [KEY]\n\n  Generates a new root token by combining a quorum of share holders. One of\n  -init, -cancel, -status, -decode or -generate-otp, or a key share to enter.",
        flags: GENERATE_ROOT_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 1)),
        run: Run::Api(generate_root),
    },
    Command {
        name: "operator rekey",
        synopsis: "Generates new unseal keys",
        usage: "Usage: strongbox operator rekey [options] [KEY]\n\n  Generates a new set of unseal keys from a quorum of the current ones. One of\n  -init, -cancel, -status, -backup-retrieve or -backup-delete, or a key share to enter.",
        flags: REKEY_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 1)),
        run: Run::Api(rekey),
    },
];

const GENERATE_ROOT_FLAGS: &[FlagSpec] = &[
    flag("init", FlagKind::Bool),
    flag("cancel", FlagKind::Bool),
    flag("status", FlagKind::Bool),
    flag("decode", FlagKind::Str),
    flag("generate-otp", FlagKind::Bool),
    flag("otp", FlagKind::Str),
    flag("pgp-key", FlagKind::Str),
    flag("nonce", FlagKind::Str),
    flag("dr-token", FlagKind::Bool),
    flag("recovery-token", FlagKind::Bool),
];

const REKEY_FLAGS: &[FlagSpec] = &[
    flag("init", FlagKind::Bool),
    flag("cancel", FlagKind::Bool),
    flag("status", FlagKind::Bool),
    FlagSpec { name: "key-shares", aliases: &["n"], kind: FlagKind::Int },
    FlagSpec { name: "key-threshold", aliases: &["t"], kind: FlagKind::Int },
    flag("nonce", FlagKind::Str),
    flag("pgp-keys", FlagKind::Str),
    flag("backup", FlagKind::Bool),
    flag("verify", FlagKind::Bool),
    flag("backup-delete", FlagKind::Bool),
    flag("backup-retrieve", FlagKind::Bool),
    flag("target", FlagKind::Str),
];

/// `-pgp-keys a.asc,b.gpg`: each file (or `keybase:user`) as the base64 the API takes.
pub fn pgp_key_files(list: &str) -> Result<Vec<String>, Fail> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|path| {
            if path.starts_with("keybase:") {
                return Ok(path.to_string());
            }
            let bytes =
                std::fs::read(path).map_err(|e| Fail::usage(format!("Error reading PGP key file {path}: {e}")))?;
            strongbox_actors::pgp::key_file_to_base64(&bytes)
                .map_err(|e| Fail::usage(format!("Error parsing PGP key file {path}: {e}")))
        })
        .collect()
}

fn on(p: &Parsed, name: &str) -> bool {
    p.bool(name).unwrap_or(false)
}

fn call(client: &Client, method: Method, path: &str, body: Option<Value>, what: &str) -> Result<Value, Fail> {
    let body = body.map(|b| Body::Json(Json::from_value(&b)));
    let resp = client.raw(method, path, body).or_api(what)?;
    if resp.body.is_empty() {
        return Ok(Value::Null);
    }
    decode(&resp.body).or_api(what)
}

/// The key share: the argument, `-` for stdin, or a hidden prompt.
fn read_key(p: &Parsed, nonce_line: Option<&str>) -> Result<String, Fail> {
    match p.args.first().map(String::as_str) {
        Some("-") => {
            let mut buf = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut buf)
                .map_err(|e| Fail::usage(format!("Failed to read from stdin: {e}")))?;
            Ok(buf.trim().to_string())
        }
        Some(k) => Ok(k.trim().to_string()),
        None => {
            let mut out = std::io::stdout();
            if let Some(line) = nonce_line {
                super::output::out(line);
            }
            prompt_hidden(&mut out, "Unseal Key (will be hidden): ").map(|k| k.trim().to_string()).map_err(|e| {
                Fail::usage(wrap_at_length(&format!("An error occurred attempting to ask for the unseal key. The raw error message is shown below, but usually this is because you attempted to pipe a value into the command or you are executing outside of a terminal (tty). If you want to pipe the value, pass \"-\" as the argument to read from stdin. The raw error was: {e}"), 0))
            })
        }
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn n(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn generate_root(Ctx { p, ui, client }: Ctx) -> Outcome {
    if on(&p, "dr-token") || on(&p, "recovery-token") {
        return Err(Fail::usage("DR operation and recovery tokens need a DR replication or auto-unseal setup, which this server does not have"));
    }
    if on(&p, "generate-otp") {
        print!("{}", random_otp());
        return Ok(0);
    }
    if let Some(encoded) = p.str("decode") {
        let Some(otp) = p.str("otp").filter(|o| !o.is_empty()) else {
            return Err(Fail::usage(
                "Missing -otp flag; the OTP used to generate the root token is required to decode it",
            ));
        };
        let encoded = if encoded == "-" {
            let mut buf = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut buf)
                .map_err(|e| Fail::usage(format!("Failed to read from stdin: {e}")))?;
            buf.trim().to_string()
        } else {
            encoded.to_string()
        };
        let token = decode_token(&encoded, otp).map_err(|e| Fail::usage(format!("Error decoding root token: {e}")))?;
        if ui.is_table() {
            print!("{}", token.as_str());
        } else {
            ui.out(&json!({ "token": token.as_str() }).to_string());
        }
        return Ok(0);
    }
    const ATTEMPT: &str = "sys/generate-root/attempt";
    if on(&p, "cancel") {
        call(&client, Method::DELETE, ATTEMPT, None, "Error canceling root token generation")?;
        ui.out("Success! Root token generation canceled (if it was started)");
        return Ok(0);
    }
    if on(&p, "status") {
        let status = call(&client, Method::GET, ATTEMPT, None, "Error getting root generation status")?;
        return Ok(print_root_status(&ui, &status));
    }
    if on(&p, "init") {
        let pgp_key = match p.str("pgp-key").filter(|k| !k.is_empty()) {
            Some(k) => pgp_key_files(k)?.into_iter().next().unwrap_or_default(),
            None => String::new(),
        };
        let body = json!({ "otp": p.str("otp").unwrap_or_default(), "pgp_key": pgp_key });
        let status = call(&client, Method::PUT, ATTEMPT, Some(body), "Error initializing root generation")?;
        return Ok(print_root_status(&ui, &status));
    }
    let status = call(&client, Method::GET, ATTEMPT, None, "Error getting root generation status")?;
    if !b(&status, "started") {
        return Err(Fail::usage(wrap_at_length("No root generation is in progress. Start a root generation by running \"vault operator generate-root -init\".", 0)));
    }
    let prompting = p.args.is_empty();
    let nonce =
        if prompting { s(&status, "nonce").to_string() } else { p.str("nonce").unwrap_or_default().to_string() };
    let key = read_key(&p, prompting.then(|| format!("Operation nonce: {nonce}")).as_deref())?;
    if nonce.is_empty() {
        return Err(Fail::usage("Missing nonce value: specify it via the -nonce flag"));
    }
    let body = json!({ "key": key, "nonce": nonce });
    let resp = call(&client, Method::PUT, "sys/generate-root/update", Some(body), "Error posting unseal key")?;
    Ok(print_root_status(&ui, &resp))
}

fn print_root_status(ui: &Ui, status: &Value) -> i32 {
    if !ui.is_table() {
        return ui.data(status);
    }
    let nonce = match s(status, "nonce") {
        "" => "n/a",
        other => other,
    };
    let mut out = vec![
        format!("Nonce | {nonce}"),
        format!("Started | {}", b(status, "started")),
        format!("Progress | {}/{}", n(status, "progress"), n(status, "required")),
        format!("Complete | {}", b(status, "complete")),
    ];
    if !s(status, "pgp_fingerprint").is_empty() {
        out.push(format!("PGP Fingerprint | {}", s(status, "pgp_fingerprint")));
    }
    if !s(status, "encoded_token").is_empty() {
        out.push(format!("Encoded Token | {}", s(status, "encoded_token")));
    } else if !s(status, "encoded_root_token").is_empty() {
        out.push(format!("Encoded Root Token | {}", s(status, "encoded_root_token")));
    }
    if !s(status, "otp").is_empty() {
        ui.err(&wrap_at_length("A One-Time-Password has been generated for you and is shown in the OTP field. You will need this value to decode the resulting root token, so keep it safe.", 0));
        out.push(format!("OTP | {}", s(status, "otp")));
    }
    if n(status, "otp_length") != 0 {
        out.push(format!("OTP Length | {}", n(status, "otp_length")));
    }
    ui.out(&columnize(&out, "|"));
    0
}

fn rekey(Ctx { p, ui, client }: Ctx) -> Outcome {
    match p.str("target").unwrap_or("barrier").trim().to_ascii_lowercase().as_str() {
        "barrier" => {}
        "recovery" | "hsm" => {
            return Err(Fail::api("Error: recovery rekeying not supported: this server uses a Shamir seal"))
        }
        other => return Err(Fail::usage(format!("Unknown target: {other}"))),
    }
    let verify = on(&p, "verify");
    let (init_path, status_path) = ("sys/rekey/init", if verify { "sys/rekey/verify" } else { "sys/rekey/init" });
    if on(&p, "backup-retrieve") {
        let secret = client.read("sys/rekey/backup", &[]).or_api("Error retrieving rekey stored keys")?;
        return Ok(secret.map_or(0, |s| ui.secret(&s)));
    }
    if on(&p, "backup-delete") {
        call(&client, Method::DELETE, "sys/rekey/backup", None, "Error deleting rekey stored keys")?;
        ui.out("Success! Delete stored keys (if they existed)");
        return Ok(0);
    }
    if on(&p, "cancel") {
        call(&client, Method::DELETE, status_path, None, "Error canceling rekey")?;
        ui.out("Success! Canceled rekeying (if it was started)");
        return Ok(0);
    }
    if on(&p, "status") {
        let status = call(&client, Method::GET, status_path, None, "Error reading rekey status")?;
        return Ok(print_rekey_status(&ui, &status, verify));
    }
    if on(&p, "init") {
        return rekey_init(&p, &ui, &client, init_path);
    }
    let status = call(&client, Method::GET, status_path, None, "Error getting rekey status")?;
    if !b(&status, "started") {
        return Err(Fail::usage(wrap_at_length(
            "No rekey is in progress. Start a rekey process by running \"vault rekey -init\".",
            0,
        )));
    }
    let prompting = p.args.is_empty();
    let nonce =
        if prompting { s(&status, "nonce").to_string() } else { p.str("nonce").unwrap_or_default().to_string() };
    let key = read_key(&p, prompting.then(|| format!("Rekey operation nonce: {nonce}")).as_deref())?;
    if nonce.is_empty() {
        return Err(Fail::usage("Missing nonce value: specify it via the -nonce flag"));
    }
    let update = if verify { "sys/rekey/verify" } else { "sys/rekey/update" };
    let resp =
        call(&client, Method::PUT, update, Some(json!({ "key": key, "nonce": nonce })), "Error posting unseal key")?;
    if !b(&resp, "complete") {
        let now = call(&client, Method::GET, status_path, None, "Error reading rekey status")?;
        return Ok(print_rekey_status(&ui, &now, verify));
    }
    if verify {
        ui.out("Rekey verification successful.");
        return Ok(0);
    }
    print_new_keys(&ui, &client, &status, &resp)
}

fn rekey_init(p: &Parsed, ui: &Ui, client: &Client, path: &str) -> Outcome {
    let pgp_keys = match p.str("pgp-keys").filter(|k| !k.is_empty()) {
        Some(list) => pgp_key_files(list)?,
        None => Vec::new(),
    };
    let body = json!({
        "secret_shares": p.int("key-shares").unwrap_or(5),
        "secret_threshold": p.int("key-threshold").unwrap_or(3),
        "stored_shares": 0,
        "pgp_keys": if pgp_keys.is_empty() { Value::Null } else { json!(pgp_keys) },
        "backup": on(p, "backup"),
        "require_verification": on(p, "verify"),
    });
    let status = call(client, Method::PUT, path, Some(body), "Error initializing rekey")?;
    if ui.is_table() {
        let warning = if pgp_keys.is_empty() {
            Some("WARNING! If you lose the keys after they are returned, there is no recovery. Consider canceling this operation and re-initializing with the -pgp-keys flag to protect the returned unseal keys along with -backup to allow recovery of the encrypted keys in case of emergency. You can delete the stored keys later using the -delete flag.")
        } else if !on(p, "backup") {
            Some("WARNING! You are using PGP keys for encrypted the resulting unseal keys, but you did not enable the option to backup the keys to Vault's core. If you lose the encrypted keys after they are returned, you will not be able to recover them. Consider canceling this operation and re-running with -backup to allow recovery of the encrypted unseal keys in case of emergency. You can delete the stored keys later using the -delete flag.")
        } else {
            None
        };
        if let Some(w) = warning {
            ui.err(&wrap_at_length(w, 0));
            ui.out("");
        }
    }
    Ok(print_rekey_status(ui, &status, false))
}

fn print_rekey_status(ui: &Ui, status: &Value, verify: bool) -> i32 {
    if !ui.is_table() {
        return ui.data(status);
    }
    let mut out = vec![
        "Key | Value".to_string(),
        format!("Nonce | {}", s(status, "nonce")),
        format!("Started | {}", b(status, "started")),
    ];
    if verify {
        out.push(format!("New Shares | {}", n(status, "n")));
        out.push(format!("New Threshold | {}", n(status, "t")));
        out.push(format!("Verification Progress | {}/{}", n(status, "progress"), n(status, "t")));
    } else {
        if b(status, "started") {
            out.push(format!("Rekey Progress | {}/{}", n(status, "progress"), n(status, "required")));
            out.push(format!("New Shares | {}", n(status, "n")));
            out.push(format!("New Threshold | {}", n(status, "t")));
            out.push(format!("Verification Required | {}", b(status, "verification_required")));
        }
        if let Some(fps) = status.get("pgp_fingerprints").and_then(Value::as_array).filter(|a| !a.is_empty()) {
            let list: Vec<&str> = fps.iter().filter_map(Value::as_str).collect();
            out.push(format!("PGP Fingerprints | [{}]", list.join(" ")));
            out.push(format!("Backup | {}", b(status, "backup")));
        }
    }
    ui.out(&table_output(out, "|"));
    0
}

fn print_new_keys(ui: &Ui, client: &Client, status: &Value, resp: &Value) -> Outcome {
    if !ui.is_table() {
        return Ok(ui.data(resp));
    }
    let list = |k: &str| -> Vec<String> {
        resp.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default()
    };
    let (keys, b64, fps) = (list("keys"), list("keys_base64"), list("pgp_fingerprints"));
    ui.out("");
    for (i, key) in keys.iter().enumerate() {
        let value = if b64.len() == keys.len() { &b64[i] } else { key };
        match fps.get(i) {
            Some(fp) => ui.out(&format!("Key {} fingerprint: {fp}; value: {value}", i + 1)),
            None => ui.out(&format!("Key {}: {value}", i + 1)),
        }
    }
    ui.out("");
    ui.out(&format!("Operation nonce: {}", s(resp, "nonce")));
    if !fps.is_empty() && b(resp, "backup") {
        ui.out("");
        ui.out(&wrap_at_length("The encrypted unseal keys are backed up to \"core/unseal-keys-backup\"in the storage backend. Remove these keys at any time using \"vault rekey -delete-backup\". Vault does not automatically remove these keys.", 0));
    }
    let (shares, threshold) = (n(status, "n"), n(status, "t"));
    ui.out("");
    if !b(resp, "verification_required") {
        ui.out(&wrap_at_length(&format!("Vault rekeyed with {shares} key shares and a key threshold of {threshold}. Please securely distributed the key shares printed above. When Vault is re-sealed, restarted, or stopped, you must supply at least {threshold} of these keys to unseal it before it can start servicing requests."), 0));
        return Ok(0);
    }
    ui.out(&wrap_at_length(&format!("Vault has created a new key, split into {shares} key shares and a key threshold of {threshold}. These will not be active until after verification is complete. Please securely distributed the key shares printed above. When Vault is re-sealed, restarted, or stopped, you must supply at least {threshold} of these keys to unseal it before it can start servicing requests."), 0));
    ui.out("");
    ui.err(&wrap_at_length("Again, these key shares are _not_ valid until verification is performed. Do not lose or discard your current key shares until after verification is complete or you will be unable to unseal Vault. If you cancel the rekey process or seal Vault before verification is complete the new shares will be discarded and the current shares will remain valid.", 0));
    ui.out("");
    ui.err(&wrap_at_length("The current verification status, including initial nonce, is shown below.", 0));
    ui.out("");
    let now = call(client, Method::GET, "sys/rekey/verify", None, "Error reading rekey status")?;
    Ok(print_rekey_status(ui, &now, true))
}
