//! Forming a raft cluster the way an operator does: `operator init` on one node, then
//! `sys/storage/raft/join` and unseal on the others. Every member ends up an unsealed voter,
//! the leader is the one active node, and the standbys say so.

use serde_json::json;
use std::net::Ipv4Addr;
use strongbox_cluster_tests::{Cluster, Node, NodeConfig};

fn assert_formed(c: &Cluster) {
    let n = c.nodes.len();
    let servers = c.must_wait_voters(n);
    let (leader, _) = c.must_wait_leader_among(&(0..n).collect::<Vec<_>>());
    for (i, node) in c.nodes.iter().enumerate() {
        let id = format!("node-{}", node.addr().port());
        let s =
            servers.iter().find(|s| s["node_id"] == json!(id)).unwrap_or_else(|| panic!("{id} missing: {servers:?}"));
        assert_eq!(s["address"], node.cluster_addr().to_string(), "{servers:?}");
        assert_eq!(s["leader"], json!(i == leader), "{servers:?}");

        let health = node.client().must_get("sys/health");
        let (code, standby) = if i == leader { (200, false) } else { (429, true) };
        assert_eq!(
            (health.status, health.json["standby"].clone()),
            (code, json!(standby)),
            "node {i}: {}",
            health.text
        );

        let l = node.client().must_get("sys/leader").json;
        assert_eq!(l["is_self"], json!(i == leader), "node {i}: {l}");
        assert_eq!(l["leader_address"], c.nodes[leader].url(), "node {i}: {l}");
        assert_eq!(l["leader_cluster_address"], format!("https://{}", c.nodes[leader].cluster_addr()), "{l}");
    }
    // One cluster: the same identity on every member.
    let ids: Vec<_> =
        c.nodes.iter().map(|n| n.client().must_get("sys/seal-status").json["cluster_id"].clone()).collect();
    assert!(ids.iter().all(|id| id == &ids[0] && id.is_string()), "{ids:?}");
}

#[test]
fn three_nodes_form_one_cluster() {
    let c = Cluster::must_start(3);
    assert_formed(&c);
}

#[test]
fn five_nodes_form_one_cluster() {
    let c = Cluster::must_start(5);
    assert_formed(&c);
}

#[test]
fn a_node_without_the_unseal_keys_cannot_join() {
    let c = Cluster::must_start(1);
    let joiner = Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 2)));
    let body = json!({ "leader_api_addr": c.nodes[0].url() });
    joiner.client().must_status(200, "POST", "sys/storage/raft/join", Some(&body));
    let s = joiner.client().must_get("sys/seal-status").json;
    assert_eq!((s["initialized"].clone(), s["sealed"].clone(), s["t"].clone()), (json!(true), json!(true), json!(2)));

    // Two shares of another secret: they combine to a key that decrypts nothing.
    let other = Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 3)));
    let (wrong, _) = other.must_init(3, 2);
    joiner.client().must_status(200, "PUT", "sys/unseal", Some(&json!({ "key": wrong[0] })));
    let r = joiner.client().must_request("PUT", "sys/unseal", Some(&json!({ "key": wrong[1] })));
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.errors().iter().any(|e| e.contains("invalid key")), "{}", r.text);
    assert_eq!(joiner.client().must_get("sys/seal-status").json["sealed"], json!(true));
    let config = c.client(0).must_get("sys/storage/raft/configuration").json;
    assert_eq!(config["data"]["config"]["servers"].as_array().map(Vec::len), Some(1), "{config}");

    // With the right keys, the same node joins.
    let mut c = c;
    c.nodes.push(joiner);
    c.must_join(1, 0);
    c.must_wait_voters(2);
}

#[test]
fn an_initialized_node_refuses_to_join() {
    let c = Cluster::must_start(1);
    let other = Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 2)));
    let body = json!({ "leader_api_addr": other.url() });
    let r = c.nodes[0].client().must_request("POST", "sys/storage/raft/join", Some(&body));
    assert_eq!(r.status, 400, "{}", r.text);
    let r = other.client().must_request("POST", "sys/storage/raft/join", Some(&json!({})));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(c.client(0).must_get("sys/health").status, 200);
}

#[test]
fn a_node_with_retry_join_joins_by_itself_once_unsealed() {
    let c = Cluster::must_start(1);
    let hcl = format!("  retry_join {{\n    leader_api_addr = \"{}\"\n  }}", c.nodes[0].url());
    let joiner = Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 2)).raft_hcl(&hcl));
    // No join call: the node found the leader and took its seal config.
    strongbox_cluster_tests::wait::must_wait_for(
        "retry_join",
        strongbox_cluster_tests::cluster::ELECTION_DEADLINE,
        || {
            let s = joiner.client().try_request("GET", "sys/seal-status", None)?;
            (s.json["initialized"] == json!(true) && s.json["t"] == json!(2)).then_some(()).ok_or(s.text)
        },
    );
    let mut c = c;
    c.nodes.push(joiner);
    for key in &c.keys[..2] {
        c.nodes[1].client().must_ok("PUT", "sys/unseal", Some(&json!({ "key": key })));
    }
    c.must_wait_unsealed(1);
    c.must_wait_voters(2);
}
