//! ACL policies over HTTP: `sys/policy` (legacy) and `sys/policies/acl` CRUD, rules kept byte for
//! byte, the `root`/`default` protections, bad HCL and names, and survival across seal/unseal.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};
use strongbox_cluster_tests::Node;

const ROOT: &str = "policies-root";

/// Odd spacing, comments, tabs and a trailing blank line: all must come back unchanged.
const RULES: &str = "# team policy\npath \"secret/data/team/*\" {\n\tcapabilities = [\"create\", \"read\"]   # trailing\n}\n\npath \"sys/health\" { capabilities = [\"read\"] }\n\n";

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[test]
fn crud_through_both_apis_keeps_rules_byte_for_byte() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();

    let list = c.must_status(200, "GET", "sys/policy", None);
    assert_eq!(strings(&list.json["data"]["keys"]), vec!["default", "root"]);
    assert_eq!(strings(&list.json["data"]["policies"]), vec!["default", "root"]);
    assert_eq!(strings(&list.json["policies"]), vec!["default", "root"], "legacy top-level copy");

    c.must_status(204, "PUT", "sys/policies/acl/Team", Some(&json!({ "policy": RULES })));
    let read = c.must_status(200, "GET", "sys/policies/acl/team", None);
    assert_eq!(read.json["data"], json!({ "name": "team", "policy": RULES }));
    let legacy = c.must_status(200, "GET", "sys/policy/TEAM", None);
    assert_eq!(legacy.json["data"], json!({ "name": "team", "rules": RULES }));
    assert_eq!(legacy.json["rules"], json!(RULES), "legacy top-level copy");

    // The legacy API takes `rules` (with a deprecation warning) and base64 text.
    let r = c.must_status(200, "PUT", "sys/policy/legacy", Some(&json!({ "rules": RULES })));
    assert_eq!(r.json["warnings"].as_array().map(Vec::len), Some(1), "{}", r.text);
    c.must_status(204, "PUT", "sys/policy/encoded", Some(&json!({ "policy": B64.encode(RULES) })));
    assert_eq!(c.must_get("sys/policy/encoded").json["data"]["rules"], json!(RULES));

    let list = c.must_status(200, "LIST", "sys/policies/acl", None);
    assert_eq!(strings(&list.json["data"]["keys"]), vec!["default", "encoded", "legacy", "team", "root"]);
    let list = c.must_status(200, "GET", "sys/policies/acl?list=true", None);
    assert_eq!(strings(&list.json["data"]["keys"]), vec!["default", "encoded", "legacy", "team", "root"]);

    // Update, then delete through either API; a second delete still succeeds.
    let updated = "path \"secret/*\" { capabilities = [\"deny\"] }";
    c.must_status(204, "POST", "sys/policy/team", Some(&json!({ "policy": updated })));
    assert_eq!(c.must_get("sys/policies/acl/team").json["data"]["policy"], json!(updated));
    c.must_status(204, "DELETE", "sys/policies/acl/team", None);
    c.must_status(204, "DELETE", "sys/policy/legacy", None);
    c.must_status(204, "DELETE", "sys/policy/legacy", None);
    let missing = c.must_status(404, "GET", "sys/policies/acl/team", None);
    assert_eq!(missing.json["errors"], json!([]));
    c.must_status(404, "GET", "sys/policy/legacy", None);

    // Policies survive seal and unseal.
    node.must_seal(ROOT);
    node.must_unseal(&[node.dev_unseal_key()]);
    assert_eq!(c.must_get("sys/policy/encoded").json["data"]["rules"], json!(RULES));
    assert_eq!(strings(&c.must_get("sys/policy").json["data"]["keys"]), vec!["default", "encoded", "root"]);
}

#[test]
fn root_and_default_are_protected() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    let body = json!({ "policy": RULES });

    let r = c.must_status(400, "PUT", "sys/policy/root", Some(&body));
    assert_eq!(r.errors(), vec!["cannot update \"root\" policy"]);
    let r = c.must_status(400, "PUT", "sys/policies/acl/ROOT", Some(&body));
    assert_eq!(r.errors(), vec!["cannot update \"root\" policy"]);
    let r = c.must_status(400, "DELETE", "sys/policies/acl/root", None);
    assert_eq!(r.errors(), vec!["cannot delete \"root\" policy"]);
    let r = c.must_status(400, "DELETE", "sys/policy/default", None);
    assert_eq!(r.errors(), vec!["cannot delete default policy"]);
    c.must_status(400, "PUT", "sys/policy/response-wrapping", Some(&body));

    let root = c.must_status(200, "GET", "sys/policy/root", None);
    assert_eq!(root.json["data"], json!({ "name": "root", "rules": "" }));
    let default = c.must_status(200, "GET", "sys/policies/acl/default", None);
    assert!(default.json["data"]["policy"].as_str().is_some_and(|p| p.contains("auth/token/lookup-self")));

    // `default` may be edited, and stays listed.
    c.must_status(204, "PUT", "sys/policies/acl/default", Some(&body));
    assert_eq!(c.must_get("sys/policies/acl/default").json["data"]["policy"], json!(RULES));
    let keys = strings(&c.must_list("sys/policies/acl").json["data"]["keys"]);
    assert_eq!(keys, vec!["default", "root"]);
}

#[test]
fn bad_policies_and_names_are_400() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();

    let bad_hcl = "path \"secret/*\" {\n  capabilities = [\"read\"\n}\n";
    let r = c.must_status(400, "PUT", "sys/policies/acl/broken", Some(&json!({ "policy": bad_hcl })));
    let msg = r.errors().join(" ");
    assert!(msg.starts_with("failed to parse policy: At "), "{msg}");
    assert!(msg.contains(':'), "names line and column: {msg}");
    let r = c.must_status(
        400,
        "PUT",
        "sys/policy/typo",
        Some(&json!({ "policy": "path \"a\" { capabilites = [\"read\"] }" })),
    );
    assert!(r.errors().join(" ").contains("capabilites"), "{}", r.text);
    c.must_status(400, "PUT", "sys/policy/empty", Some(&json!({})));
    c.must_status(400, "PUT", "sys/policies/acl/empty", Some(&json!({ "policy": "" })));
    c.must_status(400, "PUT", "sys/policies/acl/a/b", Some(&json!({ "policy": RULES })));
    c.must_status(400, "PUT", "sys/policies/acl/a%0Ab", Some(&json!({ "policy": RULES })));

    // Nothing was stored by any of it.
    assert_eq!(strings(&c.must_list("sys/policies/acl").json["data"]["keys"]), vec!["default", "root"]);
    c.must_status(404, "GET", "sys/policies/acl/broken", None);
}
