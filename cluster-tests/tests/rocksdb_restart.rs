//! RocksDB storage across `kill -9`: everything written before the crash is there after a
//! restart and unseal, and nothing a user wrote ever reaches the disk in plaintext.

use base64::Engine;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};
use strongbox_cluster_tests::{Client, Node, NodeConfig};

fn health(node: &Node) -> serde_json::Value {
    node.client().must_get("sys/health").json
}

#[test]
fn secrets_mounts_and_keys_survive_kill_9() {
    let mut node = Node::must_start(NodeConfig::rocksdb());
    let (keys, root) = node.must_init(3, 2);
    node.must_unseal(&keys[..2]);
    let c = node.client().with_token(&root);
    let cluster_id = health(&node)["cluster_id"].clone();

    c.must_ok(
        "POST",
        "sys/mounts/app",
        Some(&json!({"type": "kv", "description": "app secrets", "options": {"version": "2"}})),
    );
    c.must_ok("POST", "sys/mounts/legacy", Some(&json!({"type": "kv", "options": {"version": "1"}})));
    c.must_ok("POST", "sys/mounts/app/tune", Some(&json!({"default_lease_ttl": "1h", "max_lease_ttl": "2h"})));
    c.must_ok("POST", "app/data/db", Some(&json!({"data": {"pw": "v1"}})));
    c.must_ok("POST", "app/data/db", Some(&json!({"data": {"pw": "v2"}})));
    c.must_ok("POST", "app/data/db", Some(&json!({"data": {"pw": "v3"}})));
    c.must_ok("POST", "app/delete/db", Some(&json!({"versions": [2]})));
    c.must_ok("POST", "app/metadata/db", Some(&json!({"custom_metadata": {"owner": "ops"}, "max_versions": 5})));
    c.must_ok("PUT", "legacy/conf", Some(&json!({"url": "https://example.invalid", "n": 7})));
    let term = c.must_status(200, "GET", "sys/key-status", None).json["data"]["term"].clone();

    node.note("kill -9 after the writes");
    node.kill();
    node.restart();
    let s = node.client().must_get("sys/seal-status").json;
    assert_eq!(
        (s["initialized"].clone(), s["sealed"].clone(), s["t"].clone(), s["n"].clone()),
        (json!(true), json!(true), json!(2), json!(3)),
        "{s}"
    );
    assert_eq!(node.client().must_get("sys/health").status, 503);
    assert_eq!(c.must_get("app/data/db").status, 503);
    node.must_unseal(&keys[1..]);

    assert_everything_is_back(&c, "v3");
    assert_eq!(health(&node)["cluster_id"], cluster_id, "the cluster id changed across a restart");
    assert_eq!(c.must_get("sys/key-status").json["data"]["term"], term);

    // Rotate the barrier key, write under the new term, crash again: both terms still decrypt.
    c.must_ok("PUT", "sys/rotate", None);
    let rotated = c.must_get("sys/key-status").json["data"]["term"].clone();
    assert_eq!(rotated.as_u64(), term.as_u64().map(|t| t + 1), "sys/rotate did not advance the term");
    c.must_ok("POST", "app/data/db", Some(&json!({"data": {"pw": "v4"}})));
    c.must_ok("PUT", "legacy/after-rotate", Some(&json!({"x": 1})));
    node.kill();
    node.restart();
    node.must_unseal(&[keys[2].clone(), keys[0].clone()]);
    assert_everything_is_back(&c, "v4");
    assert_eq!(c.must_get("legacy/after-rotate").json["data"], json!({"x": 1}));
    assert_eq!(c.must_get("sys/key-status").json["data"]["term"], rotated);
}

fn assert_everything_is_back(c: &Client, latest: &str) {
    let mounts = c.must_status(200, "GET", "sys/mounts", None).json["data"].clone();
    assert_eq!(mounts["app/"]["description"], "app secrets", "{mounts}");
    assert_eq!(mounts["app/"]["options"]["version"], "2");
    assert_eq!(mounts["legacy/"]["type"], "kv");
    assert_eq!(mounts["app/"]["config"]["default_lease_ttl"], 3600, "the tune was lost: {}", mounts["app/"]);
    assert_eq!(mounts["app/"]["config"]["max_lease_ttl"], 7200);

    assert_eq!(c.must_status(200, "GET", "app/data/db", None).json["data"]["data"]["pw"], latest);
    assert_eq!(c.must_get("app/data/db?version=1").json["data"]["data"]["pw"], "v1");
    let deleted = c.must_get("app/data/db?version=2");
    assert_eq!(deleted.status, 404, "version 2 was deleted before the crash: {}", deleted.text);
    let meta = c.must_get("app/metadata/db").json["data"].clone();
    assert_eq!(meta["custom_metadata"], json!({"owner": "ops"}));
    assert_eq!(meta["max_versions"], 5);
    assert_eq!(c.must_get("legacy/conf").json["data"], json!({"url": "https://example.invalid", "n": 7}));
    assert_eq!(c.must_get("secret/data/anything").status, 404, "no secret/ mount outside -dev");
}

/// A value nobody else writes: what the disk must never show.
fn canary() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(7);
    format!("sb-canary-{nanos:x}-{:x}-do-not-store-me-in-plaintext", std::process::id())
}

/// Every file below `dir`, with its contents.
fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                out.push((path, bytes));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The forms a secret could take on disk: raw, hex, and base64 at each of the three byte
/// alignments it could have inside a longer encoded buffer.
fn encodings(secret: &[u8]) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut forms = vec![secret.to_vec(), secret.iter().map(|b| format!("{b:02x}")).collect::<String>().into_bytes()];
    for shift in 0..3 {
        let mut padded = vec![0u8; shift];
        padded.extend_from_slice(secret);
        let enc = b64.encode(&padded);
        // Skip the group that mixes in the padding bytes and the last, possibly partial, group.
        let start = if shift == 0 { 0 } else { 4 };
        forms.push(enc.as_bytes()[start..enc.len() - 4].to_vec());
    }
    forms
}

fn assert_no_plaintext(files: &[(PathBuf, Vec<u8>)], secrets: &[(&str, Vec<u8>)], when: &str) {
    assert!(!files.is_empty(), "{when}: the RocksDB directory is empty");
    for (name, secret) in secrets {
        for form in encodings(secret) {
            for (path, bytes) in files {
                assert!(
                    !contains(bytes, &form),
                    "{when}: {name} found unencrypted ({}) in {}",
                    String::from_utf8_lossy(&form),
                    path.display()
                );
            }
        }
    }
    // The one plaintext entry is there: the scan does look at the data. (Table files share key
    // prefixes between neighbours, so look for the key's last segment.)
    assert!(files.iter().any(|(_, b)| contains(b, b"seal-config")), "{when}: core/seal-config not found on disk");
    assert!(
        files.iter().any(|(_, b)| contains(b, b"secret_shares")),
        "{when}: the seal configuration is not readable on disk"
    );
}

#[test]
fn nothing_reaches_disk_unencrypted() {
    let mut node = Node::must_start(NodeConfig::rocksdb());
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    let c = node.client().with_token(&root);
    let value = canary();
    let desc = format!("{value}-description");
    let meta = format!("{value}-metadata");

    c.must_ok(
        "POST",
        "sys/mounts/vault2",
        Some(&json!({"type": "kv", "description": desc, "options": {"version": "2"}})),
    );
    c.must_ok("POST", "sys/mounts/vault1", Some(&json!({"type": "kv", "options": {"version": "1"}})));
    for i in 0..20 {
        c.must_ok("POST", &format!("vault2/data/k{i}"), Some(&json!({"data": {"password": value, "i": i}})));
    }
    c.must_ok("POST", "vault2/metadata/k0", Some(&json!({"custom_metadata": {"note": meta}})));
    c.must_ok("PUT", "vault1/plain", Some(&json!({"password": value})));
    assert_eq!(c.must_get("vault1/plain").json["data"]["password"], value.as_str());

    let share = hex_bytes(&keys[0]);
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        ("the secret value", value.clone().into_bytes()),
        ("the mount description", desc.clone().into_bytes()),
        ("the custom metadata", meta.clone().into_bytes()),
        ("the root token", root.clone().into_bytes()),
        ("the unseal key share", share),
    ];

    node.kill();
    assert_no_plaintext(&read_tree(&node.data_dir()), &secrets, "after kill -9 (write-ahead log)");

    // Reopening replays the log into tables on disk; scan those too.
    node.restart();
    node.must_unseal(&keys);
    assert_eq!(c.must_get("vault2/data/k3").json["data"]["data"]["password"], value.as_str());
    node.kill();
    let files = read_tree(&node.data_dir());
    assert!(
        files.iter().any(|(p, _)| p.extension().is_some_and(|e| e == "sst")),
        "no table file after a reopen: the scan would not cover flushed data; files: {:?}",
        files.iter().map(|(p, _)| p.file_name()).collect::<Vec<_>>()
    );
    assert_no_plaintext(&files, &secrets, "after a reopen flushed the log to tables");
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}
