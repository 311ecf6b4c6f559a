//! `sys/mounts`, `sys/mounts/<path>[/tune]`, `sys/remount` and `sys/internal/ui/mounts`; the
//! mount rendering and tuning that `sys/auth` shares.

use super::fields::CONFIG_FIELDS;
use crate::core::Core;
use crate::duration::parse_duration;
use crate::engines::{engine_type, is_kv, kv_version};
use crate::logical::FieldData;
use crate::mount_table::{
    normalize_path, EntryEdit, ListAuth, ListMounts, Mount, MountConfig, MountEntry, Remount, Tune, Unmount,
};
use crate::{CoreError, Request, Response, VERSION};
use serde_json::{json, Map, Value};

/// A mount as `sys/mounts` shows it.
pub fn mount_json(e: &MountEntry) -> Value {
    let mut config = json!({
        "default_lease_ttl": e.config.default_lease_ttl,
        "max_lease_ttl": e.config.max_lease_ttl,
        "force_no_cache": e.config.force_no_cache,
    });
    let extra: [(&str, &Vec<String>); 4] = [
        ("audit_non_hmac_request_keys", &e.config.audit_non_hmac_request_keys),
        ("audit_non_hmac_response_keys", &e.config.audit_non_hmac_response_keys),
        ("passthrough_request_headers", &e.config.passthrough_request_headers),
        ("allowed_response_headers", &e.config.allowed_response_headers),
    ];
    for (k, v) in extra.into_iter().filter(|(_, v)| !v.is_empty()) {
        config[k] = json!(v);
    }
    if !e.config.listing_visibility.is_empty() {
        config["listing_visibility"] = json!(e.config.listing_visibility);
    }
    if e.is_auth() {
        config["token_type"] = json!(e.config.token_type_name());
    }
    // Methods enabled through the API have an (empty) options map; the built-in token store none.
    let options =
        if !e.options.is_empty() || (e.is_auth() && e.kind != "token") { json!(e.options) } else { Value::Null };
    let mut out = json!({
        "accessor": e.accessor,
        "config": config,
        "description": e.description,
        "external_entropy_access": e.external_entropy_access,
        "local": e.local,
        "options": options,
        "plugin_version": "",
        "running_plugin_version": format!("v{VERSION}+builtin.strongbox"),
        "running_sha256": "",
        "seal_wrap": e.seal_wrap,
        "type": e.kind,
        "uuid": e.uuid,
    });
    if let Some(kind) = engine_type(e) {
        out["deprecation_status"] = json!(kind.deprecation.as_str());
    }
    out
}

async fn entries(core: &Core) -> Result<std::sync::Arc<Vec<MountEntry>>, CoreError> {
    Ok(core.mounts.send(ListMounts).await?)
}

async fn find(core: &Core, path: &str) -> Result<Option<MountEntry>, CoreError> {
    let path = normalize_path(path);
    Ok(entries(core).await?.iter().find(|e| e.path == path).cloned())
}

pub async fn list(core: &Core) -> Result<Option<Response>, CoreError> {
    let data: Map<String, Value> = entries(core).await?.iter().map(|e| (e.path.clone(), mount_json(e))).collect();
    Ok(Some(Response::with_data(data)))
}

pub async fn read(core: &Core, path: &str) -> Result<Option<Response>, CoreError> {
    let entry = find(core, path)
        .await?
        .ok_or_else(|| CoreError::invalid(format!("No secret engine mount at {}", normalize_path(path))))?;
    Ok(Some(Response::from_value(mount_json(&entry))))
}

/// The `config` object of an enable, decoded by the framework as a tune body is.
pub(super) fn enable_config(d: &FieldData, what: &str) -> Result<Option<FieldData>, CoreError> {
    match d.map("config").flatten() {
        Some(cfg) => FieldData::decode(cfg, CONFIG_FIELDS)
            .map(Some)
            .map_err(|_| CoreError::invalid(format!("unable to convert given {what} config information"))),
        None => Ok(None),
    }
}

pub async fn enable(core: &Core, path: &str, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let mut kind = d
        .str("type")
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or_else(|| CoreError::invalid("backend type must be specified"))?;
    // Singletons that every node has exactly once.
    if ["cubbyhole", "system", "identity", "token"].contains(&kind.as_str()) {
        return Err(CoreError::invalid(format!("mount type of \"{kind}\" is not mountable")));
    }
    let mut entry = MountEntry::new(path, &kind, &d.str_or_default("description"));
    entry.options = d.pairs("options").cloned().unwrap_or_default();
    if kind == "kv-v2" {
        kind = "kv".into();
        entry.kind = kind;
        entry.options.insert("version".into(), "2".into());
    }
    entry.local = d.bool_or_default("local");
    entry.seal_wrap = d.bool_or_default("seal_wrap");
    entry.external_entropy_access = d.bool_or_default("external_entropy_access");
    if let Some(cfg) = enable_config(d, "mount")? {
        apply_config(&mut entry, &cfg, Setting::Enable)?;
        check_enable_ttls(core, &entry.config)?;
    }
    core.mounts.send(Mount(entry)).await??;
    Ok(None)
}

pub async fn disable(core: &Core, path: &str) -> Result<Option<Response>, CoreError> {
    // The mount's leases go first, through its engine (Vault's unmount revokes its prefix).
    if find(core, path).await?.is_some() {
        super::leases::revoke_mount(core, &normalize_path(path)).await?;
    }
    core.mounts.send(Unmount(path.to_string())).await??;
    Ok(None)
}

pub async fn read_tune(core: &Core, path: &str) -> Result<Option<Response>, CoreError> {
    let entry = find(core, path)
        .await?
        .ok_or_else(|| CoreError::invalid(format!("cannot fetch sysview for path \"{}\"", normalize_path(path))))?;
    Ok(Some(Response::from_value(tune_json(core, &entry))))
}

/// What a tune read shows (Vault's `handleTuneReadCommon`): the effective TTLs.
pub(super) fn tune_json(core: &Core, entry: &MountEntry) -> Value {
    let (default, max) = core.effective_ttls(&entry.config);
    let mut data = json!({
        "default_lease_ttl": default,
        "max_lease_ttl": max,
        "description": entry.description,
        "force_no_cache": entry.config.force_no_cache,
    });
    if entry.is_auth() {
        data["token_type"] = json!(entry.config.token_type_name());
    }
    if !entry.options.is_empty() {
        data["options"] = json!(entry.options);
    }
    if !entry.config.listing_visibility.is_empty() {
        data["listing_visibility"] = json!(entry.config.listing_visibility);
    }
    data
}

/// A TTL field of a `config` object or tune body: `""` leaves the value as it is (Vault's
/// tune handler), `"system"` resets it to the system default (0).
fn ttl_field(cfg: &FieldData, key: &str, setting: Setting) -> Result<Option<u64>, CoreError> {
    match cfg.str(key) {
        None | Some("") => Ok(None),
        Some("system") => Ok(Some(0)),
        Some(s) => parse_duration(s).map(Some).map_err(|e| match setting {
            Setting::Enable => {
                let which = if key == "max_lease_ttl" { "max" } else { "default" };
                CoreError::invalid(format!("unable to parse {which} TTL of {s}: {e}"))
            }
            Setting::Tune => CoreError::invalid(e),
        }),
    }
}

/// Whether settings come with an enable (the `config` object) or a tune: Vault words a bad
/// TTL differently.
#[derive(Clone, Copy)]
pub(super) enum Setting {
    Enable,
    Tune,
}

/// Applies the tunable parts of a `config` object (enable) or a tune body to `entry`. The TTLs
/// are checked by the caller: `check_enable_ttls` or `check_tune_ttls`.
pub(super) fn apply_config(entry: &mut MountEntry, cfg: &FieldData, setting: Setting) -> Result<(), CoreError> {
    if let Some(v) = ttl_field(cfg, "default_lease_ttl", setting)? {
        entry.config.default_lease_ttl = v;
    }
    if let Some(v) = ttl_field(cfg, "max_lease_ttl", setting)? {
        entry.config.max_lease_ttl = v;
    }
    if let Some(v) = cfg.bool("force_no_cache") {
        entry.config.force_no_cache = v;
    }
    if let Some(v) = cfg.str("listing_visibility") {
        if !["", "hidden", "unauth"].contains(&v) {
            return Err(CoreError::invalid("invalid listing_visibility"));
        }
        entry.config.listing_visibility = v.to_string();
    }
    let lists: [(&str, &mut Vec<String>); 4] = [
        ("audit_non_hmac_request_keys", &mut entry.config.audit_non_hmac_request_keys),
        ("audit_non_hmac_response_keys", &mut entry.config.audit_non_hmac_response_keys),
        ("passthrough_request_headers", &mut entry.config.passthrough_request_headers),
        ("allowed_response_headers", &mut entry.config.allowed_response_headers),
    ];
    for (key, target) in lists {
        if let Some(v) = cfg.strings(key) {
            *target = v.to_vec();
        }
    }
    Ok(())
}

/// Vault's `handleMount`/`handleEnableAuth` checks of the stored TTLs (0 = the system value):
/// a mount's max may exceed the system max, its default may not exceed either max.
pub(super) fn check_enable_ttls(core: &Core, config: &MountConfig) -> Result<(), CoreError> {
    let (default, max) = (config.default_lease_ttl, config.max_lease_ttl);
    if max != 0 && default > max {
        return Err(CoreError::invalid("given default lease TTL greater than given max lease TTL"));
    }
    if max == 0 && default > core.config.max_lease_ttl {
        return Err(CoreError::invalid(format!(
            "given default lease TTL greater than system max lease TTL of {}",
            core.config.max_lease_ttl
        )));
    }
    Ok(())
}

/// Vault's `tuneMountTTLs`: only two explicit TTLs are compared with each other.
fn check_tune_ttls(config: &MountConfig) -> Result<(), CoreError> {
    let (default, max) = (config.default_lease_ttl, config.max_lease_ttl);
    if default != 0 && max != 0 && max < default {
        return Err(CoreError::invalid(format!(
            "backend max lease TTL of {max} would be less than backend default lease TTL of {default}"
        )));
    }
    Ok(())
}

pub async fn tune(core: &Core, path: &str, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let current = find(core, path)
        .await?
        .ok_or_else(|| CoreError::invalid(format!("cannot fetch sysview for path \"{}\"", normalize_path(path))))?;
    let apply = tune_edit(current, d)?;
    core.mounts.send(Tune { path: path.to_string(), apply }).await??;
    Ok(None)
}

/// Validates a tune body against the `current` entry (so errors come back before anything
/// changes) and returns the edit that applies it (Vault's `handleTuneWriteCommon`).
pub(super) fn tune_edit(current: MountEntry, d: &FieldData) -> Result<EntryEdit, CoreError> {
    let description = d.str("description").map(str::to_string);
    let options = d.pairs("options").cloned();
    let mut preview = current;
    apply_config(&mut preview, d, Setting::Tune)?;
    check_tune_ttls(&preview.config)?;
    if let Some(t) = d.str("token_type") {
        if !preview.is_auth() {
            return Err(CoreError::invalid("'token_type' can only be modified on auth mounts"));
        }
        if preview.kind == "token" {
            return Err(CoreError::invalid("'token_type' cannot be set for 'token' or 'ns_token' auth mounts"));
        }
        preview.config.token_type = token_type(t)?;
    }
    if let Some(opts) = &options {
        check_version_change(&preview, opts)?;
    }
    Ok(Box::new(move |entry: &mut MountEntry| {
        entry.config = preview.config;
        if let Some(d) = description {
            entry.description = d;
        }
        if let Some(opts) = options {
            entry.options.extend(opts);
        }
        Ok(())
    }))
}

/// An auth method's `token_type` setting, stored empty for the default (`default-service`).
pub(super) fn token_type(value: &str) -> Result<String, CoreError> {
    match value {
        "" | "default-service" => Ok(String::new()),
        "default-batch" | "service" | "batch" => Ok(value.to_string()),
        _ => Err(CoreError::invalid("invalid value for 'token_type'")),
    }
}

/// KV mounts keep their version: an upgrade in place is not supported yet, a downgrade never is.
fn check_version_change(
    entry: &MountEntry,
    opts: &std::collections::BTreeMap<String, String>,
) -> Result<(), CoreError> {
    let Some(wanted) = opts.get("version") else {
        return Ok(());
    };
    if !is_kv(entry) {
        return Ok(());
    }
    let current = kv_version(entry).to_string();
    match (current.as_str(), wanted.as_str()) {
        (a, b) if a == b => Ok(()),
        ("2", _) => Err(CoreError::invalid("cannot downgrade mount from version 2")),
        _ => Err(CoreError::invalid("upgrading a KV v1 mount to version 2 in place is not supported")),
    }
}

pub async fn remount(core: &Core, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let missing = || CoreError::invalid("both 'from' and 'to' path must be specified as a string");
    let from = d.str("from").map(str::to_string).ok_or_else(missing)?;
    let to = d.str("to").map(str::to_string).ok_or_else(missing)?;
    // Vault's remount revokes the leases under the old path before moving the mount.
    if find(core, &from).await?.is_some() {
        super::leases::revoke_mount(core, &normalize_path(&from)).await?;
    }
    core.mounts.send(Remount { from: from.clone(), to: to.clone() }).await??;
    // The move is done when this returns; the id lets `sys/remount/status` clients poll as usual.
    let id = uuid::Uuid::new_v4().to_string();
    core.record_remount(&id, &normalize_path(&from), &normalize_path(&to));
    Ok(Some(Response::from_value(json!({ "migration_id": id }))))
}

pub async fn remount_status(core: &Core, id: &str) -> Result<Option<Response>, CoreError> {
    let (from, to) = core.remount_info(id).ok_or(CoreError::NotFound)?;
    Ok(Some(Response::from_value(json!({
        "migration_id": id,
        "migration_info": { "source_mount": from, "target_mount": to, "status": "success" },
    }))))
}

/// Whether the caller may see `entry` in the UI listings (Vault's `hasAccess`): mounts marked
/// `unauth` are public; others need a token whose ACL grants something on or below them.
pub(super) fn ui_visible(core: &Core, req: &Request, entry: &MountEntry) -> Result<bool, CoreError> {
    if entry.config.listing_visibility == "unauth" {
        return Ok(true);
    }
    match &req.token_entry {
        Some(token) => Ok(token.is_root() || core.acl_for(token)?.has_mount_access(&entry.api_path())),
        None => Ok(false),
    }
}

/// The mounts of one table the caller may see: everything for a token, only the type,
/// description and options without one.
fn ui_table(core: &Core, req: &Request, entries: &[MountEntry]) -> Result<Map<String, Value>, CoreError> {
    let mut out = Map::new();
    for e in entries {
        if !ui_visible(core, req, e)? {
            continue;
        }
        let shown = if req.token_entry.is_some() {
            mount_json(e)
        } else {
            let v = mount_json(e);
            json!({ "type": v["type"], "description": v["description"], "options": v["options"] })
        };
        out.insert(e.path.clone(), shown);
    }
    Ok(out)
}

/// `sys/internal/ui/mounts`: what the UI and the CLI may see.
pub async fn ui_list(core: &Core, req: &Request) -> Result<Option<Response>, CoreError> {
    let secret = ui_table(core, req, &entries(core).await?)?;
    let auth = ui_table(core, req, &core.mounts.send(ListAuth).await?)?;
    Ok(Some(Response::from_value(json!({ "secret": secret, "auth": auth }))))
}

/// `sys/internal/ui/mounts/<path>`: the mount serving a path (the CLI reads the KV version here).
/// Needs a token with access to that mount, as Vault's `pathInternalUIMountRead`.
pub async fn ui_read(core: &Core, req: &Request, path: &str) -> Result<Option<Response>, CoreError> {
    let path = path.trim_start_matches('/');
    let token = req.token_entry.as_ref().ok_or(CoreError::PermissionDenied)?;
    let preflight = || {
        let shown = if path.ends_with('/') { path.to_string() } else { format!("{path}/") };
        CoreError::Forbidden(format!(
            "preflight capability check returned 403, please ensure client's policies grant access to path \"{shown}\""
        ))
    };
    let entry = core.router.load().entry_for(path).ok_or_else(preflight)?;
    if !token.is_root() && !core.acl_for(token)?.has_mount_access(&entry.api_path()) {
        return Err(preflight());
    }
    let mut v = mount_json(&entry);
    v["path"] = json!(entry.path);
    Ok(Some(Response::from_value(v)))
}
