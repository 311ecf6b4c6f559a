//! The `operator raft` CLI against a real cluster, through a standby: join, list-peers,
//! autopilot state / get-config / set-config, step-down and remove-peer, with Vault's tables,
//! JSON and exit codes.

use serde_json::json;
use std::net::Ipv4Addr;
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Cli, Cluster, Node, NodeConfig};

#[test]
fn operator_raft_commands_manage_the_cluster() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let standby = (leader + 1) % 3;
    let cli = Cli::new(&c.nodes[standby].url()).token(&c.root);

    let peers = cli.must_run(&["operator", "raft", "list-peers"]).stdout;
    let lines: Vec<&str> = peers.lines().collect();
    assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["Node", "Address", "State", "Voter"], "{peers}");
    assert_eq!(lines.len(), 5, "{peers}");
    let leader_id = format!("node-{}", c.nodes[leader].addr().port());
    assert!(lines.iter().any(|l| l.starts_with(&leader_id) && l.contains("leader") && l.ends_with("true")), "{peers}");
    let j = cli.must_run(&["operator", "raft", "list-peers", "-format=json"]).must_json();
    assert_eq!(j["data"]["config"]["servers"].as_array().map(Vec::len), Some(3), "{j}");

    // A fourth node joins with the CLI.
    let extra = Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 4)));
    let joined = Cli::new(&extra.url()).must_run(&["operator", "raft", "join", &c.nodes[leader].url()]).stdout;
    assert!(joined.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Joined", "true"]), "{joined}");
    c.nodes.push(extra);
    for key in &c.keys[..2] {
        c.nodes[3].client().must_ok("PUT", "sys/unseal", Some(&json!({ "key": key })));
    }
    c.must_wait_unsealed(3);
    c.must_wait_voters(4);

    // Autopilot sees every member healthy once they have talked to the leader.
    let state = must_wait_for("a healthy autopilot state", ELECTION_DEADLINE, || {
        let out = cli.must_run(&["operator", "raft", "autopilot", "state"]).stdout;
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Healthy:", "true"])
            .then_some(out.clone())
            .ok_or(out)
    });
    assert!(
        state.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Failure", "Tolerance:", "1"]),
        "{state}"
    );
    let config = cli.must_run(&["operator", "raft", "autopilot", "get-config"]).stdout;
    assert!(
        config.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Last", "Contact", "Threshold", "10s"]),
        "{config}"
    );
    cli.must_run(&[
        "operator",
        "raft",
        "autopilot",
        "set-config",
        "-last-contact-threshold=5s",
        "-max-trailing-logs=500",
    ]);
    let j = cli.must_run(&["operator", "raft", "autopilot", "get-config", "-format=json"]).must_json();
    assert_eq!(
        (j["data"]["last_contact_threshold"].clone(), j["data"]["max_trailing_logs"].clone()),
        (json!("5s"), json!(500)),
        "{j}"
    );
    let refused = cli.must_exit(2, &["operator", "raft", "autopilot", "set-config", "-cleanup-dead-servers=true"]);
    assert!(refused.stderr.contains("min_quorum"), "{}", refused.stderr);

    // Step down through the CLI, then remove the node that was active.
    let leader_cli = Cli::new(&c.nodes[leader].url()).token(&c.root);
    let out = leader_cli.must_run(&["operator", "step-down"]).stdout;
    assert!(out.contains("Success! Stepped down"), "{out}");
    let others: Vec<usize> = (0..4).filter(|i| *i != leader).collect();
    let (next, _) = c.must_wait_leader_among(&others);
    let out =
        Cli::new(&c.nodes[next].url()).token(&c.root).must_run(&["operator", "raft", "remove-peer", &leader_id]).stdout;
    assert_eq!(out.trim(), "Peer removed successfully!");
    c.must_wait_voters(3);
    let missing = cli.must_exit(2, &["operator", "raft", "remove-peer", "no-such-node"]);
    assert!(missing.stderr.contains("no peer"), "{}", missing.stderr);
}
