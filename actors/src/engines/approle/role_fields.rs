//! The per-field paths below a role (`role/<name>/policies`, `…/token-ttl`, …): read one field,
//! set it, or reset it to its default, as Vault's `pathRole<Field>{Read,Update,Delete}`.

use super::cidr::{parse_addrs, validate_cidrs};
use super::fields::{bad, parse_policies, unsupported_path};
use super::role::RoleEntry;
use super::Inner;
use crate::duration::format_duration;
use crate::logical::FieldData;
use crate::{CoreError, Operation, Request, Response};
use serde_json::{json, Map, Value};

/// One per-field path (`role/<name>/<field>`); the table declares which operations each has.
pub(super) async fn handle(
    inner: &Inner,
    req: &Request,
    d: &FieldData,
    name: &str,
    field: &str,
) -> Result<Option<Response>, CoreError> {
    let op = req.operation;
    if op == Operation::Read {
        let _guard = inner.role_lock(name).read().await;
        let role = inner.load_role(name).await?.ok_or(CoreError::NotFound)?;
        return Ok(Some(read(&role, field)));
    }
    let _guard = inner.role_lock(name).write().await;
    let Some(mut role) = inner.load_role(name).await? else {
        // Vault: a write to a missing role is an unsupported path; a delete is a no-op.
        return if op == Operation::Update { Err(unsupported_path()) } else { Ok(None) };
    };
    let previous_role_id = role.role_id.clone();
    if op == Operation::Update {
        update(inner, &mut role, d, field)?;
    } else {
        reset(&mut role, field);
    }
    inner.save_role(&role, &previous_role_id).await?;
    Ok(None)
}

fn read(role: &RoleEntry, field: &str) -> Response {
    let mut m = Map::new();
    let mut warning = None;
    match field {
        "policies" => {
            m.insert("token_policies".into(), json!(role.token.token_policies));
            if !role.policies.is_empty() {
                m.insert("policies".into(), json!(role.policies));
            }
        }
        "bound-cidr-list" => {
            // The deprecated list is folded into secret_id_bound_cidrs when stored.
            m.insert("bound_cidr_list".into(), Value::Null);
            warning = Some(
                "The \"bound_cidr_list\" field is deprecated and will be removed. Please use \"secret_id_bound_cidrs\" instead.",
            );
        }
        "secret-id-bound-cidrs" => {
            m.insert("secret_id_bound_cidrs".into(), json!(role.secret_id_bound_cidrs));
        }
        "token-bound-cidrs" => {
            let cidrs =
                if role.token.token_bound_cidrs.is_empty() { Value::Null } else { json!(role.token.token_bound_cidrs) };
            m.insert("token_bound_cidrs".into(), cidrs);
        }
        "bind-secret-id" => {
            m.insert("bind_secret_id".into(), json!(role.bind_secret_id));
        }
        "secret-id-num-uses" => {
            m.insert("secret_id_num_uses".into(), json!(role.secret_id_num_uses));
        }
        "secret-id-ttl" => {
            m.insert("secret_id_ttl".into(), json!(role.secret_id_ttl));
        }
        "period" => {
            m.insert("token_period".into(), json!(role.token.token_period));
            if role.period > 0 {
                m.insert("period".into(), json!(role.period));
            }
        }
        "token-num-uses" => {
            m.insert("token_num_uses".into(), json!(role.token.token_num_uses));
        }
        "token-ttl" => {
            m.insert("token_ttl".into(), json!(role.token.token_ttl));
        }
        "token-max-ttl" => {
            m.insert("token_max_ttl".into(), json!(role.token.token_max_ttl));
        }
        "role-id" => {
            m.insert("role_id".into(), json!(role.role_id));
        }
        _ => {
            m.insert("local_secret_ids".into(), json!(role.is_local()));
        }
    }
    let resp = Response::with_data(m);
    match warning {
        Some(w) => resp.warn(w),
        None => resp,
    }
}

fn update(inner: &Inner, role: &mut RoleEntry, d: &FieldData, field: &str) -> Result<(), CoreError> {
    let missing = |what: &str| bad(format!("missing {what}"));
    match field {
        "policies" => {
            let (tp, p) = (d.strings("token_policies"), d.strings("policies"));
            match (tp, p) {
                (Some(tp), p) => {
                    role.token.token_policies = parse_policies(tp);
                    role.policies = if p.is_some() { role.token.token_policies.clone() } else { Vec::new() };
                }
                (None, Some(p)) => {
                    role.policies = parse_policies(p);
                    role.token.token_policies = role.policies.clone();
                }
                (None, None) => return Err(missing("token_policies")),
            }
        }
        "bound-cidr-list" | "secret-id-bound-cidrs" | "token-bound-cidrs" => update_cidrs(role, d, field)?,
        "bind-secret-id" => role.bind_secret_id = d.bool("bind_secret_id").ok_or_else(|| missing("bind_secret_id"))?,
        "secret-id-num-uses" => {
            let n = d.int("secret_id_num_uses").ok_or_else(|| missing("secret_id_num_uses"))?;
            if n < 0 {
                return Err(bad("secret_id_num_uses cannot be negative"));
            }
            role.secret_id_num_uses = n;
        }
        "secret-id-ttl" => role.secret_id_ttl = d.seconds("secret_id_ttl").ok_or_else(|| missing("secret_id_ttl"))?,
        "period" => {
            match (d.seconds("token_period"), d.seconds("period")) {
                (Some(tp), p) => {
                    role.token.token_period = tp;
                    role.period = if p.is_some() { tp } else { 0 };
                }
                (None, Some(p)) => {
                    role.period = p;
                    role.token.token_period = p;
                }
                (None, None) => return Err(missing("period")),
            }
            if role.token.token_period > inner.max_lease_ttl() {
                // Vault names the deprecated value in this message.
                return Err(bad(format!(
                    "period of \"{}\" is greater than the backend's maximum lease TTL of \"{}\"",
                    format_duration(role.period),
                    format_duration(inner.max_lease_ttl())
                )));
            }
        }
        "token-num-uses" => {
            role.token.token_num_uses = d.int("token_num_uses").ok_or_else(|| missing("token_num_uses"))?
        }
        "token-ttl" => {
            role.token.token_ttl = d.seconds("token_ttl").ok_or_else(|| missing("token_ttl"))?;
            if role.token.token_max_ttl > 0 && role.token.token_ttl > role.token.token_max_ttl {
                return Err(bad("token_ttl should not be greater than token_max_ttl"));
            }
        }
        "token-max-ttl" => {
            role.token.token_max_ttl = d.seconds("token_max_ttl").ok_or_else(|| missing("token_max_ttl"))?;
            if role.token.token_max_ttl > 0 && role.token.token_ttl > role.token.token_max_ttl {
                return Err(bad("token_max_ttl should be greater than or equal to token_ttl"));
            }
        }
        _ => {
            // role-id
            role.role_id = d.str("role_id").unwrap_or_default().to_string();
            if role.role_id.is_empty() {
                return Err(missing("role_id"));
            }
        }
    }
    Ok(())
}

/// `pathRoleBoundCIDRUpdateCommon`: each path reads only its own field.
fn update_cidrs(role: &mut RoleEntry, d: &FieldData, field: &str) -> Result<(), CoreError> {
    let keys: &[&str] = match field {
        "bound-cidr-list" => &["bound_cidr_list"],
        "secret-id-bound-cidrs" => &["secret_id_bound_cidrs"],
        _ => &[],
    };
    if let Some(cidrs) = d.first_strings(keys) {
        if cidrs.is_empty() {
            return Err(bad("missing bound_cidr_list"));
        }
        validate_cidrs(cidrs).map_err(|e| bad(format!("failed to validate CIDR blocks: {e}")))?;
        role.secret_id_bound_cidrs = Some(cidrs.to_vec());
    } else if field == "token-bound-cidrs" && d.has("token_bound_cidrs") {
        let cidrs = d.strings("token_bound_cidrs").unwrap_or_default();
        role.token.token_bound_cidrs =
            parse_addrs(cidrs).map_err(|e| bad(format!("failed to parse token_bound_cidrs: {e}")))?;
    }
    Ok(())
}

/// DELETE: back to the field's default.
fn reset(role: &mut RoleEntry, field: &str) {
    match field {
        "policies" => {
            role.token.token_policies.clear();
            role.policies.clear();
        }
        "secret-id-bound-cidrs" => role.secret_id_bound_cidrs = None,
        "token-bound-cidrs" => role.token.token_bound_cidrs.clear(),
        "bind-secret-id" => role.bind_secret_id = true,
        "secret-id-num-uses" => role.secret_id_num_uses = 0,
        "secret-id-ttl" => role.secret_id_ttl = 0,
        "period" => {
            role.token.token_period = 0;
            role.period = 0;
        }
        "token-num-uses" => role.token.token_num_uses = 0,
        "token-ttl" => role.token.token_ttl = 0,
        "token-max-ttl" => role.token.token_max_ttl = 0,
        // bound-cidr-list: the deprecated list is never kept apart, so there is nothing to clear.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use crate::Operation::{Delete, Read, Update};
    use serde_json::{json, Value};

    async fn field(e: &super::super::test_util::TestEngine, f: &str) -> Value {
        Value::Object(must_data(e, Read, &format!("role/r/{f}"), json!({})).await)
    }

    #[tokio::test]
    async fn each_field_reads_sets_and_resets() {
        let e = must_engine().await;
        must_role(&e, "r", json!({"policies": "a"})).await;
        let cases = [
            (
                "secret-id-num-uses",
                json!({"secret_id_num_uses": 5}),
                json!({"secret_id_num_uses": 5}),
                json!({"secret_id_num_uses": 0}),
            ),
            (
                "secret-id-ttl",
                json!({"secret_id_ttl": "1m"}),
                json!({"secret_id_ttl": 60}),
                json!({"secret_id_ttl": 0}),
            ),
            ("token-ttl", json!({"token_ttl": 30}), json!({"token_ttl": 30}), json!({"token_ttl": 0})),
            ("token-max-ttl", json!({"token_max_ttl": 90}), json!({"token_max_ttl": 90}), json!({"token_max_ttl": 0})),
            (
                "token-num-uses",
                json!({"token_num_uses": 3}),
                json!({"token_num_uses": 3}),
                json!({"token_num_uses": 0}),
            ),
            ("period", json!({"period": 120}), json!({"period": 120, "token_period": 120}), json!({"token_period": 0})),
            (
                "policies",
                json!({"token_policies": "X,y"}),
                json!({"token_policies": ["x", "y"]}),
                json!({"token_policies": []}),
            ),
            (
                "secret-id-bound-cidrs",
                json!({"secret_id_bound_cidrs": "10.0.0.0/8"}),
                json!({"secret_id_bound_cidrs": ["10.0.0.0/8"]}),
                json!({"secret_id_bound_cidrs": null}),
            ),
            (
                "token-bound-cidrs",
                json!({"token_bound_cidrs": "127.0.0.1/32"}),
                json!({"token_bound_cidrs": ["127.0.0.1"]}),
                json!({"token_bound_cidrs": null}),
            ),
            (
                "bind-secret-id",
                json!({"bind_secret_id": false}),
                json!({"bind_secret_id": false}),
                json!({"bind_secret_id": true}),
            ),
        ];
        for (f, body, after_set, after_reset) in cases {
            // Unbinding the secret ID needs another constraint on the role.
            if f == "bind-secret-id" {
                must_ok(&e, Update, "role/r/token-bound-cidrs", json!({"token_bound_cidrs": "127.0.0.1"})).await;
            }
            assert!(must_ok(&e, Update, &format!("role/r/{f}"), body).await.is_none(), "{f}: 204");
            assert_eq!(field(&e, f).await, after_set, "{f} after update");
            assert!(must_ok(&e, Delete, &format!("role/r/{f}"), json!({})).await.is_none());
            assert_eq!(field(&e, f).await, after_reset, "{f} after delete");
        }
        assert_eq!(field(&e, "local-secret-ids").await, json!({"local_secret_ids": false}));
        let warned = must_ok(&e, Read, "role/r/bound-cidr-list", json!({})).await.unwrap();
        assert_eq!(warned.warnings.len(), 1);
    }

    #[tokio::test]
    async fn field_errors() {
        let e = must_engine().await;
        must_role(&e, "r", json!({"token_max_ttl": 60})).await;
        let cases = [
            ("policies", json!({}), "missing token_policies"),
            ("secret-id-num-uses", json!({}), "missing secret_id_num_uses"),
            ("secret-id-num-uses", json!({"secret_id_num_uses": -2}), "secret_id_num_uses cannot be negative"),
            ("secret-id-ttl", json!({}), "missing secret_id_ttl"),
            ("period", json!({}), "missing period"),
            ("token-num-uses", json!({}), "missing token_num_uses"),
            ("token-ttl", json!({"token_ttl": 61}), "token_ttl should not be greater than token_max_ttl"),
            ("bind-secret-id", json!({}), "missing bind_secret_id"),
            ("role-id", json!({}), "missing role_id"),
            ("secret-id-bound-cidrs", json!({"secret_id_bound_cidrs": []}), "missing bound_cidr_list"),
        ];
        for (f, body, msg) in cases {
            assert_eq!(must_err(&e, Update, &format!("role/r/{f}"), body).await, (400, msg.to_string()), "{f}");
        }
        must_ok(&e, Update, "role/r/token-ttl", json!({"token_ttl": 30})).await;
        assert_eq!(
            must_err(&e, Update, "role/r/token-max-ttl", json!({"token_max_ttl": 20})).await.1,
            "token_max_ttl should be greater than or equal to token_ttl"
        );
        assert_eq!(must_err(&e, Update, "role/r/bind-secret-id", json!({"bind_secret_id": false})).await.0, 500);
        assert_eq!(must_err(&e, Delete, "role/r/role-id", json!({})).await.0, 405);
        assert_eq!(must_err(&e, Update, "role/r/local-secret-ids", json!({})).await.0, 405);
        // A missing role: read 404, write 404 "unsupported path", delete 204.
        assert_eq!(must_err(&e, Read, "role/nope/token-ttl", json!({})).await.0, 404);
        assert_eq!(
            must_err(&e, Update, "role/nope/token-ttl", json!({"token_ttl": 1})).await,
            (404, "1 error occurred:\n\t* unsupported path\n\n".into())
        );
        assert!(must_ok(&e, Delete, "role/nope/token-ttl", json!({})).await.is_none());
    }

    #[tokio::test]
    async fn custom_role_id_moves_the_login_index() {
        let e = must_engine().await;
        let old = must_role(&e, "r", json!({})).await;
        must_ok(&e, Update, "role/r/role-id", json!({"role_id": "custom-id"})).await;
        assert_eq!(field(&e, "role-id").await, json!({"role_id": "custom-id"}));
        let inner = e.engine().inner();
        assert!(inner.role_name_for_id(&old).await.unwrap().is_none());
        assert_eq!(inner.role_name_for_id("custom-id").await.unwrap().as_deref(), Some("r"));
    }
}
