//! Leases over real HTTP: tokens expire on schedule without anyone looking them up, their
//! leases answer `sys/leases/*` as Vault's do, and a RocksDB node killed with live leases
//! keeps expiring them after a restart and unseal.

use serde_json::{json, Value};
use std::time::Duration;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Client, Node, NodeConfig};

const ROOT: &str = "leases-root";
/// Generous for a loaded two-core machine; the expiry itself is due after 2-3 seconds.
const EXPIRY_DEADLINE: Duration = Duration::from_secs(30);

/// Creates a token with `body`; returns (token, accessor).
fn must_create(c: &Client, path: &str, body: Value) -> (String, String) {
    let r = c.must_status(200, "POST", path, Some(&body));
    let field = |k: &str| r.json["auth"][k].as_str().unwrap_or_else(|| panic!("no {k} in {}", r.text)).to_string();
    (field("client_token"), field("accessor"))
}

/// Waits until the token behind `accessor` is gone. The probe is `LIST auth/token/accessors`,
/// which reads the accessor index without checking expiry, so only the expiration manager can
/// have done it (a lookup of an expired token would revoke it on the spot); then
/// `auth/token/lookup-accessor` must call the accessor invalid.
fn wait_revoked(c: &Client, accessor: &str) {
    must_wait_for("the token's revocation", EXPIRY_DEADLINE, || {
        let r = c.must_list("auth/token/accessors");
        let listed = r.json["data"]["keys"].as_array().is_some_and(|k| k.iter().any(|a| a == accessor));
        if listed {
            Err("still listed".to_string())
        } else {
            Ok(())
        }
    });
    let r = c.must_request("POST", "auth/token/lookup-accessor", Some(&json!({ "accessor": accessor })));
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("invalid accessor"), "{}", r.text);
}

/// The salted-hash part of a token's lease ID, found through its lease listing.
fn token_lease_ids(c: &Client, prefix: &str) -> Vec<String> {
    c.must_lease_ids(prefix)
}

#[test]
fn a_token_is_revoked_on_schedule_without_being_looked_up() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let (_, accessor) = must_create(&root, "auth/token/create", json!({ "ttl": "2s", "policies": ["default"] }));
    let (_, survivor) = must_create(&root, "auth/token/create", json!({ "ttl": "1h", "policies": ["default"] }));
    wait_revoked(&root, &accessor);
    root.must_status(200, "POST", "auth/token/lookup-accessor", Some(&json!({ "accessor": survivor })));
}

#[test]
fn token_leases_answer_lookup_renew_and_revoke_as_vaults() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let before = token_lease_ids(&root, "auth/token/create/");
    assert_eq!(before.len(), 1, "the dev root token has a lease, as in Vault: {before:?}");
    let (token, accessor) = must_create(&root, "auth/token/create", json!({ "ttl": "1h", "policies": ["default"] }));
    let lease = token_lease_ids(&root, "auth/token/create/")
        .into_iter()
        .find(|id| !before.contains(id))
        .expect("the new token's lease is listed");

    let data =
        root.must_status(200, "PUT", "sys/leases/lookup", Some(&json!({ "lease_id": lease }))).json["data"].clone();
    assert_eq!(data["id"], json!(lease));
    assert_eq!(data["renewable"], json!(true));
    assert!(data["ttl"].as_i64().is_some_and(|t| (3500..=3600).contains(&t)), "{data}");
    assert!(data["expire_time"].is_string() && data["issue_time"].is_string(), "{data}");
    assert_eq!(data["last_renewal"], Value::Null);
    let root_lease =
        root.must_ok("PUT", "sys/leases/lookup", Some(&json!({ "lease_id": before[0] }))).json["data"].clone();
    assert_eq!((root_lease["expire_time"].clone(), root_lease["ttl"].clone()), (Value::Null, json!(0)));

    // Renewing the token moves its lease; sys/leases/renew refuses tokens, as Vault does.
    let renewed = root.must_ok("POST", "auth/token/renew", Some(&json!({ "token": token, "increment": "2h" })));
    assert_eq!(renewed.json["auth"]["lease_duration"], json!(7200));
    let data = root.must_ok("PUT", "sys/leases/lookup", Some(&json!({ "lease_id": lease }))).json["data"].clone();
    assert!(data["ttl"].as_i64().is_some_and(|t| t > 3600), "{data}");
    assert!(data["last_renewal"].is_string(), "{data}");
    for path in ["sys/leases/renew", "sys/renew"] {
        let r = root.must_request("PUT", path, Some(&json!({ "lease_id": lease })));
        assert_eq!((r.status, r.errors()), (400, vec!["tokens cannot be renewed through this endpoint".to_string()]));
    }

    // Errors as Vault words them.
    let r = root.must_request("PUT", "sys/leases/lookup", Some(&json!({ "lease_id": "nope" })));
    assert_eq!((r.status, r.errors()), (400, vec!["invalid lease".to_string()]));
    let r = root.must_request("PUT", "sys/leases/lookup", Some(&json!({})));
    assert_eq!((r.status, r.errors()), (400, vec!["lease_id must be specified".to_string()]));
    let r = root.must_request("PUT", "sys/leases/renew", Some(&json!({ "lease_id": "nope" })));
    assert_eq!((r.status, r.errors()), (400, vec!["lease not found".to_string()]));
    root.must_status(204, "PUT", "sys/leases/revoke", Some(&json!({ "lease_id": "nope" })));
    assert_eq!(root.must_list("sys/leases/lookup/nothing/").status, 404);

    // Revoking the lease revokes the token.
    root.must_status(204, "PUT", &format!("sys/leases/revoke/{lease}"), None);
    wait_revoked(&root, &accessor);
    let r = root.must_request("PUT", "sys/leases/lookup", Some(&json!({ "lease_id": lease })));
    assert_eq!(r.status, 400, "{}", r.text);
}

#[test]
fn revoke_prefix_revokes_every_token_under_a_role_path() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_status(204, "POST", "auth/token/roles/ops", Some(&json!({ "path_suffix": "team" })));
    let (_, a) = must_create(&root, "auth/token/create/ops", json!({ "ttl": "1h" }));
    let (_, b) = must_create(&root, "auth/token/create/ops", json!({ "ttl": "1h" }));
    let (_, other) = must_create(&root, "auth/token/create", json!({ "ttl": "1h", "policies": ["default"] }));
    assert_eq!(token_lease_ids(&root, "auth/token/create/ops/team/").len(), 2);
    assert_eq!(root.must_list("sys/leases/lookup/auth/token/create/ops").json["data"]["keys"], json!(["team/"]));

    root.must_status(204, "PUT", "sys/leases/revoke-prefix/auth/token/create/ops", None);
    wait_revoked(&root, &a);
    wait_revoked(&root, &b);
    assert_eq!(root.must_list("sys/leases/lookup/auth/token/create/ops/team/").status, 404);
    root.must_status(200, "POST", "auth/token/lookup-accessor", Some(&json!({ "accessor": other })));

    // revoke-force on an empty prefix, counts and lists of irrevocable leases.
    root.must_status(204, "PUT", "sys/leases/revoke-force/nothing/here", None);
    let count = root.must_ok("GET", "sys/leases/count?type=irrevocable", None);
    assert_eq!(count.json["data"], json!({ "lease_count": 0, "counts": {} }));
    let list = root.must_ok("GET", "sys/leases?type=irrevocable", None);
    assert_eq!(list.json["data"], json!({ "lease_count": 0, "leases": [] }));
    assert_eq!(root.must_request("GET", "sys/leases/count", None).status, 404);

    // The prefix endpoints need sudo.
    let (plain, _) = must_create(&root, "auth/token/create", json!({ "ttl": "1h", "policies": ["default"] }));
    let r = root.with_token(&plain).must_request("PUT", "sys/leases/revoke-prefix/auth/token/create", None);
    assert_eq!(r.status, 403, "{}", r.text);
    root.must_status(200, "POST", "auth/token/lookup-accessor", Some(&json!({ "accessor": other })));
}

#[test]
fn leases_keep_expiring_after_kill_9_and_restart() {
    let mut node = Node::must_start(NodeConfig::rocksdb());
    let (keys, root_token) = node.must_init(1, 1);
    node.must_unseal(&keys);
    let root = node.client().with_token(&root_token);
    let (_, short) = must_create(&root, "auth/token/create", json!({ "ttl": "6s", "policies": ["default"] }));
    let (_, long) = must_create(&root, "auth/token/create", json!({ "ttl": "1h", "policies": ["default"] }));
    assert_eq!(token_lease_ids(&root, "auth/token/create/").len(), 2, "the init root token has no lease");

    node.note("kill -9 with two live token leases");
    node.kill();
    node.restart();
    node.must_unseal(&keys);
    // The node serves at once; the leases come back in the background and keep their schedule.
    root.must_status(200, "POST", "auth/token/lookup-accessor", Some(&json!({ "accessor": long })));
    wait_revoked(&root, &short);
    root.must_status(200, "POST", "auth/token/lookup-accessor", Some(&json!({ "accessor": long })));
    assert_eq!(token_lease_ids(&root, "auth/token/create/").len(), 1);
}
