//! A graceful stop (`SIGTERM`) on durable storage: the node exits cleanly after writing
//! RocksDB's memtables out, so the next start has no write-ahead log to replay, and every
//! write made before the stop is there after a restart and unseal (RocksDB and raft).

use serde_json::json;
use std::path::Path;
use std::time::Duration;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Node, NodeConfig};

const SECRETS: usize = 200;

/// Total size of the RocksDB write-ahead log files (`*.log`) below `dir`.
fn wal_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += wal_bytes(&path);
        } else if path.extension().is_some_and(|e| e == "log") {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total
}

fn must_wait_active(node: &Node) {
    must_wait_for("the node active", Duration::from_secs(30), || {
        let r = node.client().try_request("GET", "sys/health", None)?;
        (r.status == 200).then_some(()).ok_or(r.text)
    });
}

fn writes_survive_a_graceful_stop(config: NodeConfig) {
    let mut node = Node::must_start(config);
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    must_wait_active(&node);
    let c = node.client().with_token(&root);
    c.must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    for i in 0..SECRETS {
        c.must_ok("PUT", &format!("kv/s{i}"), Some(&json!({ "n": i, "pad": "x".repeat(512) })));
    }
    assert!(wal_bytes(&node.data_dir()) > (SECRETS * 512) as u64, "the writes are in the write-ahead log");

    node.note("SIGTERM after the writes");
    node.must_stop();
    assert!(node.log().contains("storage flushed"), "no flush at shutdown:\n{}", node.log());
    assert_eq!(wal_bytes(&node.data_dir()), 0, "a write-ahead log is left to replay");

    node.restart();
    node.must_unseal(&keys);
    must_wait_active(&node);
    for i in 0..SECRETS {
        let r = c.must_get(&format!("kv/s{i}"));
        assert_eq!(r.json["data"]["n"], json!(i), "kv/s{i} after the restart: {}", r.text);
    }
    // Still durable after the reopen: a write, then kill -9.
    c.must_ok("PUT", "kv/after", Some(&json!({ "n": "after" })));
    node.kill();
    node.restart();
    node.must_unseal(&keys);
    must_wait_active(&node);
    assert_eq!(c.must_get("kv/after").json["data"]["n"], json!("after"));
    assert_eq!(c.must_get("kv/s0").json["data"]["n"], json!(0));
}

#[test]
fn rocksdb_writes_survive_a_graceful_stop_with_no_log_to_replay() {
    writes_survive_a_graceful_stop(NodeConfig::rocksdb());
}

#[test]
fn raft_writes_survive_a_graceful_stop_with_no_log_to_replay() {
    writes_survive_a_graceful_stop(NodeConfig::raft());
}
