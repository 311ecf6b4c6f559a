//! `sys/` and `auth/token/` served by their framework tables: Vault's field decoding, warnings,
//! sudo and unauthenticated paths from the tables' `PathsSpecial`, existence checks and help.

use super::*;
use crate::Operation::{Delete, Help, List, Read, Update};
use serde_json::json;

#[actix_rt::test]
async fn token_store_fields_decode_as_vaults() {
    let core = must_unsealed_core().await;
    // Go's ParseBool: "True" was refused before the token store had declared fields.
    must(&core, Update, "auth/token/roles/r1", json!({"token_no_default_policy": "True", "orphan": "t"})).await;
    let role = must(&core, Read, "auth/token/roles/r1", json!({})).await;
    assert_eq!((role["token_no_default_policy"].clone(), role["orphan"].clone()), (json!(true), json!(true)));
    assert_eq!(role["token_type"], json!("default-service"));

    let resp = call(&core, Some(ROOT), Update, "auth/token/create", json!({"ttl": "1h", "bogus": 1, "meta": {"v": 2}}))
        .await
        .expect("create")
        .expect("a body");
    assert_eq!(resp.warnings, ["Endpoint ignored these unrecognized parameters: [bogus]"]);
    let auth = resp.auth.expect("auth");
    assert_eq!((auth.lease_duration, auth.metadata.get("v").cloned()), (3600, Some("2".to_string())));

    let (status, msg) = must_fail(&core, Some(ROOT), Update, "auth/token/create", json!({"num_uses": "x"})).await;
    assert_eq!(
        (status, msg.as_str()),
        (
            400,
            "Field validation failed: error converting input for field \"num_uses\": '' cannot parse value as 'int': strconv.ParseInt: invalid syntax"
        )
    );
    let (status, msg) = must_fail(&core, Some(ROOT), Update, "auth/token/create", json!({"ttl": "abc"})).await;
    assert_eq!((status, msg.as_str()), (400, "time: invalid duration \"abc\""));
    // A role name must be a name; anything else is no path.
    let (status, _) = must_fail(&core, Some(ROOT), Update, "auth/token/create/-bad", json!({})).await;
    assert_eq!(status, 404);
}

#[actix_rt::test]
async fn sudo_and_unauthenticated_paths_come_from_the_tables() {
    let core = must_unsealed_core().await;
    let everything = r#"path "*" { capabilities = ["create", "read", "update", "delete", "list"] }"#;
    let token = must_token_with(&core, "everything", everything).await;
    for (op, path, body) in [
        (Update, "sys/auth/up", json!({"type": "userpass"})),
        (Update, "sys/rotate", json!({})),
        (List, "auth/token/accessors", json!({})),
        (Update, "sys/leases/revoke-prefix/secret", json!({})),
        (Update, "sys/seal", json!({})),
    ] {
        let (status, msg) = must_fail(&core, Some(&token), op, path, body).await;
        assert_eq!((status, msg.as_str()), (403, "permission denied"), "{op:?} {path} needs sudo");
    }
    // Not sudo: the capability alone is enough.
    must_ok_with(&core, &token, Update, "sys/mounts/kv2", json!({"type": "kv"})).await;
    // Unauthenticated: no token needed at all.
    let mounts = call(&core, None, Read, "sys/internal/ui/mounts", json!({})).await.expect("ui mounts");
    assert!(mounts.and_then(|r| r.data).is_some_and(|d| d.contains_key("secret")));
    let (status, _) = must_fail(&core, None, Read, "sys/mounts", json!({})).await;
    assert_eq!(status, 403);
}

async fn must_ok_with(core: &Core, token: &str, op: Operation, path: &str, body: Value) {
    if let Err(e) = call(core, Some(token), op, path, body).await {
        panic!("{op:?} {path}: {e}");
    }
}

#[actix_rt::test]
async fn token_role_writes_are_create_or_update_for_the_acl() {
    let core = must_unsealed_core().await;
    let update_only = r#"path "auth/token/roles/*" { capabilities = ["update", "read"] }"#;
    let token = must_token_with(&core, "update-only", update_only).await;
    let (status, _) = must_fail(&core, Some(&token), Update, "auth/token/roles/new", json!({})).await;
    assert_eq!(status, 403, "a missing role is a create");
    must(&core, Update, "auth/token/roles/new", json!({})).await;
    must_ok_with(&core, &token, Update, "auth/token/roles/new", json!({"orphan": true})).await;
    must(&core, Delete, "auth/token/roles/new", json!({})).await;
}

#[actix_rt::test]
async fn sys_answers_vaults_errors_help_and_tune_paths() {
    let core = must_unsealed_core().await;
    let (status, msg) = must_fail(&core, Some(ROOT), Update, "sys/wrapping/nope", json!({})).await;
    assert_eq!((status, msg.as_str()), (404, "1 error occurred:\n\t* unsupported path\n\n"));
    let (status, msg) = must_fail(&core, Some(ROOT), Read, "sys/mounts/tune", json!({})).await;
    assert_eq!((status, msg.as_str()), (400, "No secret engine mount at tune/"));
    let body = json!({"type": "kv", "config": {"default_lease_ttl": "abc"}});
    let (status, msg) = must_fail(&core, Some(ROOT), Update, "sys/mounts/x", body).await;
    assert_eq!((status, msg.as_str()), (400, "unable to parse default TTL of abc: time: invalid duration \"abc\""));
    must(&core, Update, "sys/mounts/kvt", json!({"type": "kv"})).await;
    let (status, msg) =
        must_fail(&core, Some(ROOT), Update, "sys/mounts/kvt/tune", json!({"max_lease_ttl": "x"})).await;
    assert_eq!((status, msg.as_str()), (400, "time: invalid duration \"x\""));
    // A mount path may itself contain "tune".
    must(&core, Update, "sys/mounts/a/tune/b", json!({"type": "kv"})).await;
    must(&core, Update, "sys/mounts/a/tune/b/tune", json!({"default_lease_ttl": "1h"})).await;
    let tune = must(&core, Read, "sys/mounts/a/tune/b/tune", json!({})).await;
    assert_eq!(tune["default_lease_ttl"], json!(3600));

    let help = call(&core, Some(ROOT), Help, "sys/mounts/secret/tune", json!({})).await.expect("help");
    let raw = help.and_then(|r| r.data).unwrap_or_default();
    let text = raw["help"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("Request:        mounts/secret/tune\nMatching Route: ^mounts/(?P<path>.+?)/tune$"),
        "{text}"
    );
    assert!(text.contains("    default_lease_ttl (string)\n"), "{text}");
}
