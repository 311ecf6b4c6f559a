//! What the logical framework answers through the pipeline: help, 404 and 405 from the table,
//! field decoding, and help's own ACL rule.

use super::*;
use serde_json::json;

async fn help(core: &Core, token: Option<&str>, path: &str) -> Result<Map<String, Value>, CoreError> {
    let mut req = Request::new(Operation::Help, path);
    req.client_token = token.map(SecretString::from);
    Ok(core.handle_request(req).await?.and_then(|r| r.data).unwrap_or_default())
}

#[actix_rt::test]
async fn help_describes_the_path_and_any_valid_token_may_ask() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/auth/userpass", json!({"type": "userpass"})).await;
    let data = help(&core, Some(ROOT), "auth/userpass/users/bob").await.unwrap();
    let text = data["help"].as_str().unwrap();
    assert!(text.starts_with("Request:        users/bob\nMatching Route: ^users/(?P<username>"), "{text}");
    assert!(
        text.contains("\n## PARAMETERS\n\n    bound_cidrs (slice)\n\n        (DEPRECATED) Use \"token_bound_cidrs\""),
        "{text}"
    );
    assert!(text.contains("\n    max_ttl (duration (sec))\n"), "{text}");
    assert!(text.contains("    token_policies (slice)\n"), "{text}");
    assert!(text.ends_with("then the next renew will cause the lease to expire."), "{text}");
    assert_eq!(data["see_also"], Value::Null);
    let item = &data["openapi"]["paths"]["/users/{username}"];
    assert_eq!(item["x-vault-createSupported"], json!(true));
    assert_eq!(item["parameters"][0]["name"], json!("username"));

    let root = help(&core, Some(ROOT), "auth/userpass").await.unwrap();
    assert!(root["help"].as_str().unwrap().contains("## PATHS"));

    // Help is always allowed to a valid token, never to none (except on login paths).
    let token = must_token_with(&core, "nothing", r#"path "secret/*" { capabilities = ["read"] }"#).await;
    assert!(help(&core, Some(&token), "auth/userpass/users/bob").await.is_ok());
    assert_eq!(help(&core, None, "auth/userpass/users/bob").await.unwrap_err().status(), 403);
    assert!(help(&core, None, "auth/userpass/login/bob").await.is_ok());
    let unknown = help(&core, Some(ROOT), "auth/userpass/nope").await.unwrap_err();
    // Vault's core lists the framework's Go error on every request but a login.
    assert_eq!((unknown.status(), unknown.to_string()), (404, "1 error occurred:\n\t* unsupported path\n\n".into()));
}

#[actix_rt::test]
async fn the_table_answers_404_405_and_decodes_fields_once() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/auth/userpass", json!({"type": "userpass"})).await;
    let (status, msg) = must_fail(&core, Some(ROOT), Operation::Read, "auth/userpass/nope", json!({})).await;
    assert_eq!((status, msg.as_str()), (404, "1 error occurred:\n\t* unsupported path\n\n"));
    let (status, msg) = must_fail(&core, Some(ROOT), Operation::Delete, "sys/capabilities", json!({})).await;
    assert_eq!((status, msg.as_str()), (405, "1 error occurred:\n\t* unsupported operation\n\n"));
    // A login path answers with the error as it is.
    let (status, msg) = must_fail(&core, None, Operation::Delete, "auth/userpass/login/bob", json!({})).await;
    assert_eq!((status, msg.as_str()), (405, "unsupported operation"));
    let body = json!({"password": "pw", "token_ttl": "abc"});
    let (status, msg) = must_fail(&core, Some(ROOT), Operation::Update, "auth/userpass/users/bob", body).await;
    assert_eq!(
        (status, msg.as_str()),
        (400, "error converting input for field \"token_ttl\": time: invalid duration \"abc\"")
    );
    must(
        &core,
        Operation::Update,
        "auth/userpass/users/bob",
        json!({"password": "pw", "token_no_default_policy": "True"}),
    )
    .await;
    let read = must(&core, Operation::Read, "auth/userpass/users/bob", json!({})).await;
    assert_eq!(read["token_no_default_policy"], json!(true));
}

#[actix_rt::test]
async fn the_document_names_operations_and_lists_as_vault() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/auth/userpass", json!({"type": "userpass"})).await;
    let resp = call(&core, Some(ROOT), Operation::Read, "sys/internal/specs/openapi", json!({})).await.unwrap();
    let doc = resp.and_then(|r| r.raw).unwrap();
    let id = |path: &str, method: &str| doc["paths"][path][method]["operationId"].clone();
    // Vault's ids, which client generators turn into method names.
    assert_eq!(id("/auth/userpass/login/{username}", "post"), json!("userpass-login"));
    assert_eq!(id("/auth/userpass/users/{username}", "get"), json!("userpass-read-user"));
    assert_eq!(id("/auth/token/lookup-self", "post"), json!("token-look-up-self2"));
    assert_eq!(id("/sys/renew/{url_lease_id}", "post"), json!("leases-renew-lease-with-id2"));
    assert_eq!(id("/cubbyhole/{path}", "get"), json!("cubbyhole-read"));
    // A list lives under the path with a trailing slash; a list-only path has no other item.
    assert_eq!(id("/auth/userpass/users/", "get"), json!("userpass-list-users"));
    assert!(doc["paths"].get("/auth/userpass/users").is_none());
    assert_eq!(id("/cubbyhole/{path}/", "get"), json!("cubbyhole-list"));
    // The UI's hints, on paths and on fields.
    assert_eq!(
        doc["paths"]["/auth/userpass/users/"]["x-vault-displayAttrs"],
        json!({"navigation": true, "itemType": "User"})
    );
    let user = &doc["components"]["schemas"]["UserpassWriteUserRequest"]["properties"];
    assert_eq!(user["password"]["x-vault-displayAttrs"], json!({"sensitive": true}));
    assert_eq!(
        user["token_ttl"]["x-vault-displayAttrs"],
        json!({"name": "Generated Token's Initial TTL", "group": "Tokens"})
    );
    // The KV v2 catch-all that only answers with guidance is not documented.
    assert!(doc["paths"].as_object().unwrap().keys().all(|k| k != "/secret/{path}"));
}
