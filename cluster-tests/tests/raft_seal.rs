//! Sealing in a cluster, as Vault does it: a standby refuses `sys/seal` (it cannot check the
//! caller's token; Vault says to restart it instead), and sealing the active node hands active
//! duty to another member at once, so the cluster keeps serving. The sealed node comes back as
//! a standby once unsealed.

use serde_json::json;
use std::time::Instant;
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::Cluster;

#[test]
fn a_standby_refuses_to_seal_and_a_sealed_active_node_hands_over() {
    let c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    c.client(leader).must_ok("PUT", "kv/a", Some(&json!({"v": 1})));

    let standby = (leader + 1) % 3;
    let r = c.client(standby).must_request("PUT", "sys/seal", None);
    assert_eq!(r.status, 500, "{}", r.text);
    assert!(r.errors().iter().any(|e| e.contains("cannot seal when in standby mode")), "{}", r.text);
    for i in 0..3 {
        let s = c.nodes[i].client().must_get("sys/seal-status");
        assert_eq!(s.json["sealed"], json!(false), "node {i}: {}", s.text);
    }

    c.nodes[leader].note("test: sealing the active node");
    let sealed_at = Instant::now();
    c.client(leader).must_ok("PUT", "sys/seal", None);
    let others: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    let (next, _) = c.must_wait_leader_among(&others);
    println!("node {next} active {:?} after the seal", sealed_at.elapsed());
    assert!(sealed_at.elapsed() < ELECTION_DEADLINE);
    c.client(next).must_ok("PUT", "kv/b", Some(&json!({"v": 2})));
    assert_eq!(c.nodes[leader].client().must_get("sys/seal-status").json["sealed"], json!(true));

    c.must_unseal(leader);
    must_wait_for("the unsealed node to stand by", ELECTION_DEADLINE, || {
        let h = c.nodes[leader].client().try_request("GET", "sys/health", None)?;
        (h.status == 429).then_some(()).ok_or(format!("{}: {}", h.status, h.text))
    });
    for key in ["a", "b"] {
        let r = c.client(leader).must_get(&format!("kv/{key}"));
        assert_eq!(r.status, 200, "{}", r.text);
    }
}
