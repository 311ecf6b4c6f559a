//! A raft cluster of real node processes, each on its own loopback address (127.0.0.1,
//! 127.0.0.2, ...): the first node is initialized and unsealed, the others join it with
//! `sys/storage/raft/join` and are unsealed with the same keys, as an operator would do.
//! Helpers find the leader, kill, restart, pause and resume nodes.

use crate::config::NodeConfig;
use crate::http::Client;
use crate::node::Node;
use crate::wait::must_wait_for;
use serde_json::{json, Value};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// Long enough for an election (1-2 s of raft ticks) plus activation, on a busy 2-core machine.
pub const ELECTION_DEADLINE: Duration = Duration::from_secs(20);

pub struct Cluster {
    pub nodes: Vec<Node>,
    pub keys: Vec<String>,
    pub root: String,
}

impl Cluster {
    /// Starts `n` nodes, forms the cluster and waits until every node is an unsealed voter.
    pub fn must_start(n: usize) -> Cluster {
        Cluster::must_start_with(n, NodeConfig::raft())
    }

    /// [`Cluster::must_start`] with every node on `config` (e.g. extra `storage "raft"` options).
    pub fn must_start_with(n: usize, config: NodeConfig) -> Cluster {
        let nodes: Vec<Node> =
            (0..n).map(|i| Node::must_start(config.clone().ip(Ipv4Addr::new(127, 0, 0, 1 + i as u8)))).collect();
        let (keys, root) = nodes[0].must_init(3, 2);
        nodes[0].must_unseal(&keys[..2]);
        let cluster = Cluster { nodes, keys, root };
        cluster.must_wait_active(0);
        // Joining nodes are promoted after autopilot's server_stabilization_time (Vault's
        // default 10s); tests form clusters often, so theirs keep up for 1s.
        let fast = json!({ "server_stabilization_time": "1s" });
        cluster.client(0).must_ok("POST", "sys/storage/raft/autopilot/configuration", Some(&fast));
        for i in 1..n {
            cluster.must_join(i, 0);
        }
        cluster.must_wait_voters(n);
        cluster
    }

    /// Joins node `i` to the cluster through node `via`, unseals it and waits until it is.
    pub fn must_join(&self, i: usize, via: usize) {
        let body = json!({ "leader_api_addr": self.nodes[via].url() });
        let r = self.nodes[i].client().must_status(200, "POST", "sys/storage/raft/join", Some(&body));
        assert_eq!(r.json, json!({"joined": true}), "{}", r.text);
        for key in &self.keys[..2] {
            self.nodes[i].client().must_ok("PUT", "sys/unseal", Some(&json!({ "key": key })));
        }
        self.must_wait_unsealed(i);
    }

    pub fn client(&self, i: usize) -> Client {
        self.nodes[i].client().with_token(&self.root)
    }

    pub fn must_wait_unsealed(&self, i: usize) {
        let node = &self.nodes[i];
        must_wait_for(&format!("node {i} unsealed"), ELECTION_DEADLINE, || {
            let s = node.client().try_request("GET", "sys/seal-status", None)?;
            (s.json["sealed"] == json!(false)).then_some(()).ok_or(s.text)
        });
    }

    /// Unseals a (restarted) member with the cluster's keys.
    pub fn must_unseal(&self, i: usize) {
        self.nodes[i].must_unseal(&self.keys[..2]);
    }

    /// The index of the node that says it is the active node, among those given.
    pub fn try_leader_among(&self, candidates: &[usize]) -> Result<usize, String> {
        let mut seen = Vec::new();
        for &i in candidates {
            match self.nodes[i].client().try_request("GET", "sys/health", None) {
                Ok(r) if r.status == 200 => return Ok(i),
                Ok(r) => seen.push(format!("node {i}: {}", r.status)),
                Err(e) => seen.push(format!("node {i}: {e}")),
            }
        }
        Err(format!("no active node yet ({})", seen.join(", ")))
    }

    /// Waits until one of `candidates` is active (`sys/health` 200); returns it and how long it took.
    pub fn must_wait_leader_among(&self, candidates: &[usize]) -> (usize, Duration) {
        let start = Instant::now();
        let i = must_wait_for("an active node", ELECTION_DEADLINE, || self.try_leader_among(candidates));
        (i, start.elapsed())
    }

    pub fn must_wait_active(&self, i: usize) {
        must_wait_for(&format!("node {i} active"), ELECTION_DEADLINE, || self.try_leader_among(&[i]));
    }

    /// Waits until the active node lists `n` voters in `sys/storage/raft/configuration`.
    pub fn must_wait_voters(&self, n: usize) -> Vec<Value> {
        let all: Vec<usize> = (0..self.nodes.len()).collect();
        must_wait_for(&format!("{n} voters"), ELECTION_DEADLINE * 2, || {
            let servers = self.try_raft_servers(self.try_leader_among(&all)?)?;
            let voters = servers.iter().filter(|s| s["voter"] == json!(true)).count();
            (voters == n && servers.len() == n).then_some(servers.clone()).ok_or(format!("{servers:?}"))
        })
    }

    /// The members (`data.config.servers` of `sys/storage/raft/configuration`) as node `via`
    /// lists them.
    pub fn try_raft_servers(&self, via: usize) -> Result<Vec<Value>, String> {
        let r = self.client(via).try_request("GET", "sys/storage/raft/configuration", None)?;
        r.json["data"]["config"]["servers"].as_array().cloned().ok_or(r.text)
    }

    pub fn must_raft_servers(&self, via: usize) -> Vec<Value> {
        self.try_raft_servers(via).unwrap_or_else(|e| panic!("sys/storage/raft/configuration on node {via}: {e}"))
    }
}
