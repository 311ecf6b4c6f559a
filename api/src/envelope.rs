//! Vault's response envelope. vaultrs requires request_id, lease_id, renewable and
//! lease_duration to be present and non-null, so they always are.

use serde_json::{json, Map, Value};
use strongbox_actors::{Auth, Response, WrapInfo};

/// Paths whose `data` Vault also copies to the top level (`injectDataIntoTopRoutes`).
const LEGACY_EXACT: [&str; 12] = [
    "sys/audit",
    "sys/audit-hash",
    "sys/auth",
    "sys/capabilities",
    "sys/capabilities-accessor",
    "sys/capabilities-self",
    "sys/config/auditing/request-headers",
    "sys/ha-status",
    "sys/key-status",
    "sys/mounts",
    "sys/remount",
    "sys/rotate",
];
const LEGACY_PREFIXES: [&str; 7] = [
    "sys/audit/",
    "sys/audit-hash/",
    "sys/auth/",
    "sys/config/auditing/request-headers/",
    "sys/mounts/",
    "sys/policy",
    "sys/wrapping/wrap",
];

fn copies_data_to_top(path: &str) -> bool {
    LEGACY_EXACT.contains(&path) || LEGACY_PREFIXES.iter().any(|p| path.starts_with(p)) || path == "sys/config/cors"
}

pub fn envelope(request_id: &str, path: &str, resp: Response) -> Value {
    let (renewable, lease_duration) = resp.lease.unwrap_or((false, 0));
    let lease_id = resp.lease_id.clone().unwrap_or_default();
    let warnings = if resp.warnings.is_empty() { Value::Null } else { json!(resp.warnings) };
    let mut out = Map::new();
    if copies_data_to_top(path) {
        if let Some(data) = &resp.data {
            out.extend(data.clone());
        }
    }
    // A wrapped response carries only wrap_info: Vault leaves its request_id empty.
    let request_id = if resp.wrap_info.is_some() { "" } else { request_id };
    out.insert("request_id".into(), json!(request_id));
    out.insert("lease_id".into(), json!(lease_id));
    out.insert("renewable".into(), json!(renewable));
    out.insert("lease_duration".into(), json!(lease_duration));
    out.insert("data".into(), resp.data.map(Value::Object).unwrap_or(Value::Null));
    out.insert("wrap_info".into(), resp.wrap_info.as_ref().map(wrap_info_json).unwrap_or(Value::Null));
    out.insert("warnings".into(), warnings);
    out.insert("auth".into(), resp.auth.as_ref().map(auth_json).unwrap_or(Value::Null));
    Value::Object(out)
}

/// Vault renders empty metadata as `null` and always includes `mfa_requirement`.
fn auth_json(a: &Auth) -> Value {
    json!({
        "client_token": a.client_token,
        "accessor": a.accessor,
        "policies": a.policies,
        "token_policies": a.token_policies,
        "metadata": if a.metadata.is_empty() { Value::Null } else { json!(a.metadata) },
        "lease_duration": a.lease_duration,
        "renewable": a.renewable,
        "entity_id": a.entity_id,
        "token_type": a.token_type,
        "orphan": a.orphan,
        "mfa_requirement": Value::Null,
        "num_uses": a.num_uses,
    })
}

/// `wrapped_accessor` is omitted when empty, as in Vault.
fn wrap_info_json(w: &WrapInfo) -> Value {
    let mut v = json!({
        "token": w.token,
        "accessor": w.accessor,
        "ttl": w.ttl,
        "creation_time": w.creation_time,
        "creation_path": w.creation_path,
    });
    if !w.wrapped_accessor.is_empty() {
        v["wrapped_accessor"] = json!(w.wrapped_accessor);
    }
    v
}
