//! What the streamer publishes for readers on the hot path (`sys/leader`, the raft
//! configuration, and later standby forwarding): an immutable [`ClusterState`] snapshot swapped
//! in with arc-swap after every raft `Ready`, so a reader never waits in the streamer's mailbox;
//! watchers (the leadership follower) wake on each new snapshot.

use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::watch;

/// The published [`ClusterState`]: the latest snapshot, and a counter bumped when leadership
/// changes (who leads, the term, membership of a cluster), not on every new commit index.
#[derive(Clone)]
pub struct PublishedState {
    current: Arc<ArcSwap<ClusterState>>,
    changes: Arc<watch::Sender<u64>>,
}

impl Default for PublishedState {
    fn default() -> Self {
        PublishedState {
            current: Arc::new(ArcSwap::from_pointee(ClusterState::default())),
            changes: Arc::new(watch::channel(0).0),
        }
    }
}

impl PublishedState {
    pub fn load(&self) -> Arc<ClusterState> {
        self.current.load_full()
    }

    /// Swaps in `next` when it differs from the current snapshot; wakes the watchers when
    /// leadership changed.
    pub(crate) fn publish(&self, next: ClusterState) {
        let current = self.current.load();
        if **current == next {
            return;
        }
        let leadership = |s: &ClusterState| (s.initialized, s.leader_id, s.term);
        let changed = leadership(&current) != leadership(&next);
        self.current.store(Arc::new(next));
        if changed {
            self.changes.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Wakes on every leadership change.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

/// One member as the raft configuration lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerStatus {
    pub raft_id: u64,
    pub node_id: String,
    pub cluster_addr: String,
    pub api_addr: String,
    pub voter: bool,
    pub leader: bool,
    /// On the leader: the highest log index known to be on the peer (autopilot's last_index).
    pub matched: u64,
    /// When this node last heard from the peer (`None` for itself and for silent peers).
    pub last_heard: Option<std::time::Instant>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterState {
    /// This node's Vault node id and raft id.
    pub node_id: String,
    pub raft_id: u64,
    /// Whether this node belongs to a cluster yet (it bootstraps one at `operator init`).
    pub initialized: bool,
    /// The leader's raft id, 0 when there is none.
    pub leader_id: u64,
    pub term: u64,
    pub commit_index: u64,
    pub applied_index: u64,
    /// When this node last became the leader (RFC 3339), for `sys/leader`'s `active_time`.
    pub leader_since: Option<String>,
    /// Index of the last applied membership change.
    pub config_index: u64,
    pub peers: Vec<PeerStatus>,
}

impl ClusterState {
    pub fn is_leader(&self) -> bool {
        self.leader_id != 0 && self.leader_id == self.raft_id
    }

    /// The leader's entry in the member list.
    pub fn leader(&self) -> Option<&PeerStatus> {
        self.peers.iter().find(|p| p.leader)
    }
}

/// raft-rs wants a non-zero u64 id; Vault's node ids are strings. The id is the first 8 bytes
/// of the node id's SHA-256 (top bit cleared so it stays positive where ids are signed).
pub fn raft_id_for(node_id: &str) -> u64 {
    let digest = Sha256::digest(node_id.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(b) & (u64::MAX >> 1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raft_ids_are_stable_and_distinct() {
        assert_eq!(raft_id_for("node1"), raft_id_for("node1"));
        assert_ne!(raft_id_for("node1"), raft_id_for("node2"));
        assert!(raft_id_for("") > 0);
    }
}
