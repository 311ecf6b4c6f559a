//! Acknowledged means durable: several clients write distinct keys to a RocksDB-backed node,
//! the node is killed with SIGKILL mid-load, and after a restart and unseal every write that got
//! a 2xx reads back with its value. Writes cut off by the kill may or may not be there, but
//! nothing that is there is torn.

use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Client, Node, NodeConfig};

const WRITERS: usize = 6;
/// Acknowledged writes to see before pulling the plug, per round.
const KILL_AFTER: usize = 150;
/// Upper bound of writes per writer and round, so the test always ends.
const MAX_PER_WRITER: usize = 5_000;
const ROUNDS: usize = 2;

fn value(round: usize, writer: usize, i: usize) -> String {
    format!("r{round}-w{writer}-i{i}-{}", "x".repeat(i % 50))
}

/// Runs the writers until the node dies (or they hit their bound); returns the acknowledged
/// `(key, value)` pairs. Kills the node once `KILL_AFTER` writes are acknowledged.
fn load_and_kill(node: &mut Node, c: &Client, round: usize) -> BTreeMap<String, String> {
    let acked = Mutex::new(BTreeMap::new());
    let count = AtomicUsize::new(0);
    let running = AtomicUsize::new(WRITERS);
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let (c, acked, count, running) = (c.clone(), &acked, &count, &running);
            s.spawn(move || {
                for i in 0..MAX_PER_WRITER {
                    let key = format!("r{round}/w{w}/k{i}");
                    let v = value(round, w, i);
                    match c.try_request("POST", &format!("load/data/{key}"), Some(&json!({"data": {"v": v}}))) {
                        Ok(r) if (200..300).contains(&r.status) => {
                            acked.lock().unwrap().insert(key, v);
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        Ok(r) => panic!("write {key} refused while the node was up: {} {}", r.status, r.text),
                        // The node is gone: this writer is done.
                        Err(_) => break,
                    }
                }
                running.fetch_sub(1, Ordering::SeqCst);
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
        assert_eq!(running.load(Ordering::SeqCst), WRITERS, "a writer stopped before the kill");
        node.note(&format!("round {round}: SIGKILL with {} writes acknowledged", count.load(Ordering::SeqCst)));
        node.kill();
    });
    acked.into_inner().unwrap()
}

fn list(c: &Client, path: &str) -> Vec<String> {
    let r = c.must_list(path);
    if r.status == 404 {
        return Vec::new();
    }
    assert_eq!(r.status, 200, "LIST {path}: {}", r.text);
    serde_json::from_value(r.json["data"]["keys"].clone()).expect("keys")
}

#[test]
fn acknowledged_writes_survive_sigkill_under_concurrent_load() {
    let mut node = Node::must_start(NodeConfig::rocksdb());
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    let c = node.client().with_token(&root);
    c.must_ok("POST", "sys/mounts/load", Some(&json!({"type": "kv", "options": {"version": "2"}})));

    let mut all_acked = BTreeMap::new();
    for round in 0..ROUNDS {
        let started = Instant::now();
        let acked = load_and_kill(&mut node, &c, round);
        assert!(acked.len() >= KILL_AFTER, "round {round}: only {} acknowledged", acked.len());
        all_acked.extend(acked);

        node.restart();
        node.must_unseal(&keys);
        for (key, want) in &all_acked {
            let r = c.must_get(&format!("load/data/{key}"));
            assert_eq!(r.status, 200, "acknowledged write {key} lost after SIGKILL (round {round}): {}", r.text);
            assert_eq!(r.json["data"]["data"]["v"], want.as_str(), "acknowledged write {key} has the wrong value");
            assert_eq!(r.json["data"]["metadata"]["version"], 1);
        }
        // Writes the kill cut off may exist, but only whole.
        for w in 0..WRITERS {
            for k in list(&c, &format!("load/metadata/r{round}/w{w}/")) {
                let key = format!("r{round}/w{w}/{k}");
                let i: usize = k.trim_start_matches('k').parse().unwrap_or_else(|_| panic!("unexpected key {key}"));
                let r = c.must_get(&format!("load/data/{key}"));
                assert_eq!(r.status, 200, "{key} is listed but unreadable: {}", r.text);
                assert_eq!(r.json["data"]["data"]["v"], value(round, w, i).as_str(), "{key} is torn");
            }
        }
        eprintln!("round {round}: {} writes acknowledged and read back in {:?}", all_acked.len(), started.elapsed());
    }
}
