//! `unwrap [TOKEN]`: the response a wrapping token holds, through `sys/wrapping/unwrap`, shaped
//! like the Go client's `Logical().Unwrap` (also used by `login` to unwrap a wrapped login).

use reqwest::Method;
use serde_json::Value;

use super::client::{ApiError, Body, Client};
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::gojson::Json;
use super::secret::{parse_secret, Secret};

const USAGE: &str = "Usage: strongbox unwrap [options] [TOKEN]

  Unwraps a wrapped secret from Vault by the given token. The result is the
  same as the \"vault read\" operation on the non-wrapped secret. If no token
  is given, the data in the currently authenticated token is unwrapped.

  Unwrap the data in the cubbyhole secrets engine for a token:

      $ strongbox unwrap 3de9ece1-b347-e143-29b0-dc2dc31caafd";

// The argument count is checked by `unwrap` itself: Vault words its message "expected 0-1".
pub const COMMANDS: &[Command] = &[Command {
    name: "unwrap",
    synopsis: "Unwrap a wrapped secret",
    usage: USAGE,
    flags: &[],
    opts: Opts::FIELD,
    args: None,
    run: Run::Api(unwrap),
}];

fn unwrap(Ctx { p, ui, mut client }: Ctx) -> Outcome {
    let token = match p.args.as_slice() {
        [] => String::new(),
        [t] => t.trim().to_string(),
        more => return Err(Fail::usage(format!("Too many arguments (expected 0-1, got {})", more.len()))),
    };
    let Some(secret) = unwrap_token(&mut client, &token).or_api("Error unwrapping")? else {
        if ui.is_table() {
            ui.out("Successfully unwrapped. There was no data in the wrapped secret.");
        }
        return Ok(0);
    };
    if let Some(field) = &ui.field {
        return Ok(ui.field(&secret, field));
    }
    // A wrapped list response prints as a list.
    if secret.get("keys").is_some_and(Value::is_array) {
        return Ok(ui.list(&secret));
    }
    Ok(ui.secret(&secret))
}

/// `Logical().Unwrap`: the wrapping token goes in the body, or becomes the client token when
/// there is none; an empty `wrapping_token` unwraps the client token itself.
pub fn unwrap_token(client: &mut Client, wrapping_token: &str) -> Result<Option<Secret>, ApiError> {
    let wt = wrapping_token.trim();
    let mut body = Json::Null;
    if !wrapping_token.is_empty() {
        match client.token() {
            None | Some("") => client.set_token(Some(wt.to_string())),
            Some(t) if t != wrapping_token => body = Json::Obj(vec![("token".into(), Json::str(wt))]),
            Some(_) => {}
        }
    }
    let (resp, err) = client.send(Method::PUT, "sys/wrapping/unwrap", &[], Some(Body::Json(body)))?;
    if resp.status != 404 {
        if let Some(e) = err {
            return Err(e);
        }
        return parse_secret(&resp.body).map_err(ApiError::Other);
    }
    // A 404 may be a wrapped 404 (data or warnings), else an old-style cubbyhole response.
    let secret = parse_secret(&resp.body).map_err(ApiError::Other)?;
    if let Some(s) = secret.filter(Secret::has_data_or_warnings) {
        return Ok(Some(s));
    }
    let original = client.token().map(str::to_string);
    if !wrapping_token.is_empty() {
        client.set_token(Some(wrapping_token.to_string()));
    }
    let read = client.read("cubbyhole/response", &[]);
    if !wrapping_token.is_empty() {
        client.set_token(original);
    }
    let Some(stored) = read? else {
        return Ok(None);
    };
    let raw = stored.get("response").and_then(Value::as_str).unwrap_or_default();
    if raw.is_empty() {
        return Err(ApiError::Other("no 'response' field in cubbyhole response".into()));
    }
    parse_secret(raw.as_bytes()).map_err(|e| ApiError::Other(format!("error unmarshalling wrapped secret: {e}")))
}
