//! The lease and wrapping commands of the `strongbox` CLI against a running dev node: `lease
//! lookup | renew | revoke` on token leases, and `-wrap-ttl` on `read`/`write`/`list`/`kv get`/
//! `token create` followed by `unwrap`, checked for Vault's exit codes, messages and output.

use std::time::Duration;

use serde_json::Value;
use strongbox_cluster_tests::cli::{row, table_rows};
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Cli, Node};

const ROOT: &str = "cli-leases-root";

fn str_of<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str().unwrap_or_else(|| panic!("no {what}"))
}

/// The lease IDs under `prefix` (e.g. `auth/token/create/`), through `list`.
fn lease_ids(cli: &Cli, prefix: &str) -> Vec<String> {
    let out = cli.must_run(&["list", "-format=json", &format!("sys/leases/lookup/{prefix}")]);
    let keys = if out.code == 0 { out.must_json() } else { Value::Array(Vec::new()) };
    let keys = keys.as_array().cloned().unwrap_or_default();
    keys.iter().filter_map(Value::as_str).filter(|k| !k.ends_with('/')).map(|k| format!("{prefix}{k}")).collect()
}

/// Creates a token with `args` and returns (token, its lease ID).
fn token_with_lease(cli: &Cli, prefix: &str, args: &[&str]) -> (String, String) {
    let before = lease_ids(cli, prefix);
    let mut full = vec!["token", "create", "-format=json"];
    full.extend_from_slice(args);
    let created = cli.must_exit(0, &full).must_json();
    let token = str_of(&created["auth"]["client_token"], "client_token").to_string();
    let lease = lease_ids(cli, prefix).into_iter().find(|id| !before.contains(id)).expect("the new token's lease");
    (token, lease)
}

fn wait_token_gone(cli: &Cli, token: &str) {
    must_wait_for("the token to be revoked", Duration::from_secs(10), || {
        match cli.must_run(&["token", "lookup", token]).code {
            2 => Ok(()),
            code => Err(format!("token lookup exits {code}")),
        }
    });
}

#[test]
fn lease_lookup_renew_and_revoke_of_token_leases() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);
    let (token, lease) = token_with_lease(&cli, "auth/token/create/", &["-ttl=1h", "-policy=default"]);

    // lookup: the lease's fields, sorted, durations humanised.
    let out = cli.must_exit(0, &["lease", "lookup", &lease]);
    let rows = table_rows(&out.stdout);
    let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["expire_time", "id", "issue_time", "last_renewal", "path", "renewable", "ttl"], "{out:?}");
    assert_eq!(row(&rows, "id"), lease);
    assert_eq!(row(&rows, "last_renewal"), "<nil>");
    assert_eq!(row(&rows, "path"), "auth/token/create");
    assert_eq!(row(&rows, "renewable"), "true");
    assert!(row(&rows, "ttl").starts_with("59m") || row(&rows, "ttl") == "1h", "{rows:?}");
    let json = cli.must_exit(0, &["lease", "lookup", "-format=json", &lease]).must_json();
    assert!(json["data"]["ttl"].as_i64().is_some_and(|t| (3500..=3600).contains(&t)), "{json}");
    assert_eq!(json["lease_id"], "", "{json}");

    // renew: sys/leases/renew refuses tokens, as Vault's does.
    let out = cli.must_exit(2, &["lease", "renew", "-increment=1h", &lease]);
    assert!(out.stderr.starts_with(&format!("Error renewing {lease}: Error making API request.")), "{out:?}");
    assert!(out.stderr.contains("* tokens cannot be renewed through this endpoint"), "{out:?}");

    // Usage errors and unknown leases.
    assert_eq!(cli.must_exit(1, &["lease", "lookup"]).stderr, "Missing ID!\n");
    assert_eq!(cli.must_exit(1, &["lease", "lookup", "a", "b"]).stderr, "Too many arguments (expected 1, got 2)\n");
    assert_eq!(cli.must_exit(1, &["lease", "renew"]).stderr, "Missing ID!\n");
    assert_eq!(cli.must_exit(1, &["lease", "renew", "a", "b"]).stderr, "Too many arguments (expected 1-2, got 2)\n");
    let out = cli.must_exit(2, &["lease", "lookup", "nope"]);
    assert!(out.stderr.starts_with("error looking up lease id nope: Error making API request."), "{out:?}");
    assert!(out.stderr.contains("* invalid lease"), "{out:?}");
    let out = cli.must_exit(1, &["lease", "revoke", "-force", &lease]);
    assert_eq!(out.stderr, "Specifying -force requires also specifying -prefix\n");
    assert_eq!(cli.must_exit(1, &["lease", "revoke"]).stderr, "Not enough arguments (expected 1, got 0)\n");

    // revoke -sync: the token goes with its lease.
    let out = cli.must_exit(0, &["lease", "revoke", "-sync", &lease]);
    assert_eq!(out.stdout, format!("Success! Revoked lease: {lease}\n"));
    cli.must_exit(2, &["token", "lookup", &token]);
    cli.must_exit(2, &["lease", "lookup", &lease]);

    // revoke without -sync is queued.
    let (token, lease) = token_with_lease(&cli, "auth/token/create/", &["-ttl=1h"]);
    let out = cli.must_exit(0, &["lease", "revoke", &lease]);
    assert_eq!(out.stdout, "All revocation operations queued successfully!\n");
    wait_token_gone(&cli, &token);

    // -prefix takes every token of a role; -force -prefix warns first.
    cli.must_exit(0, &["write", "auth/token/roles/ci", "allowed_policies=default"]);
    let (first, _) = token_with_lease(&cli, "auth/token/create/ci/", &["-role=ci"]);
    let (second, _) = token_with_lease(&cli, "auth/token/create/ci/", &["-role=ci"]);
    let out = cli.must_exit(0, &["lease", "revoke", "-sync", "-prefix", "auth/token/create/ci/"]);
    assert_eq!(out.stdout, "Success! Revoked any leases with prefix: auth/token/create/ci/\n");
    cli.must_exit(2, &["token", "lookup", &first]);
    cli.must_exit(2, &["token", "lookup", &second]);
    let (third, _) = token_with_lease(&cli, "auth/token/create/ci/", &["-role=ci"]);
    let out = cli.must_exit(0, &["lease", "revoke", "-force", "-prefix", "auth/token/create/ci"]);
    assert!(out.stderr.starts_with("Warning! Force-removing leases can cause Vault to become out of sync"), "{out:?}");
    assert_eq!(out.stdout, "Success! Force revoked any leases with prefix: auth/token/create/ci\n");
    wait_token_gone(&cli, &third);

    // Only a sudo token may revoke by prefix.
    let created = cli.must_exit(0, &["token", "create", "-format=json", "-policy=default"]).must_json();
    let user = Cli::new(&node.url()).token(str_of(&created["auth"]["client_token"], "client_token"));
    let out = user.must_exit(2, &["lease", "revoke", "-prefix", "auth/token/create/"]);
    assert!(out.stderr.starts_with("Error revoking leases with prefix auth/token/create/: "), "{out:?}");
    assert!(out.stderr.contains("Code: 403"), "{out:?}");
}

#[test]
fn wrap_ttl_then_unwrap_exactly_once() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);
    cli.must_exit(0, &["kv", "put", "secret/app", "password=hunter2"]);

    // read -wrap-ttl prints the wrapping token instead of the secret.
    let out = cli.must_exit(0, &["read", "-wrap-ttl=5m", "secret/data/app"]);
    let rows = table_rows(&out.stdout);
    let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "wrapping_token:",
            "wrapping_accessor:",
            "wrapping_token_ttl:",
            "wrapping_token_creation_time:",
            "wrapping_token_creation_path:"
        ],
        "{out:?}"
    );
    assert_eq!(row(&rows, "wrapping_token_ttl:"), "5m");
    assert_eq!(row(&rows, "wrapping_token_creation_path:"), "secret/data/app");
    assert!(row(&rows, "wrapping_token_creation_time:").ends_with(" +0000 UTC"), "{rows:?}");
    assert!(!out.stdout.contains("hunter2"), "{out:?}");
    let wrapping = row(&rows, "wrapping_token:").to_string();

    // unwrap once; the second time the token is gone.
    let json = Cli::new(&node.url()).must_exit(0, &["unwrap", "-format=json", &wrapping]).must_json();
    assert_eq!(json["data"]["data"]["password"], "hunter2", "{json}");
    let out = cli.must_exit(2, &["unwrap", &wrapping]);
    assert!(out.stderr.starts_with("Error unwrapping: Error making API request."), "{out:?}");
    assert!(out.stderr.contains("* wrapping token is not valid or does not exist"), "{out:?}");

    // write -wrap-ttl, then -field on the unwrapped data.
    let wrapped =
        cli.must_exit(0, &["write", "-wrap-ttl=1m", "-format=json", "sys/wrapping/wrap", "foo=bar"]).must_json();
    assert_eq!(wrapped["wrap_info"]["ttl"], 60, "{wrapped}");
    assert_eq!(wrapped["wrap_info"]["creation_path"], "sys/wrapping/wrap");
    let out = cli.must_exit(0, &["unwrap", "-field=foo", str_of(&wrapped["wrap_info"]["token"], "token")]);
    assert_eq!(out.stdout, "bar");

    // kv get -wrap-ttl, unwrapped with the wrapping token as VAULT_TOKEN (no argument).
    let out = cli.must_exit(0, &["kv", "get", "-wrap-ttl=2m", "secret/app"]);
    let rows = table_rows(&out.stdout);
    assert_eq!(row(&rows, "wrapping_token_ttl:"), "2m");
    let as_wrapping = Cli::new(&node.url()).token(row(&rows, "wrapping_token:"));
    let out = as_wrapping.must_exit(0, &["unwrap"]);
    assert!(out.stdout.contains("hunter2"), "{out:?}");

    // A wrapped list unwraps as a list.
    let wrapped = cli.must_exit(0, &["list", "-wrap-ttl=1m", "-format=json", "secret/metadata"]).must_json();
    let out = cli.must_exit(0, &["unwrap", str_of(&wrapped["wrap_info"]["token"], "token")]);
    assert_eq!(out.stdout, "Keys\n----\napp\n");

    // A wrapped token: the accessor is visible, the token only after unwrapping.
    let wrapped = cli.must_exit(0, &["token", "create", "-wrap-ttl=1m", "-format=json"]).must_json();
    let accessor = str_of(&wrapped["wrap_info"]["wrapped_accessor"], "wrapped_accessor").to_string();
    assert_eq!(wrapped["auth"], Value::Null, "{wrapped}");
    let out = cli.must_exit(0, &["unwrap", str_of(&wrapped["wrap_info"]["token"], "token")]);
    let rows = table_rows(&out.stdout);
    assert_eq!(row(&rows, "token_accessor"), accessor);
    Cli::new(&node.url()).token(row(&rows, "token")).must_exit(0, &["token", "lookup"]);

    assert_eq!(cli.must_exit(1, &["unwrap", "a", "b"]).stderr, "Too many arguments (expected 0-1, got 2)\n");
    let out = cli.must_exit(1, &["read", "-wrap-ttl=nope", "secret/data/app"]);
    assert!(out.stderr.starts_with("invalid value \"nope\" for flag -wrap-ttl"), "{out:?}");
}
