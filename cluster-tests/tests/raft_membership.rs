//! Changing who is in the cluster: `sys/step-down` hands active duty to another voter,
//! `remove-peer` takes a member out (it stops serving), a wiped node rejoins from scratch, and
//! the requests that would break the cluster are refused with Vault's error format.

use serde_json::json;
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::Cluster;

#[test]
fn step_down_hands_active_duty_to_another_voter() {
    let c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    c.client(leader).must_ok("PUT", "sys/step-down", None);
    let others: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    let (next, took) = c.must_wait_leader_among(&others);
    println!("node {next} active {took:?} after the step-down");
    assert_eq!(c.nodes[leader].client().must_get("sys/health").status, 429);
    // A token without sudo may not do it.
    let created = c.client(next).must_ok("POST", "auth/token/create", Some(&json!({"policies": ["default"]})));
    let token = created.json["auth"]["client_token"].as_str().expect("a token").to_string();
    let r = c.nodes[leader].client().with_token(&token).must_request("PUT", "sys/step-down", None);
    assert_eq!(r.status, 403, "{}", r.text);
}

#[test]
fn a_removed_peer_stops_serving_and_a_wiped_node_rejoins() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let gone = (leader + 1) % 3;
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    c.client(leader).must_ok("PUT", "kv/a", Some(&json!({"v": 1})));

    let id = format!("node-{}", c.nodes[gone].addr().port());
    c.client(leader).must_ok("POST", "sys/storage/raft/remove-peer", Some(&json!({ "server_id": id })));
    c.must_wait_voters(2);
    // The removed node knows no active node any more: a clear error, not a hang.
    must_wait_for("the removed node to stop serving", ELECTION_DEADLINE, || {
        let r = c.client(gone).try_request("GET", "kv/a", None)?;
        (r.status >= 500).then_some(()).ok_or(format!("{}: {}", r.status, r.text))
    });
    // The cluster goes on without it.
    c.client(leader).must_ok("PUT", "kv/b", Some(&json!({"v": 2})));

    // Wiped and started again, the same node joins as a new member and gets everything.
    c.nodes[gone].kill();
    std::fs::remove_dir_all(c.nodes[gone].data_dir()).expect("wiping the data");
    c.nodes[gone].restart();
    c.must_join(gone, leader);
    c.must_wait_voters(3);
    for (key, v) in [("a", 1), ("b", 2)] {
        let r = c.client(gone).must_get(&format!("kv/{key}"));
        assert_eq!(r.json["data"]["v"], json!(v), "{}", r.text);
    }
}

#[test]
fn removals_that_would_break_the_cluster_are_refused() {
    let c = Cluster::must_start(1);
    let me = format!("node-{}", c.nodes[0].addr().port());
    for (id, msg) in [("nope", "no peer"), (me.as_str(), "last voter")] {
        let r = c.client(0).must_request("POST", "sys/storage/raft/remove-peer", Some(&json!({ "server_id": id })));
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.errors().iter().any(|e| e.contains(msg)), "{}", r.text);
    }
    let r = c.client(0).must_request("POST", "sys/storage/raft/remove-peer", Some(&json!({})));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(c.client(0).must_get("sys/health").status, 200);
}
