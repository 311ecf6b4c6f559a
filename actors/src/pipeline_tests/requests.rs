//! The pipeline's steps as a client sees them: sealed, authentication, ACL with existence
//! checks, leases, wrapping and login.

use super::*;
use crate::Request;
use serde_json::json;

#[actix_rt::test]
async fn a_sealed_core_serves_nothing() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/kv", json!({"type": "kv"})).await;
    core.seal().await.unwrap();
    let (status, msg) = must_fail(&core, Some(ROOT), Operation::Read, "kv/a", json!({})).await;
    assert_eq!((status, msg.as_str()), (503, "Vault is sealed"));
}

#[actix_rt::test]
async fn unknown_and_missing_tokens_are_denied() {
    let core = must_unsealed_core().await;
    for token in [None, Some(""), Some("hvs.nope")] {
        let (status, msg) = must_fail(&core, token, Operation::Read, "sys/mounts", json!({})).await;
        assert_eq!((status, msg.as_str()), (403, "permission denied"), "{token:?}");
    }
    let (status, msg) = must_fail(&core, Some(ROOT), Operation::Read, "nomount/x", json!({})).await;
    assert_eq!((status, msg.as_str()), (404, "no handler for route \"nomount/x\". route entry not found."));
}

#[actix_rt::test]
async fn the_acl_tells_create_from_update_by_the_existence_check() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/kv", json!({"type": "kv"})).await;
    must(&core, Operation::Update, "kv/old", json!({"v": 1})).await;
    let token = must_token_with(&core, "create-only", r#"path "kv/*" { capabilities = ["create"] }"#).await;
    call(&core, Some(&token), Operation::Update, "kv/new", json!({"v": 2})).await.unwrap();
    let (status, _) = must_fail(&core, Some(&token), Operation::Update, "kv/old", json!({"v": 3})).await;
    assert_eq!(status, 403);
    let (status, _) = must_fail(&core, Some(&token), Operation::Read, "kv/new", json!({})).await;
    assert_eq!(status, 403);
    assert_eq!(must(&core, Operation::Read, "kv/old", json!({})).await["v"], json!(1));
}

#[actix_rt::test]
async fn kv_ttls_become_lease_durations_capped_by_the_mount() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/kv", json!({"type": "kv", "config": {"max_lease_ttl": "90s"}})).await;
    must(&core, Operation::Update, "kv/short", json!({"ttl": "30s"})).await;
    must(&core, Operation::Update, "kv/plain", json!({"v": 1})).await;
    let lease = |r: Option<crate::Response>| r.and_then(|r| r.lease);
    assert_eq!(
        lease(call(&core, Some(ROOT), Operation::Read, "kv/short", json!({})).await.unwrap()),
        Some((false, 30))
    );
    // A secret without `ttl` gets the mount's default, which its max caps.
    assert_eq!(
        lease(call(&core, Some(ROOT), Operation::Read, "kv/plain", json!({})).await.unwrap()),
        Some((false, 90))
    );
}

#[actix_rt::test]
async fn wrapped_responses_unwrap_once() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/kv", json!({"type": "kv"})).await;
    must(&core, Operation::Update, "kv/a", json!({"secret": "s3"})).await;
    let mut req = Request::new(Operation::Read, "kv/a").with_token(ROOT);
    req.wrap_ttl = Some(60);
    let wrapped = core.handle_request(req).await.unwrap().unwrap();
    assert!(wrapped.data.is_none());
    let wrap = wrapped.wrap_info.unwrap();
    assert_eq!((wrap.ttl, wrap.creation_path.as_str()), (60, "kv/a"));
    let unwrapped = call(&core, Some(&wrap.token), Operation::Update, "sys/wrapping/unwrap", json!({})).await.unwrap();
    assert_eq!(unwrapped.unwrap().data.unwrap()["secret"], json!("s3"));
    let (status, _) = must_fail(&core, Some(&wrap.token), Operation::Update, "sys/wrapping/unwrap", json!({})).await;
    assert_eq!(status, 400);
}

#[actix_rt::test]
async fn a_login_mints_a_token_with_the_users_policies() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/auth/userpass", json!({"type": "userpass"})).await;
    must(&core, Operation::Update, "auth/userpass/users/alice", json!({"password": "pw", "token_policies": "dev"}))
        .await;
    let resp = call(&core, None, Operation::Update, "auth/userpass/login/alice", json!({"password": "pw"}))
        .await
        .unwrap()
        .unwrap();
    let auth = resp.auth.unwrap();
    assert_eq!(auth.policies, vec!["default", "dev"]);
    assert_eq!(auth.metadata["username"], "alice");
    let me = call(&core, Some(&auth.client_token), Operation::Read, "auth/token/lookup-self", json!({})).await;
    assert_eq!(me.unwrap().unwrap().data.unwrap()["path"], json!("auth/userpass/login/alice"));
    let (status, msg) =
        must_fail(&core, None, Operation::Update, "auth/userpass/login/alice", json!({"password": "no"})).await;
    assert_eq!((status, msg.as_str()), (400, "invalid username or password"));
}

/// Tried as a new user would: a userpass mount with `max_lease_ttl=60s`, a login, then
/// `renew-self` with `increment=1h`. Vault caps the renewal at the mount's live max TTL.
#[actix_rt::test]
async fn token_renewals_obey_the_auth_mounts_max_ttl() {
    let core = must_unsealed_core().await;
    must(
        &core,
        Operation::Update,
        "sys/auth/userpass",
        json!({"type": "userpass", "config": {"max_lease_ttl": "60s"}}),
    )
    .await;
    must(&core, Operation::Update, "auth/userpass/users/bob", json!({"password": "pw"})).await;
    let login = call(&core, None, Operation::Update, "auth/userpass/login/bob", json!({"password": "pw"})).await;
    let auth = login.unwrap().unwrap().auth.unwrap();
    assert_eq!(auth.lease_duration, 60);
    let renew = |token: String| {
        let core = core.clone();
        async move {
            let r = call(&core, Some(&token), Operation::Update, "auth/token/renew-self", json!({"increment": "1h"}));
            r.await.unwrap().unwrap()
        }
    };
    let renewed = renew(auth.client_token.to_string()).await;
    let granted = renewed.auth.as_ref().unwrap().lease_duration;
    assert!((59..=60).contains(&granted), "granted {granted}");
    assert!(renewed.warnings[0].starts_with("TTL of \"1h\" exceeded the effective max_ttl"), "{:?}", renewed.warnings);

    // Tuning reaches the running method: the next renewal is capped by the new max at once.
    must(&core, Operation::Update, "sys/auth/userpass/tune", json!({"max_lease_ttl": "20s"})).await;
    let granted = renew(auth.client_token.to_string()).await.auth.unwrap().lease_duration;
    assert!((19..=20).contains(&granted), "granted {granted}");

    // A user whose policies changed since the login cannot renew (Vault's pathLoginRenew).
    must(&core, Operation::Update, "auth/userpass/users/bob/policies", json!({"token_policies": "other"})).await;
    let (status, msg) = must_fail(
        &core,
        Some(&auth.client_token),
        Operation::Update,
        "auth/token/renew-self",
        json!({"increment": "1h"}),
    )
    .await;
    assert_eq!((status, msg.as_str()), (400, "policies have changed, not renewing"));
}

#[actix_rt::test]
async fn writes_to_folders_are_refused_before_authentication() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/secret", json!({"type": "kv-v2"})).await;
    for (token, op, path) in [
        (Some(ROOT), Operation::Update, "secret/data/"),
        (Some(ROOT), Operation::Update, "secret/metadata/a/"),
        (Some(ROOT), Operation::Patch, "secret/data/a/"),
        (None, Operation::Update, "cubbyhole/x/"),
        (Some(ROOT), Operation::Update, "sys/policies/acl/x/"),
    ] {
        let (status, msg) = must_fail(&core, token, op, path, json!({"data": {}})).await;
        assert_eq!((status, msg.as_str()), (400, "cannot write to a path ending in '/'"), "{path}");
    }
}
