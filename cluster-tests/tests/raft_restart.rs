//! The whole cluster stopped at once (kill -9 of every member) and started again: after unseal
//! the members elect an active node and every write is there. A barrier key rotation made
//! through a standby is in use by whichever node is active next.

use serde_json::json;
use strongbox_cluster_tests::Cluster;

#[test]
fn a_full_cluster_restart_keeps_every_write() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    for n in 0..30 {
        c.client(n % 3).must_ok("PUT", &format!("kv/k{n}"), Some(&json!({ "n": n })));
    }
    for node in &mut c.nodes {
        node.kill();
    }
    for i in 0..3 {
        c.nodes[i].restart();
    }
    for i in 0..3 {
        c.must_unseal(i);
    }
    let (leader, took) = c.must_wait_leader_among(&[0, 1, 2]);
    println!("active node {leader} after {took:?}");
    for n in 0..30 {
        let r = c.client(n % 3).must_get(&format!("kv/k{n}"));
        assert_eq!(r.json["data"]["n"], json!(n), "{}", r.text);
    }
}

#[test]
fn a_key_rotation_reaches_the_next_active_node() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let standby = (leader + 1) % 3;
    c.client(standby).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    c.client(standby).must_ok("PUT", "kv/old", Some(&json!({"v": "term 1"})));
    c.client(standby).must_ok("PUT", "sys/rotate", None);
    assert_eq!(c.client(standby).must_get("sys/key-status").json["data"]["term"], json!(2));
    c.client(standby).must_ok("PUT", "kv/new", Some(&json!({"v": "term 2"})));

    c.nodes[leader].kill();
    let others: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    let (next, _) = c.must_wait_leader_among(&others);
    let r = c.client(next).must_get("sys/key-status");
    assert_eq!(r.json["data"]["term"], json!(2), "{}", r.text);
    for (key, v) in [("old", "term 1"), ("new", "term 2")] {
        assert_eq!(c.client(next).must_get(&format!("kv/{key}")).json["data"]["v"], v);
    }
    c.client(next).must_ok("PUT", "kv/newest", Some(&json!({"v": "term 2 again"})));
}
