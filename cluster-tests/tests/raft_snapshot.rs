//! `operator raft snapshot save` and `restore`: a round trip brings a 3-node cluster back to
//! the saved state on every node; a tampered or truncated archive and one from another cluster
//! (without `-force`) are refused and change nothing; a forced restore from another cluster
//! seals the node until it is unsealed with that cluster's keys.

use serde_json::json;
use std::net::Ipv4Addr;
use strongbox_cluster_tests::{Cli, Cluster, Node, NodeConfig};

fn v(c: &Cluster, i: usize, key: &str) -> (u16, serde_json::Value) {
    let r = c.client(i).must_request("GET", &format!("kv/{key}"), None);
    (r.status, r.json["data"]["v"].clone())
}

#[test]
fn a_snapshot_round_trip_restores_every_node() {
    let c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let standby = (leader + 1) % 3;
    let root = c.client(standby);
    root.must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    root.must_ok("PUT", "kv/a", Some(&json!({"v": 1})));
    root.must_ok("PUT", "kv/b", Some(&json!({"v": 2})));

    let file = c.nodes[standby].dir().join("raft.snap");
    let cli = Cli::new(&c.nodes[standby].url()).token(&c.root);
    cli.must_run(&["operator", "raft", "snapshot", "save", file.to_str().expect("utf-8 path")]);
    let archive = std::fs::read(&file).expect("the snapshot file");
    assert_eq!(&archive[..2], &[0x1f, 0x8b], "a gzip archive");

    root.must_ok("PUT", "kv/a", Some(&json!({"v": 9})));
    root.must_ok("DELETE", "kv/b", None);
    root.must_ok("PUT", "kv/c", Some(&json!({"v": 3})));

    // Refused archives change nothing.
    let mut tampered = archive.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0xff;
    let truncated = archive[..archive.len() / 2].to_vec();
    // Vault answers an unreadable or corrupt archive with a 500 and the reason.
    for bad in [tampered, truncated, b"not a snapshot".to_vec()] {
        let r = root.must_raw("POST", "sys/storage/raft/snapshot", &[], bad);
        assert_eq!(r.status, 500, "{}", r.text);
        assert!(!r.errors().is_empty(), "{}", r.text);
    }
    assert_eq!(v(&c, leader, "a"), (200, json!(9)));

    cli.must_run(&["operator", "raft", "snapshot", "restore", file.to_str().expect("utf-8 path")]);
    for i in 0..3 {
        assert_eq!(v(&c, i, "a"), (200, json!(1)), "node {i}");
        assert_eq!(v(&c, i, "b"), (200, json!(2)), "node {i}");
        assert_eq!(v(&c, i, "c").0, 404, "node {i}");
    }
    c.client(leader).must_ok("PUT", "kv/d", Some(&json!({"v": 4})));
    assert_eq!(v(&c, standby, "d"), (200, json!(4)));
}

#[test]
fn a_snapshot_of_another_cluster_needs_force_and_its_keys() {
    let ours = Cluster::must_start(1);
    ours.client(0).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    ours.client(0).must_ok("PUT", "kv/who", Some(&json!({"v": "ours"})));

    let other = Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 2)));
    let (other_keys, other_root) = other.must_init(1, 1);
    other.must_unseal(&other_keys);
    let oc = other.client().with_token(&other_root);
    oc.must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    oc.must_ok("PUT", "kv/who", Some(&json!({"v": "theirs"})));
    let archive = oc.must_raw("GET", "sys/storage/raft/snapshot", &[], Vec::new());
    assert_eq!(archive.status, 200, "{}", archive.text);
    let archive = archive.body.clone();

    let r = ours.client(0).must_raw("POST", "sys/storage/raft/snapshot", &[], archive.clone());
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.errors().iter().any(|e| e.contains("snapshot-force")), "{}", r.text);
    assert_eq!(v(&ours, 0, "who"), (200, json!("ours")));

    let r = ours.client(0).must_raw("POST", "sys/storage/raft/snapshot-force", &[], archive);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(ours.nodes[0].client().must_get("sys/seal-status").json["sealed"], json!(true));
    ours.nodes[0].must_unseal(&other_keys);
    ours.must_wait_active(0);
    let r = ours.nodes[0].client().with_token(&other_root).must_get("kv/who");
    assert_eq!(r.json["data"]["v"], "theirs", "{}", r.text);
}
