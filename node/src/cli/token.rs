//! `token create | lookup | renew | revoke | capabilities`: the token store through
//! `auth/token/*` and `sys/capabilities*`, with the Go client's request shapes.

use reqwest::Method;
use serde_json::{json, Value};

use super::client::{ApiError, Body, Client};
use super::command::{Command, Ctx, Fail, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec, Parsed};
use super::godur;
use super::gojson::Json;

pub const COMMANDS: &[Command] = &[
    Command::group("token", "Interact with tokens"),
    Command {
        name: "token capabilities",
        synopsis: "Print capabilities of a token on a path",
        usage: "Usage: strongbox token capabilities [options] [TOKEN] PATH\n\n  Fetches the capabilities of a token for a given path (sys/capabilities), or of\n  the locally authenticated token (sys/capabilities-self) when no TOKEN is given.",
        flags: &[],
        opts: Opts::OUTPUT,
        args: None,
        run: Run::Api(capabilities),
    },
    Command {
        name: "token create",
        synopsis: "Create a new token",
        usage: "Usage: strongbox token create [options]\n\n  Creates a new token that can be used for authentication. This token will be\n  created as a child of the currently authenticated token unless -orphan is set.",
        flags: CREATE_FLAGS,
        opts: Opts::FIELD,
        args: Some((0, 0)),
        run: Run::Api(create),
    },
    Command {
        name: "token lookup",
        synopsis: "Display information about a token",
        usage: "Usage: strongbox token lookup [options] [TOKEN | ACCESSOR]\n\n  Displays information about a token or accessor. If a TOKEN is not provided,\n  the locally authenticated token is used (auth/token/lookup-self).",
        flags: LOOKUP_FLAGS,
        opts: Opts::OUTPUT,
        args: None,
        run: Run::Api(lookup),
    },
    Command {
        name: "token renew",
        synopsis: "Renew a token lease",
        usage: "Usage: strongbox token renew [options] [TOKEN]\n\n  Renews a token's lease, extending the amount of time it can be used. If a\n  TOKEN is not provided, the locally authenticated token is used.",
        flags: RENEW_FLAGS,
        opts: Opts::OUTPUT,
        args: None,
        run: Run::Api(renew),
    },
    Command {
        name: "token revoke",
        synopsis: "Revoke a token and its children",
        usage: "Usage: strongbox token revoke [options] [TOKEN | ACCESSOR]\n\n  Revokes authentication tokens and their children. -mode=orphan revokes only the\n  token, leaving its children as orphans; -mode=path revokes every token created\n  under an auth path prefix.",
        flags: REVOKE_FLAGS,
        opts: Opts::HTTP,
        args: None,
        run: Run::Api(revoke),
    },
];

/// A `map[string]interface{}` body as the Go client marshals it (keys sorted).
fn body(v: Value) -> Option<Body> {
    Some(Body::Json(Json::from_value(&v)))
}

const CREATE_FLAGS: &[FlagSpec] = &[
    flag("id", FlagKind::Str),
    flag("display-name", FlagKind::Str),
    flag("ttl", FlagKind::Dur),
    flag("explicit-max-ttl", FlagKind::Dur),
    flag("period", FlagKind::Dur),
    flag("renewable", FlagKind::Bool),
    flag("orphan", FlagKind::Bool),
    flag("no-default-policy", FlagKind::Bool),
    flag("use-limit", FlagKind::Int),
    flag("role", FlagKind::Str),
    flag("type", FlagKind::Str),
    flag("metadata", FlagKind::Map),
    flag("policy", FlagKind::List),
    flag("entity-alias", FlagKind::Str),
];

/// The Go client's `api.TokenCreateRequest` as `json.Marshal` writes it (`omitempty` fields
/// left out when empty; durations as `time.Duration.String()`, so an unset TTL is `"0s"`).
fn create_request(p: &Parsed) -> Json {
    let token_type = p.str("type").unwrap_or("service");
    // Batch tokens are never renewable.
    let renewable = token_type != "batch" && p.bool("renewable").unwrap_or(true);
    let dur = |name: &str| Json::Str(godur::go_string(p.dur(name).unwrap_or(0)));
    let mut out = Vec::new();
    if let Some(id) = p.str("id").filter(|s| !s.is_empty()) {
        out.push(("id".to_string(), Json::str(id)));
    }
    let policies = p.list("policy");
    if !policies.is_empty() {
        out.push(("policies".to_string(), Json::Arr(policies.iter().map(|s| Json::str(s)).collect())));
    }
    let meta = p.map("metadata");
    if !meta.is_empty() {
        out.push(("meta".to_string(), Json::Obj(meta.into_iter().map(|(k, v)| (k, Json::Str(v))).collect())));
    }
    out.push(("ttl".to_string(), dur("ttl")));
    out.push(("explicit_max_ttl".to_string(), dur("explicit-max-ttl")));
    out.push(("period".to_string(), dur("period")));
    if p.bool("orphan").unwrap_or(false) {
        out.push(("no_parent".to_string(), Json::Bool(true)));
    }
    if p.bool("no-default-policy").unwrap_or(false) {
        out.push(("no_default_policy".to_string(), Json::Bool(true)));
    }
    out.push(("display_name".to_string(), Json::str(p.str("display-name").unwrap_or_default())));
    out.push(("num_uses".to_string(), Json::int(p.int("use-limit").unwrap_or(0))));
    out.push(("renewable".to_string(), Json::Bool(renewable)));
    out.push(("type".to_string(), Json::str(token_type)));
    out.push(("entity_alias".to_string(), Json::str(p.str("entity-alias").unwrap_or_default())));
    Json::Obj(out)
}

fn create(Ctx { p, ui, client }: Ctx) -> Outcome {
    let path = match p.str("role").filter(|r| !r.is_empty()) {
        Some(role) => format!("auth/token/create/{role}"),
        None => "auth/token/create".to_string(),
    };
    let secret = client
        .request(Method::POST, &path, &[], Some(Body::Json(create_request(&p))))
        .or_api("Error creating token")?;
    Ok(ui.secret_or_field(&secret.unwrap_or_default()))
}

const LOOKUP_FLAGS: &[FlagSpec] = &[flag("accessor", FlagKind::Bool)];

fn lookup(Ctx { p, ui, client }: Ctx) -> Outcome {
    let accessor = p.bool("accessor").unwrap_or(false);
    let n = p.args.len();
    match (accessor, n) {
        (true, 0) => return Err(Fail::usage(format!("Not enough arguments with -accessor (expected 1, got {n})"))),
        (true, 2..) => return Err(Fail::usage(format!("Too many arguments with -accessor (expected 1, got {n})"))),
        (false, 2..) => return Err(Fail::usage(format!("Too many arguments (expected 0-1, got {n})"))),
        _ => {}
    }
    let token = p.args.first().map(|t| t.trim().to_string()).unwrap_or_default();
    let result = if token.is_empty() {
        client.request(Method::GET, "auth/token/lookup-self", &[], None)
    } else if accessor {
        client.request(Method::POST, "auth/token/lookup-accessor", &[], body(json!({ "accessor": token })))
    } else {
        client.request(Method::POST, "auth/token/lookup", &[], body(json!({ "token": token })))
    };
    let secret = result.or_api("Error looking up token")?;
    Ok(ui.secret(&secret.unwrap_or_default()))
}

/// Vault's `truncateToSeconds`: whole seconds, and anything under a second is 0.
fn truncate_to_seconds(nanos: i128) -> i64 {
    let secs = nanos / 1_000_000_000;
    if secs < 1 {
        0
    } else {
        secs as i64
    }
}

const RENEW_FLAGS: &[FlagSpec] = &[
    flag("accessor", FlagKind::Bool),
    FlagSpec { name: "increment", aliases: &["i"], kind: FlagKind::Dur },
    flag("fail-if-not-fulfilled", FlagKind::Bool),
];

fn renew(Ctx { p, ui, client }: Ctx) -> Outcome {
    if p.args.len() > 1 {
        return Err(Fail::usage(format!("Too many arguments (expected 1, got {})", p.args.len())));
    }
    let token = p.args.first().map(|t| t.trim().to_string()).unwrap_or_default();
    let increment = p.dur("increment").unwrap_or(0);
    let inc = truncate_to_seconds(increment);
    let result = if token.is_empty() {
        client.request(Method::PUT, "auth/token/renew-self", &[], body(json!({ "increment": inc })))
    } else if p.bool("accessor").unwrap_or(false) {
        let b = body(json!({ "accessor": token, "increment": inc }));
        client.request(Method::POST, "auth/token/renew-accessor", &[], b)
    } else {
        client.request(Method::PUT, "auth/token/renew", &[], body(json!({ "token": token, "increment": inc })))
    };
    let secret = result.or_api("Error renewing token")?.unwrap_or_default();
    let granted = secret.auth.as_ref().and_then(|a| a.get("lease_duration")).and_then(Value::as_i64).unwrap_or(0);
    if p.bool("fail-if-not-fulfilled").unwrap_or(false) && (granted as i128) * 1_000_000_000 < increment {
        // This one goes to stdout, so it cannot travel as a `Fail` message (those go to stderr).
        ui.out("Token renewal completed with capped duration, failing the command because of --fail-if-not-fulfilled");
        return Err(Fail::reported(1));
    }
    Ok(ui.secret(&secret))
}

/// What `token revoke` calls, after Vault's checks of its flag combinations.
#[derive(Debug, PartialEq)]
enum Revoke {
    Own,
    Tree(String),
    Orphan(String),
    Prefix(String),
    Accessor(String),
}

/// Vault's argument and flag checks for `token revoke`; `Err` is the message (exit 1).
fn revoke_target(p: &Parsed) -> Result<Revoke, String> {
    let mode = p.str("mode").unwrap_or_default();
    let self_ = p.bool("self").unwrap_or(false);
    let accessor = p.bool("accessor").unwrap_or(false);
    let n = p.args.len();
    if !matches!(mode, "" | "orphan" | "path") {
        return Err(format!("Invalid mode: {mode}"));
    }
    if self_ && n > 0 {
        return Err(format!("Too many arguments with -self (expected 0, got {n})"));
    }
    if !self_ && n > 1 {
        return Err(format!("Too many arguments (expected 1 or -self, got {n})"));
    }
    if !self_ && n < 1 {
        return Err(format!("Not enough arguments (expected 1 or -self, got {n})"));
    }
    if self_ && accessor {
        return Err("Cannot use -self with -accessor!".into());
    }
    if self_ && !mode.is_empty() {
        return Err("Cannot use -self with -mode!".into());
    }
    if accessor && !mode.is_empty() {
        return Err(format!("Cannot use -accessor with -mode={mode}!"));
    }
    let token = p.args.first().map(|t| t.trim().to_string()).unwrap_or_default();
    Ok(match (self_, accessor, mode) {
        (true, _, _) => Revoke::Own,
        (_, true, _) => Revoke::Accessor(token),
        (_, _, "orphan") => Revoke::Orphan(token),
        (_, _, "path") => Revoke::Prefix(token),
        _ => Revoke::Tree(token),
    })
}

const REVOKE_FLAGS: &[FlagSpec] =
    &[flag("accessor", FlagKind::Bool), flag("self", FlagKind::Bool), flag("mode", FlagKind::Str)];

fn revoke(Ctx { p, ui, client }: Ctx) -> Outcome {
    let target = revoke_target(&p).map_err(Fail::usage)?;
    let token = |t: String| body(json!({ "token": t }));
    let result = match target {
        Revoke::Own => client.raw(Method::PUT, "auth/token/revoke-self", None),
        Revoke::Tree(t) => client.raw(Method::PUT, "auth/token/revoke", token(t)),
        Revoke::Orphan(t) => client.raw(Method::PUT, "auth/token/revoke-orphan", token(t)),
        Revoke::Prefix(prefix) => client.raw(Method::PUT, &format!("sys/leases/revoke-prefix/{prefix}"), None),
        Revoke::Accessor(a) => client.raw(Method::POST, "auth/token/revoke-accessor", body(json!({ "accessor": a }))),
    };
    result.or_api("Error revoking token")?;
    ui.out("Success! Revoked token (if it existed)");
    Ok(0)
}

/// `Sys().Capabilities`: `sys/capabilities-self` when asking about the client's own token.
fn fetch_capabilities(client: &Client, token: &str, path: &str) -> Result<Option<Vec<Value>>, ApiError> {
    let url = if token == client.token().unwrap_or_default() { "sys/capabilities-self" } else { "sys/capabilities" };
    let b = body(json!({ "path": path, "token": token }));
    let secret = client.request(Method::POST, url, &[], b)?;
    let data =
        secret.and_then(|s| s.data).ok_or_else(|| ApiError::Other("data from server response is empty".to_string()))?;
    let list = |k: &str| data.get(k).and_then(Value::as_array).filter(|a| !a.is_empty()).cloned();
    Ok(list(path).or_else(|| list("capabilities")))
}

fn capabilities(Ctx { p, ui, client }: Ctx) -> Outcome {
    let (token, path) = match p.args.as_slice() {
        [] => return Err(Fail::usage("Not enough arguments (expected 1-2, got 0)")),
        [path] => (client.token().unwrap_or_default().to_string(), path.clone()),
        [token, path] => (token.clone(), path.clone()),
        more => return Err(Fail::usage(format!("Too many arguments (expected 1-2, got {})", more.len()))),
    };
    let caps = fetch_capabilities(&client, &token, &path)
        .or_api("Error listing capabilities")?
        .ok_or_else(|| Fail::usage("No capabilities found"))?;
    if ui.is_table() {
        let mut names: Vec<String> = caps.iter().map(super::gojson::fmt_v).collect();
        names.sort();
        ui.out(&names.join(", "));
        return Ok(0);
    }
    Ok(ui.data(&Value::Array(caps)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::flags::parse;

    fn parsed(flags: &[FlagSpec], args: &str) -> Parsed {
        let specs: Vec<&FlagSpec> = flags.iter().collect();
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        parse(&specs, &args).unwrap()
    }

    #[test]
    fn create_request_matches_the_go_client() {
        let p = parsed(CREATE_FLAGS, "");
        assert_eq!(
            create_request(&p).to_compact(),
            r#"{"ttl":"0s","explicit_max_ttl":"0s","period":"0s","display_name":"","num_uses":0,"renewable":true,"type":"service","entity_alias":""}"#
        );
        let p = parsed(
            CREATE_FLAGS,
            "-policy=a -policy b -metadata=z=1 -metadata a=x=y -ttl=90 -period 1h -orphan -no-default-policy \
             -use-limit=3 -display-name=d -id=tok -explicit-max-ttl=2h",
        );
        assert_eq!(
            create_request(&p).to_compact(),
            r#"{"id":"tok","policies":["a","b"],"meta":{"a":"x=y","z":"1"},"ttl":"1m30s","explicit_max_ttl":"2h0m0s","period":"1h0m0s","no_parent":true,"no_default_policy":true,"display_name":"d","num_uses":3,"renewable":true,"type":"service","entity_alias":""}"#
        );
    }

    #[test]
    fn batch_tokens_are_not_renewable() {
        let p = parsed(CREATE_FLAGS, "-type=batch -renewable=true");
        let j = create_request(&p).to_compact();
        assert!(j.contains(r#""renewable":false,"type":"batch""#), "{j}");
        let p = parsed(CREATE_FLAGS, "-renewable=false");
        assert!(create_request(&p).to_compact().contains(r#""renewable":false"#));
    }

    #[test]
    fn revoke_flag_combinations_follow_vault() {
        let t = |s: &str| revoke_target(&parsed(REVOKE_FLAGS, s));
        assert_eq!(t("tok"), Ok(Revoke::Tree("tok".into())));
        assert_eq!(t("-mode=orphan tok"), Ok(Revoke::Orphan("tok".into())));
        assert_eq!(t("-mode=path auth/token/"), Ok(Revoke::Prefix("auth/token/".into())));
        assert_eq!(t("-accessor acc"), Ok(Revoke::Accessor("acc".into())));
        assert_eq!(t("-self"), Ok(Revoke::Own));
        assert_eq!(t("-mode=bad x"), Err("Invalid mode: bad".into()));
        assert_eq!(t(""), Err("Not enough arguments (expected 1 or -self, got 0)".into()));
        assert_eq!(t("a b"), Err("Too many arguments (expected 1 or -self, got 2)".into()));
        assert_eq!(t("-self x"), Err("Too many arguments with -self (expected 0, got 1)".into()));
        assert_eq!(t("-self -accessor"), Err("Cannot use -self with -accessor!".into()));
        assert_eq!(t("-self -mode=orphan"), Err("Cannot use -self with -mode!".into()));
        assert_eq!(t("-accessor -mode=orphan x"), Err("Cannot use -accessor with -mode=orphan!".into()));
        assert_eq!(t("-accessor -mode=path x"), Err("Cannot use -accessor with -mode=path!".into()));
    }

    #[test]
    fn increments_are_whole_seconds() {
        assert_eq!(truncate_to_seconds(0), 0);
        assert_eq!(truncate_to_seconds(500_000_000), 0);
        assert_eq!(truncate_to_seconds(90_500_000_000), 90);
        assert_eq!(truncate_to_seconds(-1_000_000_000), 0);
    }

    #[test]
    fn bodies_have_sorted_keys() {
        let Some(Body::Json(j)) = body(json!({ "token": "t", "increment": 5 })) else {
            panic!("not a JSON body");
        };
        assert_eq!(j.to_compact(), r#"{"increment":5,"token":"t"}"#);
    }
}
