//! Response wrapping over HTTP: `X-Vault-Wrap-TTL` on any request, `sys/wrapping/{wrap,unwrap,
//! lookup,rewrap}`, single use, and the wrapped token creation hvac's token tests rely on.

use serde_json::{json, Value};
use strongbox_cluster_tests::{Client, Node, Resp};

const ROOT: &str = "wrapping-root";

fn wrapped(c: &Client, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let r = c.must_raw(method, path, &[("X-Vault-Wrap-TTL", "15m")], body);
    assert_eq!(r.status, 200, "{method} {path}: {}", r.text);
    assert_eq!(r.json["data"], Value::Null, "only wrap_info leaves the node");
    assert_eq!(r.json["auth"], Value::Null);
    assert_eq!(r.json["wrap_info"]["ttl"], json!(900));
    assert_eq!(r.json["wrap_info"]["creation_path"], json!(path));
    r
}

fn wrap_token(r: &Resp) -> String {
    r.json["wrap_info"]["token"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_wrapped_secret_unwraps_exactly_once() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_ok("POST", "secret/data/w", Some(&json!({ "data": { "k": "v" } })));
    let token = wrap_token(&wrapped(&root, "GET", "secret/data/w", None));
    assert!(token.starts_with("hvs."), "{token}");

    // Lookup needs no token and does not spend the use.
    let anon = root.without_token();
    let looked = anon.must_ok("POST", "sys/wrapping/lookup", Some(&json!({ "token": token })));
    assert_eq!(looked.json["data"]["creation_path"], json!("secret/data/w"));
    assert_eq!(looked.json["data"]["creation_ttl"], json!(900));

    let unwrapped = root.must_ok("POST", "sys/wrapping/unwrap", Some(&json!({ "token": token })));
    assert_eq!(unwrapped.json["data"]["data"], json!({ "k": "v" }));
    let again = root.must_request("POST", "sys/wrapping/unwrap", Some(&json!({ "token": token })));
    assert_eq!((again.status, again.errors()), (400, vec!["wrapping token is not valid or does not exist".into()]));
    assert_eq!(anon.must_request("POST", "sys/wrapping/lookup", Some(&json!({ "token": token }))).status, 400);
}

#[test]
fn the_wrapping_token_itself_can_unwrap_and_is_single_use() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let token = wrap_token(&wrapped(&root, "POST", "sys/wrapping/wrap", Some(&json!({ "a": "b" }))));
    let w = root.with_token(&token);
    // The response-wrapping policy grants nothing else.
    assert_eq!(w.must_request("GET", "secret/data/w", None).status, 403);
    let r = w.must_request("POST", "sys/wrapping/unwrap", None);
    // The denied request above spent the only use, as in Vault: the token is gone, and the
    // wrapping endpoints say so before authenticating (400, not 403).
    assert_eq!((r.status, r.errors()), (400, vec!["wrapping token is not valid or does not exist".to_string()]));

    let token = wrap_token(&wrapped(&root, "POST", "sys/wrapping/wrap", Some(&json!({ "a": "b" }))));
    let w = root.with_token(&token);
    assert_eq!(w.must_ok("POST", "sys/wrapping/unwrap", None).json["data"], json!({ "a": "b" }));
    assert_eq!(w.must_request("POST", "sys/wrapping/unwrap", None).status, 400);
    // A token that is not a wrapping token, and one that does not exist, as the caller.
    assert_eq!(root.must_request("POST", "sys/wrapping/unwrap", None).status, 400);
    let r = root.with_token("hvs.nope").must_request("POST", "sys/wrapping/lookup", None);
    assert_eq!((r.status, r.errors()), (400, vec!["wrapping token is not valid or does not exist".to_string()]));
    let r = root.must_request("POST", "sys/wrapping/unwrap", Some(&json!({ "token": "" })));
    assert_eq!(
        (r.status, r.errors()),
        (400, vec!["error validating wrapping token: empty token in request body".to_string()])
    );
}

#[test]
fn rewrap_moves_the_response_to_a_new_token() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let old = wrap_token(&wrapped(&root, "POST", "sys/wrapping/wrap", Some(&json!({ "x": 1 }))));
    let r = root.must_ok("POST", "sys/wrapping/rewrap", Some(&json!({ "token": old })));
    let new = wrap_token(&r);
    assert_ne!(new, old);
    assert_eq!(r.json["wrap_info"]["creation_path"], json!("sys/wrapping/wrap"));
    assert_eq!(root.must_request("POST", "sys/wrapping/unwrap", Some(&json!({ "token": old }))).status, 400);
    assert_eq!(
        root.must_ok("POST", "sys/wrapping/unwrap", Some(&json!({ "token": new }))).json["data"],
        json!({ "x": 1 })
    );
}

#[test]
fn wrapped_token_creation_carries_the_new_tokens_accessor() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let r = wrapped(&root, "POST", "auth/token/create", Some(&json!({ "period": "30m" })));
    let accessor = r.json["wrap_info"]["wrapped_accessor"].as_str().unwrap_or_default().to_string();
    assert!(!accessor.is_empty(), "{}", r.text);
    let unwrapped = root.must_ok("POST", "sys/wrapping/unwrap", Some(&json!({ "token": wrap_token(&r) })));
    assert_eq!(unwrapped.json["auth"]["accessor"], json!(accessor));
    assert_eq!(unwrapped.json["auth"]["lease_duration"], json!(1800));
    let client_token = unwrapped.json["auth"]["client_token"].as_str().unwrap_or_default();
    let looked = root.must_ok("POST", "auth/token/lookup", Some(&json!({ "token": client_token })));
    assert_eq!(looked.json["data"]["period"], json!(1800));
}

#[test]
fn bad_wrapping_requests_get_vaults_errors() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let r = root.must_request("POST", "sys/wrapping/wrap", Some(&json!({ "a": "b" })));
    assert_eq!((r.status, r.errors()), (400, vec!["endpoint requires response wrapping to be used".into()]));
    let r = root.must_raw("POST", "secret/data/x", &[("X-Vault-Wrap-TTL", "soon")], b"{}".to_vec());
    assert_eq!(r.status, 400, "{}", r.text);
    let r = root.must_request("POST", "sys/wrapping/unwrap", Some(&json!({ "token": "hvs.nope" })));
    assert_eq!(r.status, 400);
    // A 404 is not wrapped.
    let r = root.must_raw("GET", "secret/data/missing", &[("X-Vault-Wrap-TTL", "1m")], Vec::new());
    assert_eq!(r.status, 404);
}
