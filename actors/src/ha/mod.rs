//! High availability on integrated storage: the raft leader is the active node.
//!
//! - `cluster_tls`: the cluster port's certificates, minted at init and kept in the barrier.
//! - `bootstrap`: the active node's side of joining (`sys/storage/raft/bootstrap/challenge` and
//!   `answer`), and `remove-peer`.
//! - `join`: the joining node's side (`sys/storage/raft/join`, then the answer at unseal).
//! - `watch`: follows leadership, activating this node (post_unseal) when it becomes the leader
//!   and deactivating it (pre_seal) when it stops being one; a standby stays unsealed.
//!
//! A standby answers only the seal, health and leader endpoints itself; the API forwards every
//! other request to the active node over the cluster port.

mod autopilot;
mod autopilot_cleanup;
mod bootstrap;
mod cluster_tls;
mod join;
mod snapshot;
mod status;
mod watch;

pub(crate) use autopilot::AUTOPILOT_FIELDS;
pub(crate) use autopilot_cleanup::clean_up_dead_servers;
pub use join::{JoinRequest, PendingJoin};
pub(crate) use watch::watch_leadership;

use crate::replication::{PeerStatus, RaftHandle};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Where the active node advertises itself (Vault's `core/leader/<uuid>`): writing it through
/// raft on becoming active proves leadership and that every earlier entry is applied here.
pub(crate) const LEADER_PREFIX: &str = "core/leader/";

/// `https://10.0.0.1:8201` → `10.0.0.1:8201`: peers dial host:port.
pub(crate) fn host_port(addr: &str) -> &str {
    addr.split_once("://").map_or(addr, |(_, rest)| rest)
}

/// What a node is, for the request path.
#[derive(Debug, Clone)]
pub enum HaMode {
    /// Serves requests itself (a single node, or the raft leader once activated).
    Active,
    /// Forwards requests to the active node, when one is known.
    Standby(Option<PeerStatus>),
}

pub struct Ha {
    pub(crate) raft: RaftHandle,
    active: AtomicBool,
    /// Join challenges handed out, by the joining node's id (only the active node has any).
    challenges: Mutex<HashMap<String, (Vec<u8>, Instant)>>,
}

impl Ha {
    pub fn new(raft: RaftHandle) -> Self {
        Ha { raft, active: AtomicBool::new(false), challenges: Mutex::default() }
    }

    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    pub(crate) fn set_active(&self, active: bool) {
        self.active.store(active, Ordering::Release);
    }

    pub fn is_leader(&self) -> bool {
        self.raft.cluster_state().is_leader()
    }

    pub fn mode(&self) -> HaMode {
        if self.is_active() {
            HaMode::Active
        } else {
            HaMode::Standby(self.raft.cluster_state().leader().filter(|l| !l.api_addr.is_empty()).cloned())
        }
    }
}
