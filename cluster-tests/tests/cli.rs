//! The `strongbox` CLI against a running node, as an operator would use it: `VAULT_ADDR`,
//! `VAULT_TOKEN`, exit codes (0 ok, 1 usage or connection error, 2 API error or sealed) and
//! `-format=json` that parses.

use serde_json::{json, Value};
use strongbox_cluster_tests::{Cli, Node, NodeConfig};

const ROOT: &str = "cli-root";

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn status_operator_init_unseal_and_seal() {
    let node = Node::must_start(NodeConfig::inmem());
    let mut cli = Cli::new(&node.url());

    let out = cli.must_exit(2, &["status"]);
    assert!(out.stdout.contains("Initialized") && out.stdout.contains("false"), "{out:?}");

    let init = cli.must_exit(0, &["operator", "init", "-format=json", "-key-shares=3", "-key-threshold=2"]).must_json();
    let b64 = strs(&init["unseal_keys_b64"]);
    let hex = strs(&init["unseal_keys_hex"]);
    assert_eq!((b64.len(), hex.len()), (3, 3), "{init}");
    assert!(hex.iter().all(|k| k.len() == 66), "{init}");
    assert_eq!((init["unseal_shares"].clone(), init["unseal_threshold"].clone()), (json!(3), json!(2)));
    let root = init["root_token"].as_str().expect("root_token").to_string();

    let st = cli.must_exit(2, &["status", "-format=json"]).must_json();
    assert_eq!(
        (st["initialized"].clone(), st["sealed"].clone(), st["t"].clone(), st["n"].clone()),
        (json!(true), json!(true), json!(2), json!(3)),
        "{st}"
    );

    let out = cli.must_exit(0, &["operator", "unseal", &b64[0]]);
    assert!(out.stdout.contains("1/2"), "unseal progress is shown: {out:?}");
    let st = cli.must_exit(0, &["operator", "unseal", "-format=json", &hex[2]]).must_json();
    assert_eq!(st["sealed"], false, "{st}");
    let out = cli.must_exit(0, &["status"]);
    assert!(out.stdout.contains("Sealed") && out.stdout.contains("false"), "{out:?}");
    assert_eq!(node.client().must_get("sys/health").status, 200, "the CLI unsealed the node");

    let out = cli.must_exit(2, &["operator", "seal"]);
    assert!(out.stderr.contains("permission denied"), "{out:?}");
    cli.set_token(Some(&root));
    let out = cli.must_exit(0, &["operator", "seal"]);
    assert!(out.stdout.contains("Vault is sealed"), "{out:?}");
    cli.must_exit(2, &["status"]);
    assert_eq!(node.client().must_get("sys/health").status, 503);
}

#[test]
fn exit_codes_for_usage_and_connection_errors() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);
    cli.must_exit(0, &["status"]);
    cli.must_exit(1, &["kv", "put"]);
    cli.must_exit(127, &["no-such-command"]);
    let missing = cli.must_exit(2, &["kv", "get", "secret/missing"]);
    assert!(missing.stdout.contains("No value found") || missing.stderr.contains("No value found"), "{missing:?}");

    // Nothing listens there: an error, not "sealed".
    let port = strongbox_cluster_tests::ports::must_free_port(std::net::Ipv4Addr::LOCALHOST);
    let out = Cli::new(&format!("http://127.0.0.1:{port}")).must_exit(1, &["status"]);
    assert!(out.stderr.contains("Error checking seal status"), "{out:?}");
}

#[test]
fn secrets_and_kv_commands() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);
    let http = node.dev_client();

    cli.must_exit(0, &["secrets", "enable", "-path=team", "-version=2", "-description=team kv", "kv"]);
    cli.must_exit(0, &["secrets", "enable", "-path=old", "kv"]);
    let mounts = cli.must_exit(0, &["secrets", "list", "-format=json"]).must_json();
    for m in ["team/", "old/", "secret/", "sys/"] {
        assert!(mounts.get(m).is_some(), "{m} missing from secrets list: {mounts}");
    }
    assert_eq!(mounts["team/"]["options"]["version"], "2");
    assert_eq!(mounts["team/"]["description"], "team kv");
    assert_eq!(mounts["team/"]["type"], "kv");

    cli.must_exit(0, &["kv", "put", "team/app", "user=alice", "pass=s3cr3t"]);
    let put = cli.must_exit(0, &["kv", "put", "-format=json", "team/app", "user=bob"]).must_json();
    assert_eq!(put["data"]["version"], 2, "{put}");
    assert_eq!(http.must_get("team/data/app").json["data"]["data"], json!({"user": "bob"}), "the CLI wrote over HTTP");

    let got = cli.must_exit(0, &["kv", "get", "-format=json", "team/app"]).must_json();
    assert_eq!(got["data"]["data"], json!({"user": "bob"}));
    let v1 = cli.must_exit(0, &["kv", "get", "-format=json", "-version=1", "team/app"]).must_json();
    assert_eq!(v1["data"]["data"], json!({"user": "alice", "pass": "s3cr3t"}));
    let field = cli.must_exit(0, &["kv", "get", "-field=user", "team/app"]);
    assert_eq!(field.stdout.trim(), "bob");
    let table = cli.must_exit(0, &["kv", "get", "team/app"]);
    assert!(table.stdout.contains("user") && table.stdout.contains("bob"), "{table:?}");

    cli.must_exit(0, &["kv", "put", "team/other", "x=1"]);
    let mut listed = strs(&cli.must_exit(0, &["kv", "list", "-format=json", "team/"]).must_json());
    listed.sort();
    assert_eq!(listed, vec!["app", "other"]);
    let meta = cli.must_exit(0, &["kv", "metadata", "get", "-format=json", "team/app"]).must_json();
    assert_eq!(meta["data"]["current_version"], 2, "{meta}");
    assert_eq!(meta["data"]["versions"].as_object().map(|v| v.len()), Some(2));

    // KV v1 and the generic commands.
    cli.must_exit(0, &["kv", "put", "old/x", "a=1"]);
    cli.must_exit(0, &["write", "old/y", "b=2"]);
    let read = cli.must_exit(0, &["read", "-format=json", "old/y"]).must_json();
    assert_eq!(read["data"], json!({"b": "2"}));
    let mut listed = strs(&cli.must_exit(0, &["list", "-format=json", "old/"]).must_json());
    listed.sort();
    assert_eq!(listed, vec!["x", "y"]);
    cli.must_exit(0, &["delete", "old/y"]);
    assert_eq!(http.must_get("old/y").status, 404);
    assert_eq!(http.must_get("old/x").json["data"], json!({"a": "1"}));

    cli.must_exit(0, &["secrets", "disable", "old"]);
    let mounts = cli.must_exit(0, &["secrets", "list", "-format=json"]).must_json();
    assert!(mounts.get("old/").is_none(), "{mounts}");
}

#[test]
fn token_from_the_private_home_vault_token() {
    let node = Node::must_start_dev(ROOT);
    node.dev_client().must_ok("POST", "secret/data/from-home", Some(&json!({"data": {"ok": "yes"}})));
    let cli = Cli::new(&node.url());
    let denied = cli.must_exit(2, &["kv", "get", "secret/from-home"]);
    assert!(denied.stderr.contains("permission denied"), "{denied:?}");
    std::fs::write(cli.home().join(".vault-token"), ROOT).expect("writing .vault-token");
    let got = cli.must_exit(0, &["kv", "get", "-format=json", "secret/from-home"]).must_json();
    assert_eq!(got["data"]["data"], json!({"ok": "yes"}));
}
