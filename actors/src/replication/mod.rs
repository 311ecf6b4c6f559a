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
//! plain struct), `ready` (the Ready loop), `streamer` (the actor), `lease` (the leader lease
//! the active node proves before it answers), `backend`
//! (`PhysicalBackend`), `state` (the published snapshot), `messages`, `error`, `logger`.

mod backend;
pub mod codec;
mod error;
mod inbound;
mod lease;
mod logger;
mod membership;
mod messages;
mod node;
mod ready;
mod state;
mod streamer;
mod wire;

pub use backend::{RaftBackend, APPLY_TIMEOUT};
pub use error::ReplicationError;
pub use inbound::ForwardHandler;
pub use lease::LeaderLease;
pub use messages::{
    AddLearner, AppliedReceiver, ConfirmLease, Propose, RemovePeer, RestoreSnapshot, SetSealed, SetStabilization,
    StartJoined, TakeSnapshot, TransferLeadership,
};
pub use node::{RaftNode, RaftSettings};
pub use state::{raft_id_for, ClusterState, PeerStatus, PublishedState};
pub use streamer::ReplicationStreamer;

use actix::prelude::*;
use codec::PeerRecord;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use strongbox_storage::{PhysicalBackend, RaftLogStore};
use strongbox_transport::{ClusterTls, Transport, TransportError};

/// How long a request waits for a ReadIndex round before it gives up (a leader that lost its
/// quorum steps down within an election timeout or two).
const LEASE_WAIT: Duration = Duration::from_secs(3);

/// What a node's `storage "raft"` stanza and addresses amount to.
#[derive(Debug, Clone)]
pub struct RaftOptions {
    /// Directory of the RocksDB holding the raft log and the applied data.
    pub path: PathBuf,
    /// Vault's node id (a string; raft's numeric id is derived from it).
    pub node_id: String,
    /// `api_addr`, e.g. `http://127.0.0.1:8200`.
    pub api_addr: String,
    /// `cluster_addr` as host:port, e.g. `127.0.0.1:8201` (what peers dial).
    pub cluster_addr: String,
    /// Where the cluster listener binds (the listener's `cluster_address`).
    pub cluster_listen: String,
    pub settings: RaftSettings,
    /// One raft tick (elections take `election_tick` of these).
    pub tick: Duration,
}

/// The running integrated storage of a node: the streamer's address, the published cluster
/// state and the physical backend the core runs on.
#[derive(Clone)]
pub struct RaftHandle {
    streamer: Addr<ReplicationStreamer>,
    state: PublishedState,
    backend: Arc<RaftBackend>,
    transport: Arc<Transport>,
    lease: Arc<LeaderLease>,
    inbound: Arc<inbound::ClusterInbound>,
    me: PeerRecord,
    cluster_listen: String,
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
            non_voter: false,
        };
        let state = PublishedState::default();
        let inbound = Arc::new(inbound::ClusterInbound::default());
        let transport = Transport::new(me.raft_id, inbound.clone()).map_err(ReplicationError::transport)?;
        let lease = Arc::new(LeaderLease::default());
        let streamer = ReplicationStreamer::new(
            store,
            me.clone(),
            opts.settings.clone(),
            opts.tick,
            state.clone(),
            transport.clone(),
            lease.clone(),
        )?;
        let arbiter = Arbiter::new();
        let streamer = ReplicationStreamer::start_in_arbiter(&arbiter.handle(), move |_| streamer);
        inbound.set_streamer(streamer.clone());
        let backend = Arc::new(RaftBackend::new(streamer.clone(), applied));
        Ok(RaftHandle { streamer, state, backend, transport, inbound, lease, me, cluster_listen: opts.cluster_listen })
    }

    /// Opens the cluster port with the cluster's TLS material (once the node is unsealed, or
    /// has answered the join challenge). Idempotent.
    pub fn start_transport(&self, tls: &ClusterTls) -> Result<(), TransportError> {
        self.transport.start(&self.cluster_listen, tls)
    }

    pub fn transport(&self) -> &Arc<Transport> {
        &self.transport
    }

    /// Who answers requests other members forward here (the API, on the active node).
    pub fn set_forward_handler(&self, handler: ForwardHandler) {
        self.inbound.set_forward(handler);
    }

    /// Whether this node is provably still the leader: at once while its lease holds, else
    /// after a ReadIndex round (an error when it does not lead, or no quorum answers in time).
    pub async fn confirm_lease(&self) -> Result<(), ReplicationError> {
        if self.lease.holds() {
            return Ok(());
        }
        let rx = self.streamer.send(ConfirmLease).await.map_err(|_| ReplicationError::Stopped)??;
        match tokio::time::timeout(LEASE_WAIT, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(ReplicationError::Stopped),
            Err(_) => Err(ReplicationError::Timeout),
        }
    }

    /// This node's member record (node id, raft id, addresses).
    pub fn me(&self) -> &PeerRecord {
        &self.me
    }

    /// Wakes on every leadership change in the published cluster state.
    pub fn watch_state(&self) -> tokio::sync::watch::Receiver<u64> {
        self.state.watch()
    }

    /// The latest published cluster state.
    pub fn cluster_state(&self) -> Arc<ClusterState> {
        self.state.load()
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
