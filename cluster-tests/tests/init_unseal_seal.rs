//! The life of a non-dev node: uninitialized, initialized and sealed, unsealed share by share,
//! sealed again. Asserts what an operator sees: status codes, progress, and exact errors.

use base64::Engine;
use serde_json::{json, Value};
use strongbox_cluster_tests::{Node, NodeConfig, Resp};

const SEALED: &str = r#"{"errors":["Vault is sealed"]}"#;

fn unseal(node: &Node, key: &str) -> Resp {
    node.try_unseal_key(key).unwrap_or_else(|e| panic!("sys/unseal: {e}"))
}

fn seal_status(node: &Node) -> Value {
    node.client().must_status(200, "GET", "sys/seal-status", None).json
}

#[test]
fn uninitialized_node_reports_501_and_its_seal_status() {
    let node = Node::must_start(NodeConfig::inmem());
    let c = node.client();

    let h = c.must_get("sys/health");
    assert_eq!(h.status, 501, "{}", h.text);
    assert_eq!((h.json["initialized"].clone(), h.json["sealed"].clone()), (json!(false), json!(true)));
    assert_eq!(c.must_request("HEAD", "sys/health", None).status, 501);
    assert_eq!(c.must_get("sys/health?uninitcode=200").status, 200);

    assert_eq!(c.must_status(200, "GET", "sys/init", None).json, json!({"initialized": false}));
    let s = seal_status(&node);
    assert_eq!(s["initialized"], false);
    assert_eq!(s["sealed"], true);
    assert_eq!((s["t"].clone(), s["n"].clone(), s["progress"].clone()), (json!(0), json!(0), json!(0)));
    assert_eq!(s["type"], "shamir");

    let r = c.with_token("anything").must_get("secret/foo");
    assert_eq!((r.status, r.text.as_str()), (503, SEALED));

    // Bad seal configurations are refused and leave the node uninitialized.
    for (body, msg) in [
        (json!({"secret_shares": 2, "secret_threshold": 3}), "threshold cannot be larger than shares"),
        (json!({"secret_shares": 3, "secret_threshold": 1}), "threshold must be greater than one for multiple shares"),
        (json!({"secret_shares": 0, "secret_threshold": 0}), "shares must be at least one"),
    ] {
        let r = c.must_put("sys/init", &body);
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert!(r.errors().iter().any(|e| e.contains(msg)), "{body}: want an error containing {msg:?}: {}", r.text);
    }
    assert_eq!(c.must_get("sys/init").json, json!({"initialized": false}));
}

#[test]
fn init_returns_the_key_shares_once() {
    let node = Node::must_start(NodeConfig::inmem());
    let c = node.client();
    let r = c.must_status(200, "PUT", "sys/init", Some(&json!({"secret_shares": 5, "secret_threshold": 3})));
    let keys: Vec<&str> = r.json["keys"].as_array().expect("keys").iter().map(|k| k.as_str().unwrap()).collect();
    let b64: Vec<&str> =
        r.json["keys_base64"].as_array().expect("keys_base64").iter().map(|k| k.as_str().unwrap()).collect();
    assert_eq!((keys.len(), b64.len()), (5, 5));
    for (hex_key, b64_key) in keys.iter().zip(&b64) {
        assert_eq!(hex_key.len(), 66, "a share is 33 bytes in hex: {hex_key}");
        assert!(hex_key.chars().all(|c| c.is_ascii_hexdigit()), "{hex_key}");
        let raw = base64::engine::general_purpose::STANDARD.decode(b64_key).expect("keys_base64 is base64");
        let as_hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(&as_hex, hex_key, "keys and keys_base64 are the same shares");
    }
    let mut distinct = keys.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "shares are distinct");
    assert!(!r.json["root_token"].as_str().unwrap_or("").is_empty(), "{}", r.text);

    assert_eq!(c.must_get("sys/init").json, json!({"initialized": true}));
    let again = c.must_put("sys/init", &json!({"secret_shares": 5, "secret_threshold": 3}));
    assert_eq!(again.status, 400);
    assert_eq!(again.errors(), vec!["Vault is already initialized".to_string()]);

    let s = seal_status(&node);
    assert_eq!((s["initialized"].clone(), s["sealed"].clone()), (json!(true), json!(true)));
    assert_eq!((s["t"].clone(), s["n"].clone(), s["progress"].clone()), (json!(3), json!(5), json!(0)));
    assert_eq!(c.must_get("sys/health").status, 503);
}

#[test]
fn unseal_progress_nonce_and_reset() {
    let node = Node::must_start(NodeConfig::inmem());
    let (keys, root) = node.must_init(5, 3);

    let first = unseal(&node, &keys[0]);
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!((first.json["sealed"].clone(), first.json["progress"].clone()), (json!(true), json!(1)));
    let nonce = first.json["nonce"].as_str().unwrap_or("").to_string();
    assert!(!nonce.is_empty(), "an unseal attempt has a nonce: {}", first.text);

    // The same share twice does not count twice.
    let dup = unseal(&node, &keys[0]);
    assert_eq!((dup.status, dup.json["progress"].clone()), (200, json!(1)), "{}", dup.text);

    // A share may come in base64 too.
    let b64 = base64::engine::general_purpose::STANDARD.encode(hex_bytes(&keys[1]));
    let second = unseal(&node, &b64);
    assert_eq!(
        (second.json["progress"].clone(), second.json["nonce"].clone()),
        (json!(2), json!(nonce)),
        "{}",
        second.text
    );
    assert_eq!(seal_status(&node)["progress"], 2);

    let reset = node.client().must_status(200, "PUT", "sys/unseal", Some(&json!({"reset": true})));
    assert_eq!((reset.json["progress"].clone(), reset.json["nonce"].clone()), (json!(0), json!("")), "{}", reset.text);
    assert_eq!(reset.json["sealed"], true);

    for (i, key) in keys[2..].iter().enumerate() {
        let r = unseal(&node, key);
        assert_eq!(r.status, 200, "{}", r.text);
        if i < 2 {
            assert_eq!((r.json["sealed"].clone(), r.json["progress"].clone()), (json!(true), json!(i + 1)));
        } else {
            assert_eq!((r.json["sealed"].clone(), r.json["progress"].clone()), (json!(false), json!(0)), "{}", r.text);
        }
    }
    assert_eq!(seal_status(&node)["sealed"], false);
    assert_eq!(node.client().must_get("sys/health").status, 200);
    node.client().with_token(&root).must_status(200, "GET", "sys/mounts", None);
}

#[test]
fn shares_of_another_vault_fail_authentication_and_keep_the_node_sealed() {
    let node = Node::must_start(NodeConfig::inmem());
    let other = Node::must_start(NodeConfig::inmem());
    let (keys, _) = node.must_init(5, 3);
    let (foreign, _) = other.must_init(5, 3);

    assert_eq!(unseal(&node, &foreign[0]).status, 200);
    assert_eq!(unseal(&node, &foreign[1]).status, 200);
    let r = unseal(&node, &foreign[2]);
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(
        r.errors().iter().any(|e| e.contains("message authentication failed")),
        "want an error mentioning message authentication failed: {}",
        r.text
    );
    assert_eq!(seal_status(&node)["sealed"], true);
    assert_eq!(node.client().must_get("sys/health").status, 503);

    // Mixed shares fail the same way; then the right ones still work.
    assert_eq!(unseal(&node, &keys[0]).status, 200);
    assert_eq!(unseal(&node, &keys[1]).status, 200);
    assert_eq!(unseal(&node, &foreign[2]).status, 400);
    assert_eq!(seal_status(&node)["sealed"], true);
    node.must_unseal(&keys[2..]);
    assert_eq!(seal_status(&node)["sealed"], false);
}

#[test]
fn failed_unseal_attempt_resets_the_reported_progress() {
    let node = Node::must_start(NodeConfig::inmem());
    let other = Node::must_start(NodeConfig::inmem());
    let (keys, _) = node.must_init(3, 2);
    let (foreign, _) = other.must_init(3, 2);
    assert_eq!(unseal(&node, &foreign[0]).status, 200);
    assert_eq!(unseal(&node, &foreign[1]).status, 400);
    // Vault drops the attempt's shares once the threshold is reached, whatever the outcome.
    let s = seal_status(&node);
    assert_eq!(
        (s["sealed"].clone(), s["progress"].clone(), s["nonce"].clone()),
        (json!(true), json!(0), json!("")),
        "{s}"
    );
    let next = unseal(&node, &keys[0]);
    assert_eq!(next.json["progress"], 1, "{}", next.text);
}

#[test]
fn malformed_key_is_rejected_without_progress() {
    let node = Node::must_start(NodeConfig::inmem());
    let (keys, _) = node.must_init(3, 2);
    assert_eq!(unseal(&node, &keys[0]).status, 200);
    for bad in ["zz-not-a-key", "!!!!", "abc"] {
        let r = unseal(&node, bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_eq!(r.text, r#"{"errors":["'key' must be a valid hex or base64 string"]}"#, "{bad}");
    }
    let r = node.client().must_put("sys/unseal", &json!({}));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(seal_status(&node)["progress"], 1);
    node.must_unseal(&keys[1..]);
}

#[test]
fn sealed_node_answers_503_except_on_health_overrides() {
    let node = Node::must_start(NodeConfig::inmem());
    let (keys, root) = node.must_init(3, 2);
    node.must_unseal(&keys);
    let c = node.client().with_token(&root);
    c.must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv", "options": {"version": "1"}})));
    c.must_ok("PUT", "kv/before-seal", Some(&json!({"v": "kept"})));

    node.must_seal(&root);
    for (method, path) in [("GET", "kv/before-seal"), ("PUT", "kv/other"), ("GET", "sys/mounts"), ("LIST", "kv/")] {
        let body = (method == "PUT").then(|| json!({"v": 1}));
        let r = c.must_request(method, path, body.as_ref());
        assert_eq!((r.status, r.text.as_str()), (503, SEALED), "{method} {path}");
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let h = c.must_get("sys/health");
    assert_eq!(h.status, 503);
    assert_eq!(h.json["sealed"], true);
    assert_eq!(c.must_request("HEAD", "sys/health", None).status, 503);
    assert_eq!(c.must_get("sys/health?sealedcode=200").status, 200);
    assert_eq!(c.must_get("sys/health?sealedcode=299").status, 299);

    node.must_unseal(&keys);
    assert_eq!(c.must_status(200, "GET", "kv/before-seal", None).json["data"]["v"], "kept");
    assert_eq!(c.must_get("sys/health?activecode=299").status, 299);
}

#[test]
fn seal_needs_a_valid_token() {
    let node = Node::must_start(NodeConfig::inmem());
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    for client in [node.client(), node.client().with_token("not-root")] {
        let r = client.must_request("PUT", "sys/seal", None);
        assert_eq!((r.status, r.text.as_str()), (403, r#"{"errors":["permission denied"]}"#));
    }
    assert_eq!(seal_status(&node)["sealed"], false);
    let r = node.client().with_token(&root).must_request("PUT", "sys/seal", None);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(seal_status(&node)["sealed"], true);
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}
