//! `login` (unauthenticated): `role_id` plus, when the role binds one, a `secret_id`. Success
//! answers with `Response.login`; the pipeline turns it into a token.
//!
//! Unlike Vault, a refused login never spends a use: the network checks run before the use
//! count is decremented (Vault checks the role's CIDRs after spending it).

use super::cidr::{ip_in_blocks, parse_addrs, verify_subset};
use super::fields::{bad, failure};
use super::role::RoleEntry;
use super::Inner;
use crate::logical::FieldData;
use crate::response::Login;
use crate::{CoreError, Request, Response};
use std::collections::BTreeMap;
use std::net::IpAddr;
use subtle::ConstantTimeEq;

/// Vault's answer to any unknown role_id or secret_id, so a caller cannot tell which was wrong.
pub(crate) const INVALID_CREDENTIALS: &str = "invalid role or secret ID";

pub(super) async fn login(inner: &Inner, req: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let role_id = d.str("role_id").unwrap_or_default().trim().to_string();
    if role_id.is_empty() {
        return Err(bad("missing role_id"));
    }
    let invalid = || bad(INVALID_CREDENTIALS);
    let Some(name) = inner.role_name_for_id(&role_id).await? else { return Err(invalid()) };
    let role = {
        let _guard = inner.role_lock(&name).read().await;
        inner.load_role(&name).await?
    };
    let Some(role) = role else { return Err(invalid()) };
    // The index found the role by a keyed hash; confirm the role still carries this role_id,
    // comparing the secret in constant time.
    if !bool::from(role.role_id.as_bytes().ct_eq(role_id.as_bytes())) {
        return Err(invalid());
    }

    let mut metadata = BTreeMap::new();
    let mut secret_token_cidrs = Vec::new();
    if role.bind_secret_id {
        let secret_id = d.str("secret_id").unwrap_or_default().trim().to_string();
        if secret_id.is_empty() {
            return Err(bad("missing secret_id"));
        }
        let key = inner.secret_id_key(&role, &secret_id)?;
        let _secret_guard = inner.secret_id_lock(&key.secret_id_hmac).write().await;
        let Some(entry) = inner.load_live_secret_id(&role, &key.path).await? else { return Err(invalid()) };
        if !inner.has_accessor(&role, &entry.secret_id_accessor).await? {
            inner.view.delete(&key.path).await?;
            return Err(invalid());
        }
        verify_subset(&entry.cidr_list, role.bound_cidrs()).map_err(failure)?;
        if !entry.cidr_list.is_empty() {
            let ip = client_ip(req)?;
            if !ip_in_blocks(ip, &entry.cidr_list).map_err(bad)? {
                return Err(bad(if entry.secret_id_num_uses == 0 {
                    format!("source address \"{ip}\" unauthorized through CIDR restrictions on the secret ID")
                } else {
                    format!("source address \"{ip}\" unauthorized by CIDR restrictions on the secret ID: %!w(<nil>)")
                }));
            }
        }
        check_role_cidrs(&role, req)?;
        metadata = entry.metadata.clone();
        secret_token_cidrs = entry.token_bound_cidrs.clone();
        if entry.secret_id_num_uses > 0 {
            inner.spend_use(&role, &key.path, entry).await?;
        }
    } else {
        check_role_cidrs(&role, req)?;
    }

    let bound_cidrs = if secret_token_cidrs.is_empty() {
        role.token.token_bound_cidrs.clone()
    } else {
        parse_addrs(&secret_token_cidrs).map_err(bad)?
    };
    metadata.insert("role_name".into(), role.name.clone());
    let token_type = match role.token_type_name() {
        "default" => String::new(),
        other => other.to_string(),
    };
    let login = Login {
        policies: role.token.token_policies.clone(),
        metadata,
        // Vault's approle sets none: the token's display name becomes the mount's ("approle").
        display_name: String::new(),
        ttl: role.token.token_ttl,
        max_ttl: role.token.token_max_ttl,
        explicit_max_ttl: role.token.token_explicit_max_ttl,
        period: role.token.token_period,
        num_uses: role.token.token_num_uses,
        no_default_policy: role.token.token_no_default_policy,
        token_type,
        bound_cidrs,
        renewable: true,
        alias_name: role.role_id.clone(),
    };
    Ok(Some(Response { login: Some(login), ..Default::default() }))
}

fn client_ip(req: &Request) -> Result<IpAddr, CoreError> {
    req.remote_addr.ok_or_else(|| failure("failed to get connection information"))
}

fn check_role_cidrs(role: &RoleEntry, req: &Request) -> Result<(), CoreError> {
    if role.bound_cidrs().is_empty() {
        return Ok(());
    }
    let ip = client_ip(req)?;
    if !ip_in_blocks(ip, role.bound_cidrs()).map_err(bad)? {
        return Err(bad(format!("source address \"{ip}\" unauthorized by CIDR restrictions on the role: %!w(<nil>)")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_util::TestEngine;
    use super::super::test_util::*;
    use super::*;
    use crate::engines::LogicalBackend;
    use crate::Operation::{Read, Update};
    use serde_json::json;
    use std::sync::Arc;

    async fn try_login(e: &TestEngine, role_id: &str, secret_id: &str) -> Result<Login, (u16, String)> {
        match e.handle(&login_req(role_id, secret_id)).await {
            Ok(Some(Response { login: Some(l), .. })) => Ok(l),
            Ok(other) => panic!("login answered without a decision: {other:?}"),
            Err(err) => Err((err.status(), err.to_string())),
        }
    }

    #[tokio::test]
    async fn login_hands_the_role_to_the_token() {
        let e = must_engine().await;
        let role_id = must_role(
            &e,
            "Web",
            json!({"token_policies": "p1,p2", "token_ttl": "1h", "token_max_ttl": "2h", "token_num_uses": 5,
                   "token_type": "service", "token_bound_cidrs": "10.0.0.0/8", "token_no_default_policy": true}),
        )
        .await;
        let (sid, _) = must_secret_id(&e, "web", json!({"metadata": "{\"team\":\"a\"}"})).await;
        let l = try_login(&e, &role_id, &sid).await.unwrap();
        assert_eq!(l.policies, vec!["p1", "p2"]);
        assert_eq!(l.metadata, BTreeMap::from([("role_name".into(), "web".into()), ("team".into(), "a".into())]));
        assert_eq!((l.ttl, l.max_ttl, l.num_uses, l.period), (3600, 7200, 5, 0));
        assert_eq!(l.token_type, "service");
        assert_eq!(l.bound_cidrs, vec!["10.0.0.0/8"]);
        assert!(l.renewable && l.no_default_policy);
        assert_eq!(l.alias_name, role_id);
        assert_eq!(l.display_name, "");
        // Unlimited secret IDs keep working.
        try_login(&e, &role_id, &sid).await.unwrap();
    }

    #[tokio::test]
    async fn refusals() {
        let e = must_engine().await;
        let role_id = must_role(&e, "r", json!({})).await;
        let (sid, _) = must_secret_id(&e, "r", json!({})).await;
        let invalid = (400, INVALID_CREDENTIALS.to_string());
        assert_eq!(try_login(&e, "", &sid).await.unwrap_err(), (400, "missing role_id".into()));
        assert_eq!(try_login(&e, "nope", &sid).await.unwrap_err(), invalid);
        assert_eq!(try_login(&e, &role_id, "").await.unwrap_err(), (400, "missing secret_id".into()));
        assert_eq!(try_login(&e, &role_id, "wrong").await.unwrap_err(), invalid);
        // A secret ID of another role is no good either.
        must_role(&e, "other", json!({})).await;
        let (other_sid, _) = must_secret_id(&e, "other", json!({})).await;
        assert_eq!(try_login(&e, &role_id, &other_sid).await.unwrap_err(), invalid);
        // Deleting the role ends its secret IDs.
        must_ok(&e, crate::Operation::Delete, "role/r", json!({})).await;
        assert_eq!(try_login(&e, &role_id, &sid).await.unwrap_err(), invalid);
    }

    #[tokio::test]
    async fn use_counts_are_spent_once_under_concurrency() {
        let e = Arc::new(must_engine().await);
        let role_id = must_role(&e, "r", json!({})).await;
        let (sid, _) = must_secret_id(&e, "r", json!({"num_uses": 5})).await;
        let mut tasks = Vec::new();
        for _ in 0..24 {
            let (e, role_id, sid) = (e.clone(), role_id.clone(), sid.clone());
            tasks.push(tokio::spawn(async move { e.handle(&login_req(&role_id, &sid)).await.is_ok() }));
        }
        let mut ok = 0;
        for t in tasks {
            ok += usize::from(t.await.unwrap_or(false));
        }
        assert_eq!(ok, 5, "exactly num_uses logins succeed");
        let lookup = try_call(&e, Update, "role/r/secret-id/lookup", json!({"secret_id": sid})).await.unwrap();
        assert!(lookup.is_none(), "the used-up secret ID is gone");
    }

    #[tokio::test]
    async fn lookups_show_the_remaining_uses() {
        let e = must_engine().await;
        let role_id = must_role(&e, "r", json!({})).await;
        let (sid, _) = must_secret_id(&e, "r", json!({"num_uses": 2})).await;
        try_login(&e, &role_id, &sid).await.unwrap();
        let d = must_data(&e, Update, "role/r/secret-id/lookup", json!({"secret_id": sid})).await;
        assert_eq!(d["secret_id_num_uses"], 1);
        try_login(&e, &role_id, &sid).await.unwrap();
        assert_eq!(try_login(&e, &role_id, &sid).await.unwrap_err().1, INVALID_CREDENTIALS);
    }

    #[tokio::test]
    async fn expired_secret_ids_are_refused() {
        let e = must_engine().await;
        let role_id = must_role(&e, "r", json!({})).await;
        let (sid, _) = must_secret_id(&e, "r", json!({"ttl": 1})).await;
        try_login(&e, &role_id, &sid).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(try_login(&e, &role_id, &sid).await.unwrap_err(), (400, INVALID_CREDENTIALS.into()));
        assert!(try_call(&e, Update, "role/r/secret-id/lookup", json!({"secret_id": sid})).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn cidr_restrictions() {
        let e = must_engine().await;
        // On the secret ID: the client (127.0.0.1 in these tests) is outside; no use is spent.
        let role_id = must_role(&e, "r", json!({})).await;
        let (sid, _) = must_secret_id(&e, "r", json!({"cidr_list": "10.1.0.0/16", "num_uses": 3})).await;
        assert_eq!(
            try_login(&e, &role_id, &sid).await.unwrap_err(),
            (400, "source address \"127.0.0.1\" unauthorized by CIDR restrictions on the secret ID: %!w(<nil>)".into())
        );
        let d = must_data(&e, Update, "role/r/secret-id/lookup", json!({"secret_id": sid})).await;
        assert_eq!(d["secret_id_num_uses"], 3);
        let (sid2, _) =
            must_secret_id(&e, "r", json!({"cidr_list": "127.0.0.0/8", "token_bound_cidrs": "127.0.0.1/32"})).await;
        assert_eq!(try_login(&e, &role_id, &sid2).await.unwrap().bound_cidrs, vec!["127.0.0.1"]);

        // On the role.
        let role_id = must_role(&e, "c", json!({"secret_id_bound_cidrs": "10.0.0.0/8"})).await;
        let (sid, _) = must_secret_id(&e, "c", json!({})).await;
        assert_eq!(
            try_login(&e, &role_id, &sid).await.unwrap_err(),
            (400, "source address \"127.0.0.1\" unauthorized by CIDR restrictions on the role: %!w(<nil>)".into())
        );
        let mut from_inside = login_req(&role_id, &sid);
        from_inside.remote_addr = "10.2.3.4".parse().ok();
        assert!(e.handle(&from_inside).await.is_ok());
        let mut unknown = login_req(&role_id, &sid);
        unknown.remote_addr = None;
        assert_eq!(e.handle(&unknown).await.unwrap_err().status(), 500);
    }

    #[tokio::test]
    async fn roles_without_a_bound_secret_id() {
        let e = must_engine().await;
        let role_id =
            must_role(&e, "r", json!({"bind_secret_id": false, "secret_id_bound_cidrs": "127.0.0.0/8"})).await;
        let l = try_login(&e, &role_id, "").await.unwrap();
        assert_eq!(l.metadata.get("role_name").map(String::as_str), Some("r"));
        assert_eq!(l.token_type, "", "default token type is left to the mount");
        assert!(must_data(&e, Read, "role/r", json!({})).await["bind_secret_id"] == false);
    }
}
