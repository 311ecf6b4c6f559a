//! Partitions between real node processes, through the fault switch of test builds
//! (`--features strongbox-node/faults`, node/src/server/faults.rs): each node is started with
//! `STRONGBOX_FAULTS_FILE` pointing into its directory; writing the cluster addresses it must
//! stop talking to into that file, and waiting for the node's acknowledgement, cuts the links.
//! Both ends of a link are cut, so a partition is symmetric.

use crate::cluster::Cluster;
use crate::node::Node;
use crate::wait::must_wait_for;
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// The file a node watches, in its own directory.
pub fn faults_file(node: &Node) -> PathBuf {
    node.dir().join("faults.json")
}

impl Node {
    /// Stops sending to (and, for `"*"`, receiving from) the given cluster addresses; waits
    /// until the node has applied it.
    pub fn must_block(&self, cluster_addrs: &[String]) {
        let generation = GENERATION.fetch_add(1, Ordering::Relaxed);
        let file = faults_file(self);
        let tmp = file.with_extension("tmp");
        std::fs::write(&tmp, json!({"generation": generation, "blocked": cluster_addrs}).to_string())
            .expect("writing the faults file");
        std::fs::rename(&tmp, &file).expect("renaming the faults file");
        let ack = file.with_extension("json.ack");
        self.note(&format!("blocking {cluster_addrs:?} (generation {generation})"));
        must_wait_for(
            "the node to apply the fault switch (is the binary built with --features strongbox-node/faults?)",
            Duration::from_secs(10),
            || match std::fs::read_to_string(&ack) {
                Ok(s) if s.trim() == generation.to_string() => Ok(()),
                other => Err(format!("ack: {other:?}")),
            },
        );
    }
}

impl Cluster {
    /// Splits the cluster: a node talks only to nodes of its own group. Nodes in no group are
    /// cut off from everyone.
    pub fn partition(&self, groups: &[&[usize]]) {
        for (i, node) in self.nodes.iter().enumerate() {
            let mine: &[usize] = groups.iter().find(|g| g.contains(&i)).copied().unwrap_or(&[]);
            let others: Vec<String> = (0..self.nodes.len())
                .filter(|j| *j != i && !mine.contains(j))
                .map(|j| self.nodes[j].cluster_addr().to_string())
                .collect();
            node.must_block(&others);
        }
    }

    /// Reconnects every node to every other.
    pub fn heal(&self) {
        for node in &self.nodes {
            node.must_block(&[]);
        }
    }
}
