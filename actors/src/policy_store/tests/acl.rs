use serde_json::Map;

use super::super::{Acl, AclOperation, Capabilities, Policy, PolicyError};
use super::{data, must_acl, must_policy};
use crate::Operation;

use AclOperation::{Create, Delete, Help, List, Patch, Read, Update};

fn empty() -> Map<String, serde_json::Value> {
    Map::new()
}

/// `(operation, path, allowed)` checked against one ACL.
fn check(acl: &Acl, cases: &[(AclOperation, &str, bool)]) {
    for (op, path, want) in cases {
        assert_eq!(acl.allow(*op, path, &empty()).allowed, *want, "{op} {path}");
    }
}

#[test]
fn policy_store_acl_exact_and_prefix_globs() {
    let acl = must_acl(&[r#"
path "secret/foo" {
  capabilities = ["read"]
}
path "secret/bar/*" {
  capabilities = ["create", "update"]
}
path "secret/zip*" {
  capabilities = ["list"]
}
"#]);
    check(
        &acl,
        &[
            (Read, "secret/foo", true),
            (Read, "/secret/foo", true),
            (Update, "secret/foo", false),
            (Read, "secret/foo/bar", false),
            (Read, "secret/fo", false),
            (Create, "secret/bar/a", true),
            (Update, "secret/bar/a/b/c", true),
            (Update, "secret/bar/", true),
            (Update, "secret/bar", false),
            (Read, "secret/bar/a", false),
            (List, "secret/zip", true),
            (List, "secret/zipper/", true),
            (List, "secret/zi", false),
            (Read, "other/path", false),
        ],
    );
}

#[test]
fn policy_store_acl_segment_wildcards() {
    // Vault's docs: `secret/+/teamb` matches `secret/foo/teamb` but not `secret/foo/bar/teamb`.
    let acl = must_acl(&[r#"
path "secret/+/teamb" {
  capabilities = ["read"]
}
path "secret/+/+/teamc" {
  capabilities = ["read"]
}
path "+/config" {
  capabilities = ["read"]
}
path "kv/+/app*" {
  capabilities = ["update"]
}
"#]);
    check(
        &acl,
        &[
            (Read, "secret/foo/teamb", true),
            (Read, "secret/foo/bar/teamb", false),
            (Read, "secret/teamb", false),
            (Read, "secret/a/b/teamc", true),
            (Read, "secret/a/teamc", false),
            (Read, "anything/config", true),
            (Read, "a/b/config", false),
            (Update, "kv/x/app", true),
            (Update, "kv/x/apple/more", true),
            (Update, "kv/x/ap", false),
        ],
    );
}

/// Vault's priority rules, each as two rules that both match one path.
#[test]
fn policy_store_acl_precedence() {
    let cases = [
        // An exact path beats any glob.
        ("secret/foo", "secret/*", "secret/foo", "exact"),
        ("secret/foo", "secret/+", "secret/foo", "exact"),
        // The later first wildcard wins: foo/a* over foo/+.
        ("foo/a*", "foo/+", "foo/ab", "first"),
        ("foo/bar/+/baz", "foo/+/bar/baz", "foo/bar/bar/baz", "first"),
        // The longest prefix wins among prefixes.
        ("secret/foo/*", "secret/*", "secret/foo/bar", "first"),
        ("secret/foo*", "secret/+/bar", "secret/foo/bar", "first"),
        // Same first wildcard position: a non-prefix beats a prefix.
        ("foo/+/bar", "foo/+/ba*", "foo/x/bar", "first"),
        ("foo/+", "foo/*", "foo/x", "first"),
        ("secret/+/bar", "secret/*", "secret/foo/bar", "first"),
        // Fewer `+` segments win.
        ("foo/bar/+/baz", "foo/+/+/baz", "foo/bar/x/baz", "first"),
        // Longer wins.
        ("foo/+/bar/ba*", "foo/+/bar/b*", "foo/x/bar/baz", "first"),
    ];
    for (winner, loser, path, kind) in cases {
        // Give each rule a distinct capability; the winner's must be the one that applies, in
        // both orders of declaration and across two policies.
        let text = format!(
            "path \"{winner}\" {{\n  capabilities = [\"read\"]\n}}\npath \"{loser}\" {{\n  capabilities = [\"update\"]\n}}\n"
        );
        let acl = must_acl(&[&text]);
        assert_eq!(acl.capabilities(path), vec!["read"], "{kind}: {winner} should beat {loser} on {path}");
        let w = format!("path \"{winner}\" {{\n  capabilities = [\"read\"]\n}}\n");
        let l = format!("path \"{loser}\" {{\n  capabilities = [\"update\"]\n}}\n");
        let acl = must_acl(&[&l, &w]);
        assert!(acl.allow(Read, path, &empty()).allowed, "{winner} over {loser} on {path}");
        assert!(!acl.allow(Update, path, &empty()).allowed, "{winner} over {loser} on {path}");
    }
}

#[test]
fn policy_store_acl_deny_wins() {
    // Within one block.
    let acl = must_acl(&[r#"path "secret/*" { capabilities = ["read", "deny"] }"#]);
    assert!(!acl.allow(Read, "secret/a", &empty()).allowed);
    assert_eq!(acl.capabilities("secret/a"), vec!["deny"]);

    // Across policies on the same path, in either order.
    let allow = r#"path "secret/*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }"#;
    let deny = r#"path "secret/*" { capabilities = ["deny"] }"#;
    for texts in [[allow, deny], [deny, allow]] {
        let acl = must_acl(&texts);
        let d = acl.allow(Read, "secret/a", &empty());
        assert!(!d.allowed && !d.sudo);
        assert_eq!(acl.capabilities("secret/a"), vec!["deny"]);
    }

    // A more specific deny inside a broad grant.
    let acl = must_acl(&[r#"
path "secret/*" {
  capabilities = ["read"]
}
path "secret/super-secret" {
  capabilities = ["deny"]
}
"#]);
    check(&acl, &[(Read, "secret/a", true), (Read, "secret/super-secret", false)]);
}

#[test]
fn policy_store_acl_merges_capabilities_across_policies() {
    let acl = must_acl(&[
        r#"path "secret/foo" { capabilities = ["read"] }"#,
        r#"path "secret/foo" { capabilities = ["update", "sudo"] }"#,
        r#"path "secret/*" { policy = "read" }"#,
    ]);
    assert_eq!(acl.capabilities("secret/foo"), vec!["read", "sudo", "update"]);
    let d = acl.allow(Update, "secret/foo", &empty());
    assert!(d.allowed && d.sudo && !d.root);
    // The exact rule applies alone: the glob's `list` does not leak into it.
    assert!(!acl.allow(List, "secret/foo", &empty()).allowed);
    assert_eq!(acl.capabilities("secret/other"), vec!["list", "read"]);
    assert_eq!(acl.capabilities("nothing/here"), vec!["deny"]);
}

#[test]
fn policy_store_acl_create_update_patch_are_distinct() {
    let acl = must_acl(&[
        "path \"a\" { capabilities = [\"create\"] }\npath \"b\" { capabilities = [\"update\"] }\npath \"c\" { capabilities = [\"patch\"] }",
    ]);
    check(
        &acl,
        &[
            (Create, "a", true),
            (Update, "a", false),
            (Create, "b", false),
            (Update, "b", true),
            (Patch, "b", false),
            (Patch, "c", true),
            (Delete, "c", false),
            (Help, "c", true),
            (Help, "nowhere", true),
        ],
    );
    // Operations from the request path: a write to a missing path needs `create`.
    assert!(acl.allow(AclOperation::for_request(Operation::Update, false), "a", &empty()).allowed);
    assert!(!acl.allow(AclOperation::for_request(Operation::Update, true), "a", &empty()).allowed);
    assert!(acl.allow(Operation::Update, "b", &empty()).allowed);
}

#[test]
fn policy_store_acl_list_trailing_slash() {
    let acl = must_acl(&[r#"
path "secret/metadata" {
  capabilities = ["list"]
}
path "kv/team*" {
  capabilities = ["list"]
}
path "kv/teamx/*" {
  capabilities = ["read"]
}
"#]);
    // An exact rule without the slash covers a list of the directory.
    assert!(acl.allow(List, "secret/metadata/", &empty()).allowed);
    assert!(!acl.allow(Read, "secret/metadata/", &empty()).allowed);
    // Lists first try the path without its trailing slash against the globs: `kv/teamx` matches
    // `kv/team*` before `kv/teamx/*` is considered.
    assert!(acl.allow(List, "kv/teamx/", &empty()).allowed);
    assert_eq!(acl.capabilities("kv/teamx/"), vec!["list"]);
    assert!(acl.allow(Read, "kv/teamx/a", &empty()).allowed);
}

#[test]
fn policy_store_acl_allowed_parameters() {
    let acl = must_acl(&[r#"
path "secret/foo" {
  capabilities = ["create", "update", "read", "delete"]
  allowed_parameters = {
    "foo" = []
    "Bar" = ["baz", "zap-*", "*-end", 5]
  }
}
path "secret/any" {
  capabilities = ["update"]
  allowed_parameters = {
    "*" = []
    "bar" = ["baz"]
  }
}
path "secret/star" {
  capabilities = ["update"]
  allowed_parameters = {
    "*" = []
  }
}
path "secret/list" {
  capabilities = ["update"]
  allowed_parameters = {
    "roles" = ["a", "b"]
  }
}
"#]);
    let cases = [
        ("secret/foo", "{}", true),
        ("secret/foo", r#"{"foo": "anything"}"#, true),
        ("secret/foo", r#"{"bar": "baz"}"#, true),
        ("secret/foo", r#"{"BAR": "baz"}"#, true),
        ("secret/foo", r#"{"bar": "zap-1"}"#, true),
        ("secret/foo", r#"{"bar": "the-end"}"#, true),
        ("secret/foo", r#"{"bar": 5}"#, true),
        ("secret/foo", r#"{"bar": "other"}"#, false),
        ("secret/foo", r#"{"foo": 1, "zip": 1}"#, false),
        ("secret/any", r#"{"zip": 1, "bar": "baz"}"#, true),
        ("secret/any", r#"{"bar": "nope"}"#, false),
        ("secret/star", r#"{"whatever": [1, 2]}"#, true),
        ("secret/list", r#"{"roles": ["a", "b"]}"#, true),
        ("secret/list", r#"{"roles": "a, b"}"#, true),
        ("secret/list", r#"{"roles": ["a", "c"]}"#, false),
        ("secret/list", r#"{"roles": "a,c"}"#, false),
    ];
    for (path, body, want) in cases {
        assert_eq!(acl.allow(Update, path, &data(body)).allowed, want, "{path} {body}");
    }
    // Parameters are not checked for deletes and lists.
    assert!(acl.allow(Delete, "secret/foo", &data(r#"{"zip": 1}"#)).allowed);
    assert!(!acl.allow(Read, "secret/foo", &data(r#"{"zip": 1}"#)).allowed);
}

#[test]
fn policy_store_acl_denied_and_required_parameters() {
    let acl = must_acl(&[r#"
path "secret/foo" {
  capabilities = ["create", "update"]
  denied_parameters = {
    "bar" = []
    "baz" = ["*secret*", "x"]
  }
}
path "secret/none" {
  capabilities = ["update"]
  denied_parameters = {
    "*" = []
  }
}
path "secret/req" {
  capabilities = ["update"]
  required_parameters = ["Name", "ttl"]
}
path "secret/both" {
  capabilities = ["update"]
  allowed_parameters = {
    "a" = []
  }
  denied_parameters = {
    "a" = ["forbidden"]
  }
}
"#]);
    let cases = [
        ("secret/foo", r#"{"zip": 1}"#, true),
        ("secret/foo", r#"{"bar": ""}"#, false),
        ("secret/foo", r#"{"baz": "a-secret-value"}"#, false),
        ("secret/foo", r#"{"baz": "x"}"#, false),
        ("secret/foo", r#"{"baz": ["y", "x"]}"#, false),
        ("secret/foo", r#"{"baz": "y,x"}"#, false),
        ("secret/foo", r#"{"baz": "y"}"#, true),
        ("secret/none", "{}", true),
        ("secret/none", r#"{"a": 1}"#, false),
        ("secret/req", r#"{"name": "n", "ttl": 1}"#, true),
        ("secret/req", r#"{"name": "n", "ttl": 1, "other": 2}"#, true),
        ("secret/req", r#"{"name": "n"}"#, false),
        ("secret/req", "{}", false),
        ("secret/both", r#"{"a": "ok"}"#, true),
        ("secret/both", r#"{"a": "forbidden"}"#, false),
    ];
    for (path, body, want) in cases {
        assert_eq!(acl.allow(Update, path, &data(body)).allowed, want, "{path} {body}");
    }
}

#[test]
fn policy_store_acl_merges_parameters() {
    let acl = must_acl(&[
        "path \"p\" {\n  capabilities = [\"update\"]\n  allowed_parameters = { \"k\" = [\"a\"] }\n}",
        "path \"p\" {\n  capabilities = [\"update\"]\n  allowed_parameters = { \"k\" = [\"b\"] }\n}",
        "path \"q\" {\n  capabilities = [\"update\"]\n  allowed_parameters = { \"k\" = [\"a\"] }\n}",
        "path \"q\" {\n  capabilities = [\"update\"]\n  allowed_parameters = { \"k\" = [] }\n}",
        "path \"r\" {\n  capabilities = [\"update\"]\n  required_parameters = [\"x\"]\n}",
        "path \"r\" {\n  capabilities = [\"update\"]\n  required_parameters = [\"y\"]\n}",
    ]);
    let cases = [
        ("p", r#"{"k": "a"}"#, true),
        ("p", r#"{"k": "b"}"#, true),
        ("p", r#"{"k": "c"}"#, false),
        ("q", r#"{"k": "anything"}"#, true),
        ("r", r#"{"x": 1}"#, false),
        ("r", r#"{"x": 1, "y": 2}"#, true),
    ];
    for (path, body, want) in cases {
        assert_eq!(acl.allow(Update, path, &data(body)).allowed, want, "{path} {body}");
    }
    // A deny merged in drops everything else.
    let acl = must_acl(&[
        "path \"p\" {\n  capabilities = [\"update\"]\n  allowed_parameters = { \"k\" = [] }\n}",
        "path \"p\" {\n  capabilities = [\"deny\"]\n}",
    ]);
    assert!(!acl.allow(Update, "p", &data(r#"{"k": 1}"#)).allowed);
}

#[test]
fn policy_store_acl_wrapping_ttls() {
    let acl = must_acl(&[
        "path \"w\" {\n  capabilities = [\"update\"]\n  min_wrapping_ttl = \"1m\"\n  max_wrapping_ttl = \"1h\"\n}",
        "path \"m\" {\n  capabilities = [\"update\"]\n  max_wrapping_ttl = \"2h\"\n}",
        "path \"m\" {\n  capabilities = [\"update\"]\n  max_wrapping_ttl = \"30m\"\n  min_wrapping_ttl = 10\n}",
    ]);
    let d = empty();
    assert!(!acl.allow_wrapped(Update, "w", &d, None).allowed, "wrapping required");
    assert!(acl.allow_wrapped(Update, "w", &d, Some(60)).allowed);
    assert!(acl.allow_wrapped(Update, "w", &d, Some(3600)).allowed);
    assert!(!acl.allow_wrapped(Update, "w", &d, Some(59)).allowed);
    assert!(!acl.allow_wrapped(Update, "w", &d, Some(3601)).allowed);
    // Merged: the smaller max (30m) and the only min (10s).
    assert!(acl.allow_wrapped(Update, "m", &d, Some(1800)).allowed);
    assert!(!acl.allow_wrapped(Update, "m", &d, Some(1801)).allowed);
    assert!(!acl.allow_wrapped(Update, "m", &d, Some(9)).allowed);
}

#[test]
fn policy_store_acl_root() {
    let acl = Acl::new(&[Policy::root()]).unwrap();
    assert!(acl.is_root());
    let d = acl.allow(Delete, "sys/anything/at/all", &data(r#"{"x": 1}"#));
    assert!(d.allowed && d.sudo && d.root);
    assert_eq!(acl.capabilities("secret/foo"), vec!["root"]);
    let err = Acl::new(&[Policy::root(), Policy::default_policy().unwrap()]).unwrap_err();
    assert_eq!(err, PolicyError::RootWithOthers);
    assert_eq!(err.to_string(), "other policies present along with root");
}

#[test]
fn policy_store_acl_no_policies_denies_everything() {
    let acl = Acl::new(&[]).unwrap();
    assert!(!acl.allow(Read, "secret/foo", &empty()).allowed);
    assert_eq!(acl.capabilities("secret/foo"), vec!["deny"]);
}

#[test]
fn policy_store_acl_default_policy() {
    let acl = Acl::new(&[Policy::default_policy().unwrap()]).unwrap();
    check(
        &acl,
        &[
            (Read, "auth/token/lookup-self", true),
            (Update, "auth/token/lookup-self", false),
            (Update, "auth/token/renew-self", true),
            (Update, "auth/token/revoke-self", true),
            (Update, "sys/capabilities-self", true),
            (Read, "sys/internal/ui/resultant-acl", true),
            (Update, "sys/leases/renew", true),
            (Create, "cubbyhole/my-secret", true),
            (List, "cubbyhole/", true),
            (Delete, "cubbyhole/a/b", true),
            (Update, "sys/wrapping/unwrap", true),
            (Update, "sys/tools/hash/sha2-256", true),
            (Read, "identity/oidc/provider/default/authorize", true),
            (Update, "identity/oidc/provider/default/authorize", true),
            (Read, "identity/oidc/provider/a/b/authorize", false),
            // Templated paths need an identity; tokens without one get nothing from them.
            (Read, "identity/entity/id/{{identity.entity.id}}", false),
            (Read, "secret/foo", false),
            (Update, "sys/policies/acl/default", false),
        ],
    );
    assert_eq!(acl.capabilities("cubbyhole/x"), vec!["create", "delete", "list", "read", "update"]);
    assert!(!acl.allow(Read, "auth/token/lookup-self", &empty()).sudo);
}

/// 100 policies × 20 paths, a mix of exact, prefix and `+` rules, all indexed (its speed is
/// measured by `benches/acl.rs`).
#[test]
fn policy_store_acl_many_policies_pick_the_right_rule() {
    let mut policies = Vec::new();
    for p in 0..100 {
        let mut text = String::new();
        for r in 0..20 {
            let rule = match r % 4 {
                0 => format!("secret/team{p}/app{r}"),
                1 => format!("secret/team{p}/dir{r}/*"),
                2 => format!("kv/+/team{p}/svc{r}"),
                _ => format!("auth/+/role{p}-{r}*"),
            };
            text.push_str(&format!("path \"{rule}\" {{\n  capabilities = [\"read\", \"update\"]\n}}\n"));
        }
        policies.push(must_policy(&format!("p{p}"), &text));
    }
    let acl = Acl::new(&policies).unwrap();
    let paths = [
        "secret/team42/app4",
        "secret/team42/dir5/x/y",
        "kv/data/team7/svc6",
        "auth/approle/role99-19x",
        "nothing/matches/here",
    ];
    let body = data(r#"{"a": 1}"#);
    let allowed: Vec<bool> = paths.iter().map(|p| acl.allow(Read, p, &body).allowed).collect();
    assert_eq!(allowed, [true, true, true, true, false]);
    assert_eq!(acl.capabilities("auth/x/role3-3"), vec!["read", "update"]);
    assert!(acl.allow(Read, "auth/x/role3-3", &body).capabilities.contains(Capabilities::READ));
}

/// Vault's `hasMountAccess`: any rule granting something on or below the mount shows it.
#[test]
fn policy_store_acl_mount_access() {
    let acl = must_acl(&[r#"
path "secret/data/a/*" { capabilities = ["read"] }
path "kv/config" { capabilities = ["read"] }
path "team/+/app" { capabilities = ["list"] }
path "locked/*" { capabilities = ["deny"] }
path "open*" { capabilities = ["read"] }
"#]);
    for (mount, visible) in [
        ("secret/", true),
        ("kv/", true),
        ("team/", true),
        ("locked/", false),
        ("opentoo/", true),
        ("other/", false),
        ("sec/", false),
    ] {
        assert_eq!(acl.has_mount_access(mount), visible, "{mount}");
    }
    assert!(!must_acl(&[]).has_mount_access("secret/"));
}
