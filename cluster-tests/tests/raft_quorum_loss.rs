//! A node that lost quorum answers with a clear 5xx error within seconds, never a hang, and
//! the cluster heals without losing a write once the other members are back. The members are
//! frozen with SIGSTOP: a hung machine, not a clean shutdown.

use serde_json::json;
use std::time::{Duration, Instant};
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::Cluster;

#[test]
fn the_active_node_refuses_writes_without_quorum_and_heals() {
    let c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let root = c.client(leader);
    root.must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    root.must_ok("PUT", "kv/before", Some(&json!({"v": 1})));

    // One member frozen: the other two are a majority, writes go on.
    let followers: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    c.nodes[followers[0]].pause();
    root.must_ok("PUT", "kv/minority-down", Some(&json!({"v": 2})));

    // Both frozen: no majority. The answer is an error, and it comes quickly.
    c.nodes[followers[1]].pause();
    let start = Instant::now();
    let outcome = must_wait_for("a write to be refused", Duration::from_secs(30), || {
        match root.try_request("PUT", "kv/no-quorum", Some(&json!({"v": 3}))) {
            Ok(r) if r.status >= 500 => Ok((r.status, r.text, start.elapsed())),
            Ok(r) => Err(format!("{}: {}", r.status, r.text)),
            Err(e) => Err(e),
        }
    });
    println!("refused with {} after {:?}: {}", outcome.0, outcome.2, outcome.1);
    assert!(outcome.2 < Duration::from_secs(15), "took {:?}", outcome.2);
    assert!(outcome.1.contains("errors"), "Vault's error format: {}", outcome.1);

    for f in &followers {
        c.nodes[*f].resume();
    }
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    must_wait_for("writes to work again", Duration::from_secs(30), || {
        let r = c.client(leader).try_request("PUT", "kv/after", Some(&json!({"v": 4})))?;
        (r.status == 204).then_some(()).ok_or(r.text)
    });
    for i in 0..3 {
        for (key, v) in [("before", 1), ("minority-down", 2), ("after", 4)] {
            let r = c.client(i).must_get(&format!("kv/{key}"));
            assert_eq!(r.json["data"]["v"], json!(v), "node {i} {key}: {}", r.text);
        }
    }
}
