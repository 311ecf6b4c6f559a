//! `secrets enable | disable | list | tune | move`: the mount table through `sys/mounts`.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{Body, Client};
use super::command::{Command, Ctx, Opts, OrFail, Outcome, Run};
use super::flags::{flag, FlagKind, FlagSpec, Parsed};
use super::godur;
use super::gojson::{as_struct, field, fmt_v, omit, Field, Json, Kind};
use super::output::Ui;
use super::paths::{ensure_trailing_slash, sanitize_path};
use super::table::table_output;

pub const COMMANDS: &[Command] = &[
    Command::group("secrets", "Interact with secrets engines"),
    Command {
        name: "secrets disable",
        synopsis: "Disable a secret engine",
        usage: "Usage: strongbox secrets disable [options] PATH\n\n  Disables the secrets engine enabled at PATH.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(disable),
    },
    Command {
        name: "secrets enable",
        synopsis: "Enable a secrets engine",
        usage: "Usage: strongbox secrets enable [options] TYPE\n\n  Enables a secrets engine at -path (default: its TYPE).",
        flags: ENABLE_FLAGS,
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(enable),
    },
    Command {
        name: "secrets list",
        synopsis: "List enabled secrets engines",
        usage: "Usage: strongbox secrets list [options]\n\n  Lists the enabled secrets engines (-detailed for TTLs, options and more).",
        flags: LIST_FLAGS,
        opts: Opts::OUTPUT,
        args: Some((0, 0)),
        run: Run::Api(list),
    },
    Command {
        name: "secrets move",
        synopsis: "Move a secrets engine to a new path",
        usage: "Usage: strongbox secrets move [options] SOURCE DESTINATION\n\n  Moves an existing secrets engine to a new path.",
        flags: &[],
        opts: Opts::HTTP,
        args: Some((2, 2)),
        run: Run::Api(move_mount),
    },
    Command {
        name: "secrets tune",
        synopsis: "Tune a secrets engine configuration",
        usage: "Usage: strongbox secrets tune [options] PATH\n\n  Tunes the configuration of the secrets engine at PATH.",
        flags: TUNE_FLAGS,
        opts: Opts::HTTP,
        args: Some((1, 1)),
        run: Run::Api(tune),
    },
];

pub(super) const CONFIG_FLAGS: [FlagSpec; 6] = [
    flag("default-lease-ttl", FlagKind::Dur),
    flag("max-lease-ttl", FlagKind::Dur),
    flag("audit-non-hmac-request-keys", FlagKind::List),
    flag("audit-non-hmac-response-keys", FlagKind::List),
    flag("listing-visibility", FlagKind::Str),
    flag("passthrough-request-headers", FlagKind::List),
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
    flag("force-no-cache", FlagKind::Bool),
    flag("plugin-name", FlagKind::Str),
    flag("plugin-version", FlagKind::Str),
    flag("options", FlagKind::Map),
    flag("local", FlagKind::Bool),
    flag("seal-wrap", FlagKind::Bool),
    flag("external-entropy-access", FlagKind::Bool),
    flag("version", FlagKind::Int),
];

/// Mount options from `-options` plus `-version` (which wins), or `null`.
pub(super) fn mount_options(p: &Parsed) -> Json {
    let mut opts: BTreeMap<String, String> = p.map("options");
    if let Some(v) = p.int("version").filter(|v| *v > 0) {
        opts.insert("version".into(), v.to_string());
    }
    if opts.is_empty() && !p.is_set("options") {
        return Json::Null;
    }
    Json::Obj(opts.into_iter().map(|(k, v)| (k, Json::Str(v))).collect())
}

/// The body that enables a mount or an auth method: Go's `api.MountInput` and
/// `api.EnableAuthOptions` share these fields, in this order.
pub(super) fn enable_body(p: &Parsed, kind: &str, config: Vec<(String, Json)>) -> Json {
    Json::Obj(vec![
        ("type".into(), Json::str(kind)),
        ("description".into(), Json::str(p.str("description").unwrap_or_default())),
        ("config".into(), Json::Obj(config)),
        ("local".into(), Json::Bool(p.bool("local").unwrap_or(false))),
        ("seal_wrap".into(), Json::Bool(p.bool("seal-wrap").unwrap_or(false))),
        ("external_entropy_access".into(), Json::Bool(p.bool("external-entropy-access").unwrap_or(false))),
        ("options".into(), mount_options(p)),
    ])
}

/// `<what>`, with ` version <v>` when `-plugin-version` was given (the enable messages).
pub(super) fn with_plugin_version(p: &Parsed, what: String) -> String {
    match p.str("plugin-version").filter(|v| !v.is_empty()) {
        Some(v) => format!("{what} version {v}"),
        None => what,
    }
}

/// `secrets disable` / `auth disable`: DELETE `<table>/<path>` (`sys/mounts`, `sys/auth`),
/// with Vault's messages for `what` ("secrets engine", "auth method").
pub(super) fn disable_at(client: &Client, ui: &Ui, table: &str, what: &str, arg: &str) -> Outcome {
    let path = ensure_trailing_slash(&sanitize_path(arg));
    let url = format!("{table}/{}", path.trim_end_matches('/'));
    client.raw(Method::DELETE, &url, None).or_api(&format!("Error disabling {what} at {path}"))?;
    ui.out(&format!("Success! Disabled the {what} (if it existed) at: {path}"));
    Ok(0)
}

/// The optional `MountConfigInput` fields, present only when their flag was given.
pub(super) fn optional_config(p: &Parsed, out: &mut Vec<(String, Json)>) {
    let strs = |name: &str| Json::Arr(p.list(name).iter().map(|s| Json::str(s.trim())).collect());
    for (flag, key) in [
        ("audit-non-hmac-request-keys", "audit_non_hmac_request_keys"),
        ("audit-non-hmac-response-keys", "audit_non_hmac_response_keys"),
    ] {
        if p.is_set(flag) {
            out.push((key.into(), strs(flag)));
        }
    }
    if let Some(v) = p.str("listing-visibility").filter(|v| !v.is_empty()) {
        out.push(("listing_visibility".into(), Json::str(v)));
    }
    for (flag, key) in [
        ("passthrough-request-headers", "passthrough_request_headers"),
        ("allowed-response-headers", "allowed_response_headers"),
    ] {
        if p.is_set(flag) {
            out.push((key.into(), strs(flag)));
        }
    }
    if let Some(v) = p.str("plugin-version").filter(|v| !v.is_empty()) {
        out.push(("plugin_version".into(), Json::str(v)));
    }
}

fn enable(Ctx { p, ui, client }: Ctx) -> Outcome {
    let plugin_name = p.str("plugin-name").unwrap_or_default().to_string();
    let mut engine = p.args[0].trim().to_string();
    if engine == "plugin" {
        engine = plugin_name.clone();
    }
    let mount = ensure_trailing_slash(p.str("path").filter(|s| !s.is_empty()).unwrap_or(&engine));
    let dur = |name: &str| Json::Str(godur::go_string(p.dur(name).unwrap_or(0)));
    let mut config = vec![
        ("options".into(), Json::Null),
        ("default_lease_ttl".into(), dur("default-lease-ttl")),
        ("max_lease_ttl".into(), dur("max-lease-ttl")),
        ("force_no_cache".into(), Json::Bool(p.bool("force-no-cache").unwrap_or(false))),
    ];
    optional_config(&p, &mut config);
    let body = enable_body(&p, &engine, config);
    let url = format!("sys/mounts/{}", mount.trim_end_matches('/'));
    client.raw(Method::POST, &url, Some(Body::Json(body))).or_api("Error enabling")?;
    let thing = with_plugin_version(&p, format!("{engine} secrets engine"));
    ui.out(&format!("Success! Enabled the {thing} at: {mount}"));
    Ok(0)
}

fn disable(Ctx { p, ui, client }: Ctx) -> Outcome {
    disable_at(&client, &ui, "sys/mounts", "secrets engine", &p.args[0])
}

/// Vault's `api.MountConfigOutput`.
const MOUNT_CONFIG: &[Field] = &[
    field("default_lease_ttl", Kind::Int),
    field("max_lease_ttl", Kind::Int),
    field("force_no_cache", Kind::Bool),
    omit("audit_non_hmac_request_keys", Kind::Any),
    omit("audit_non_hmac_response_keys", Kind::Any),
    omit("listing_visibility", Kind::Str),
    omit("passthrough_request_headers", Kind::Any),
    omit("allowed_response_headers", Kind::Any),
    omit("token_type", Kind::Str),
    omit("allowed_managed_keys", Kind::Any),
];

/// Vault's `api.MountOutput`.
const MOUNT: &[Field] = &[
    field("uuid", Kind::Str),
    field("type", Kind::Str),
    field("description", Kind::Str),
    field("accessor", Kind::Str),
    field("config", Kind::Struct(MOUNT_CONFIG)),
    field("options", Kind::Any),
    field("local", Kind::Bool),
    field("seal_wrap", Kind::Bool),
    field("external_entropy_access", Kind::Bool),
    field("plugin_version", Kind::Str),
    field("running_plugin_version", Kind::Str),
    field("running_sha256", Kind::Str),
    field("deprecation_status", Kind::Str),
];

const LIST_FLAGS: &[FlagSpec] = &[flag("detailed", FlagKind::Bool)];

fn list(Ctx { p, ui, client }: Ctx) -> Outcome {
    let mounts = list_table(&client, "sys/mounts").or_api("Error listing secrets engines")?;
    match ui.format.as_str() {
        "table" if p.bool("detailed").unwrap_or(false) => ui.out(&detailed_table(&mounts)),
        "table" => ui.out(&simple_table(&mounts)),
        _ => {
            let entries = mounts.iter().map(|(k, v)| (k.clone(), as_struct(Some(v), MOUNT))).collect();
            return Ok(ui.json(&Json::Obj(entries)));
        }
    }
    Ok(0)
}

/// `Sys().ListMounts()` and `ListAudit()`: a table's entries (`sys/mounts`, `sys/audit`), by path.
pub(super) fn list_table(client: &Client, table: &str) -> Result<BTreeMap<String, Value>, String> {
    let resp = client.raw(Method::GET, table, None).map_err(|e| e.to_string())?;
    let secret = super::secret::parse_secret(&resp.body)?;
    let data: Map<String, Value> = secret.and_then(|s| s.data).ok_or("data from server response is empty")?;
    Ok(data.into_iter().filter(|(_, v)| v.is_object()).collect())
}

/// A string field of an entry, empty when absent.
pub(super) fn text(m: &Value, k: &str) -> String {
    m.get(k).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn simple_table(mounts: &BTreeMap<String, Value>) -> String {
    let mut out = vec!["Path | Type | Accessor | Description".to_string()];
    for (path, m) in mounts {
        out.push(format!("{path} | {} | {} | {}", text(m, "type"), text(m, "accessor"), text(m, "description")));
    }
    table_output(out, "|")
}

fn detailed_table(mounts: &BTreeMap<String, Value>) -> String {
    let mut out = vec!["Path | Plugin | Accessor | Default TTL | Max TTL | Force No Cache | Replication | Seal Wrap | External Entropy Access | Options | Description | UUID | Version | Running Version | Running SHA256 | Deprecation Status".to_string()];
    for (path, m) in mounts {
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
            flag(&config, "force_no_cache"),
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
    flag("version", FlagKind::Int),
    flag("plugin-version", FlagKind::Str),
];

fn tune(Ctx { p, ui, client }: Ctx) -> Outcome {
    tune_at(&client, &ui, &p, "sys/mounts", "secrets engine")
}

/// `secrets tune` / `auth tune`: POST the tune body to `<table>/<path>/tune` (`sys/mounts`,
/// `sys/mounts/auth`), with Vault's messages for `what`.
pub(super) fn tune_at(client: &Client, ui: &Ui, p: &Parsed, table: &str, what: &str) -> Outcome {
    let mount = ensure_trailing_slash(&sanitize_path(&p.args[0]));
    let url = format!("{table}/{}/tune", mount.trim_end_matches('/'));
    client.raw(Method::POST, &url, Some(Body::Json(tune_body(p)))).or_api(&format!("Error tuning {what} {mount}"))?;
    ui.out(&format!("Success! Tuned the {what} at: {mount}"));
    Ok(0)
}

/// The Go client's `api.MountConfigInput` from the tune flags (`secrets tune`, `auth tune`).
pub(super) fn tune_body(p: &Parsed) -> Json {
    // Vault's `ttlToAPI`: unset is "", negative means "use the system default".
    let ttl = |name: &str| match p.dur(name).unwrap_or(0) {
        0 => Json::str(""),
        d if d < 0 => Json::str("system"),
        d => Json::Str(godur::go_string(d)),
    };
    let mut body = vec![("options".into(), mount_options(p)), ("default_lease_ttl".into(), ttl("default-lease-ttl"))];
    if let Some(d) = p.str("description") {
        body.push(("description".into(), Json::str(d)));
    }
    body.push(("max_lease_ttl".into(), ttl("max-lease-ttl")));
    body.push(("force_no_cache".into(), Json::Bool(false)));
    optional_config(p, &mut body);
    if let Some(t) = p.str("token-type") {
        body.push(("token_type".into(), Json::str(t)));
    }
    Json::Obj(body)
}

fn move_mount(Ctx { p, ui, client }: Ctx) -> Outcome {
    let (src, dst) = (ensure_trailing_slash(&p.args[0]), ensure_trailing_slash(&p.args[1]));
    let body = Json::Obj(vec![("from".into(), Json::str(&src)), ("to".into(), Json::str(&dst))]);
    let id = client
        .raw(Method::POST, "sys/remount", Some(Body::Json(body)))
        .map_err(|e| e.to_string())
        .and_then(|r| super::secret::parse_secret(&r.body))
        .and_then(|s| {
            s.and_then(|s| s.get("migration_id").and_then(Value::as_str).map(String::from))
                .ok_or_else(|| "data from server response is empty".to_string())
        })
        .or_api(&format!("Error moving secrets engine {src} to {dst}"))?;
    let what = format!("secrets engine {src} to {dst}, with migration ID {id}");
    ui.out(&format!("Started moving {what}"));
    loop {
        let status = client
            .read(&format!("sys/remount/status/{id}"), &[])
            .or_api(&format!("Error checking migration status of secrets engine {src} to {dst}"))?
            .and_then(|s| s.get("migration_info").and_then(|i| i.get("status")).cloned())
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        match status.as_str() {
            "success" => {
                ui.out(&format!("Success! Finished moving {what}"));
                return Ok(0);
            }
            // Vault reports a failed migration on stderr but still exits 0.
            "failure" => {
                ui.err(&format!("Failure! Error encountered moving {what}"));
                return Ok(0);
            }
            _ => {
                ui.out(&format!("Waiting for terminal status in migration of {what}"));
                std::thread::sleep(Duration::from_secs(10));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_mount_table() {
        let mut mounts = BTreeMap::new();
        mounts.insert(
            "secret/".to_string(),
            json!({"type": "kv", "accessor": "kv_1", "description": "key/value secret storage"}),
        );
        mounts.insert("sys/".to_string(), json!({"type": "system", "accessor": "system_2"}));
        let want = "Path       Type      Accessor    Description\n\
                    ----       ----      --------    -----------\n\
                    secret/    kv        kv_1        key/value secret storage\n\
                    sys/       system    system_2    n/a";
        assert_eq!(simple_table(&mounts), want);
    }

    #[test]
    fn mount_json_uses_go_field_order() {
        let m = json!({"type": "kv", "options": {"version": "2"}, "config": {"max_lease_ttl": 5}});
        assert_eq!(
            as_struct(Some(&m), MOUNT).to_compact(),
            r#"{"uuid":"","type":"kv","description":"","accessor":"","config":{"default_lease_ttl":0,"max_lease_ttl":5,"force_no_cache":false},"options":{"version":"2"},"local":false,"seal_wrap":false,"external_entropy_access":false,"plugin_version":"","running_plugin_version":"","running_sha256":"","deprecation_status":""}"#
        );
    }
}
