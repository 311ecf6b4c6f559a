//! Integrated storage: the `ReplicationStreamer` actor drives raft-rs 0.7 over the RocksDB log
//! store of `strongbox-storage`, and [`RaftBackend`] puts it behind `PhysicalBackend`.
//!
//! ```text
//! barrier ─▶ RaftBackend::put/delete/batch ─▶ Propose{ops} ─▶ ReplicationStreamer (own arbiter)
//!              │                                               └─ RaftNode: RawNode<RaftLogStore>
//!              │                                                  Ready: messages → snapshot →
//!              │                                                  apply (kv + applied index) →
//!              │                                                  append + hard state (1 fsync) →
//!              │                                                  persisted messages → advance
//!              └─ get/list ─▶ applied `kv` column family (local)
//! ```
//!
//! Raft sits below the barrier: entries carry ciphertext only. Readers of the cluster's state
//! (`sys/leader`, `sys/storage/raft/configuration`) use the published [`ClusterState`].
//!
//! One job per file: `codec` (prost entry and member records), `node` (the raft logic as a
//! plain struct), `ready` (the Ready loop), `streamer` (the actor), `backend`
//! (`PhysicalBackend`), `state` (the published snapshot), `messages`, `error`, `logger`.

mod backend;
pub mod codec;
mod error;
mod logger;
mod messages;
mod node;
mod ready;
mod state;
mod streamer;

pub use backend::{RaftBackend, APPLY_TIMEOUT};
pub use error::ReplicationError;
pub use messages::{AppliedReceiver, Propose};
pub use node::{RaftNode, RaftSettings};
pub use state::{raft_id_for, ClusterState, PeerStatus};
pub use streamer::ReplicationStreamer;

use actix::prelude::*;
use arc_swap::ArcSwap;
use codec::PeerRecord;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use strongbox_storage::{PhysicalBackend, RaftLogStore};

/// What a node's `storage "raft"` stanza and addresses amount to.
#[derive(Debug, Clone)]
pub struct RaftOptions {
    /// Directory of the RocksDB holding the raft log and the applied data.
    pub path: PathBuf,
    /// Vault's node id (a string; raft's numeric id is derived from it).
    pub node_id: String,
    /// `api_addr`, e.g. `http://127.0.0.1:8200`.
    pub api_addr: String,
    /// `cluster_addr` as host:port, e.g. `127.0.0.1:8201`.
    pub cluster_addr: String,
    pub settings: RaftSettings,
    /// One raft tick (elections take `election_tick` of these).
    pub tick: Duration,
}

/// The running integrated storage of a node: the streamer's address, the published cluster
/// state and the physical backend the core runs on.
#[derive(Clone)]
pub struct RaftHandle {
    streamer: Addr<ReplicationStreamer>,
    state: Arc<ArcSwap<ClusterState>>,
    backend: Arc<RaftBackend>,
}

impl std::fmt::Debug for RaftHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftHandle").field("state", &self.state.load()).finish_non_exhaustive()
    }
}

impl RaftHandle {
    /// Opens the store in `opts.path` and starts the streamer on an arbiter of its own.
    /// Must run inside an actix `System`.
    pub fn start(opts: RaftOptions) -> Result<RaftHandle, ReplicationError> {
        let (store, applied) = RaftLogStore::open(&opts.path)?;
        let me = PeerRecord {
            raft_id: raft_id_for(&opts.node_id),
            node_id: opts.node_id.clone(),
            cluster_addr: opts.cluster_addr.clone(),
            api_addr: opts.api_addr.clone(),
        };
        let state = Arc::new(ArcSwap::from_pointee(ClusterState::default()));
        let streamer = ReplicationStreamer::new(store, me, opts.settings.clone(), opts.tick, state.clone())?;
        let arbiter = Arbiter::new();
        let streamer = ReplicationStreamer::start_in_arbiter(&arbiter.handle(), move |_| streamer);
        let backend = Arc::new(RaftBackend::new(streamer.clone(), applied));
        Ok(RaftHandle { streamer, state, backend })
    }

    /// The latest published cluster state.
    pub fn cluster_state(&self) -> Arc<ClusterState> {
        self.state.load_full()
    }

    /// The physical backend the core (and the barrier) runs on.
    pub fn backend(&self) -> Arc<dyn PhysicalBackend> {
        self.backend.clone()
    }

    pub fn streamer(&self) -> &Addr<ReplicationStreamer> {
        &self.streamer
    }
}

#[cfg(test)]
#[path = "handle_tests.rs"]
mod tests;
