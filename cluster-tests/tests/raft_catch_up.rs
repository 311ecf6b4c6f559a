//! A follower that was down while the leader compacted its log past `trailing_logs` catches up
//! from a snapshot when it comes back, then follows the log again.

use serde_json::{json, Value};
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Cluster, NodeConfig};

/// More than `trailing_logs` plus one compaction step (1024 entries) of writes.
const WRITES: usize = 1200;

fn index(c: &Cluster, i: usize, field: &str) -> u64 {
    c.nodes[i].client().must_get("sys/leader").json[field].as_u64().unwrap_or(0)
}

#[test]
fn a_follower_behind_the_compacted_log_catches_up_from_a_snapshot() {
    let mut c = Cluster::must_start_with(3, NodeConfig::raft().raft_hcl("  trailing_logs = 20"));
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    let behind = (leader + 1) % 3;
    c.nodes[behind].note("test: down while the log is compacted");
    c.nodes[behind].kill();
    for i in 0..WRITES {
        c.client(leader).must_ok("PUT", &format!("kv/k{i}"), Some(&json!({ "v": i })));
    }
    let committed = index(&c, leader, "raft_committed_index");
    assert!(committed > WRITES as u64, "sys/leader's raft_committed_index: {committed}");

    c.nodes[behind].restart();
    c.must_unseal(behind);
    must_wait_for("the follower to catch up", ELECTION_DEADLINE, || {
        let applied = index(&c, behind, "raft_applied_index");
        (applied >= committed).then_some(()).ok_or(format!("applied {applied} of {committed}"))
    });
    assert!(c.nodes[behind].log().contains("installing a raft snapshot"), "caught up without a snapshot");
    // And it follows the log from there.
    c.client(leader).must_ok("PUT", "kv/after", Some(&json!({"v": "after"})));
    let committed = index(&c, leader, "raft_committed_index");
    must_wait_for("the follower to apply the next write", ELECTION_DEADLINE, || {
        let applied = index(&c, behind, "raft_applied_index");
        (applied >= committed).then_some(()).ok_or(format!("applied {applied} of {committed}"))
    });
    let r = c.client(behind).must_get("kv/after");
    assert_eq!(r.json["data"]["v"], Value::from("after"), "{}", r.text);
}
