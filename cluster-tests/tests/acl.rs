//! ACL enforcement over HTTP: every request of a non-root token is checked against its policies
//! before it reaches an engine or `sys/`, as Vault's `CheckToken` does (globs, create vs update,
//! deny, sudo paths, parameter constraints, capability reports, policy changes taking effect).

use serde_json::{json, Value};
use strongbox_cluster_tests::{Client, Node};

const ROOT: &str = "acl-root";

/// A token limited to `secret/data/a/*`.
const LIMITED: &str = r#"
path "secret/data/a/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
"#;

/// Creates `name` with `rules` and a token holding it (plus `default`); returns that token.
fn token_with_policy(root: &Client, name: &str, rules: &str) -> String {
    root.must_status(204, "PUT", &format!("sys/policies/acl/{name}"), Some(&json!({ "policy": rules })));
    let created = root.must_ok("POST", "auth/token/create", Some(&json!({ "policies": [name] })));
    let token = created.json["auth"]["client_token"].as_str().unwrap_or_default().to_string();
    assert!(!token.is_empty(), "no token in {}", created.text);
    token
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[test]
fn a_token_limited_to_one_folder_reaches_nothing_else() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_ok("POST", "secret/data/b", Some(&json!({ "data": { "secret": "other team" } })));
    let c = root.with_token(&token_with_policy(&root, "limited", LIMITED));

    c.must_ok("POST", "secret/data/a/x", Some(&json!({ "data": { "v": 1 } })));
    assert_eq!(c.must_get("secret/data/a/x").json["data"]["data"], json!({ "v": 1 }));
    c.must_ok("POST", "secret/data/a/x", Some(&json!({ "data": { "v": 2 } })));

    let denied: [(&str, &str, Option<Value>); 16] = [
        ("GET", "secret/data/b", None),
        ("POST", "secret/data/b", Some(json!({ "data": { "v": 1 } }))),
        ("POST", "secret/data/c", Some(json!({ "data": { "v": 1 } }))),
        ("DELETE", "secret/data/b", None),
        ("LIST", "secret/metadata/", None),
        ("LIST", "secret/metadata/a", None),
        ("GET", "secret/metadata/a/x", None),
        ("POST", "secret/destroy/a/x", Some(json!({ "versions": [1] }))),
        ("GET", "sys/mounts", None),
        ("POST", "sys/mounts/mine", Some(json!({ "type": "kv" }))),
        ("GET", "sys/policies/acl/limited", None),
        ("PUT", "sys/policies/acl/limited", Some(json!({ "policy": "path \"*\" { capabilities = [\"sudo\"] }" }))),
        ("POST", "sys/rotate", None),
        ("PUT", "sys/seal", None),
        ("GET", "sys/metrics?format=prometheus", None),
        ("POST", "auth/token/create", Some(json!({ "policies": ["root"] }))),
    ];
    for (method, path, body) in &denied {
        let r = c.must_request(method, path, body.as_ref());
        assert_eq!(r.status, 403, "{method} {path}: {}", r.text);
        assert_eq!(r.errors(), vec!["permission denied"], "{method} {path}");
    }
    // Nothing leaked or changed through the denied calls.
    assert_eq!(root.must_get("secret/data/b").json["data"]["data"], json!({ "secret": "other team" }));
    assert_eq!(root.must_get("sys/seal-status").json["sealed"], json!(false));
    // The default policy's own paths stay open.
    assert_eq!(c.must_get("auth/token/lookup-self").json["data"]["policies"], json!(["default", "limited"]));
    // A missing token and an unknown one are denied too.
    assert_eq!(c.without_token().must_request("GET", "secret/data/a/x", None).status, 403);
    assert_eq!(root.with_token("hvs.not-a-token").must_request("GET", "secret/data/a/x", None).status, 403);
}

#[test]
fn create_without_update_writes_a_new_key_once() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_ok("POST", "sys/mounts/kv1", Some(&json!({ "type": "kv" })));
    let rules = r#"
path "secret/data/*" { capabilities = ["create"] }
path "kv1/*" { capabilities = ["create"] }
"#;
    let c = root.with_token(&token_with_policy(&root, "create-only", rules));
    c.must_ok("POST", "secret/data/new", Some(&json!({ "data": { "v": 1 } })));
    assert_eq!(c.must_request("POST", "secret/data/new", Some(&json!({ "data": { "v": 2 } }))).status, 403);
    assert_eq!(c.must_request("GET", "secret/data/new", None).status, 403);
    c.must_status(204, "POST", "kv1/new", Some(&json!({ "v": 1 })));
    assert_eq!(c.must_request("POST", "kv1/new", Some(&json!({ "v": 2 }))).status, 403);
    assert_eq!(root.must_get("kv1/new").json["data"], json!({ "v": 1 }));
}

#[test]
fn deny_wins_and_sudo_paths_need_sudo() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let rules = r#"
path "secret/*" { capabilities = ["create", "read", "update", "list"] }
path "secret/data/locked" { capabilities = ["deny"] }
path "sys/rotate" { capabilities = ["update"] }
path "sys/rotate/keyring" { capabilities = ["update", "sudo"] }
"#;
    let c = root.with_token(&token_with_policy(&root, "mixed", rules));
    c.must_ok("POST", "secret/data/open", Some(&json!({ "data": { "v": 1 } })));
    assert_eq!(c.must_request("POST", "secret/data/locked", Some(&json!({ "data": { "v": 1 } }))).status, 403);
    let term = root.must_get("sys/key-status").json["data"]["term"].as_u64();
    assert_eq!(c.must_request("POST", "sys/rotate", None).status, 403, "update without sudo");
    c.must_status(204, "POST", "sys/rotate/keyring", None);
    assert_eq!(root.must_get("sys/key-status").json["data"]["term"].as_u64(), term.map(|t| t + 1));
}

#[test]
fn parameter_constraints_are_enforced() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_ok("POST", "sys/mounts/kv1", Some(&json!({ "type": "kv" })));
    let rules = r#"
path "kv1/paint/*" {
  capabilities = ["create", "update"]
  allowed_parameters = { "color" = ["red", "blu*"], "size" = [] }
  denied_parameters = { "size" = ["xxl"] }
  required_parameters = ["color"]
}
"#;
    let c = root.with_token(&token_with_policy(&root, "paint", rules));
    c.must_status(204, "POST", "kv1/paint/a", Some(&json!({ "color": "red" })));
    c.must_status(204, "POST", "kv1/paint/b", Some(&json!({ "color": "bluish", "size": "m" })));
    for body in [
        json!({ "color": "green" }),
        json!({ "color": "red", "owner": "me" }),
        json!({ "color": "red", "size": "xxl" }),
        json!({ "size": "m" }),
    ] {
        assert_eq!(c.must_request("POST", "kv1/paint/c", Some(&body)).status, 403, "{body}");
    }
    assert_eq!(root.must_request("GET", "kv1/paint/c", None).status, 404);
}

#[test]
fn capabilities_endpoints_report_the_acl() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let token = token_with_policy(&root, "limited", LIMITED);
    let c = root.with_token(&token);

    let own =
        c.must_ok("POST", "sys/capabilities-self", Some(&json!({ "paths": ["secret/data/a/x", "secret/data/b"] })));
    assert_eq!(strings(&own.json["data"]["secret/data/a/x"]), ["create", "delete", "list", "read", "update"]);
    assert_eq!(strings(&own.json["data"]["secret/data/b"]), ["deny"]);
    assert!(own.json["data"].get("capabilities").is_none(), "only the one-path form has it");
    let one = c.must_ok("POST", "sys/capabilities-self", Some(&json!({ "path": "secret/data/b" })));
    assert_eq!(strings(&one.json["data"]["capabilities"]), ["deny"]);
    assert_eq!(strings(&one.json["capabilities"]), ["deny"], "legacy top-level copy");

    let other = root.must_ok("POST", "sys/capabilities", Some(&json!({ "token": token, "paths": "secret/data/a/y" })));
    assert_eq!(strings(&other.json["data"]["capabilities"]), ["create", "delete", "list", "read", "update"]);
    let rooted = root.must_ok("POST", "sys/capabilities-self", Some(&json!({ "paths": "anything" })));
    assert_eq!(strings(&rooted.json["data"]["capabilities"]), ["root"]);
    let accessor =
        c.must_get("auth/token/lookup-self").json["data"]["accessor"].as_str().unwrap_or_default().to_string();
    let by_accessor = root.must_ok(
        "POST",
        "sys/capabilities-accessor",
        Some(&json!({ "accessor": accessor, "paths": "secret/data/b" })),
    );
    assert_eq!(strings(&by_accessor.json["data"]["capabilities"]), ["deny"]);

    // Vault's errors for the bad inputs: the unknown token and accessor are Go errors, which
    // Vault's core lists with go-multierror; the missing paths an error response.
    let r = root.must_request("POST", "sys/capabilities", Some(&json!({ "token": "hvs.nope", "paths": "x" })));
    assert_eq!((r.status, r.errors()), (400, vec!["1 error occurred:\n\t* invalid token\n\n".to_string()]));
    let r = root.must_request("POST", "sys/capabilities", Some(&json!({ "token": token })));
    assert_eq!((r.status, r.errors()), (400, vec!["paths must be supplied".to_string()]));
    let r = root.must_request("POST", "sys/capabilities-accessor", Some(&json!({ "accessor": "nope", "paths": "x" })));
    assert_eq!((r.status, r.errors()), (400, vec!["1 error occurred:\n\t* invalid accessor\n\n".to_string()]));
    // sys/capabilities (about other tokens) is not in the default policy.
    assert_eq!(c.must_request("POST", "sys/capabilities", Some(&json!({ "token": token, "paths": "x" }))).status, 403);
}

#[test]
fn policy_changes_apply_to_live_tokens_at_once() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    let c = root.with_token(&token_with_policy(&root, "limited", LIMITED));
    c.must_ok("POST", "secret/data/a/x", Some(&json!({ "data": { "v": 1 } })));

    let deny = r#"path "secret/data/a/*" { capabilities = ["deny"] }"#;
    root.must_status(204, "PUT", "sys/policies/acl/limited", Some(&json!({ "policy": deny })));
    assert_eq!(c.must_request("GET", "secret/data/a/x", None).status, 403);
    root.must_status(204, "PUT", "sys/policies/acl/limited", Some(&json!({ "policy": LIMITED })));
    c.must_ok("GET", "secret/data/a/x", None);
    // A deleted policy grants nothing; the token itself stays valid.
    root.must_status(204, "DELETE", "sys/policies/acl/limited", None);
    assert_eq!(c.must_request("GET", "secret/data/a/x", None).status, 403);
    c.must_ok("GET", "auth/token/lookup-self", None);
}

#[test]
fn ui_mounts_show_only_what_the_token_can_reach() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_ok("POST", "sys/mounts/hidden", Some(&json!({ "type": "kv" })));
    let c = root.with_token(&token_with_policy(&root, "limited", LIMITED));

    let listed = c.must_get("sys/internal/ui/mounts");
    let mounts: Vec<&String> =
        listed.json["data"]["secret"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
    assert!(mounts.iter().any(|m| *m == "secret/"), "{}", listed.text);
    assert!(!mounts.iter().any(|m| *m == "hidden/"), "{}", listed.text);
    assert_eq!(c.must_get("sys/internal/ui/mounts/secret/a/x").json["data"]["path"], json!("secret/"));
    let r = c.must_request("GET", "sys/internal/ui/mounts/hidden/x", None);
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.errors()[0].starts_with("preflight capability check returned 403"), "{}", r.text);
    assert_eq!(c.without_token().must_request("GET", "sys/internal/ui/mounts/secret/x", None).status, 403);
    // Root sees everything; an unknown mount is a preflight 403 for root too.
    assert!(root.must_get("sys/internal/ui/mounts").json["data"]["secret"]["hidden/"].is_object());
    assert_eq!(root.must_request("GET", "sys/internal/ui/mounts/nope/x", None).status, 403);
}

#[test]
fn a_list_is_checked_on_the_directory_path_with_its_trailing_slash() {
    let node = Node::must_start_dev(ROOT);
    let root = node.dev_client();
    root.must_ok("POST", "secret/data/team/x", Some(&json!({ "data": { "v": 1 } })));
    let rules = "path \"secret/metadata/*\" {\n  capabilities = [\"list\"]\n}\n";
    let c = root.with_token(&token_with_policy(&root, "lister", rules));
    // Vault lists `secret/metadata/` even when asked without the slash, so the glob matches.
    for path in ["secret/metadata", "secret/metadata?list=true", "secret/metadata/?list=true"] {
        let method = if path.contains('?') { "GET" } else { "LIST" };
        let r = c.must_raw(method, path, &[], Vec::new());
        assert_eq!(r.status, 200, "{method} {path}: {}", r.text);
        assert_eq!(strings(&r.json["data"]["keys"]), ["team/"], "{method} {path}");
    }
    let wrapped = root.must_raw("LIST", "secret/metadata", &[("X-Vault-Wrap-TTL", "1m")], Vec::new());
    assert_eq!(wrapped.json["wrap_info"]["creation_path"], "secret/metadata/", "{}", wrapped.text);
    assert_eq!(wrapped.json["request_id"], "", "a wrapped response has no request_id: {}", wrapped.text);
    // A bad list flag is a bare 400, as in Vault.
    let r = c.must_raw("GET", "secret/metadata?list=yes", &[], Vec::new());
    assert_eq!((r.status, r.errors()), (400, Vec::<String>::new()), "{}", r.text);
}
