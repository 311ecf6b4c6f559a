//! The cubbyhole engine over HTTP: every token has its own private folder at `cubbyhole/`,
//! invisible to every other token (root included), gone with the token.

use serde_json::json;
use strongbox_cluster_tests::{Client, Node};

const ROOT: &str = "cubbyhole-root";

fn child(root: &Client, body: serde_json::Value) -> Client {
    let r = root.must_ok("POST", "auth/token/create", Some(&body));
    root.with_token(r.json["auth"]["client_token"].as_str().unwrap_or_default())
}

#[test]
fn each_token_sees_only_its_own_cubbyhole() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let alice = child(&root, json!({ "policies": ["default"] }));
    let bob = child(&root, json!({ "policies": ["default"] }));

    alice.must_status(204, "POST", "cubbyhole/notes/today", Some(&json!({ "text": "mine" })));
    assert_eq!(alice.must_get("cubbyhole/notes/today").json["data"], json!({ "text": "mine" }));
    assert_eq!(alice.must_list("cubbyhole/notes").json["data"]["keys"], json!(["today"]));
    assert_eq!(alice.must_list("cubbyhole/").json["data"]["keys"], json!(["notes/"]));
    for c in [&bob, &root] {
        assert_eq!(c.must_request("GET", "cubbyhole/notes/today", None).status, 404);
        assert_eq!(c.must_request("LIST", "cubbyhole/notes", None).status, 404);
    }
    alice.must_status(204, "DELETE", "cubbyhole/notes/today", None);
    assert_eq!(alice.must_request("GET", "cubbyhole/notes/today", None).status, 404);
}

#[test]
fn a_revoked_tokens_cubbyhole_is_gone_and_bad_calls_get_vaults_errors() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let c = child(&root, json!({ "policies": ["default"] }));
    c.must_status(204, "POST", "cubbyhole/k", Some(&json!({ "v": 1 })));
    c.must_status(204, "POST", "auth/token/revoke-self", None);
    assert_eq!(c.must_request("GET", "cubbyhole/k", None).status, 403);

    let batch = child(&root, json!({ "policies": ["default"], "type": "batch" }));
    let r = batch.must_request("GET", "cubbyhole/k", None);
    assert_eq!(
        (r.status, r.errors()),
        (400, vec!["cubbyhole operations are only supported by 'service' type tokens".to_string()])
    );
    let r = root.must_request("POST", "cubbyhole/empty", Some(&json!({})));
    assert_eq!((r.status, r.errors()), (500, vec!["1 error occurred:\n\t* missing data fields\n\n".to_string()]));

    let mounts = root.must_get("sys/mounts");
    assert_eq!(mounts.json["data"]["cubbyhole/"]["type"], json!("cubbyhole"));
    assert_eq!(mounts.json["data"]["cubbyhole/"]["local"], json!(true));
    assert_eq!(root.must_request("DELETE", "sys/mounts/cubbyhole", None).status, 400);
    let r = root.must_request("POST", "sys/mounts/second", Some(&json!({ "type": "cubbyhole" })));
    assert_eq!((r.status, r.errors()), (400, vec!["mount type of \"cubbyhole\" is not mountable".to_string()]));
}
