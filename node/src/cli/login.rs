//! `login [-method=token|userpass] [-path=P] [TOKEN | -] [K=V...]`: authenticates with the token
//! method (a lookup through `auth/token/lookup-self`) or userpass, unwraps a wrapped login
//! unless the token is not to be stored, stores the token in the token helper
//! (`~/.vault-token`) and prints it as Vault does. Other `-method`s are Vault's "Unknown auth
//! method" (Vault's CLI has no approle handler either).

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::client::Client;
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{flag, parse_bool, FlagKind, FlagSpec};
use super::kvargs::parse_strings;
use super::output::{prompt_hidden, Ui};
use super::paths::{ensure_trailing_slash, sanitize_path};
use super::secret::Secret;
use super::table::wrap_at_length;
use super::token_helper;
use super::unwrap::unwrap_token;

const FLAGS: &[FlagSpec] = &[
    flag("method", FlagKind::Str),
    flag("path", FlagKind::Str),
    flag("no-store", FlagKind::Bool),
    flag("no-print", FlagKind::Bool),
    flag("token-only", FlagKind::Bool),
];

const USAGE: &str = "Usage: strongbox login [options] [AUTH K=V...]

  Authenticates users or machines using the provided arguments. A successful
  authentication results in a token, which is stored in the token helper
  (~/.vault-token) for future requests unless -no-store is given.

  The default auth method is \"token\". If not supplied via the CLI, the token
  is prompted for. If the argument is \"-\", it is read from stdin.

      $ strongbox login s.2f3c5L1MHtnqbuNCbx90utmC";

// The arguments are K=V pairs (or a bare token), so their count is not checked.
pub const COMMANDS: &[Command] = &[Command {
    name: "login",
    synopsis: "Authenticate locally",
    usage: USAGE,
    flags: FLAGS,
    opts: Opts::FIELD,
    args: None,
    run: Run::Api(login),
}];

fn login(Ctx { p, mut ui, mut client }: Ctx) -> Outcome {
    let token_only = p.bool("token-only").unwrap_or(false);
    let no_store = token_only || p.bool("no-store").unwrap_or(false);
    let no_print = p.bool("no-print").unwrap_or(false);
    if token_only {
        ui.field = Some("token".to_string());
    }
    if no_store && no_print {
        return Err(Fail::usage(wrap_at_length("-no-store and -no-print cannot be used together", 0)));
    }
    let method = match sanitize_path(p.str("method").unwrap_or_default()) {
        m if m.is_empty() => "token".to_string(),
        m => m,
    };
    if !["token", "userpass"].contains(&method.as_str()) {
        return Err(Fail::usage(wrap_at_length(
            &format!(
                "Unknown auth method: {method}. Use \"vault auth list\" to see the complete list of auth methods. \
                 Additionally, some auth methods are only available via the HTTP API."
            ),
            0,
        )));
    }
    let mut args = p.args.clone();
    if method == "token" {
        if let Some(first) = args.first_mut().filter(|a| !a.contains('=')) {
            *first = format!("token={first}");
        }
    }
    let mut config = parse_strings(&mut std::io::stdin(), &args).or_usage("Error parsing configuration")?;
    let auth_path = match p.str("path").filter(|s| !s.is_empty()) {
        Some(path) => path.to_string(),
        None => ensure_trailing_slash(&method),
    };
    if config.get("mount").is_none_or(String::is_empty) {
        config.insert("mount".into(), auth_path);
    }
    let authenticated = if method == "token" {
        token_auth(&mut client, &config)
    } else {
        // Only the token method uses the token the client picked up.
        client.set_token(None);
        super::login_userpass::auth(&client, &config)
    };
    let secret = authenticated.or_api("Error authenticating")?;
    // A wrapped login is not wrapped again when unwrapped.
    client.disable_wrapping();
    let (secret, wrapped) =
        extract_token(&mut client, secret, !token_only && !no_store).or_api("Error extracting token")?;
    if wrapped {
        if token_only {
            return Ok(ui.field(&secret, "wrapping_token"));
        }
        if no_store {
            return Ok(ui.secret(&secret));
        }
    }
    let Some(token) = secret.auth.as_ref().map(|a| a.get("client_token").and_then(Value::as_str).unwrap_or_default())
    else {
        return Err(Fail::api(wrap_at_length(
            "Vault returned a secret, but the secret has no authentication information attached. This should \
             never happen and is likely a bug.",
            0,
        )));
    };
    if !no_store {
        if let Err(e) = token_helper::store(token) {
            // The token is printed after the errors, so they cannot travel as a `Fail`.
            ui.err(&format!("Error storing token: {e}"));
            ui.err(&format!(
                "{}\n",
                wrap_at_length(
                    "Authentication was successful, but the token was not persisted. The resulting token is \
                     shown below for your records.",
                    0
                )
            ));
            ui.secret(&secret);
            return Err(Fail::reported(2));
        }
        warn_about_env_token(&ui);
    } else if !token_only {
        ui.err(&format!(
            "{}\n",
            wrap_at_length(
                "The token was not stored in token helper. Set the VAULT_TOKEN environment variable or pass \
                 the token below with each request to Vault.",
                0
            )
        ));
    }
    if no_print {
        return Ok(0);
    }
    if let Some(field) = &ui.field {
        return Ok(ui.field(&secret, field));
    }
    if ui.is_table() {
        ui.out(&format!(
            "{}\n",
            wrap_at_length(
                "Success! You are now authenticated. The token information displayed below is already stored \
                 in the token helper. You do NOT need to run \"vault login\" again. Future Vault requests will \
                 automatically use this token.",
                0
            )
        ));
    }
    Ok(ui.secret(&secret))
}

/// Vault's `extractToken`: the secret carrying the token, unwrapping a wrapped login when
/// `unwrap` (the flag says whether the result is still wrapped).
fn extract_token(client: &mut Client, secret: Secret, unwrap: bool) -> Result<(Secret, bool), String> {
    let mut secret = secret;
    loop {
        if secret.auth.is_some() {
            return Ok((secret, false));
        }
        let Some(wrap) = &secret.wrap_info else {
            return Err("no auth or wrapping info in response".into());
        };
        let text = |k: &str| wrap.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        if text("wrapped_accessor").is_empty() {
            return Err("wrapped response does not contain a token".into());
        }
        if !unwrap {
            return Ok((secret, true));
        }
        client.set_token(Some(text("token")));
        secret = unwrap_token(client, "").map_err(|e| e.to_string())?.ok_or("empty response from auth helper")?;
    }
}

/// `VAULT_TOKEN` wins over the token helper: say so, on stderr.
fn warn_about_env_token(ui: &Ui) {
    if std::env::var("VAULT_TOKEN").is_ok_and(|t| !t.is_empty()) {
        ui.err(&format!(
            "{}\n",
            wrap_at_length(
                "WARNING! The VAULT_TOKEN environment variable is set! The value of this variable will take \
                 precedence; if this is unwanted please unset VAULT_TOKEN or update its value accordingly.",
                0
            )
        ));
    }
}

/// The token method's CLI handler: the token from `token=` (or a hidden prompt), looked up with
/// `lookup-self` unless `lookup=false`, and returned as an auth response would carry it.
fn token_auth(client: &mut Client, config: &std::collections::BTreeMap<String, String>) -> Result<Secret, String> {
    let lookup = match config.get("lookup") {
        Some(v) => parse_bool(v).map_err(|e| format!("Failed to parse \"lookup\" as boolean: {e}"))?,
        None => true,
    };
    let token = match config.get("token") {
        Some(t) => t.clone(),
        None => prompt_hidden(&mut std::io::stderr(), "Token (will be hidden): ").map_err(|e| {
            format!(
                "An error occurred attempting to ask for a token. The raw error message is shown below, but \
                     usually this is because you attempted to pipe a value into the command or you are executing \
                     outside of a terminal (tty). If you want to pipe the value, pass \"-\" as the argument to \
                     read from stdin. The raw error was: {e}"
            )
        })?,
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err("a token must be passed to auth, please view the help for more information".into());
    }
    if !lookup {
        return Ok(Secret { auth: Some(json!({ "client_token": token })), ..Secret::default() });
    }
    client.set_token(Some(token));
    client.disable_wrapping();
    let looked_up = client
        .request(Method::GET, "auth/token/lookup-self", &[], None)
        .map_err(|e| format!("error looking up token: {e}"))?
        .ok_or("empty response from lookup-self")?;
    auth_from_lookup(&looked_up.data.unwrap_or_default())
}

/// The auth block Vault's token handler builds from `lookup-self` data (`TokenID`,
/// `TokenAccessor`, `TokenPolicies`, `TokenMetadata`, `TokenTTL`, `TokenIsRenewable`).
fn auth_from_lookup(data: &Map<String, Value>) -> Result<Secret, String> {
    let string = |k: &str, what: &str| match data.get(k) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("error accessing token {what}: token found but in the wrong format")),
    };
    let id = string("id", "ID")?;
    let accessor = string("accessor", "accessor")?;
    let strings = |k: &str, what: &str| -> Result<Option<Vec<Value>>, String> {
        match data.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(Some(items.clone())),
            Some(_) => Err(format!("error accessing token policies: unable to convert {what} to expected format")),
        }
    };
    let token_policies = strings("policies", "token policies")?;
    let identity_policies =
        if token_policies.is_some() { strings("identity_policies", "identity policies")? } else { None };
    let mut policies: Vec<Value> = token_policies.clone().unwrap_or_default();
    policies.extend(identity_policies.clone().unwrap_or_default());
    let policies = (!policies.is_empty()).then_some(policies);
    let metadata = match data.get("metadata").filter(|v| !v.is_null()).or_else(|| data.get("meta")) {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Object(m)) if m.values().all(Value::is_string) => Value::Object(m.clone()),
        Some(_) => {
            return Err("error accessing token metadata: unable to convert metadata field to expected format".into())
        }
    };
    let ttl = match data.get("ttl") {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => {
            super::godur::parse_duration_second(s).map_err(|e| format!("error converting token TTL: {e}"))? as i64
                / 1_000_000_000
        }
        Some(_) => return Err("error converting token TTL: could not parse ttl".into()),
    };
    let renewable = match data.get("renewable") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => parse_bool(s).map_err(|e| {
            format!("error checking if token is renewable: could not convert renewable value to a boolean: {e}")
        })?,
        Some(_) => {
            return Err("error checking if token is renewable: could not convert renewable value to a boolean".into())
        }
    };
    let auth = json!({
        "client_token": id,
        "accessor": accessor,
        "policies": policies,
        "token_policies": token_policies,
        "identity_policies": identity_policies,
        "metadata": metadata,
        "lease_duration": ttl,
        "renewable": renewable,
    });
    Ok(Secret { auth: Some(auth), ..Secret::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn auth_mirrors_lookup_self() {
        let d = data(json!({
            "id": "s.x", "accessor": "acc", "policies": ["default", "p"], "identity_policies": ["i"],
            "meta": {"team": "a"}, "ttl": 3599, "renewable": true, "orphan": true
        }));
        let s = auth_from_lookup(&d).unwrap();
        assert_eq!(
            s.to_json().to_compact(),
            r#"{"request_id":"","lease_id":"","lease_duration":0,"renewable":false,"data":null,"warnings":null,"auth":{"client_token":"s.x","accessor":"acc","policies":["default","p","i"],"token_policies":["default","p"],"identity_policies":["i"],"metadata":{"team":"a"},"orphan":false,"entity_id":"","lease_duration":3599,"renewable":true,"mfa_requirement":null}}"#
        );
    }

    #[test]
    fn a_root_token_has_no_ttl_and_null_lists() {
        let d = data(json!({"id": "root", "accessor": "a", "policies": ["root"], "meta": null, "ttl": 0}));
        let s = auth_from_lookup(&d).unwrap();
        let auth = s.auth.unwrap();
        assert_eq!(auth["identity_policies"], Value::Null);
        assert_eq!(auth["metadata"], Value::Null);
        assert_eq!(auth["lease_duration"], 0);
        assert_eq!(auth["renewable"], false);
        let d = data(json!({"id": "t", "policies": [1]}));
        assert!(auth_from_lookup(&d).is_err());
    }
}
