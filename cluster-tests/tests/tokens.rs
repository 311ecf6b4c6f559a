//! Tokens over real HTTP against a dev node: vaultrs's token API end to end, the token tree
//! (children die with their parent, orphans survive), use limits, batch tokens, expiry, roles
//! and Vault's error answers.

use serde_json::{json, Value};
use std::time::Duration;
use strongbox_cluster_tests::{Client, Node};
use vaultrs::api::token::requests::{CreateTokenRequest, SetTokenRoleRequest};
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};
use vaultrs::token;

const ROOT: &str = "tokens-root";

/// May create child tokens and list accessors; nothing else beyond `default`.
const CREATOR: &str = r#"path "auth/token/create" { capabilities = ["update"] }
path "auth/token/create-orphan" { capabilities = ["update"] }"#;

fn vault_client(node: &Node, token: &str) -> VaultClient {
    let settings =
        VaultClientSettingsBuilder::default().address(node.url()).token(token).build().expect("vaultrs settings");
    VaultClient::new(settings).expect("vaultrs client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

/// Creates a token as `c`'s caller; returns (token, accessor).
fn must_create(c: &Client, path: &str, body: Value) -> (String, String) {
    let r = c.must_status(200, "POST", path, Some(&body));
    let auth = &r.json["auth"];
    (auth["client_token"].as_str().unwrap_or_default().into(), auth["accessor"].as_str().unwrap_or_default().into())
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[test]
fn vaultrs_create_lookup_renew_revoke() {
    let node = Node::must_start_dev(ROOT);
    let root = vault_client(&node, ROOT);
    runtime().block_on(async {
        let mut opts = CreateTokenRequest::builder();
        opts.policies(vec!["default".to_string(), "dev".to_string()]).ttl("1h").display_name("ci job!");
        opts.meta([("team".to_string(), "ops".to_string())].into_iter().collect::<std::collections::HashMap<_, _>>());
        let auth = token::new(&root, Some(&mut opts)).await.expect("token create");
        assert!(auth.client_token.starts_with("hvs."));
        assert_eq!(auth.policies, vec!["default", "dev"]);
        assert_eq!((auth.lease_duration, auth.renewable), (3600, true));

        let info = token::lookup(&root, &auth.client_token).await.expect("lookup");
        assert_eq!(info.id, auth.client_token);
        assert_eq!(info.accessor, auth.accessor);
        assert_eq!((info.display_name.as_str(), info.path.as_str()), ("token-ci-job", "auth/token/create"));
        assert_eq!((info.creation_ttl, info.orphan, info.renewable), (3600, false, true));
        assert!(info.ttl <= 3600 && info.ttl >= 3590 && info.expire_time.is_some());
        assert_eq!(info.meta.unwrap_or_default()["team"], "ops");

        let me = vault_client(&node, &auth.client_token);
        assert_eq!(token::lookup_self(&me).await.expect("lookup-self").id, auth.client_token);
        let renewed = token::renew_self(&me, Some("2h")).await.expect("renew-self");
        assert_eq!(renewed.lease_duration, 7200);
        let renewed = token::renew(&root, &auth.client_token, None).await.expect("renew");
        assert_eq!((renewed.client_token.as_str(), renewed.lease_duration), (auth.client_token.as_str(), 7200));

        let by_accessor = token::lookup_accessor(&root, &auth.accessor).await.expect("lookup-accessor");
        assert_eq!((by_accessor.id.as_str(), by_accessor.accessor.as_str()), ("", auth.accessor.as_str()));
        let renewed = token::renew_accessor(&root, &auth.accessor, Some("30m")).await.expect("renew-accessor");
        assert_eq!((renewed.client_token.as_str(), renewed.lease_duration), ("", 1800));

        token::revoke_accessor(&root, &auth.accessor).await.expect("revoke-accessor");
        assert!(token::lookup_accessor(&root, &auth.accessor).await.is_err());
        assert!(token::lookup(&root, &auth.client_token).await.is_err());

        let other = token::new_orphan(&root, None).await.expect("create-orphan");
        assert!(token::lookup(&root, &other.client_token).await.expect("orphan lookup").orphan);
        token::revoke(&root, &other.client_token).await.expect("revoke");
        assert!(token::lookup(&root, &other.client_token).await.is_err());
        token::tidy(&root).await.expect("tidy");
    });
}

#[test]
fn vaultrs_roles() {
    let node = Node::must_start_dev(ROOT);
    let root = vault_client(&node, ROOT);
    runtime().block_on(async {
        let mut role = SetTokenRoleRequest::builder();
        role.allowed_policies(vec!["app".to_string()]).orphan(true).token_period("30m").path_suffix("v11");
        token::role::set(&root, "app", Some(&mut role)).await.expect("role set");
        let read = token::role::read(&root, "app").await.expect("role read");
        assert_eq!((read.allowed_policies, read.orphan, read.token_period), (vec!["app".to_string()], true, 1800));
        assert_eq!((read.token_type.as_str(), read.renewable), ("default-service", true));
        assert_eq!(token::role::list(&root).await.expect("role list").keys, vec!["app"]);

        let auth = token::new_role(&root, "app", None).await.expect("role token");
        assert_eq!(auth.policies, vec!["app", "default"]);
        assert_eq!((auth.lease_duration, auth.orphan), (1800, true));
        let info = token::lookup(&root, &auth.client_token).await.expect("lookup role token");
        assert_eq!(info.path, "auth/token/create/app/v11");

        token::role::delete(&root, "app").await.expect("role delete");
        assert!(token::role::list(&root).await.is_err(), "no roles: 404");
    });
}

#[test]
fn children_die_with_their_parent_and_orphans_survive() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_status(204, "PUT", "sys/policies/acl/creator", Some(&json!({ "policy": CREATOR })));
    let (parent, _) = must_create(&c, "auth/token/create", json!({ "policies": ["creator"] }));
    let as_parent = c.with_token(&parent);
    let (child, _) = must_create(&as_parent, "auth/token/create", json!({}));
    let (grandchild, _) = must_create(&c.with_token(&child), "auth/token/create", json!({}));
    let (orphan, _) = must_create(&as_parent, "auth/token/create-orphan", json!({}));

    c.must_status(204, "POST", "auth/token/revoke", Some(&json!({ "token": parent })));
    for dead in [&parent, &child, &grandchild] {
        c.with_token(dead).must_status(403, "GET", "auth/token/lookup-self", None);
        c.must_status(403, "POST", "auth/token/lookup", Some(&json!({ "token": dead })));
    }
    c.with_token(&orphan).must_status(200, "GET", "auth/token/lookup-self", None);

    // revoke-orphan: the token goes, its children stay as orphans.
    let (parent, _) = must_create(&c, "auth/token/create", json!({ "policies": ["creator"] }));
    let (child, _) = must_create(&c.with_token(&parent), "auth/token/create", json!({}));
    c.must_status(204, "POST", "auth/token/revoke-orphan", Some(&json!({ "token": parent })));
    let r = c.with_token(&child).must_status(200, "GET", "auth/token/lookup-self", None);
    assert_eq!(r.json["data"]["orphan"], json!(true));
}

#[test]
fn a_child_gets_no_more_than_its_parent() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_status(204, "PUT", "sys/policies/acl/creator", Some(&json!({ "policy": CREATOR })));
    let (parent, _) = must_create(&c, "auth/token/create", json!({ "policies": ["creator"] }));
    let p = c.with_token(&parent);
    let r = p.must_status(400, "POST", "auth/token/create", Some(&json!({ "policies": ["other"] })));
    assert_eq!(r.errors(), vec!["child policies must be subset of parent"]);
    let r = p.must_status(400, "POST", "auth/token/create", Some(&json!({ "no_parent": true })));
    assert_eq!(r.errors(), vec!["root or sudo privileges required to create orphan token"]);
    let r = p.must_status(400, "POST", "auth/token/create", Some(&json!({ "id": "chosen" })));
    assert_eq!(r.errors(), vec!["root or sudo privileges required to specify token id"]);
    let r = p.must_status(400, "POST", "auth/token/create", Some(&json!({ "policies": ["root"] })));
    assert_eq!(r.errors(), vec!["child policies must be subset of parent"]);
    let r = c.must_status(200, "POST", "auth/token/create", Some(&json!({ "policies": ["missing"] })));
    assert_eq!(strings(&r.json["auth"]["policies"]), vec!["default", "missing"]);
    assert_eq!(strings(&r.json["warnings"]), vec!["Policy \"missing\" does not exist"]);
    let r =
        c.must_status(200, "POST", "auth/token/create", Some(&json!({ "id": "chosen-id", "policies": ["default"] })));
    assert_eq!(r.json["auth"]["client_token"], json!("chosen-id"));
    let r = c.must_status(400, "POST", "auth/token/create", Some(&json!({ "id": "chosen-id" })));
    assert_eq!(r.errors(), vec!["cannot create a token with a duplicate ID"]);
}

#[test]
fn a_token_with_one_use_works_exactly_once() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    let (once, _) = must_create(&c, "auth/token/create", json!({ "policies": ["default"], "num_uses": 1 }));
    let r = c.with_token(&once).must_status(200, "GET", "auth/token/lookup-self", None);
    assert_eq!(r.json["data"]["num_uses"], json!(-1), "the last use is in flight");
    c.with_token(&once).must_status(403, "GET", "auth/token/lookup-self", None);
    c.must_status(403, "POST", "auth/token/lookup", Some(&json!({ "token": once })));

    // Concurrent requests on the last use: exactly one passes.
    let (once, _) = must_create(&c, "auth/token/create", json!({ "policies": ["default"], "num_uses": 1 }));
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let t = c.with_token(&once);
                s.spawn(move || t.must_request("GET", "auth/token/lookup-self", None).status)
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 403).count(), 3, "{statuses:?}");
}

#[test]
fn batch_tokens_work_and_die_with_their_parent() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_status(204, "PUT", "sys/policies/acl/creator", Some(&json!({ "policy": CREATOR })));
    let (parent, _) = must_create(&c, "auth/token/create", json!({ "policies": ["creator"] }));
    let body = json!({ "type": "batch", "policies": ["default"], "ttl": "10m" });
    let r = c.with_token(&parent).must_status(200, "POST", "auth/token/create", Some(&body));
    let batch = r.json["auth"]["client_token"].as_str().unwrap_or_default().to_string();
    assert!(batch.starts_with("hvb."), "{batch}");
    assert_eq!((r.json["auth"]["accessor"].clone(), r.json["auth"]["renewable"].clone()), (json!(""), json!(false)));
    assert_eq!(r.json["auth"]["token_type"], json!("batch"));

    let b = c.with_token(&batch);
    let me = b.must_status(200, "GET", "auth/token/lookup-self", None);
    assert_eq!(me.json["data"]["type"], json!("batch"));
    assert_eq!(me.json["data"]["id"], json!(batch));
    let r = b.must_status(400, "POST", "auth/token/renew-self", None);
    assert_eq!(r.errors(), vec!["batch tokens cannot be renewed"]);
    let r = c.must_status(400, "POST", "auth/token/revoke", Some(&json!({ "token": batch })));
    assert_eq!(r.errors(), vec!["batch tokens cannot be revoked"]);
    let r = c.must_status(400, "POST", "auth/token/create", Some(&json!({ "type": "batch", "num_uses": 2 })));
    assert_eq!(r.errors(), vec!["batch tokens cannot have \"num_uses\" set"]);

    c.must_status(204, "POST", "auth/token/revoke", Some(&json!({ "token": parent })));
    b.must_status(403, "GET", "auth/token/lookup-self", None);
}

#[test]
fn an_expired_token_is_refused() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    let (short, _) = must_create(&c, "auth/token/create", json!({ "policies": ["default"], "ttl": "2s" }));
    c.with_token(&short).must_status(200, "GET", "auth/token/lookup-self", None);
    std::thread::sleep(Duration::from_millis(3100));
    c.with_token(&short).must_status(403, "GET", "auth/token/lookup-self", None);
    c.must_status(403, "POST", "auth/token/lookup", Some(&json!({ "token": short })));
}

#[test]
fn vaults_answers_for_unknown_things() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    let r = c.must_status(404, "LIST", "auth/token/roles", None);
    assert_eq!(r.json["errors"], json!([]));
    let r = c.must_status(400, "POST", "auth/token/lookup-accessor", Some(&json!({ "accessor": "nope" })));
    assert_eq!(r.errors(), vec!["1 error occurred:\n\t* invalid accessor\n\n"]);
    let r = c.must_status(400, "POST", "auth/token/renew", Some(&json!({ "token": "hvs.nope" })));
    assert_eq!(r.errors(), vec!["token not found"]);
    c.must_status(204, "POST", "auth/token/revoke", Some(&json!({ "token": "hvs.nope" })));
    let r = c.must_status(200, "POST", "auth/token/revoke-accessor", Some(&json!({ "accessor": "nope" })));
    assert_eq!(strings(&r.json["warnings"]), vec!["No token found with this accessor"]);
    let r = c.must_status(400, "POST", "auth/token/create/nope", Some(&json!({})));
    assert_eq!(r.errors(), vec!["unknown role nope"]);
    let r = c.must_status(400, "POST", "auth/token/renew-self", None);
    assert_eq!(r.errors(), vec!["lease is not renewable"], "the root token never expires");
    c.must_status(404, "GET", "auth/token/lookup/anything", None);
    c.must_status(405, "GET", "auth/token/create", None);
    let accessors = c.must_status(200, "LIST", "auth/token/accessors", None);
    assert_eq!(strings(&accessors.json["data"]["keys"]).len(), 1, "the root token's accessor");
}

#[test]
fn tokens_survive_seal_and_unseal() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    let (service, _) = must_create(&c, "auth/token/create", json!({ "policies": ["default"] }));
    let body = json!({ "type": "batch", "policies": ["default"], "no_parent": true });
    let (batch, _) = must_create(&c, "auth/token/create", body);
    node.must_seal(ROOT);
    node.must_unseal(&[node.dev_unseal_key()]);
    c.with_token(&service).must_status(200, "GET", "auth/token/lookup-self", None);
    c.with_token(&batch).must_status(200, "GET", "auth/token/lookup-self", None);
}
