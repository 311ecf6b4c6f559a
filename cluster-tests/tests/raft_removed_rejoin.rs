//! A member removed while it was down comes back with its old data: it must not rejoin, must
//! not disturb the cluster, and must never serve its stale data. Only a wiped node may join
//! again (`raft_membership.rs`).

use serde_json::json;
use std::time::{Duration, Instant};
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::Cluster;

#[test]
fn a_node_removed_while_down_cannot_come_back_with_stale_data() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    c.client(leader).must_ok("PUT", "kv/a", Some(&json!({"v": "old"})));
    let gone = (leader + 1) % 3;
    must_wait_for("the write on every node", ELECTION_DEADLINE, || {
        let r = c.client(gone).try_request("GET", "kv/a", None)?;
        (r.status == 200).then_some(()).ok_or(r.text)
    });

    c.nodes[gone].note("test: stopped, then removed from the cluster");
    c.nodes[gone].kill();
    let id = format!("node-{}", c.nodes[gone].addr().port());
    c.client(leader).must_ok("POST", "sys/storage/raft/remove-peer", Some(&json!({ "server_id": id })));
    c.must_wait_voters(2);
    c.client(leader).must_ok("PUT", "kv/a", Some(&json!({"v": "new"})));

    c.nodes[gone].note("test: back with its old data");
    c.nodes[gone].restart();
    c.must_unseal(gone);

    // For a while: the cluster keeps its two members and its leader, writes go on, and the
    // stale node answers nothing from its data.
    let until = Instant::now() + Duration::from_secs(6);
    while Instant::now() < until {
        let r = c.client(gone).with_timeout(Duration::from_secs(10)).try_request("GET", "kv/a", None);
        if let Ok(r) = &r {
            assert!(r.json["data"]["v"] != json!("old"), "the removed node served stale data: {}", r.text);
        }
        let servers = c.must_raft_servers(leader);
        assert_eq!(servers.len(), 2, "the removed node is back in the configuration: {servers:?}");
        assert!(servers.iter().all(|s| s["node_id"] != json!(id)), "{servers:?}");
        assert_eq!(c.nodes[leader].client().must_get("sys/health").status, 200, "the leader was disturbed");
        c.client(leader).must_ok("PUT", "kv/b", Some(&json!({"v": 1})));
    }
    // Joining again with the stale data is refused with Vault's error format.
    let body = json!({ "leader_api_addr": c.nodes[leader].url() });
    let r = c.nodes[gone].client().must_request("POST", "sys/storage/raft/join", Some(&body));
    assert!(r.status >= 400, "{}: {}", r.status, r.text);
    assert!(!r.errors().is_empty(), "{}", r.text);
}
