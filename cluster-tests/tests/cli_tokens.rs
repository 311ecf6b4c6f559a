//! The token and policy commands of the `strongbox` CLI against a running dev node: `token
//! create|lookup|renew|revoke|capabilities`, `policy write|read|list|delete|fmt` and `login`,
//! checked for Vault's exit codes, table and JSON output, and their effect on the server.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use strongbox_cluster_tests::cli::table_rows;
use strongbox_cluster_tests::{Cli, Node};

const ROOT: &str = "cli-tokens-root";

const READ_SECRET: &str = "path \"secret/data/app/*\" {\n  capabilities = [\"read\"]\n}\n";

fn token_of(created: &Value) -> String {
    created["auth"]["client_token"].as_str().unwrap_or_else(|| panic!("no client_token: {created}")).to_string()
}

#[test]
fn token_create_lookup_renew_and_revoke() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);
    let http = node.dev_client();

    // The table: Vault's rows in Vault's order, metadata last.
    let out = cli.must_exit(0, &["token", "create", "-policy=default", "-metadata=team=a", "-ttl=1h"]);
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
            "token_meta_team"
        ],
        "{out:?}"
    );
    assert_eq!(rows[2].1, "1h");
    assert_eq!(rows[3].1, "true");
    assert_eq!(rows[4].1, r#"["default"]"#);
    assert_eq!(rows[7].1, "a");

    // JSON, with the flags the Go client sends.
    let created = cli
        .must_exit(
            0,
            &["token", "create", "-format=json", "-policy=default", "-ttl=30m", "-display-name=ci", "-use-limit=5"],
        )
        .must_json();
    assert_eq!(created["auth"]["lease_duration"], 1800, "{created}");
    assert_eq!(created["auth"]["renewable"], true);
    let token = token_of(&created);
    let accessor = created["auth"]["accessor"].as_str().expect("accessor").to_string();

    let looked = cli.must_exit(0, &["token", "lookup", "-format=json", &token]).must_json();
    assert_eq!(looked["data"]["display_name"], "token-ci", "{looked}");
    assert_eq!(looked["data"]["policies"], json!(["default"]));
    let by_accessor = cli.must_exit(0, &["token", "lookup", "-format=json", "-accessor", &accessor]).must_json();
    assert_eq!(by_accessor["data"]["accessor"], accessor.as_str());
    assert_eq!(by_accessor["data"]["id"], "", "an accessor lookup hides the token: {by_accessor}");
    // lookup-self by default.
    let own = Cli::new(&node.url()).token(&token).must_exit(0, &["token", "lookup", "-format=json"]).must_json();
    assert_eq!(own["data"]["accessor"], accessor.as_str());

    // -field prints the raw value.
    let field = cli.must_exit(0, &["token", "create", "-field=token", "-policy=default"]);
    assert!(!field.stdout.trim().is_empty() && !field.stdout.contains(' '), "{field:?}");
    cli.must_exit(1, &["token", "create", "-field=nope"]);

    let renewed = cli.must_exit(0, &["token", "renew", "-format=json", "-increment=45m", &token]).must_json();
    assert_eq!(renewed["auth"]["lease_duration"], 2700, "{renewed}");
    let renewed = cli.must_exit(0, &["token", "renew", "-i", "20m", "-accessor", &accessor]);
    assert_eq!(table_rows(&renewed.stdout)[2], ("token_duration".to_string(), "20m".to_string()));

    // Orphan revocation leaves the children; a plain revoke takes the tree.
    let parent = token_of(&cli.must_exit(0, &["token", "create", "-format=json"]).must_json());
    let child =
        token_of(&Cli::new(&node.url()).token(&parent).must_exit(0, &["token", "create", "-format=json"]).must_json());
    let out = cli.must_exit(0, &["token", "revoke", "-mode=orphan", &parent]);
    assert_eq!(out.stdout.trim(), "Success! Revoked token (if it existed)");
    cli.must_exit(0, &["token", "lookup", &child]);
    cli.must_exit(2, &["token", "lookup", &parent]);
    let parent = token_of(&cli.must_exit(0, &["token", "create", "-format=json"]).must_json());
    let as_parent = Cli::new(&node.url()).token(&parent);
    let child = token_of(&as_parent.must_exit(0, &["token", "create", "-format=json"]).must_json());
    cli.must_exit(0, &["token", "revoke", &parent]);
    cli.must_exit(2, &["token", "lookup", &child]);

    cli.must_exit(0, &["token", "revoke", "-accessor", &accessor]);
    let gone = cli.must_exit(2, &["token", "lookup", &token]);
    assert!(gone.stderr.contains("Error looking up token"), "{gone:?}");
    assert_eq!(http.with_token(&token).must_get("auth/token/lookup-self").status, 403);

    let own = token_of(&cli.must_exit(0, &["token", "create", "-format=json"]).must_json());
    Cli::new(&node.url()).token(&own).must_exit(0, &["token", "revoke", "-self"]);
    cli.must_exit(2, &["token", "lookup", &own]);
}

#[test]
fn token_usage_errors_exit_1() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);
    let cases: &[(&[&str], &str)] = &[
        (&["token", "create", "extra"], "Too many arguments (expected 0, got 1)"),
        (&["token", "create", "-ttl=bogus"], "invalid value \"bogus\" for flag -ttl"),
        (&["token", "lookup", "a", "b"], "Too many arguments (expected 0-1, got 2)"),
        (&["token", "lookup", "-accessor"], "Not enough arguments with -accessor (expected 1, got 0)"),
        (&["token", "renew", "a", "b"], "Too many arguments (expected 1, got 2)"),
        (&["token", "revoke"], "Not enough arguments (expected 1 or -self, got 0)"),
        (&["token", "revoke", "-mode=bad", "x"], "Invalid mode: bad"),
        (&["token", "revoke", "-self", "-accessor"], "Cannot use -self with -accessor!"),
        (&["token", "revoke", "-accessor", "-mode=orphan", "x"], "Cannot use -accessor with -mode=orphan!"),
        (&["token", "revoke", "-format=json", "x"], "flag provided but not defined: -format"),
        (&["token", "capabilities"], "Not enough arguments (expected 1-2, got 0)"),
        (&["token", "capabilities", "a", "b", "c"], "Too many arguments (expected 1-2, got 3)"),
        (&["token"], "Usage: strongbox token <subcommand>"),
    ];
    for (args, msg) in cases {
        let out = cli.must_exit(1, args);
        assert!(out.stderr.contains(msg), "strongbox {}: want {msg:?} on stderr: {out:?}", args.join(" "));
    }
    // A request the server refuses is exit 2.
    let out = cli.must_exit(2, &["token", "renew"]);
    assert!(out.stderr.contains("Error renewing token") && out.stderr.contains("auth/token/renew-self"), "{out:?}");
}

#[test]
fn token_capabilities_follow_policies() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);
    let file = cli.home().join("app.hcl");
    std::fs::write(&file, READ_SECRET).expect("writing the policy file");
    cli.must_exit(0, &["policy", "write", "app", file.to_str().expect("utf-8 path")]);
    let token = token_of(&cli.must_exit(0, &["token", "create", "-format=json", "-policy=app"]).must_json());

    let out = cli.must_exit(0, &["token", "capabilities", &token, "secret/data/app/x"]);
    assert_eq!(out.stdout.trim(), "read");
    let out = cli.must_exit(0, &["token", "capabilities", &token, "secret/data/other"]);
    assert_eq!(out.stdout.trim(), "deny");
    let caps = cli.must_exit(0, &["token", "capabilities", "-format=json", &token, "cubbyhole/x"]).must_json();
    assert_eq!(caps, json!(["create", "delete", "list", "read", "update"]));
    // Without a token argument: the caller's own (sys/capabilities-self).
    let own = Cli::new(&node.url()).token(&token);
    assert_eq!(own.must_exit(0, &["token", "capabilities", "secret/data/app/y"]).stdout.trim(), "read");
    assert_eq!(cli.must_exit(0, &["token", "capabilities", "sys/policy"]).stdout.trim(), "root");
}

#[test]
fn policy_write_read_list_delete() {
    let node = Node::must_start_dev(ROOT);
    let cli = Cli::new(&node.url()).token(ROOT);
    let http = node.dev_client();
    let file = cli.home().join("p.hcl");
    std::fs::write(&file, READ_SECRET).expect("writing the policy file");
    let path = file.to_str().expect("utf-8 path");

    let out = cli.must_exit(0, &["policy", "write", "My-Pol", path]);
    assert_eq!(out.stdout.trim(), "Success! Uploaded policy: my-pol");
    assert!(out.stderr.contains("Policy name was converted from \"My-Pol\" to \"my-pol\""), "{out:?}");
    assert_eq!(http.must_get("sys/policies/acl/my-pol").json["data"]["policy"], READ_SECRET);

    let out = cli.must_exit(0, &["policy", "read", "my-pol"]);
    assert_eq!(out.stdout, READ_SECRET, "the rules, trimmed, and a newline");
    let read = cli.must_exit(0, &["policy", "read", "-format=json", "MY-POL"]).must_json();
    assert_eq!(read, json!({ "policy": READ_SECRET }));

    let out = cli.must_exit(0, &["policy", "list"]);
    assert_eq!(out.stdout.lines().collect::<Vec<_>>(), ["default", "my-pol", "root"]);
    let listed = cli.must_exit(0, &["policy", "list", "-format=json"]).must_json();
    assert_eq!(listed, json!(["default", "my-pol", "root"]));

    let out = cli.must_exit(2, &["policy", "read", "nope"]);
    assert_eq!(out.stderr.trim(), "No policy named: nope");
    let out = cli.must_exit(2, &["policy", "write", "x", "/nonexistent/p.hcl"]);
    assert!(out.stderr.contains("Error opening policy file: open /nonexistent/p.hcl: no such file"), "{out:?}");
    let bad = cli.home().join("bad.hcl");
    std::fs::write(&bad, "path \"x\" { capabilities = [\"bogus\"] }").expect("writing");
    let out = cli.must_exit(2, &["policy", "write", "bad", bad.to_str().expect("utf-8")]);
    assert!(out.stderr.contains("Error uploading policy") && out.stderr.contains("Code: 400"), "{out:?}");
    cli.must_exit(1, &["policy", "write", "only-a-name"]);
    cli.must_exit(1, &["policy"]);

    let out = cli.must_exit(0, &["policy", "delete", "My-Pol"]);
    assert_eq!(out.stdout.trim(), "Success! Deleted policy: my-pol");
    assert_eq!(http.must_get("sys/policies/acl/my-pol").status, 404);

    // Writing from stdin.
    let mut child = Command::new(strongbox_cluster_tests::binary::must_find())
        .args(["policy", "write", "from-stdin", "-"])
        .env("VAULT_ADDR", node.url())
        .env("VAULT_TOKEN", ROOT)
        .env("HOME", cli.home())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning the CLI");
    child.stdin.take().expect("stdin").write_all(READ_SECRET.as_bytes()).expect("writing stdin");
    let done = child.wait_with_output().expect("waiting for the CLI");
    assert!(done.status.success(), "{done:?}");
    assert_eq!(http.must_get("sys/policies/acl/from-stdin").json["data"]["policy"], READ_SECRET);
}

#[test]
fn policy_fmt_formats_in_place_keeping_comments() {
    // No server: fmt never talks to one.
    let cli = Cli::new("http://127.0.0.1:1");
    let file = cli.home().join("fmt.hcl");
    let path = file.to_str().expect("utf-8 path");
    let src = "# why\npath   \"a/*\"   {\ncapabilities=[\"read\",\"list\"]   # note\n    policy = \"read\"\n}\n";
    std::fs::write(&file, src).expect("writing");
    let out = cli.must_exit(0, &["policy", "fmt", path]);
    assert_eq!(out.stdout.trim(), format!("Success! Formatted policy: {path}"));
    assert_eq!(
        std::fs::read_to_string(&file).expect("reading"),
        "# why\npath \"a/*\" {\n  capabilities = [\"read\", \"list\"] # note\n  policy       = \"read\"\n}\n"
    );

    std::fs::write(&file, "path \"x\" { capabilities = [\"bogus\"] }").expect("writing");
    let out = cli.must_exit(1, &["policy", "fmt", path]);
    assert!(out.stderr.contains("failed to parse policy"), "{out:?}");
    let out = cli.must_exit(1, &["policy", "fmt", "/nonexistent/x.hcl"]);
    assert!(out.stderr.contains("Error reading source file: open /nonexistent/x.hcl"), "{out:?}");
    cli.must_exit(1, &["policy", "fmt"]);
}

#[test]
fn login_stores_the_token_for_later_commands() {
    let node = Node::must_start_dev(ROOT);
    let admin = Cli::new(&node.url()).token(ROOT);
    let created = admin
        .must_exit(0, &["token", "create", "-format=json", "-policy=default", "-ttl=1h", "-metadata=team=a"])
        .must_json();
    let token = token_of(&created);

    // No VAULT_TOKEN: login, then the stored token is used.
    let cli = Cli::new(&node.url());
    let out = cli.must_exit(0, &["login", &token]);
    assert!(
        out.stdout.starts_with(
            "Success! You are now authenticated. The token information displayed below\nis already stored in the \
             token helper. You do NOT need to run \"vault login\"\nagain. Future Vault requests will automatically \
             use this token.\n\n"
        ),
        "{out:?}"
    );
    let rows = table_rows(&out.stdout);
    assert_eq!(rows[0], ("token".to_string(), token.clone()));
    assert_eq!(rows[1], ("token_accessor".to_string(), created["auth"]["accessor"].as_str().unwrap().to_string()));
    assert_eq!(rows.last().cloned(), Some(("token_meta_team".to_string(), "a".to_string())));
    let stored = cli.home().join(".vault-token");
    assert_eq!(std::fs::read_to_string(&stored).expect("the token helper file"), token);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&stored).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let me = cli.must_exit(0, &["token", "lookup", "-format=json"]).must_json();
    assert_eq!(me["data"]["id"], token.as_str());

    // JSON, -field, -no-store, token= and lookup=false.
    std::fs::remove_file(&stored).expect("removing the token file");
    let json = cli.must_exit(0, &["login", "-no-store", "-format=json", &format!("token={token}")]).must_json();
    assert_eq!(json["auth"]["client_token"], token.as_str());
    assert_eq!(json["auth"]["token_policies"], json!(["default"]));
    assert_eq!(json["auth"]["metadata"], json!({"team": "a"}));
    assert_eq!(json["auth"]["renewable"], true);
    assert!(!stored.exists(), "-no-store stores nothing");
    let out = cli.must_exit(0, &["login", "-field=token_policies", &token]);
    assert_eq!(out.stdout.trim(), "[default]");
    assert!(stored.exists());
    let out = cli.must_exit(0, &["login", "-token-only", &format!("token={token}"), "lookup=false"]);
    assert_eq!(out.stdout.trim(), token);

    // Failures.
    let out = cli.must_exit(2, &["login", "not-a-token"]);
    assert!(out.stderr.contains("Error authenticating: error looking up token"), "{out:?}");
    let out = cli.must_exit(1, &["login", "-method=github", "token=x"]);
    assert!(out.stderr.starts_with("Unknown auth method: github."), "{out:?}");
    let out = cli.must_exit(1, &["login", "-no-store", "-no-print", &token]);
    assert!(out.stderr.contains("-no-store and -no-print cannot be used together"), "{out:?}");
    let out = cli.must_exit(2, &["login"]);
    assert!(out.stderr.contains("Token (will be hidden): ") && out.stderr.contains("not a terminal"), "{out:?}");

    // With VAULT_TOKEN set, Vault warns that it wins over the stored token.
    let out = Cli::new(&node.url()).token(ROOT).must_exit(0, &["login", &token]);
    assert!(out.stderr.contains("WARNING! The VAULT_TOKEN environment variable"), "{out:?}");
}
