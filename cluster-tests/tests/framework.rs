//! What the logical framework shows a client over real HTTP: `?help=1` and `path-help`, the
//! OpenAPI document, Vault's field decoding, token renewals bounded by the auth mount as tuned
//! now, and plain-text logs.

use serde_json::{json, Value};
use strongbox_cluster_tests::{Cli, Node};

const ROOT: &str = "fw-root";

#[test]
fn help_answers_for_any_path_with_vaults_body() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_ok("POST", "sys/auth/userpass", Some(&json!({"type": "userpass"})));
    let help = c.must_status(200, "GET", "secret/data/foo?help=1", None);
    let keys: Vec<&str> = help.json.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["help", "openapi", "see_also"], "{}", help.text);
    let text = help.json["help"].as_str().expect("help text");
    assert!(text.starts_with("Request:        data/foo\nMatching Route: ^data/"), "{text}");
    assert!(text.contains("\n    options (map)\n"), "{text}");
    assert_eq!(help.json["openapi"]["paths"]["/data/{path}"]["x-vault-createSupported"], json!(true));

    // The HELP method does the same; login paths need no token; others do.
    let by_method = c.must_raw("HELP", "auth/userpass/users/bob", &[], Vec::new());
    assert_eq!(by_method.status, 200, "{}", by_method.text);
    let anon = c.without_token();
    assert_eq!(anon.must_status(200, "GET", "auth/userpass/login/bob?help=1", None).json["see_also"], Value::Null);
    assert_eq!(anon.must_status(403, "GET", "auth/userpass/users/bob?help=1", None).errors(), ["permission denied"]);
    let unknown = c.must_status(404, "GET", "auth/userpass/nope?help=1", None).errors();
    assert!(unknown[0].contains("unsupported path"), "{unknown:?}");

    let mut cli = Cli::new(&node.url());
    cli.set_token(Some(ROOT));
    let out = cli.must_exit(0, &["path-help", "auth/userpass/users/bob"]);
    assert!(out.stdout.starts_with("Request:        users/bob\n"), "{out:?}");
    assert!(out.stdout.contains("    token_policies (slice)\n"), "{out:?}");
    let out = cli.must_exit(0, &["path-help", "-format=json", "auth/userpass/"]);
    assert!(out.must_json()["help"].as_str().unwrap_or_default().contains("## PATHS"), "{out:?}");
    let out = cli.must_exit(2, &["path-help", "auth/userpass/nope"]);
    assert!(out.stderr.starts_with("Error retrieving help: Error making API request."), "{out:?}");
}

#[test]
fn the_openapi_document_covers_the_mounts_a_token_can_see() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_ok("POST", "sys/auth/userpass", Some(&json!({"type": "userpass"})));
    let doc = c.must_status(200, "GET", "sys/internal/specs/openapi", None).json;
    assert_eq!(doc["openapi"], json!("3.0.2"));
    let paths = doc["paths"].as_object().expect("paths");
    for p in ["/secret/data/{path}", "/secret/metadata/{path}", "/auth/userpass/users/{username}", "/cubbyhole/{path}"]
    {
        assert!(paths.contains_key(p), "{p} missing: {:?}", paths.keys().collect::<Vec<_>>());
    }
    let login = &paths["/auth/userpass/login/{username}"];
    assert_eq!(login["x-vault-unauthenticated"], json!(true));
    // Request bodies are component schemas, referenced as in Vault's document.
    let reference = login["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str();
    let name = reference.and_then(|r| r.strip_prefix("#/components/schemas/")).expect("a $ref");
    assert_eq!(doc["components"]["schemas"][name]["properties"]["password"]["type"], json!("string"));
    // The built-in backends are in it too, with their sudo paths.
    assert_eq!(paths["/sys/mounts/{path}/tune"]["post"]["tags"], json!(["system"]));
    assert_eq!(paths["/auth/token/accessors/"]["x-vault-sudo"], json!(true));
    assert_eq!(paths["/auth/token/roles/{role_name}"]["x-vault-createSupported"], json!(true));
    // No token: a valid document without paths, as Vault answers.
    let anon = c.without_token().must_status(200, "GET", "sys/internal/specs/openapi", None).json;
    assert_eq!(anon["paths"], json!({}));

    // generic_mount_paths: mounts under a parameter defaulting to their path; singletons literal.
    let generic = c.must_status(200, "GET", "sys/internal/specs/openapi?generic_mount_paths=true", None).json;
    let paths = generic["paths"].as_object().expect("paths");
    let users = &paths["/auth/{userpass_mount_path}/users/{username}"];
    let mount = &users["parameters"][1];
    assert_eq!(
        (mount["name"].clone(), mount["schema"]["default"].clone()),
        (json!("userpass_mount_path"), json!("userpass"))
    );
    for p in ["/{secret_mount_path}/data/{path}", "/cubbyhole/{path}", "/sys/mounts", "/auth/token/create"] {
        assert!(paths.contains_key(p), "{p} missing: {:?}", paths.keys().collect::<Vec<_>>());
    }
    assert!(!paths.contains_key("/secret/data/{path}"));
}

#[test]
fn fields_decode_as_vaults_framework_does() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_ok("POST", "sys/auth/userpass", Some(&json!({"type": "userpass"})));
    c.must_ok("POST", "auth/userpass/users/bob", Some(&json!({"password": "pw", "token_no_default_policy": "True"})));
    let read = c.must_status(200, "GET", "auth/userpass/users/bob", None);
    assert_eq!(read.json["data"]["token_no_default_policy"], json!(true));
    let bad = c.must_status(400, "POST", "auth/userpass/users/bob", Some(&json!({"token_ttl": "abc"})));
    assert_eq!(bad.errors(), ["error converting input for field \"token_ttl\": time: invalid duration \"abc\""]);
    let login =
        c.without_token().must_status(200, "POST", "auth/userpass/login/bob", Some(&json!({"password": "pw", "x": 1})));
    assert_eq!(login.json["warnings"], json!(["Endpoint ignored these unrecognized parameters: [x]"]));
    // AppRole decodes with the same framework (it used to refuse "True").
    c.must_ok("POST", "sys/auth/approle", Some(&json!({"type": "approle"})));
    c.must_ok(
        "POST",
        "auth/approle/role/web",
        Some(&json!({"token_no_default_policy": "True", "secret_id_num_uses": "2"})),
    );
    let role = c.must_status(200, "GET", "auth/approle/role/web", None);
    assert_eq!(
        (role.json["data"]["token_no_default_policy"].clone(), role.json["data"]["secret_id_num_uses"].clone()),
        (json!(true), json!(2))
    );
    let help = c.must_status(200, "GET", "auth/approle/role/web/secret-id?help=1", None);
    assert!(help.json["help"].as_str().unwrap_or_default().contains("    num_uses (int)"), "{}", help.text);
    let write = c.must_status(400, "POST", "secret/data/", Some(&json!({"data": {}})));
    assert_eq!(write.errors(), ["cannot write to a path ending in '/'"]);
}

/// Tried as a new user would: a userpass mount with `max_lease_ttl=60s`, a login, then
/// `auth/token/renew-self` with `increment=1h`: Vault caps it at the mount's live max TTL.
#[test]
fn token_renewals_are_capped_by_the_auth_mount() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_ok("POST", "sys/auth/userpass", Some(&json!({"type": "userpass", "config": {"max_lease_ttl": "60s"}})));
    c.must_ok("POST", "auth/userpass/users/ann", Some(&json!({"password": "pw"})));
    let login = c.without_token().must_status(200, "POST", "auth/userpass/login/ann", Some(&json!({"password": "pw"})));
    assert_eq!(login.json["auth"]["lease_duration"], json!(60));
    let token = login.json["auth"]["client_token"].as_str().expect("a token").to_string();
    let me = c.with_token(&token);
    let renewed = me.must_status(200, "POST", "auth/token/renew-self", Some(&json!({"increment": "1h"})));
    let granted = renewed.json["auth"]["lease_duration"].as_u64().expect("lease_duration");
    assert!((55..=60).contains(&granted), "granted {granted}: {}", renewed.text);
    c.must_ok("POST", "sys/auth/userpass/tune", Some(&json!({"max_lease_ttl": "30s"})));
    let renewed = me.must_status(200, "POST", "auth/token/renew-self", Some(&json!({"increment": "1h"})));
    let granted = renewed.json["auth"]["lease_duration"].as_u64().expect("lease_duration");
    assert!((25..=30).contains(&granted), "granted {granted} after tuning: {}", renewed.text);
}

#[test]
fn logs_to_a_file_are_plain_text() {
    let node = Node::must_start_dev(ROOT);
    node.dev_client().must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    let log = node.log();
    assert!(!log.is_empty());
    assert!(!log.contains('\u{1b}'), "ANSI escapes in a log file:\n{log}");
}
