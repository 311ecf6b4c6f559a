//! `role/` (LIST) and `role/<name>` (create, update, read, delete), as Vault's `pathRole*`.

use super::cidr::validate_cidrs;
use super::fields::{bad, failure, parse_policies, MAX_HMAC_INPUT};
use super::role::RoleEntry;
use super::{Inner, SECRET_ID_LOCAL_PREFIX, SECRET_ID_PREFIX};
use crate::barrier::random_key;
use crate::duration::format_duration;
use crate::logical::FieldData;
use crate::{CoreError, Response};

pub(super) async fn list(inner: &Inner) -> Result<Option<Response>, CoreError> {
    let keys = inner.list_roles().await?;
    if keys.is_empty() {
        return Err(CoreError::NotFound);
    }
    Ok(Some(Response::list(keys)))
}

pub(super) async fn read(inner: &Inner, name: &str) -> Result<Option<Response>, CoreError> {
    let _guard = inner.role_lock(name).read().await;
    let role = inner.load_role(name).await?.ok_or(CoreError::NotFound)?;
    let mut resp = Response::with_data(role.read_data());
    if !role.has_constraint() {
        resp = resp.warn(
            "Role does not have any constraints set on it. Updates to this role will require a constraint to be set",
        );
    }
    Ok(Some(resp))
}

pub(super) async fn delete(inner: &Inner, name: &str) -> Result<Option<Response>, CoreError> {
    let _guard = inner.role_lock(name).write().await;
    if let Some(role) = inner.load_role(name).await? {
        inner.delete_role(&role).await?;
    }
    Ok(None)
}

/// `pathRoleCreateUpdate`: a write to a missing role creates it with Vault's defaults.
pub(super) async fn write(inner: &Inner, d: &FieldData, name: &str) -> Result<Option<Response>, CoreError> {
    if name.len() > MAX_HMAC_INPUT {
        return Err(bad(format!("role_name is longer than maximum of {MAX_HMAC_INPUT} bytes")));
    }
    let _guard = inner.role_lock(name).write().await;
    let existing = inner.load_role(name).await?;
    let create = existing.is_none();
    let mut role = existing.unwrap_or_else(|| RoleEntry {
        name: name.to_lowercase(),
        hmac_key: hex::encode(random_key().as_slice()),
        secret_id_prefix: SECRET_ID_PREFIX.into(),
        ..Default::default()
    });
    let mut warnings = Vec::new();

    let token_type = match d.str("token_type") {
        Some("default-service") => {
            warnings.push("default-service has no useful meaning; adjusting to service".to_string());
            Some("service".to_string())
        }
        Some("default-batch") => {
            warnings.push("default-batch has no useful meaning; adjusting to batch".to_string());
            Some("batch".to_string())
        }
        other => other.map(str::to_string),
    };
    role.token.parse_with_type(d, token_type.as_deref()).map_err(bad)?;

    if let Some(local) = d.bool("local_secret_ids") {
        if !create {
            return Err(bad("local_secret_ids can only be modified during role creation"));
        }
        if local {
            role.secret_id_prefix = SECRET_ID_LOCAL_PREFIX.into();
        }
    }

    let previous_role_id = role.role_id.clone();
    if let Some(id) = d.str("role_id") {
        role.role_id = id.to_string();
    } else if create {
        role.role_id = uuid::Uuid::new_v4().to_string();
    }
    if role.role_id.is_empty() {
        return Err(bad("invalid role_id supplied, or failed to generate a role_id"));
    }

    match d.bool("bind_secret_id") {
        Some(b) => role.bind_secret_id = b,
        None if create => role.bind_secret_id = true,
        None => {}
    }

    if let Some(cidrs) = d.first_strings(&["secret_id_bound_cidrs", "bound_cidr_list"]) {
        validate_cidrs(cidrs).map_err(|e| failure(format!("failed to validate CIDR blocks: {e}")))?;
        role.secret_id_bound_cidrs = Some(cidrs.to_vec());
    }

    if let Some(n) = d.int("secret_id_num_uses") {
        role.secret_id_num_uses = n;
    }
    if role.secret_id_num_uses < 0 {
        return Err(bad("secret_id_num_uses cannot be negative"));
    }
    if let Some(ttl) = d.seconds("secret_id_ttl") {
        role.secret_id_ttl = ttl;
    }

    // tokenutil.UpgradeValue: the deprecated names follow the new ones.
    let (has_token_policies, has_policies) = (d.has("token_policies"), d.has("policies"));
    if !has_token_policies && has_policies {
        role.policies = parse_policies(d.strings("policies").unwrap_or_default());
        role.token.token_policies = role.policies.clone();
    } else if has_token_policies {
        role.policies = if has_policies { role.token.token_policies.clone() } else { Vec::new() };
    }
    let (has_token_period, period) = (d.has("token_period"), d.seconds("period"));
    match (has_token_period, period) {
        (false, Some(p)) => {
            role.period = p;
            role.token.token_period = p;
        }
        (true, Some(_)) => role.period = role.token.token_period,
        (true, None) => role.period = 0,
        (false, None) => {}
    }

    if role.period > inner.max_lease_ttl() {
        return Err(bad(format!(
            "period of \"{}\" is greater than the backend's maximum lease TTL of \"{}\"",
            format_duration(role.period),
            format_duration(inner.max_lease_ttl())
        )));
    }
    if role.token.token_max_ttl > inner.max_lease_ttl() {
        warnings.push(
            "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated"
                .to_string(),
        );
    }

    inner.save_role(&role, &previous_role_id).await?;
    if warnings.is_empty() {
        return Ok(None);
    }
    Ok(Some(Response { warnings, ..Default::default() }))
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use crate::Operation::{Delete, List, Read, Update};
    use serde_json::{json, Value};

    #[tokio::test]
    async fn create_read_list_delete() {
        let e = must_engine().await;
        assert_eq!(must_err(&e, List, "role", json!({})).await.0, 404);
        assert!(must_ok(&e, Update, "role/MyRole", json!({})).await.is_none(), "204 on create");
        let d = Value::Object(must_data(&e, Read, "role/myrole", json!({})).await);
        assert_eq!(
            d,
            json!({
                "bind_secret_id": true, "local_secret_ids": false, "secret_id_bound_cidrs": null,
                "secret_id_num_uses": 0, "secret_id_ttl": 0, "token_bound_cidrs": [],
                "token_explicit_max_ttl": 0, "token_max_ttl": 0, "token_no_default_policy": false,
                "token_num_uses": 0, "token_period": 0, "token_policies": [], "token_ttl": 0,
                "token_type": "default"
            })
        );
        assert_eq!(must_data(&e, Read, "role/MYROLE", json!({})).await["bind_secret_id"], true);
        assert_eq!(must_data(&e, List, "role/", json!({})).await["keys"], json!(["myrole"]));
        assert!(must_ok(&e, Delete, "role/MyRole", json!({})).await.is_none());
        assert_eq!(must_err(&e, Read, "role/myrole", json!({})).await, (404, String::new()));
        assert!(must_ok(&e, Delete, "role/myrole", json!({})).await.is_none(), "deleting nothing is fine");
    }

    #[tokio::test]
    async fn deprecated_fields_and_compat() {
        let e = must_engine().await;
        let resp = must_ok(
            &e,
            Update,
            "role/r2",
            json!({"policies": "a,B", "period": "1h", "token_type": "default-service",
                   "bound_cidr_list": "127.0.0.1/32", "secret_id_ttl": "10m",
                   "token_bound_cidrs": ["127.0.0.1", "10.0.0.0/8"]}),
        )
        .await
        .expect("a warning body");
        assert_eq!(resp.warnings, vec!["default-service has no useful meaning; adjusting to service"]);
        let d = must_data(&e, Read, "role/r2", json!({})).await;
        assert_eq!(d["policies"], json!(["a", "b"]));
        assert_eq!(d["token_policies"], json!(["a", "b"]));
        assert_eq!(d["period"], 3600);
        assert_eq!(d["token_period"], 3600);
        assert_eq!(d["token_type"], "service");
        assert_eq!(d["secret_id_bound_cidrs"], json!(["127.0.0.1/32"]));
        assert_eq!(d["secret_id_ttl"], 600);
        assert_eq!(d["token_bound_cidrs"], json!(["127.0.0.1", "10.0.0.0/8"]));

        // token_policies wins and clears the deprecated copy; it is stored as given.
        must_ok(&e, Update, "role/r2", json!({"token_policies": "B,a", "token_period": 60})).await;
        let d = must_data(&e, Read, "role/r2", json!({})).await;
        assert_eq!(d["token_policies"], json!(["B", "a"]));
        assert!(d.get("policies").is_none() && d.get("period").is_none());
        assert_eq!(d["token_period"], 60);
    }

    #[tokio::test]
    async fn validation_errors_match_vault() {
        let e = must_engine().await;
        let cases = [
            (json!({"bind_secret_id": false}), 500, "1 error occurred:\n\t* at least one constraint should be enabled on the role\n\n"),
            (json!({"token_type": "bogus"}), 400, "invalid 'token_type' value \"bogus\""),
            (json!({"token_ttl": "2h", "token_max_ttl": "1h"}), 400, "'token_ttl' cannot be greater than 'token_max_ttl'"),
            (json!({"period": "10000h"}), 400, "period of \"10000h0m0s\" is greater than the backend's maximum lease TTL of \"768h0m0s\""),
            (json!({"token_type": "batch", "token_period": 5}), 400, "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens"),
            (json!({"secret_id_num_uses": -1}), 400, "secret_id_num_uses cannot be negative"),
            (json!({"secret_id_bound_cidrs": "nope"}), 500, "1 error occurred:\n\t* failed to validate CIDR blocks: invalid CIDR address: nope\n\n"),
            (json!({"token_bound_cidrs": "nope"}), 400, "error parsing address \"nope\": Unable to convert \"nope\" to an IPv4 or IPv6 address, or a UNIX Socket"),
            (json!({"role_id": ""}), 400, "invalid role_id supplied, or failed to generate a role_id"),
        ];
        for (body, status, msg) in cases {
            assert_eq!(must_err(&e, Update, "role/r", body.clone()).await, (status, msg.to_string()), "{body}");
        }
        assert_eq!(must_err(&e, List, "role", json!({})).await.0, 404, "no failed write left a role behind");

        let warn = must_ok(&e, Update, "role/r", json!({"token_max_ttl": "10000h"})).await.expect("warning");
        assert_eq!(
            warn.warnings,
            vec!["token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated"]
        );
        assert_eq!(
            must_err(&e, Update, "role/r", json!({"local_secret_ids": true})).await,
            (400, "local_secret_ids can only be modified during role creation".into())
        );
        must_ok(&e, Update, "role/local", json!({"local_secret_ids": true})).await;
        assert_eq!(must_data(&e, Read, "role/local", json!({})).await["local_secret_ids"], true);

        must_ok(&e, Update, "role/a", json!({"role_id": "fixed"})).await;
        assert_eq!(must_err(&e, Update, "role/b", json!({"role_id": "fixed"})).await.0, 500);
        assert_eq!(must_err(&e, Update, "role/bad name", json!({})).await.0, 404);
    }
}
