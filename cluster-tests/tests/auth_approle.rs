//! The AppRole auth method over real HTTP against a dev node: vaultrs's approle API end to end
//! (roles, role IDs, secret IDs, login), use limits, CIDR refusals and Vault's error answers.

use serde_json::{json, Value};
use strongbox_cluster_tests::{Client, Node};
use vaultrs::api::auth::approle::requests::{GenerateNewSecretIDRequest, SetAppRoleRequest};
use vaultrs::auth::approle;
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};

const ROOT: &str = "approle-root";

fn vault_client(node: &Node, token: &str) -> VaultClient {
    let settings =
        VaultClientSettingsBuilder::default().address(node.url()).token(token).build().expect("vaultrs settings");
    VaultClient::new(settings).expect("vaultrs client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

/// A dev node with AppRole enabled at `approle/`.
fn must_node() -> Node {
    let node = Node::must_start_dev(ROOT);
    node.dev_client().must_status(204, "POST", "sys/auth/approle", Some(&json!({ "type": "approle" })));
    node
}

/// Generates a secret ID on `role`; returns (secret_id, accessor).
fn must_secret_id(c: &Client, role: &str, body: Value) -> (String, String) {
    let r = c.must_status(200, "POST", &format!("auth/approle/role/{role}/secret-id"), Some(&body));
    let s = |k: &str| r.json["data"][k].as_str().unwrap_or_default().to_string();
    (s("secret_id"), s("secret_id_accessor"))
}

fn must_role_id(c: &Client, role: &str) -> String {
    let r = c.must_status(200, "GET", &format!("auth/approle/role/{role}/role-id"), None);
    r.json["data"]["role_id"].as_str().unwrap_or_default().to_string()
}

#[test]
fn vaultrs_roles_secret_ids_and_login() {
    let node = must_node();
    let root = vault_client(&node, ROOT);
    runtime().block_on(async {
        let mut role = SetAppRoleRequest::builder();
        role.token_policies(vec!["dev".to_string()]).token_ttl("1h").secret_id_num_uses(3u64);
        approle::role::set(&root, "approle", "web", Some(&mut role)).await.expect("role set");
        let read = approle::role::read(&root, "approle", "web").await.expect("role read");
        assert_eq!((read.token_policies, read.token_ttl, read.secret_id_num_uses), (vec!["dev".to_string()], 3600, 3));
        assert_eq!((read.bind_secret_id, read.token_type.as_str()), (true, "default"));
        assert_eq!(approle::role::list(&root, "approle").await.expect("role list").keys, vec!["web"]);

        approle::role::update_id(&root, "approle", "web", "web-role-id").await.expect("role-id update");
        let role_id = approle::role::read_id(&root, "approle", "web").await.expect("role-id").role_id;
        assert_eq!(role_id, "web-role-id");

        let mut opts = GenerateNewSecretIDRequest::builder();
        opts.metadata(r#"{"team":"ops"}"#);
        let secret =
            approle::role::secret::generate(&root, "approle", "web", Some(&mut opts)).await.expect("secret-id");
        assert_eq!(secret.secret_id_ttl, 0);
        let listed = approle::role::secret::list(&root, "approle", "web").await.expect("secret-id list");
        assert_eq!(listed.keys, vec![secret.secret_id_accessor.clone()]);
        let info = approle::role::secret::read(&root, "approle", "web", &secret.secret_id).await.expect("lookup");
        assert_eq!(info.secret_id_num_uses, 3);
        assert_eq!(info.metadata.unwrap_or_default()["team"], "ops");

        let auth = approle::login(&root, "approle", &role_id, &secret.secret_id).await.expect("login");
        assert_eq!(auth.policies, vec!["default", "dev"]);
        assert_eq!(auth.lease_duration, 3600);
        assert!(auth.renewable);
        assert_eq!(auth.metadata.clone().unwrap_or_default()["role_name"], "web");
        assert_eq!(auth.metadata.unwrap_or_default()["team"], "ops");

        let info = approle::role::secret::read(&root, "approle", "web", &secret.secret_id).await.expect("lookup");
        assert_eq!(info.secret_id_num_uses, 2, "the login spent a use");

        let me = vault_client(&node, &auth.client_token);
        let own = vaultrs::token::lookup_self(&me).await.expect("lookup-self");
        assert_eq!((own.display_name.as_str(), own.path.as_str()), ("approle", "auth/approle/login"));
        assert!(own.orphan);

        approle::role::secret::delete_accessor(&root, "approle", "web", &secret.secret_id_accessor)
            .await
            .expect("destroy by accessor");
        assert!(approle::login(&root, "approle", &role_id, &secret.secret_id).await.is_err());
        approle::tidy(&root, "approle").await.expect("tidy");
        approle::role::delete(&root, "approle", "web").await.expect("role delete");
        assert!(approle::role::list(&root, "approle").await.is_err(), "no roles: 404");
    });
}

#[test]
fn login_needs_no_token_and_refuses_like_vault() {
    let node = must_node();
    let c = node.dev_client();
    c.must_status(204, "POST", "auth/approle/role/r", Some(&json!({ "token_policies": "p" })));
    let role_id = must_role_id(&c, "r");
    let (secret_id, _) = must_secret_id(&c, "r", json!({ "num_uses": 2 }));

    let anon = c.without_token();
    for _ in 0..2 {
        let r = anon.must_status(
            200,
            "POST",
            "auth/approle/login",
            Some(&json!({ "role_id": role_id, "secret_id": secret_id })),
        );
        assert!(r.json["auth"]["client_token"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(r.json["auth"]["token_policies"], json!(["default", "p"]));
    }
    let used_up = json!({ "role_id": role_id, "secret_id": secret_id });
    let r = anon.must_status(400, "POST", "auth/approle/login", Some(&used_up));
    assert_eq!(r.errors(), vec!["invalid role or secret ID"]);
    let r = anon.must_status(400, "POST", "auth/approle/login", Some(&json!({ "secret_id": secret_id })));
    assert_eq!(r.errors(), vec!["missing role_id"]);
    let r = anon.must_status(400, "POST", "auth/approle/login", Some(&json!({ "role_id": role_id })));
    assert_eq!(r.errors(), vec!["missing secret_id"]);

    // The client is 127.0.0.1: a secret ID bound elsewhere is refused.
    let (bound, _) = must_secret_id(&c, "r", json!({ "cidr_list": "10.0.0.0/8" }));
    let r =
        anon.must_status(400, "POST", "auth/approle/login", Some(&json!({ "role_id": role_id, "secret_id": bound })));
    assert_eq!(
        r.errors(),
        vec!["source address \"127.0.0.1\" unauthorized through CIDR restrictions on the secret ID"]
    );

    // Role management needs a token.
    anon.must_status(403, "GET", "auth/approle/role/r", None);
    // Unknown roles and secret IDs.
    c.must_status(404, "GET", "auth/approle/role/nope", None);
    let r = c.must_status(404, "POST", "auth/approle/role/nope/secret-id", Some(&json!({})));
    assert_eq!(r.errors(), vec!["role \"nope\" does not exist"]);
    c.must_status(204, "POST", "auth/approle/role/r/secret-id/lookup", Some(&json!({ "secret_id": "nope" })));
    let r = c.must_status(
        404,
        "POST",
        "auth/approle/role/r/secret-id-accessor/lookup",
        Some(&json!({ "secret_id_accessor": "nope" })),
    );
    assert_eq!(r.json["data"]["error"], "failed to find accessor entry for secret_id_accessor: \"nope\"");
    let r = c.must_status(200, "POST", "auth/approle/tidy/secret-id", Some(&json!({})));
    assert!(r.json["warnings"][0].as_str().is_some_and(|w| w.starts_with("Tidy operation")));
}

#[test]
fn roles_without_a_secret_id_and_field_paths() {
    let node = must_node();
    let c = node.dev_client();
    let body = json!({ "bind_secret_id": false, "secret_id_bound_cidrs": "127.0.0.0/8", "token_num_uses": 1 });
    c.must_status(204, "POST", "auth/approle/role/open", Some(&body));
    let role_id = must_role_id(&c, "open");
    let r = c.without_token().must_status(200, "POST", "auth/approle/login", Some(&json!({ "role_id": role_id })));
    assert_eq!(r.json["auth"]["num_uses"], json!(1));
    assert_eq!(r.json["auth"]["metadata"], json!({ "role_name": "open" }));

    c.must_status(204, "POST", "auth/approle/role/open/token-ttl", Some(&json!({ "token_ttl": "10m" })));
    let r = c.must_status(200, "GET", "auth/approle/role/open/token-ttl", None);
    assert_eq!(r.json["data"], json!({ "token_ttl": 600 }));
    let r = c.must_status(400, "POST", "auth/approle/role/open/secret-id", Some(&json!({})));
    assert_eq!(r.errors(), vec!["bind_secret_id is not set on the role"]);
    let bad = json!({ "secret_id_bound_cidrs": "bad" });
    let r = c.must_status(400, "POST", "auth/approle/role/open/secret-id-bound-cidrs", Some(&bad));
    assert_eq!(r.errors(), vec!["failed to validate CIDR blocks: invalid CIDR address: bad"]);
}
