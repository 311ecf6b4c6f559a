//! Auth methods over real HTTP against a dev node: `sys/auth` (enable, list, read, tune, disable),
//! the userpass method (users, passwords, policies, login) through vaultrs and raw HTTP, and the
//! tokens logins mint (policies, TTLs from the user and the mount, CIDR binding, batch tokens),
//! checked against what OpenBao answers.

use serde_json::{json, Value};
use std::net::IpAddr;
use strongbox_cluster_tests::http::REQUEST_TIMEOUT;
use strongbox_cluster_tests::{Client, Node};
use vaultrs::api::auth::userpass::requests::CreateUserRequest;
use vaultrs::auth::userpass;
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};
use vaultrs::sys::auth;

const ROOT: &str = "userpass-root";

/// Reads and lists `secret/data/shared/*` and nothing else.
const READER: &str = r#"path "secret/data/shared/*" { capabilities = ["read", "list"] }"#;

fn vault_client(node: &Node, token: &str) -> VaultClient {
    let settings =
        VaultClientSettingsBuilder::default().address(node.url()).token(token).build().expect("vaultrs settings");
    VaultClient::new(settings).expect("vaultrs client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

/// Logs in as `user` without a token; returns the response.
fn login(c: &Client, mount: &str, user: &str, password: &str) -> strongbox_cluster_tests::Resp {
    c.without_token().must_request(
        "POST",
        &format!("auth/{mount}/login/{user}"),
        Some(&json!({ "password": password })),
    )
}

/// Logs in and returns the `auth` block, panicking unless the login succeeds.
fn must_login(c: &Client, mount: &str, user: &str, password: &str) -> Value {
    let r = login(c, mount, user, password);
    assert_eq!(r.status, 200, "login {user}: {}", r.text);
    r.json["auth"].clone()
}

/// `GET /v1/<path>` with `token`, sent from the local address `source`: (status, body).
fn get_from(node: &Node, source: IpAddr, token: &str, path: &str) -> (u16, Value) {
    let http = reqwest::blocking::Client::builder()
        .local_address(source)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("building a client bound to a source address");
    let resp = http
        .get(format!("{}/v1/{path}", node.url()))
        .header("X-Vault-Token", token)
        .send()
        .unwrap_or_else(|e| panic!("GET {path} from {source}: {e}"));
    let status = resp.status().as_u16();
    (status, resp.json().unwrap_or(Value::Null))
}

#[test]
fn vaultrs_enables_userpass_manages_users_and_logs_in() {
    let node = Node::must_start_dev(ROOT);
    let root = vault_client(&node, ROOT);
    runtime().block_on(async {
        auth::enable(&root, "userpass", "userpass", None).await.expect("enable userpass");
        let methods = auth::list(&root).await.expect("list auth methods");
        let token = &methods["token/"];
        assert_eq!((token.mount_type.as_str(), token.description.as_str()), ("token", "token based credentials"));
        assert!(token.accessor.starts_with("auth_token_"), "{}", token.accessor);
        let up = &methods["userpass/"];
        assert!(up.accessor.starts_with("auth_userpass_"), "{}", up.accessor);
        assert_eq!((up.mount_type.as_str(), up.config.token_type.as_str()), ("userpass", "default-service"));

        let mut opts = CreateUserRequest::builder();
        opts.token_policies(vec!["reader".to_string()]).token_ttl("1h").token_max_ttl("2h");
        userpass::user::set(&root, "userpass", "Alice", "s3cret", Some(&mut opts)).await.expect("create user");
        let alice = userpass::user::read(&root, "userpass", "alice").await.expect("read user");
        assert_eq!(alice.token_policies, vec!["reader"]);
        assert_eq!((alice.token_ttl, alice.token_max_ttl, alice.token_type.as_str()), (3600, 7200, "default"));
        assert_eq!(userpass::user::list(&root, "userpass").await.expect("list users").keys, vec!["alice"]);

        let info = userpass::login(&root, "userpass", "alice", "s3cret").await.expect("login");
        assert!(info.client_token.starts_with("hvs."), "{}", info.client_token);
        assert_eq!(info.policies, vec!["default", "reader"]);
        assert_eq!((info.lease_duration, info.renewable), (3600, true));
        assert_eq!(info.metadata.unwrap_or_default()["username"], "alice");

        userpass::user::update_password(&root, "userpass", "alice", "n3w").await.expect("update password");
        assert!(userpass::login(&root, "userpass", "alice", "s3cret").await.is_err());
        userpass::login(&root, "userpass", "alice", "n3w").await.expect("login with the new password");
        userpass::user::update_policies(&root, "userpass", "alice", "ops,Dev").await.expect("update policies");
        let alice = userpass::user::read(&root, "userpass", "alice").await.expect("read user");
        assert_eq!(alice.token_policies, vec!["dev", "ops"]);

        userpass::user::delete(&root, "userpass", "alice").await.expect("delete user");
        assert!(userpass::login(&root, "userpass", "alice", "n3w").await.is_err());
        auth::disable(&root, "userpass").await.expect("disable userpass");
        assert!(!auth::list(&root).await.expect("list").contains_key("userpass/"));
    });
}

#[test]
fn a_login_token_has_its_users_policies_and_nothing_more() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_status(204, "PUT", "sys/policies/acl/reader", Some(&json!({ "policy": READER })));
    root.must_ok("POST", "secret/data/shared/x", Some(&json!({ "data": { "v": 1 } })));
    root.must_ok("POST", "secret/data/private/y", Some(&json!({ "data": { "v": 2 } })));
    root.must_status(204, "POST", "sys/auth/userpass", Some(&json!({ "type": "userpass" })));
    let user = json!({ "password": "pw", "token_policies": "reader", "token_num_uses": 0 });
    root.must_status(204, "POST", "auth/userpass/users/alice", Some(&user));

    // The user as read back: token_* fields, never the password or its hash.
    let read = root.must_get("auth/userpass/users/alice");
    let data = read.json["data"].as_object().cloned().unwrap_or_default();
    assert!(!read.text.contains("pw\"") && !data.contains_key("password") && !data.contains_key("password_hash"));
    assert_eq!(strings(&data["token_policies"]), vec!["reader"]);
    assert_eq!(root.must_status(404, "GET", "auth/userpass/users/nobody", None).errors(), Vec::<String>::new());

    let auth = must_login(&root, "userpass", "alice", "pw");
    assert_eq!(strings(&auth["policies"]), vec!["default", "reader"]);
    assert_eq!(strings(&auth["token_policies"]), vec!["default", "reader"]);
    assert_eq!((auth["orphan"].clone(), auth["token_type"].clone()), (json!(true), json!("service")));
    assert_eq!(auth["metadata"], json!({ "username": "alice" }));
    assert_eq!(auth["lease_duration"], json!(768 * 3600));
    let me = root.with_token(auth["client_token"].as_str().unwrap_or_default());
    assert_eq!(me.must_get("secret/data/shared/x").json["data"]["data"], json!({ "v": 1 }));
    assert_eq!(me.must_request("GET", "secret/data/private/y", None).status, 403);
    assert_eq!(me.must_request("GET", "sys/mounts", None).status, 403);
    assert_eq!(me.must_request("POST", "auth/userpass/users/eve", Some(&json!({ "password": "x" }))).status, 403);
    let looked = me.must_get("auth/token/lookup-self").json["data"].clone();
    assert_eq!(
        (looked["display_name"].clone(), looked["path"].clone()),
        (json!("userpass-alice"), json!("auth/userpass/login/alice"))
    );
    assert_eq!((looked["orphan"].clone(), looked["meta"].clone()), (json!(true), json!({ "username": "alice" })));

    // Wrong password and unknown user: the same status and message.
    let wrong = login(&root, "userpass", "alice", "nope");
    let unknown = login(&root, "userpass", "nobody", "pw");
    assert_eq!((wrong.status, wrong.errors()), (400, vec!["invalid username or password".to_string()]));
    assert_eq!((unknown.status, unknown.errors()), (wrong.status, wrong.errors()));
    // Names are case-insensitive; login needs a password (Vault: a 500 "missing password").
    must_login(&root, "userpass", "ALICE", "pw");
    let missing = root.without_token().must_request("POST", "auth/userpass/login/alice", Some(&json!({})));
    assert_eq!((missing.status, missing.errors()), (500, vec!["missing password".to_string()]));
    assert_eq!(root.without_token().must_request("GET", "auth/userpass/login/alice", None).status, 405);
    // Only login/* is open: the user endpoints need a token.
    assert_eq!(root.without_token().must_request("GET", "auth/userpass/users/alice", None).status, 403);
}

#[test]
fn sys_auth_enables_reads_tunes_and_disables_as_vault() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let enable = |path: &str, body: Value| root.must_request("POST", &format!("sys/auth/{path}"), Some(&body));
    assert_eq!(enable("userpass", json!({ "type": "userpass", "description": "people" })).status, 204);
    let errors = [
        (enable("userpass", json!({ "type": "userpass" })), "path is already in use at userpass/"),
        (enable("userpass/sub", json!({ "type": "userpass" })), "path is already in use at userpass/"),
        (enable("other", json!({ "type": "nope" })), "plugin not found in the catalog: nope"),
        (enable("other", json!({ "type": "kv" })), "plugin not found in the catalog: kv"),
        (enable("other", json!({})), "backend type must be specified as a string"),
        (enable("t2", json!({ "type": "token" })), "token credential backend cannot be instantiated"),
        (
            enable("other", json!({ "type": "userpass", "options": { "version": "2" } })),
            "auth method \"userpass\" does not allow setting a version",
        ),
        (root.must_request("DELETE", "sys/auth/token", None), "token credential backend cannot be disabled"),
        (root.must_request("GET", "sys/auth/nothere", None), "No auth engine at nothere/"),
        (root.must_request("GET", "sys/auth/nothere/tune", None), "cannot fetch sysview for path \"auth/nothere/\""),
        (
            root.must_request("POST", "sys/auth/token/tune", Some(&json!({ "token_type": "batch" }))),
            "'token_type' cannot be set for 'token' or 'ns_token' auth mounts",
        ),
        (
            root.must_request("POST", "sys/mounts/secret/tune", Some(&json!({ "token_type": "batch" }))),
            "'token_type' can only be modified on auth mounts",
        ),
        (
            root.must_request("POST", "sys/auth/userpass/tune", Some(&json!({ "token_type": "bogus" }))),
            "invalid value for 'token_type'",
        ),
    ];
    for (r, want) in &errors {
        assert_eq!((r.status, r.errors()), (400, vec![want.to_string()]), "{}", r.text);
    }
    // A path without a method disables fine.
    assert_eq!(root.must_request("DELETE", "sys/auth/never-there", None).status, 204);

    let listed = root.must_get("sys/auth");
    let up = &listed.json["data"]["userpass/"];
    assert_eq!(
        (up["type"].clone(), up["description"].clone(), up["options"].clone()),
        (json!("userpass"), json!("people"), json!({}))
    );
    assert_eq!(
        up["config"],
        json!({ "default_lease_ttl": 0, "max_lease_ttl": 0, "force_no_cache": false, "token_type": "default-service" })
    );
    for key in [
        "accessor",
        "uuid",
        "local",
        "seal_wrap",
        "external_entropy_access",
        "plugin_version",
        "running_plugin_version",
    ] {
        assert!(up.get(key).is_some(), "no {key} in {up}");
    }
    assert_eq!(listed.json["token/"]["options"], Value::Null, "data is copied to the top level as Vault does");
    assert_eq!(root.must_get("sys/auth/userpass").json["data"]["uuid"], up["uuid"]);

    // Tuning, through sys/auth and through sys/mounts/auth.
    let tune = json!({ "default_lease_ttl": "1h", "max_lease_ttl": "2h", "description": "new", "token_type": "batch",
        "listing_visibility": "unauth" });
    root.must_status(204, "POST", "sys/auth/userpass/tune", Some(&tune));
    for path in ["sys/auth/userpass/tune", "sys/mounts/auth/userpass/tune"] {
        let t = root.must_get(path).json["data"].clone();
        assert_eq!((t["default_lease_ttl"].clone(), t["max_lease_ttl"].clone()), (json!(3600), json!(7200)), "{path}");
        assert_eq!((t["description"].clone(), t["token_type"].clone()), (json!("new"), json!("batch")), "{path}");
    }
    root.must_status(204, "POST", "sys/mounts/auth/userpass/tune", Some(&json!({ "max_lease_ttl": "3h" })));
    assert_eq!(root.must_get("sys/auth/userpass/tune").json["data"]["max_lease_ttl"], json!(10800));
    let token_tune = root.must_get("sys/auth/token/tune").json["data"].clone();
    assert_eq!(
        (token_tune["default_lease_ttl"].clone(), token_tune["token_type"].clone()),
        (json!(768 * 3600), json!("default-service"))
    );

    // The UI listing: the auth half follows the same visibility rules as the secret half.
    let anonymous = root.without_token().must_get("sys/internal/ui/mounts").json["data"]["auth"].clone();
    assert_eq!(anonymous, json!({ "userpass/": { "type": "userpass", "description": "new", "options": {} } }));
    let full = root.must_get("sys/internal/ui/mounts").json["data"]["auth"].clone();
    assert!(full["token/"].is_object() && full["userpass/"]["accessor"].is_string(), "{full}");
    assert_eq!(root.must_get("sys/internal/ui/mounts/auth/userpass").json["data"]["path"], json!("userpass/"));

    // Disabling deletes the users and revokes their tokens; logins then find no mount (403
    // without a token, 404 with one).
    root.must_status(204, "POST", "sys/auth/userpass/tune", Some(&json!({ "token_type": "default-service" })));
    root.must_status(204, "POST", "auth/userpass/users/bob", Some(&json!({ "password": "pw" })));
    let bob = root.with_token(must_login(&root, "userpass", "bob", "pw")["client_token"].as_str().unwrap_or_default());
    bob.must_status(200, "GET", "auth/token/lookup-self", None);
    root.must_status(204, "DELETE", "sys/auth/userpass", None);
    // The tokens the method issued are revoked with it.
    assert_eq!(bob.must_request("GET", "auth/token/lookup-self", None).status, 403);
    assert_eq!(login(&root, "userpass", "bob", "pw").status, 403);
    let routed = root.must_request("POST", "auth/userpass/login/bob", Some(&json!({ "password": "pw" })));
    assert_eq!(routed.status, 404, "{}", routed.text);
    root.must_status(204, "POST", "sys/auth/userpass", Some(&json!({ "type": "userpass" })));
    assert_eq!(login(&root, "userpass", "bob", "pw").status, 400);
    assert_eq!(root.must_request("LIST", "auth/userpass/users", None).json["data"]["keys"], json!([]));
}

#[test]
fn login_ttls_cidr_binding_and_batch_tokens() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_status(204, "PUT", "sys/policies/acl/reader", Some(&json!({ "policy": READER })));
    root.must_ok("POST", "secret/data/shared/x", Some(&json!({ "data": { "v": 1 } })));
    root.must_status(204, "POST", "sys/auth/userpass", Some(&json!({ "type": "userpass" })));
    let user = |name: &str, extra: Value| {
        let mut body = json!({ "password": "pw", "token_policies": "reader" });
        if let (Some(b), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(extra.clone());
        }
        root.must_status(204, "POST", &format!("auth/userpass/users/{name}"), Some(&body));
    };

    // The user's TTLs, then the mount's tuned default and max.
    user("ttl", json!({ "token_ttl": "1m", "token_max_ttl": "2m" }));
    assert_eq!(must_login(&root, "userpass", "ttl", "pw")["lease_duration"], json!(60));
    root.must_status(
        204,
        "POST",
        "sys/auth/userpass/tune",
        Some(&json!({ "default_lease_ttl": "30s", "max_lease_ttl": "90s" })),
    );
    user("plain", json!({}));
    assert_eq!(must_login(&root, "userpass", "plain", "pw")["lease_duration"], json!(30));
    user("long", json!({ "token_ttl": "5m" }));
    let capped = login(&root, "userpass", "long", "pw");
    assert_eq!(capped.json["auth"]["lease_duration"], json!(90));
    assert_eq!(
        strings(&capped.json["warnings"]),
        vec!["TTL of \"5m\" exceeded the effective max_ttl of \"1m30s\"; TTL value is capped accordingly"]
    );
    let ttl = root.with_token(must_login(&root, "userpass", "ttl", "pw")["client_token"].as_str().unwrap_or_default());
    assert_eq!(ttl.must_get("auth/token/lookup-self").json["data"]["creation_ttl"], json!(60));
    root.must_status(
        204,
        "POST",
        "sys/auth/userpass/tune",
        Some(&json!({ "default_lease_ttl": "system", "max_lease_ttl": "system" })),
    );

    // token_bound_cidrs: the login itself and every use of the token must come from inside.
    user("far", json!({ "token_bound_cidrs": "127.0.0.2/32" }));
    assert_eq!(login(&root, "userpass", "far", "pw").status, 403);
    user("near", json!({ "token_bound_cidrs": ["127.0.0.1"] }));
    let near = must_login(&root, "userpass", "near", "pw");
    let token = near["client_token"].as_str().unwrap_or_default().to_string();
    let local: IpAddr = [127, 0, 0, 1].into();
    let other: IpAddr = [127, 0, 0, 2].into();
    assert_eq!(get_from(&node, local, &token, "secret/data/shared/x").0, 200);
    let (status, body) = get_from(&node, other, &token, "secret/data/shared/x");
    assert_eq!((status, body["errors"].clone()), (403, json!(["permission denied"])));
    assert_eq!(get_from(&node, other, ROOT, "secret/data/shared/x").0, 200, "the non-expiring root token is not bound");

    // Batch tokens: asked for by the user, or forced by the mount's tuning.
    user("batch", json!({ "token_type": "batch" }));
    let batch = must_login(&root, "userpass", "batch", "pw");
    assert_eq!(
        (batch["token_type"].clone(), batch["renewable"].clone(), batch["accessor"].clone()),
        (json!("batch"), json!(false), json!(""))
    );
    let b = root.with_token(batch["client_token"].as_str().unwrap_or_default());
    assert_eq!(b.must_get("secret/data/shared/x").json["data"]["data"], json!({ "v": 1 }));
    root.must_status(204, "POST", "sys/auth/userpass/tune", Some(&json!({ "token_type": "batch" })));
    assert_eq!(must_login(&root, "userpass", "plain", "pw")["token_type"], json!("batch"));
    root.must_status(204, "POST", "sys/auth/userpass/tune", Some(&json!({ "token_type": "default-batch" })));
    user("svc", json!({ "token_type": "service" }));
    assert_eq!(must_login(&root, "userpass", "svc", "pw")["token_type"], json!("service"));
    assert_eq!(must_login(&root, "userpass", "plain", "pw")["token_type"], json!("batch"));
    let invalid = root.must_request(
        "POST",
        "auth/userpass/users/x",
        Some(&json!({ "password": "pw", "token_type": "batch", "token_num_uses": 2 })),
    );
    assert_eq!(
        (invalid.status, invalid.errors()),
        (
            400,
            vec![
                "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count"
                    .to_string()
            ]
        )
    );
}
