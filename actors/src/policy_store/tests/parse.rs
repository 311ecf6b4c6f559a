use serde_json::json;

use super::super::{Capabilities, Policy, PolicyError, DEFAULT_POLICY, RESPONSE_WRAPPING_POLICY};
use super::must_policy;

fn parse_err(text: &str) -> String {
    match Policy::parse("t", text) {
        Ok(p) => panic!("expected an error, parsed {p:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn policy_store_parse_basic_hcl_keeps_raw_text() {
    let text = r#"
# comment
name = "ignored"
path "secret/foo" {
  capabilities = ["read", "list"]
}
path "/secret/bar/*" { capabilities = ["create", "update", "patch"] }
path "secret/+/config*" {
  capabilities = ["read"]
  comment = "segment wildcard keeps its star"
}
"#;
    let p = must_policy("dev", text);
    assert_eq!(p.raw, text);
    assert_eq!(p.name, "dev");
    assert!(!p.templated);
    assert_eq!(p.paths.len(), 3);

    assert_eq!(p.paths[0].path, "secret/foo");
    assert!(!p.paths[0].is_prefix);
    assert_eq!(p.paths[0].permissions.capabilities, Capabilities::READ | Capabilities::LIST);

    assert_eq!(p.paths[1].path, "secret/bar/");
    assert!(p.paths[1].is_prefix);
    assert_eq!(p.paths[1].permissions.capabilities, Capabilities::CREATE | Capabilities::UPDATE | Capabilities::PATCH);

    assert_eq!(p.paths[2].path, "secret/+/config*");
    assert!(p.paths[2].has_segment_wildcards);
    assert!(!p.paths[2].is_prefix);
}

#[test]
fn policy_store_parse_json_matches_hcl() {
    let hcl = r#"
path "secret/foo" {
  capabilities = ["read"]
  allowed_parameters = { "Bar" = ["baz*"], "*" = [] }
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = 3600
}
"#;
    let json_text = r#"{
  "path": {
    "secret/foo": {
      "capabilities": ["read"],
      "allowed_parameters": {"Bar": ["baz*"], "*": []},
      "min_wrapping_ttl": "1s",
      "max_wrapping_ttl": 3600
    }
  }
}"#;
    let a = must_policy("a", hcl);
    let b = must_policy("b", json_text);
    assert_eq!(a.paths, b.paths);
    let perms = &a.paths[0].permissions;
    assert_eq!(perms.min_wrapping_ttl, 1);
    assert_eq!(perms.max_wrapping_ttl, 3600);
    assert_eq!(perms.allowed_parameters["bar"], vec![json!("baz*")]);
    assert!(perms.allowed_parameters["*"].is_empty());
    assert_eq!(b.raw, json_text);
}

#[test]
fn policy_store_parse_json_path_list_form() {
    let p = must_policy("j", r#"{"path": [{"a/*": {"policy": "read"}}, {"b": {"capabilities": ["deny"]}}]}"#);
    assert_eq!(p.paths.len(), 2);
    let a = p.paths.iter().find(|r| r.path == "a/").unwrap();
    assert!(a.is_prefix);
    assert_eq!(a.capabilities, vec!["read", "list"]);
}

#[test]
fn policy_store_parse_legacy_policy_form() {
    let cases: [(&str, Vec<&str>, Capabilities); 4] = [
        ("deny", vec!["deny"], Capabilities::DENY),
        ("read", vec!["read", "list"], Capabilities::READ | Capabilities::LIST),
        (
            "write",
            vec!["create", "read", "update", "delete", "list"],
            Capabilities::CREATE
                | Capabilities::READ
                | Capabilities::UPDATE
                | Capabilities::DELETE
                | Capabilities::LIST,
        ),
        (
            "sudo",
            vec!["create", "read", "update", "delete", "list", "sudo"],
            Capabilities::CREATE
                | Capabilities::READ
                | Capabilities::UPDATE
                | Capabilities::DELETE
                | Capabilities::LIST
                | Capabilities::SUDO,
        ),
    ];
    for (legacy, names, bits) in cases {
        let p = must_policy("l", &format!("path \"secret/*\" {{ policy = \"{legacy}\" }}"));
        assert_eq!(p.paths[0].capabilities, names, "{legacy}");
        assert_eq!(p.paths[0].permissions.capabilities, bits, "{legacy}");
    }
    // `policy` adds to `capabilities`; `deny` replaces them.
    let p = must_policy("l", "path \"a\" {\n  capabilities = [\"patch\"]\n  policy = \"read\"\n}");
    assert_eq!(p.paths[0].capabilities, vec!["patch", "read", "list"]);
    let p = must_policy("l", "path \"a\" {\n  capabilities = [\"patch\"]\n  policy = \"deny\"\n}");
    assert_eq!(p.paths[0].permissions.capabilities, Capabilities::DENY);
}

#[test]
fn policy_store_parse_deny_stands_alone() {
    // Vault stops looking at a block once it sees `deny`, even at later invalid capabilities.
    let p = must_policy("d", r#"path "a" { capabilities = ["read", "deny", "bogus"] }"#);
    assert_eq!(p.paths[0].capabilities, vec!["deny"]);
    assert_eq!(p.paths[0].permissions.capabilities, Capabilities::DENY);
}

#[test]
fn policy_store_parse_validation_errors() {
    let cases = [
        (
            r#"path "secret/*" { capabilities = ["reed"] }"#,
            "failed to parse policy: path \"secret/*\": invalid capability \"reed\"",
        ),
        (
            r#"path "secret/*" { capabilities = ["root"] }"#,
            "failed to parse policy: path \"secret/*\": invalid capability \"root\"",
        ),
        (r#"path "a" { policy = "admin" }"#, "failed to parse policy: path \"a\": invalid policy \"admin\""),
        (
            "path \"secret/+*\" {\n  capabilities = [\"read\"]\n}",
            "failed to parse policy: path \"secret/+*\": invalid use of wildcards ('+*' is forbidden)",
        ),
        (
            "foo = 1\npath \"a\" { capabilities = [\"read\"] }\nbar \"x\" {}",
            "failed to parse policy: 2 errors occurred:\n\t* invalid key \"foo\" on line 1\n\t* invalid key \"bar\" on line 3\n\n",
        ),
        (
            "path \"secret/foo\" {\n  capabilities = [\"read\"]\n  capabilites = [\"list\"]\n}",
            "failed to parse policy: 1 error occurred:\n\t* path \"secret/foo\": invalid key \"capabilites\" on line 3\n\n",
        ),
        (
            r#"{"path": {"a": {"capabilities": ["read"]}}, "paths": {}}"#,
            "failed to parse policy: 1 error occurred:\n\t* invalid key \"paths\"\n\n",
        ),
        (
            "path \"a/*\" {\n  capabilities = [\"update\"]\n  allowed_parameters = { \"a*b\" = [] }\n}",
            "failed to parse policy: path \"a/\": allowed_parameters: parameter key \"a*b\" cannot contain non-tail wildcards",
        ),
        (
            "path \"a\" {\n  capabilities = [\"update\"]\n  required_parameters = [\"*\"]\n}",
            "failed to parse policy: path \"a\": required_parameters: parameter key \"*\": wildcard is not permitted here",
        ),
        (
            "path \"a\" {\n  capabilities = [\"update\"]\n  min_wrapping_ttl = \"2h\"\n  max_wrapping_ttl = \"1h\"\n}",
            "failed to parse policy: max_wrapping_ttl cannot be less than min_wrapping_ttl",
        ),
        (
            "path \"a\" {\n  capabilities = [\"update\"]\n  min_wrapping_ttl = \"soon\"\n}",
            "failed to parse policy: error parsing min_wrapping_ttl: time: invalid duration \"soon\"",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(parse_err(text), want, "policy text: {text}");
    }
}

#[test]
fn policy_store_parse_syntax_errors_name_line_and_column() {
    let err = parse_err("path \"secret/foo\" {\n  capabilities = [\"read\"\n}\n");
    assert!(err.starts_with("failed to parse policy: At 3:"), "{err}");
    let err = parse_err("path \"a\" {\n  capabilities = [\"read\"]\n");
    assert!(err.starts_with("failed to parse policy: At "), "{err}");
    let err = parse_err("{\"path\": {\n  \"a\": }");
    assert!(err.starts_with("failed to parse policy: At 2:"), "{err}");
    assert!(matches!(Policy::parse("x", "path \"a\" {"), Err(PolicyError::Parse(_))));
}

#[test]
fn policy_store_parse_parameters_and_options() {
    let p = must_policy(
        "params",
        r#"
path "secret/foo" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "Foo" = []
    "bar" = ["zip", "zap*", 5, true]
  }
  denied_parameters {
    baz = ["*secret*"]
  }
  required_parameters = ["Foo"]
  mfa_methods = ["duo"]
  control_group = { ttl = "1h" }
}
"#,
    );
    let perms = &p.paths[0].permissions;
    assert!(perms.allowed_parameters["foo"].is_empty());
    assert_eq!(perms.allowed_parameters["bar"], vec![json!("zip"), json!("zap*"), json!(5), json!(true)]);
    assert_eq!(perms.denied_parameters["baz"], vec![json!("*secret*")]);
    assert_eq!(perms.required_parameters, vec!["Foo"]);
    assert_eq!(perms.mfa_methods, vec!["duo"]);
}

#[test]
fn policy_store_parse_builtin_policies() {
    let p = Policy::default_policy().unwrap();
    assert_eq!(p.raw, DEFAULT_POLICY);
    assert_eq!(p.name, "default");
    assert!(p.templated, "the identity/entity paths are templated");
    let paths: Vec<&str> = p.paths.iter().map(|r| r.path.as_str()).collect();
    assert!(paths.contains(&"auth/token/lookup-self"));
    assert!(paths.contains(&"cubbyhole/"));
    assert!(paths.contains(&"identity/oidc/provider/+/authorize"));
    assert_eq!(p.paths.len(), 18);
    assert!(DEFAULT_POLICY.starts_with("\n# Allow tokens to look up their own properties\n"));

    let w = Policy::response_wrapping().unwrap();
    assert_eq!(w.raw, RESPONSE_WRAPPING_POLICY);
    assert_eq!(w.paths.len(), 2);

    let root = Policy::root();
    assert_eq!(root.name, "root");
    assert!(root.paths.is_empty());
}

#[test]
fn policy_store_parse_empty_policy_is_valid() {
    let p = must_policy("empty", "");
    assert!(p.paths.is_empty());
    let p = must_policy("empty", "# only a comment\n");
    assert!(p.paths.is_empty());
}
