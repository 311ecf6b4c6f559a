//! Who votes: a node that joins with `non_voter` (the CLI's `-non-voter`) replicates and
//! serves, but is never promoted; any other joining node is promoted once it has kept up for
//! autopilot's `server_stabilization_time`. `operator members` lists every node with Vault's
//! columns, the active one marked.

use serde_json::json;
use std::net::Ipv4Addr;
use std::time::Duration;
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Cli, Cluster, Node, NodeConfig};

#[test]
fn a_non_voter_replicates_but_is_never_promoted() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    c.client(leader).must_ok("PUT", "kv/a", Some(&json!({"v": 1})));

    let extra = Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 4)));
    let out = Cli::new(&extra.url()).must_run(&["operator", "raft", "join", "-non-voter", &c.nodes[leader].url()]);
    assert!(out.stdout.contains("true"), "{}", out.stdout);
    c.nodes.push(extra);
    for key in &c.keys[..2] {
        c.nodes[3].client().must_ok("PUT", "sys/unseal", Some(&json!({ "key": key })));
    }
    c.must_wait_unsealed(3);
    let id = format!("node-{}", c.nodes[3].addr().port());
    must_wait_for("the non-voter in the configuration", ELECTION_DEADLINE, || {
        let s = c.must_raft_servers(leader);
        s.iter().any(|s| s["node_id"] == json!(id)).then_some(()).ok_or(format!("{s:?}"))
    });
    // Caught up (it serves what was written before it joined) and given time to be promoted.
    must_wait_for("the non-voter to serve", ELECTION_DEADLINE, || {
        let r = c.client(3).try_request("GET", "kv/a", None)?;
        (r.json["data"]["v"] == json!(1)).then_some(()).ok_or(r.text)
    });
    std::thread::sleep(Duration::from_secs(2));
    let s = c.must_raft_servers(leader);
    let me = s.iter().find(|s| s["node_id"] == json!(id)).expect("listed");
    assert_eq!(me["voter"], json!(false), "{s:?}");
    assert_eq!(s.iter().filter(|s| s["voter"] == json!(true)).count(), 3, "{s:?}");

    // operator members: Vault's columns, four rows, one active.
    let cli = Cli::new(&c.nodes[3].url()).token(&c.root);
    let table = cli.must_run(&["operator", "members"]).stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("Host Name") && lines[0].contains("Last Echo"), "{table}");
    assert_eq!(lines.len(), 6, "header, rule and four nodes: {table}");
    let j = cli.must_run(&["operator", "members", "-format=json"]).must_json();
    let nodes = j["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 4, "{j}");
    assert_eq!(nodes.iter().filter(|n| n["active_node"] == json!(true)).count(), 1, "{j}");
    let active = nodes.iter().find(|n| n["active_node"] == json!(true)).expect("active");
    assert_eq!(active["api_address"], json!(c.nodes[leader].url()), "{j}");
    assert!(nodes.iter().filter(|n| n["active_node"] == json!(false)).all(|n| n["last_echo"].is_string()), "{j}");
}

#[test]
fn a_joining_node_is_promoted_after_the_stabilization_time() {
    let mut c = Cluster::must_start(2);
    let (leader, _) = c.must_wait_leader_among(&[0, 1]);
    let config = json!({ "server_stabilization_time": "6s" });
    c.client(leader).must_ok("POST", "sys/storage/raft/autopilot/configuration", Some(&config));
    c.nodes.push(Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 3))));
    c.must_join(2, leader);
    let joined = std::time::Instant::now();
    let id = format!("node-{}", c.nodes[2].addr().port());
    let voter = |c: &Cluster| {
        c.must_raft_servers(leader).iter().find(|s| s["node_id"] == json!(id)).map(|s| s["voter"].clone())
    };
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(voter(&c), Some(json!(false)), "promoted before the stabilization time");
    must_wait_for("the promotion", ELECTION_DEADLINE, || {
        (voter(&c) == Some(json!(true))).then_some(()).ok_or(format!("{:?}", voter(&c)))
    });
    // It may have caught up a little before the unseal finished.
    assert!(joined.elapsed() >= Duration::from_secs(4), "promoted after {:?}", joined.elapsed());
}
