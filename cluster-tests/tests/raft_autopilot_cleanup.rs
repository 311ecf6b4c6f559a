//! Autopilot's dead server cleanup: with `cleanup_dead_servers`, a member silent for longer
//! than `dead_server_last_contact_threshold` (Vault's minimum: 1m) is removed by the active
//! node, as long as `min_quorum` voters remain.

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::Cluster;

fn server_ids(c: &Cluster, via: usize) -> Vec<String> {
    c.must_raft_servers(via).iter().filter_map(|s| s["node_id"].as_str().map(str::to_string)).collect()
}

#[test]
fn a_dead_voter_is_removed_after_the_threshold() {
    let mut c = Cluster::must_start(4);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2, 3]);
    let config = json!({
        "cleanup_dead_servers": true,
        "dead_server_last_contact_threshold": "1m",
        "min_quorum": 3,
    });
    c.client(leader).must_ok("POST", "sys/storage/raft/autopilot/configuration", Some(&config));
    let r = c.client(leader).must_get("sys/storage/raft/autopilot/configuration");
    assert_eq!(r.json["data"]["cleanup_dead_servers"], Value::Bool(true), "{}", r.text);

    let dead = (leader + 1) % 4;
    let dead_id = format!("node-{}", c.nodes[dead].addr().port());
    c.nodes[dead].note("test: killed; autopilot should remove it after a minute");
    c.nodes[dead].kill();
    let killed = Instant::now();
    // Not before the threshold...
    std::thread::sleep(Duration::from_secs(45));
    assert!(server_ids(&c, leader).contains(&dead_id), "removed before the threshold");
    // ...but soon after it.
    must_wait_for("autopilot to remove the dead server", Duration::from_secs(60), || {
        let ids = server_ids(&c, leader);
        (!ids.contains(&dead_id)).then_some(()).ok_or(format!("{ids:?}"))
    });
    let took = killed.elapsed();
    println!("removed {took:?} after the kill");
    // Silent for the threshold counts from its last message, a moment before the kill.
    assert!(took >= Duration::from_secs(59), "removed after {took:?}");
    assert_eq!(server_ids(&c, leader).len(), 3);
    c.client(leader).must_ok("PUT", "sys/mounts/kv", Some(&json!({"type": "kv"})));
}
