//! The auth method commands of the `strongbox` CLI against a running dev node: `auth enable |
//! list | tune | disable` and `login -method=userpass` (token helper, `-path`, `-no-store`,
//! `-token-only`, wrapped logins), checked for Vault's exit codes, messages and output.

use serde_json::{json, Value};
use strongbox_cluster_tests::cli::{row, table_rows};
use strongbox_cluster_tests::{Cli, Node};

const ROOT: &str = "cli-auth-root";

const READ_SHARED: &str = "path \"secret/data/shared/*\" {\n  capabilities = [\"read\"]\n}\n";

/// The cells of the table line that starts with `path`.
fn table_line(stdout: &str, path: &str) -> Vec<String> {
    let line = stdout.lines().find(|l| l.starts_with(path)).unwrap_or_else(|| panic!("no {path} row in {stdout}"));
    line.split("    ").map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect()
}

#[test]
fn auth_enable_list_tune_and_disable() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);

    let out = cli.must_exit(0, &["auth", "enable", "userpass"]);
    assert_eq!(out.stdout, "Success! Enabled userpass auth method at: userpass/\n");
    let out = cli.must_exit(
        0,
        &[
            "auth",
            "enable",
            "-path=corp",
            "-description=Corp users",
            "-default-lease-ttl=1h",
            "-max-lease-ttl=2h",
            "userpass",
        ],
    );
    assert_eq!(out.stdout, "Success! Enabled userpass auth method at: corp/\n");

    // Failures: Vault's words and exit codes.
    let out = cli.must_exit(2, &["auth", "enable", "userpass"]);
    assert!(out.stderr.starts_with("Error enabling userpass auth: Error making API request."), "{out:?}");
    assert!(out.stderr.contains("* path is already in use at userpass/"), "{out:?}");
    let out = cli.must_exit(2, &["auth", "enable", "nosuch"]);
    assert!(out.stderr.contains("plugin not found in the catalog: nosuch"), "{out:?}");
    let out = cli.must_exit(1, &["auth", "enable"]);
    assert_eq!(out.stderr, "Not enough arguments (expected 1, got 0)\n");
    let out = cli.must_exit(1, &["auth", "enable", "a", "b"]);
    assert_eq!(out.stderr, "Too many arguments (expected 1, got 2)\n");
    cli.must_exit(1, &["auth", "enable", "-nope", "userpass"]);

    // The table, sorted by path.
    let out = cli.must_exit(0, &["auth", "list"]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].split_whitespace().eq(["Path", "Type", "Accessor", "Description", "Version"]), "{out:?}");
    let paths: Vec<&str> = lines[2..].iter().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(paths, ["corp/", "token/", "userpass/"], "{out:?}");
    let corp = table_line(&out.stdout, "corp/");
    assert_eq!(corp[1], "userpass");
    assert!(corp[2].starts_with("auth_userpass_"), "{corp:?}");
    assert_eq!(&corp[3..], ["Corp users", "n/a"]);
    assert_eq!(&table_line(&out.stdout, "userpass/")[3..], ["n/a", "n/a"]);

    // -detailed shows the TTLs ("system" when unset) and the token type.
    let out = cli.must_exit(0, &["auth", "list", "-detailed"]);
    assert!(out.stdout.starts_with("Path "), "{out:?}");
    assert_eq!(&table_line(&out.stdout, "corp/")[3..7], ["3600", "7200", "default-service", "replicated"]);
    assert_eq!(&table_line(&out.stdout, "userpass/")[3..5], ["system", "system"]);

    // JSON: a map of Vault's AuthMount structs.
    let json = cli.must_exit(0, &["auth", "list", "-format=json"]).must_json();
    assert_eq!(json["corp/"]["type"], "userpass");
    assert_eq!(json["corp/"]["description"], "Corp users");
    assert_eq!(json["corp/"]["config"]["default_lease_ttl"], 3600);
    assert_eq!(json["corp/"]["config"]["max_lease_ttl"], 7200);
    assert_eq!(json["token/"]["type"], "token");
    assert_eq!(json["userpass/"]["local"], false);

    // tune changes what is given and keeps the rest.
    let out = cli.must_exit(0, &["auth", "tune", "-default-lease-ttl=30m", "-description=tuned", "corp/"]);
    assert_eq!(out.stdout, "Success! Tuned the auth method at: corp/\n");
    let tuned = cli.must_exit(0, &["read", "-format=json", "sys/auth/corp/tune"]).must_json();
    assert_eq!(tuned["data"]["default_lease_ttl"], 1800, "{tuned}");
    assert_eq!(tuned["data"]["max_lease_ttl"], 7200, "{tuned}");
    assert_eq!(tuned["data"]["description"], "tuned", "{tuned}");
    // A mount's max may exceed the system's (as hvac's test_tune_auth_backend expects).
    cli.must_exit(0, &["auth", "tune", "-max-lease-ttl=5000h", "corp"]);
    let tuned = cli.must_exit(0, &["read", "-format=json", "sys/auth/corp/tune"]).must_json();
    assert_eq!(tuned["data"]["max_lease_ttl"], 5000 * 3600, "{tuned}");
    let out = cli.must_exit(2, &["auth", "tune", "-max-lease-ttl=1m", "corp/"]);
    assert!(out.stderr.starts_with("Error tuning auth method corp/: Error making API request."), "{out:?}");
    assert!(
        out.stderr.contains("backend max lease TTL of 60 would be less than backend default lease TTL of 1800"),
        "{out:?}"
    );
    let out = cli.must_exit(2, &["auth", "tune", "-default-lease-ttl=1h", "nope"]);
    assert!(out.stderr.starts_with("Error tuning auth method nope/: "), "{out:?}");
    cli.must_exit(1, &["auth", "tune"]);

    // disable (a missing path is not an error).
    let out = cli.must_exit(0, &["auth", "disable", "corp"]);
    assert_eq!(out.stdout, "Success! Disabled the auth method (if it existed) at: corp/\n");
    let out = cli.must_exit(0, &["auth", "disable", "/never-there/"]);
    assert_eq!(out.stdout, "Success! Disabled the auth method (if it existed) at: never-there/\n");
    let json = cli.must_exit(0, &["auth", "list", "-format=json"]).must_json();
    assert!(json.get("corp/").is_none() && json.get("userpass/").is_some(), "{json}");
    cli.must_exit(1, &["auth", "disable"]);

    // Without a token the server refuses.
    let out = Cli::new(&node.url()).must_exit(2, &["auth", "list"]);
    assert!(out.stderr.starts_with("Error listing enabled authentications: "), "{out:?}");
    assert!(out.stderr.contains("Code: 403"), "{out:?}");
}

#[test]
fn login_with_userpass_stores_the_token_for_later_commands() {
    let node = Node::must_start_dev(ROOT);
    let admin = Cli::new(&node.url()).token(ROOT);
    admin.must_exit(0, &["auth", "enable", "userpass"]);
    admin.must_exit(0, &["auth", "enable", "-path=corp", "userpass"]);
    let policy = node.dir().join("shared.hcl");
    std::fs::write(&policy, READ_SHARED).expect("writing the policy file");
    admin.must_exit(0, &["policy", "write", "shared", policy.to_str().expect("utf-8 path")]);
    admin.must_exit(0, &["write", "auth/userpass/users/alice", "password=pw", "policies=shared", "ttl=1h"]);
    admin.must_exit(0, &["write", "auth/corp/users/bob", "password=pw2", "policies=default"]);
    admin.must_exit(0, &["kv", "put", "secret/shared/db", "user=app"]);
    admin.must_exit(0, &["kv", "put", "secret/private", "k=v"]);

    // No VAULT_TOKEN: log in, then the stored token is used.
    let cli = Cli::new(&node.url());
    let out = cli.must_exit(0, &["login", "-method=userpass", "username=alice", "password=pw"]);
    assert!(out.stdout.starts_with("Success! You are now authenticated."), "{out:?}");
    let rows = table_rows(&out.stdout);
    let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "token",
            "token_accessor",
            "token_duration",
            "token_renewable",
            "token_policies",
            "identity_policies",
            "policies",
            "token_meta_username"
        ],
        "{out:?}"
    );
    assert_eq!(row(&rows, "token_duration"), "1h");
    assert_eq!(row(&rows, "token_renewable"), "true");
    assert_eq!(row(&rows, "token_policies"), r#"["default" "shared"]"#);
    assert_eq!(row(&rows, "token_meta_username"), "alice");
    let token = row(&rows, "token").to_string();
    let stored = cli.home().join(".vault-token");
    assert_eq!(std::fs::read_to_string(&stored).expect("the token helper file"), token);

    let out = cli.must_exit(0, &["kv", "get", "-field=user", "secret/shared/db"]);
    assert_eq!(out.stdout, "app");
    let out = cli.must_exit(2, &["kv", "get", "secret/private"]);
    assert!(out.stderr.contains("permission denied"), "{out:?}");
    let me = cli.must_exit(0, &["token", "lookup", "-format=json"]).must_json();
    assert_eq!(me["data"]["id"], token.as_str());
    assert_eq!(me["data"]["path"], "auth/userpass/login/alice");
    assert_eq!(me["data"]["meta"], json!({"username": "alice"}));

    // -path, -no-store and JSON: the stored token stays alice's.
    let out = cli.must_exit(
        0,
        &["login", "-method=userpass", "-path=corp", "-no-store", "-format=json", "username=bob", "password=pw2"],
    );
    assert!(out.stderr.contains("The token was not stored in token helper."), "{out:?}");
    let json = out.must_json();
    assert_eq!(json["auth"]["metadata"], json!({"username": "bob"}));
    assert_eq!(json["auth"]["token_policies"], json!(["default"]));
    assert_eq!(std::fs::read_to_string(&stored).expect("the token helper file"), token);
    let out = cli.must_exit(0, &["login", "-method=userpass", "-token-only", "username=alice", "password=pw"]);
    assert!(out.stdout.starts_with("hvs.") && !out.stdout.contains(char::is_whitespace), "{out:?}");

    // A wrapped login: printed as is with -no-store, unwrapped (and stored) otherwise.
    let out = cli.must_exit(
        0,
        &["login", "-method=userpass", "-wrap-ttl=1m", "-no-store", "-format=json", "username=alice", "password=pw"],
    );
    let wrapped = out.must_json();
    assert_eq!(wrapped["auth"], Value::Null, "{wrapped}");
    assert_eq!(wrapped["wrap_info"]["creation_path"], "auth/userpass/login/alice");
    assert!(wrapped["wrap_info"]["wrapped_accessor"].as_str().is_some_and(|a| !a.is_empty()), "{wrapped}");
    let wrapping_token = wrapped["wrap_info"]["token"].as_str().expect("a wrapping token").to_string();
    let unwrapped = Cli::new(&node.url()).must_exit(0, &["unwrap", "-format=json", &wrapping_token]).must_json();
    assert_eq!(unwrapped["auth"]["accessor"], wrapped["wrap_info"]["wrapped_accessor"], "{unwrapped}");
    let out = cli.must_exit(0, &["login", "-method=userpass", "-wrap-ttl=1m", "username=alice", "password=pw"]);
    let rows = table_rows(&out.stdout);
    assert_eq!(row(&rows, "token_meta_username"), "alice", "{out:?}");
    assert_eq!(std::fs::read_to_string(&stored).expect("the token helper file"), row(&rows, "token"));

    // Failures.
    let out = cli.must_exit(2, &["login", "-method=userpass", "username=alice", "password=wrong"]);
    assert!(out.stderr.starts_with("Error authenticating: Error making API request."), "{out:?}");
    assert!(out.stderr.contains("URL: PUT "), "{out:?}");
    assert!(out.stderr.contains("/v1/auth/userpass/login/alice"), "{out:?}");
    assert!(out.stderr.contains("invalid username or password"), "{out:?}");
    let out = cli.must_exit(2, &["login", "-method=userpass", "password=pw"]);
    assert_eq!(out.stderr, "Error authenticating: 'username' must be specified\n");
    let out = cli.must_exit(2, &["login", "-method=userpass", "username=alice"]);
    assert!(out.stderr.starts_with("Password (will be hidden): "), "{out:?}");
    let out = cli.must_exit(1, &["login", "-method=approle", "role_id=x"]);
    assert!(out.stderr.starts_with("Unknown auth method: approle."), "{out:?}");
    let out = cli.must_exit(2, &["login", "-method=userpass", "-path=nope", "username=alice", "password=pw"]);
    assert!(out.stderr.contains("/v1/auth/nope/login/alice"), "{out:?}");
}
