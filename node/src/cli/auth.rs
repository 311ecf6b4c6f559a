//! `auth enable | disable | list | tune`: the auth table through `sys/auth` and
//! `sys/mounts/auth/<path>/tune`, with the Go client's request and output shapes.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{Body, Client};
use super::command::{Command, Ctx, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec};
use super::godur;
use super::gojson::{as_struct, field, fmt_v, omit, Field, Json, Kind};
use super::paths::ensure_trailing_slash;
use super::secrets::{disable_at, enable_body, optional_config, tune_at, with_plugin_version, CONFIG_FLAGS};
use super::table::table_output;

pub const COMMANDS: &[Command] = &[
    Command::group("auth", "Interact with auth methods"),
    Command {
        name: "auth disable",
        synopsis: "Disables an auth method",
        usage: "Usage: strongbox auth disable [options] PATH\n\n  Disables an existing auth method at the given PATH. The argument corresponds\n  to the PATH of the mount, not the TYPE!. Once the auth method is disabled its\n  path can no longer be used to authenticate.\n\n  All access tokens generated via the disabled auth method are immediately\n  revoked. This command will block until all tokens are revoked.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(disable),
    },
    Command {
        name: "auth enable",
        synopsis: "Enables a new auth method",
        usage: ENABLE_USAGE,
        flags: ENABLE_FLAGS,
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(enable),
    },
    Command {
        name: "auth list",
        synopsis: "Lists enabled auth methods",
        usage: "Usage: strongbox auth list [options]\n\n  Lists the enabled auth methods on the Vault server. This command also outputs\n  information about the method including configuration and human-friendly\n  descriptions. A TTL of \"system\" indicates that the system default is in use.",
        flags: &[],
        opts: Opts::DETAILED,
        args: Some((0, 0)),
        run: Run::Api(list),
    },
    Command {
        name: "auth tune",
        synopsis: "Tunes an auth method configuration",
        usage: "Usage: strongbox auth tune [options] PATH\n\n  Tunes the configuration options for the auth method at the given PATH. The\n  argument corresponds to the PATH where the auth method is enabled, not the\n  TYPE!\n\n  Tune the default lease for the userpass auth method:\n\n      $ strongbox auth tune -default-lease-ttl=72h userpass/",
        flags: TUNE_FLAGS,
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(tune),
    },
];

const ENABLE_FLAGS: &[FlagSpec] = &[
    flag("description", FlagKind::Str),
    flag("path", FlagKind::Str),
    CONFIG_FLAGS[0],
    CONFIG_FLAGS[1],
    CONFIG_FLAGS[2],
    CONFIG_FLAGS[3],
    CONFIG_FLAGS[4],
    CONFIG_FLAGS[5],
    flag("allowed-response-headers", FlagKind::List),
    flag("plugin-name", FlagKind::Str),
    flag("options", FlagKind::Map),
    flag("local", FlagKind::Bool),
    flag("seal-wrap", FlagKind::Bool),
    flag("external-entropy-access", FlagKind::Bool),
    flag("token-type", FlagKind::Str),
    flag("version", FlagKind::Int),
    flag("plugin-version", FlagKind::Str),
];

const ENABLE_USAGE: &str = "Usage: strongbox auth enable [options] TYPE

  Enables a new auth method. An auth method is responsible for authenticating
  users or machines and assigning them policies with which they can access
  Vault.

  Enable the userpass auth method at userpass/:

      $ strongbox auth enable userpass

  Enable the userpass auth method at auth-prod/:

      $ strongbox auth enable -path=auth-prod userpass";

fn enable(Ctx { p, ui, client }: Ctx) -> Outcome {
    let plugin_name = p.str("plugin-name").unwrap_or_default().to_string();
    let mut auth_type = p.args[0].trim().to_string();
    if auth_type == "plugin" {
        auth_type = plugin_name.clone();
    }
    let path = ensure_trailing_slash(p.str("path").filter(|s| !s.is_empty()).unwrap_or(&auth_type));
    let dur = |name: &str| Json::Str(godur::go_string(p.dur(name).unwrap_or(0)));
    // The Go client's `api.AuthConfigInput`: the optional fields only when their flag was given.
    let mut config =
        vec![("default_lease_ttl".into(), dur("default-lease-ttl")), ("max_lease_ttl".into(), dur("max-lease-ttl"))];
    optional_config(&p, &mut config);
    if let Some(t) = p.str("token-type") {
        config.push(("token_type".into(), Json::str(t)));
    }
    let body = enable_body(&p, &auth_type, config);
    let url = format!("sys/auth/{}", path.trim_end_matches('/'));
    client.raw(Method::POST, &url, Some(Body::Json(body))).or_api(&format!("Error enabling {auth_type} auth"))?;
    let thing = with_plugin_version(&p, format!("{auth_type} auth method"));
    ui.out(&format!("Success! Enabled {thing} at: {path}"));
    Ok(0)
}

fn disable(Ctx { p, ui, client }: Ctx) -> Outcome {
    disable_at(&client, &ui, "sys/auth", "auth method", &p.args[0])
}

/// Vault's `api.AuthConfigOutput`.
const AUTH_CONFIG: &[Field] = &[
    field("default_lease_ttl", Kind::Int),
    field("max_lease_ttl", Kind::Int),
    omit("plugin_name", Kind::Str),
    omit("audit_non_hmac_request_keys", Kind::Any),
    omit("audit_non_hmac_response_keys", Kind::Any),
    omit("listing_visibility", Kind::Str),
    omit("passthrough_request_headers", Kind::Any),
    omit("allowed_response_headers", Kind::Any),
    omit("token_type", Kind::Str),
    omit("user_lockout_config", Kind::Any),
    omit("plugin_version", Kind::Str),
];

/// Vault's `api.AuthMount`.
const AUTH_MOUNT: &[Field] = &[
    field("uuid", Kind::Str),
    field("type", Kind::Str),
    field("description", Kind::Str),
    field("accessor", Kind::Str),
    field("config", Kind::Struct(AUTH_CONFIG)),
    field("local", Kind::Bool),
    field("seal_wrap", Kind::Bool),
    field("external_entropy_access", Kind::Bool),
    field("options", Kind::Any),
    field("plugin_version", Kind::Str),
    field("running_plugin_version", Kind::Str),
    field("running_sha256", Kind::Str),
    field("deprecation_status", Kind::Str),
];

fn list(Ctx { ui, client, .. }: Ctx) -> Outcome {
    let auths = list_auth(&client).or_api("Error listing enabled authentications")?;
    match ui.format.as_str() {
        "table" if ui.detailed => ui.out(&detailed_table(&auths)),
        "table" => ui.out(&simple_table(&auths)),
        _ => {
            let entries = auths.iter().map(|(k, v)| (k.clone(), as_struct(Some(v), AUTH_MOUNT))).collect();
            return Ok(ui.json(&Json::Obj(entries)));
        }
    }
    Ok(0)
}

/// `Sys().ListAuth()`: the auth methods (entries with a type), sorted by path.
fn list_auth(client: &Client) -> Result<BTreeMap<String, Value>, String> {
    let resp = client.raw(Method::GET, "sys/auth", None).map_err(|e| e.to_string())?;
    let secret = super::secret::parse_secret(&resp.body)?;
    let data: Map<String, Value> = secret.and_then(|s| s.data).ok_or("data from server response is empty")?;
    Ok(data.into_iter().filter(|(_, v)| v.get("type").and_then(Value::as_str).is_some_and(|t| !t.is_empty())).collect())
}

fn text(m: &Value, k: &str) -> String {
    m.get(k).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn simple_table(auths: &BTreeMap<String, Value>) -> String {
    let mut out = vec!["Path | Type | Accessor | Description | Version".to_string()];
    for (path, m) in auths {
        out.push(format!(
            "{path} | {} | {} | {} | {}",
            text(m, "type"),
            text(m, "accessor"),
            text(m, "description"),
            text(m, "plugin_version")
        ));
    }
    table_output(out, "|")
}

fn detailed_table(auths: &BTreeMap<String, Value>) -> String {
    let mut out = vec!["Path | Plugin | Accessor | Default TTL | Max TTL | Token Type | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status".to_string()];
    for (path, m) in auths {
        let typ = text(m, "type");
        let config = m.get("config").cloned().unwrap_or(Value::Null);
        let ttl = |k: &str| match config.get(k).and_then(Value::as_i64).unwrap_or(0) {
            _ if typ == "system" || typ == "cubbyhole" => String::new(),
            0 => "system".to_string(),
            n => n.to_string(),
        };
        let flag = |v: &Value, k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
        let plugin = if typ == "plugin" { text(&config, "plugin_name") } else { typ.clone() };
        let options = match m.get("options") {
            Some(o @ Value::Object(_)) => fmt_v(o),
            _ => "map[]".to_string(),
        };
        out.push(format!(
            "{path} | {plugin} | {} | {} | {} | {} | {} | {} | {} | {options} | {} | {} | {} | {} | {} | {}",
            text(m, "accessor"),
            ttl("default_lease_ttl"),
            ttl("max_lease_ttl"),
            text(&config, "token_type"),
            if flag(m, "local") { "local" } else { "replicated" },
            flag(m, "seal_wrap"),
            flag(m, "external_entropy_access"),
            text(m, "description"),
            text(m, "uuid"),
            text(m, "plugin_version"),
            text(m, "running_plugin_version"),
            text(m, "running_sha256"),
            text(m, "deprecation_status"),
        ));
    }
    table_output(out, "|")
}

const TUNE_FLAGS: &[FlagSpec] = &[
    CONFIG_FLAGS[0],
    CONFIG_FLAGS[1],
    CONFIG_FLAGS[2],
    CONFIG_FLAGS[3],
    CONFIG_FLAGS[4],
    CONFIG_FLAGS[5],
    flag("allowed-response-headers", FlagKind::List),
    flag("description", FlagKind::Str),
    flag("options", FlagKind::Map),
    flag("token-type", FlagKind::Str),
    flag("version", FlagKind::Int),
    flag("plugin-version", FlagKind::Str),
];

fn tune(Ctx { p, ui, client }: Ctx) -> Outcome {
    tune_at(&client, &ui, &p, "sys/mounts/auth", "auth method")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_auth_table() {
        let mut auths = BTreeMap::new();
        auths.insert(
            "token/".to_string(),
            json!({"type": "token", "accessor": "auth_token_1", "description": "token based credentials"}),
        );
        auths.insert("userpass/".to_string(), json!({"type": "userpass", "accessor": "auth_userpass_2"}));
        let want = "Path         Type        Accessor           Description                Version\n\
                    ----         ----        --------           -----------                -------\n\
                    token/       token       auth_token_1       token based credentials    n/a\n\
                    userpass/    userpass    auth_userpass_2    n/a                        n/a";
        assert_eq!(simple_table(&auths), want);
    }

    #[test]
    fn auth_mount_json_uses_go_field_order() {
        let m = json!({"type": "userpass", "options": null, "config": {"max_lease_ttl": 5, "force_no_cache": false,
                       "token_type": "default-service"}});
        assert_eq!(
            as_struct(Some(&m), AUTH_MOUNT).to_compact(),
            r#"{"uuid":"","type":"userpass","description":"","accessor":"","config":{"default_lease_ttl":0,"max_lease_ttl":5,"token_type":"default-service"},"local":false,"seal_wrap":false,"external_entropy_access":false,"options":null,"plugin_version":"","running_plugin_version":"","running_sha256":"","deprecation_status":""}"#
        );
    }

    #[test]
    fn detailed_table_shows_system_ttls_and_token_type() {
        let mut auths = BTreeMap::new();
        auths.insert(
            "up/".to_string(),
            json!({"type": "userpass", "accessor": "a", "uuid": "u",
                   "config": {"default_lease_ttl": 3600, "max_lease_ttl": 0, "token_type": "default-service"}}),
        );
        let table = detailed_table(&auths);
        let row = table.lines().nth(2).unwrap();
        let cells: Vec<&str> = row.split("    ").map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(&cells[..8], ["up/", "userpass", "a", "3600", "system", "default-service", "replicated", "false"]);
    }
}
