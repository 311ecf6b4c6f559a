//! A node that joins a cluster holding more data than one transport chunk (4 MiB) receives the
//! leader's snapshot as a stream of chunks, installs it, and can then lead with that data.

use serde_json::json;
use std::net::Ipv4Addr;
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Cluster, Node, NodeConfig};

const SECRETS: usize = 12;
const SIZE: usize = 1024 * 1024;

fn value(i: usize) -> String {
    format!("{i:02}").repeat(SIZE / 2)
}

#[test]
fn a_snapshot_larger_than_a_chunk_reaches_a_joining_node() {
    let mut c = Cluster::must_start(2);
    let (leader, _) = c.must_wait_leader_among(&[0, 1]);
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    for i in 0..SECRETS {
        c.client(leader).must_ok("PUT", &format!("kv/big{i}"), Some(&json!({ "v": value(i) })));
    }
    c.nodes.push(Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 3))));
    c.must_join(2, leader);
    c.must_wait_voters(3);
    assert!(c.nodes[2].log().contains("installing a raft snapshot"), "the new node got no snapshot");

    // Make the new node the active one: the data it serves is the snapshot's.
    let first = leader;
    c.nodes[first].kill();
    let (mut now, _) = c.must_wait_leader_among(&[0, 1, 2]);
    if now != 2 {
        c.client(now).must_ok("PUT", "sys/step-down", None);
        now = must_wait_for("node 2 to lead", ELECTION_DEADLINE, || {
            c.try_leader_among(&[2]).map_err(|e| format!("{e} (leader was {now})"))
        });
    }
    assert_eq!(now, 2);
    for i in 0..SECRETS {
        let r = c.client(2).must_get(&format!("kv/big{i}"));
        assert!(r.json["data"]["v"] == json!(value(i)), "kv/big{i} differs on the node that got the snapshot");
    }
}
