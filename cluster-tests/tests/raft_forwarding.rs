//! Standbys forward every client request to the active node over the cluster port and return
//! its answer unchanged; with `X-Vault-No-Request-Forwarding` they redirect instead. Tokens
//! and policies work the same from every node.

use serde_json::json;
use strongbox_cluster_tests::{Cli, Cluster};

#[test]
fn writes_through_standbys_reach_the_active_node() {
    let c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let standbys: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    let (s1, s2) = (standbys[0], standbys[1]);

    c.client(s1).must_ok("POST", "sys/mounts/secret", Some(&json!({"type": "kv", "options": {"version": "2"}})));
    c.client(s1).must_ok("POST", "secret/data/app", Some(&json!({"data": {"pw": "s3cret"}})));
    for i in 0..3 {
        let r = c.client(i).must_get("secret/data/app");
        assert_eq!(r.json["data"]["data"]["pw"], "s3cret", "node {i}: {}", r.text);
    }
    // The CLI against a standby, as an operator with VAULT_ADDR on any node would.
    let cli = Cli::new(&c.nodes[s2].url()).token(&c.root);
    cli.must_run(&["kv", "put", "secret/cli", "k=v"]);
    let got = cli.must_run(&["kv", "get", "-format=json", "secret/cli"]).must_json();
    assert_eq!(got["data"]["data"]["k"], "v", "{got}");

    // Errors come back as the active node gave them.
    let r = c.client(s1).must_request("GET", "secret/data/missing", None);
    assert_eq!(r.status, 404, "{}", r.text);
    let r = c.nodes[s2].client().must_request("GET", "secret/data/app", None);
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
}

#[test]
fn a_standby_redirects_when_asked_not_to_forward() {
    let c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let standby = (leader + 1) % 3;
    let r =
        c.client(standby).must_raw("GET", "sys/mounts?x=1", &[("X-Vault-No-Request-Forwarding", "true")], Vec::new());
    assert_eq!(r.status, 307, "{}", r.text);
    assert_eq!(r.header("location"), Some(format!("{}/v1/sys/mounts?x=1", c.nodes[leader].url()).as_str()));
}

#[test]
fn tokens_and_policies_hold_on_every_node() {
    let c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let standby = (leader + 1) % 3;
    let root = c.client(standby);
    root.must_ok("POST", "sys/mounts/secret", Some(&json!({"type": "kv", "options": {"version": "2"}})));
    root.must_ok("POST", "secret/data/a/x", Some(&json!({"data": {"v": 1}})));
    root.must_ok("POST", "secret/data/b", Some(&json!({"data": {"v": 2}})));
    let policy = r#"path "secret/data/a/*" { capabilities = ["read", "create", "update"] }"#;
    root.must_ok("PUT", "sys/policies/acl/only-a", Some(&json!({ "policy": policy })));
    let created = root.must_ok("POST", "auth/token/create", Some(&json!({"policies": ["only-a"]})));
    let token = created.json["auth"]["client_token"].as_str().expect("a token").to_string();

    for i in 0..3 {
        let t = c.nodes[i].client().with_token(&token);
        assert_eq!(t.must_get("secret/data/a/x").status, 200, "node {i}");
        for (method, path) in [("GET", "secret/data/b"), ("GET", "sys/mounts"), ("POST", "auth/token/create")] {
            let r = t.must_request(method, path, Some(&json!({})));
            assert_eq!(r.status, 403, "node {i} {method} {path}: {}", r.text);
        }
        let r = t.must_request("POST", "sys/policies/acl/only-a", Some(&json!({"policy": "path \"*\" {}"})));
        assert_eq!(r.status, 403, "node {i}: {}", r.text);
    }
    // Revoked through one standby, refused by all.
    c.client(standby).must_ok("POST", "auth/token/revoke", Some(&json!({ "token": token })));
    for i in 0..3 {
        let r = c.nodes[i].client().with_token(&token).must_request("GET", "secret/data/a/x", None);
        assert_eq!(r.status, 403, "node {i}: {}", r.text);
    }
}
