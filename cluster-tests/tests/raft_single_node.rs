//! Integrated storage on one node: `storage "raft"` makes the node a one-voter raft cluster at
//! init; it reports itself as the leader in `sys/leader` and `sys/storage/raft/configuration`,
//! and every write it acknowledged survives `kill -9` (the raft log is fsynced before the
//! write is applied and answered).

use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Client, Node, NodeConfig};

const WRITERS: usize = 4;
/// Acknowledged writes to see before pulling the plug.
const KILL_AFTER: usize = 120;
/// Upper bound of writes per writer, so the test always ends.
const MAX_PER_WRITER: usize = 5_000;

fn leader(node: &Node) -> serde_json::Value {
    let r = node.client().must_get("sys/leader");
    assert_eq!(r.status, 200, "sys/leader: {}", r.text);
    r.json
}

#[test]
fn a_raft_node_is_a_cluster_of_one_after_init() {
    let node = Node::must_start(NodeConfig::raft());
    let s = node.client().must_get("sys/seal-status").json;
    assert_eq!((s["storage_type"].clone(), s["initialized"].clone()), (json!("raft"), json!(false)), "{s}");

    let (keys, root) = node.must_init(3, 2);
    node.must_unseal(&keys[..2]);
    let c = node.client().with_token(&root);
    assert_eq!(node.client().must_get("sys/seal-status").json["storage_type"], "raft");
    assert_eq!(node.client().must_get("sys/health").status, 200);

    c.must_ok("POST", "sys/mounts/app", Some(&json!({"type": "kv", "options": {"version": "2"}})));
    c.must_ok("POST", "app/data/db", Some(&json!({"data": {"pw": "s3cret"}})));
    assert_eq!(c.must_get("app/data/db").json["data"]["data"]["pw"], "s3cret");

    let l = leader(&node);
    assert_eq!((l["ha_enabled"].clone(), l["is_self"].clone()), (json!(true), json!(true)), "{l}");
    assert_eq!(l["leader_address"], node.url(), "{l}");
    let port = node.addr().port();
    assert_eq!(l["leader_cluster_address"], format!("https://{}", node.cluster_addr()), "{l}");
    let committed = l["raft_committed_index"].as_u64().expect("raft_committed_index");
    assert!(committed > 3, "init, unseal and the writes went through the log: {l}");
    assert_eq!(l["raft_applied_index"], l["raft_committed_index"], "{l}");
    assert_ne!(l["active_time"], "0001-01-01T00:00:00Z", "{l}");

    let r = c.must_status(200, "GET", "sys/storage/raft/configuration", None);
    let servers = r.json["data"]["config"]["servers"].as_array().cloned().unwrap_or_default();
    assert_eq!(servers.len(), 1, "{}", r.text);
    assert_eq!(
        servers[0],
        json!({
            "node_id": format!("node-{port}"),
            "address": node.cluster_addr().to_string(),
            "leader": true,
            "protocol_version": "3",
            "voter": true,
        })
    );
    assert_eq!(node.client().must_get("sys/storage/raft/configuration").status, 403, "a token is required");
}

/// Runs writers against `load/` until `KILL_AFTER` writes are acknowledged, then kills the node
/// mid-load. Returns the acknowledged (key, value) pairs.
fn load_and_kill(node: &mut Node, c: &Client) -> BTreeMap<String, String> {
    let acked = Mutex::new(BTreeMap::new());
    let count = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let (c, acked, count) = (c.clone(), &acked, &count);
            s.spawn(move || {
                for i in 0..MAX_PER_WRITER {
                    let (key, v) = (format!("w{w}/k{i}"), format!("v{w}-{i}-{}", "x".repeat(i % 40)));
                    match c.try_request("POST", &format!("load/data/{key}"), Some(&json!({"data": {"v": v}}))) {
                        Ok(r) if (200..300).contains(&r.status) => {
                            acked.lock().unwrap().insert(key, v);
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(r) => panic!("write {key} refused while the node was up: {} {}", r.status, r.text),
                        Err(_) => break,
                    }
                }
            });
        }
        must_wait_for("acknowledged writes before the kill", Duration::from_secs(180), || {
            let n = count.load(Ordering::SeqCst);
            if n >= KILL_AFTER {
                Ok(())
            } else {
                Err(format!("{n} acknowledged"))
            }
        });
        node.note(&format!("SIGKILL with {} writes acknowledged", count.load(Ordering::SeqCst)));
        node.kill();
    });
    acked.into_inner().unwrap()
}

#[test]
fn acknowledged_raft_writes_survive_sigkill() {
    let mut node = Node::must_start(NodeConfig::raft());
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    let c = node.client().with_token(&root);
    c.must_ok("POST", "sys/mounts/load", Some(&json!({"type": "kv", "options": {"version": "2"}})));
    let before = leader(&node)["raft_applied_index"].as_u64().unwrap_or_default();

    let acked = load_and_kill(&mut node, &c);
    assert!(acked.len() >= KILL_AFTER, "only {} acknowledged", acked.len());

    node.restart();
    let s = node.client().must_get("sys/seal-status").json;
    assert_eq!((s["initialized"].clone(), s["sealed"].clone()), (json!(true), json!(true)), "{s}");
    node.must_unseal(&keys);
    for (key, want) in &acked {
        let r = c.must_get(&format!("load/data/{key}"));
        assert_eq!(r.status, 200, "acknowledged write {key} lost after SIGKILL: {}", r.text);
        assert_eq!(r.json["data"]["data"]["v"], want.as_str(), "acknowledged write {key} has the wrong value");
    }
    let l = leader(&node);
    assert_eq!(l["is_self"], true, "the single voter leads again after the restart: {l}");
    let applied = l["raft_applied_index"].as_u64().unwrap_or_default();
    assert!(applied >= before + acked.len() as u64, "applied {applied}, before {before}, {} acked", acked.len());

    // The node keeps working on the recovered log.
    c.must_ok("POST", "load/data/after", Some(&json!({"data": {"v": "restart"}})));
    assert_eq!(c.must_get("load/data/after").json["data"]["data"]["v"], "restart");
}
