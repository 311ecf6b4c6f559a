//! `RaftNode`: the raft logic as a plain struct (TiKV's `Peer` to the streamer's `PeerFsm`).
//! It owns the raft-rs `RawNode` over the RocksDB log store, the proposals waiting to be
//! applied, the per-peer outbox and the member records, and builds the published
//! [`ClusterState`]. The `Ready` loop itself is in `ready.rs`. No actix in here, so the unit
//! tests drive it directly, without threads or clocks.

use super::codec::{self, PeerRecord};
use super::error::ReplicationError;
use super::logger::raft_logger;
use super::messages::AppliedReceiver;
use super::state::{ClusterState, PeerStatus};
use raft::eraftpb::{ConfState, Message};
use raft::{Config, RawNode, StateRole};
use std::collections::{BTreeMap, HashMap};
use strongbox_storage::{RaftLogStore, WriteOp};
use tokio::sync::oneshot;

/// Settings of the raft group (Vault's defaults where it has them).
#[derive(Debug, Clone)]
pub struct RaftSettings {
    /// Log entries kept behind the applied index when compacting (Vault's `trailing_logs`).
    pub trailing_logs: u64,
    /// Ticks without a leader before a follower campaigns (randomized up to twice that).
    pub election_tick: usize,
    pub heartbeat_tick: usize,
    /// Autopilot's `server_stabilization_time`: how long a learner must keep up with the
    /// leader before it is promoted to voter.
    pub stabilization: std::time::Duration,
}

impl Default for RaftSettings {
    fn default() -> Self {
        RaftSettings {
            trailing_logs: 10_000,
            election_tick: 10,
            heartbeat_tick: 2,
            stabilization: std::time::Duration::from_secs(10),
        }
    }
}

/// A proposal waiting for its entry to be applied.
pub(crate) struct Pending {
    pub seq: u64,
    pub reply: oneshot::Sender<Result<u64, ReplicationError>>,
}

pub struct RaftNode {
    pub(crate) raw: RawNode<RaftLogStore>,
    pub(crate) me: PeerRecord,
    pub(crate) settings: RaftSettings,
    /// Proposals by the log index their entry was appended at.
    pub(crate) pending: BTreeMap<u64, Pending>,
    next_seq: u64,
    /// Messages for each peer, oldest first, until the transport takes them.
    pub(crate) outbox: HashMap<u64, Vec<Message>>,
    pub(crate) peers: Vec<PeerRecord>,
    pub(crate) config_index: u64,
    pub(crate) leader_since: Option<String>,
    /// This node applied its own removal from the cluster.
    pub(crate) removed: bool,
    /// When each peer's last message arrived (autopilot's last contact).
    pub(crate) last_heard: HashMap<u64, std::time::Instant>,
    /// Acknowledged ReadIndex rounds, for the leader lease (`lease.rs`).
    pub(crate) read_states: Vec<raft::ReadState>,
    /// The `Ready` between `begin_ready` and `finish_ready` (`ready.rs`).
    pub(crate) ready: Option<raft::Ready>,
    /// Since when each learner has kept up with the commit index (`membership.rs`).
    pub(crate) caught_up_since: HashMap<u64, std::time::Instant>,
}

impl RaftNode {
    /// Starts raft over an initialized store (restart, or right after bootstrap). A cluster whose
    /// only voter is this node elects itself at once instead of waiting for an election timeout.
    pub fn start(store: RaftLogStore, me: PeerRecord, settings: RaftSettings) -> Result<Self, ReplicationError> {
        let applied = store.applied().index;
        let peers = match store.peers()? {
            Some(bytes) => codec::decode_peers(&bytes)?,
            None => Vec::new(),
        };
        let cfg = Config {
            id: me.raft_id,
            election_tick: settings.election_tick,
            heartbeat_tick: settings.heartbeat_tick,
            applied,
            max_size_per_msg: 1024 * 1024,
            max_inflight_msgs: 256,
            check_quorum: true,
            pre_vote: true,
            ..Default::default()
        };
        let sole_voter = store.conf_state().voters == [me.raft_id] && store.conf_state().learners.is_empty();
        let mut raw = RawNode::new(&cfg, store, &raft_logger(me.raft_id))?;
        if sole_voter {
            raw.campaign()?;
        }
        Ok(RaftNode {
            raw,
            me,
            settings,
            pending: BTreeMap::new(),
            next_seq: 1,
            outbox: HashMap::new(),
            peers,
            config_index: 0,
            leader_since: None,
            removed: false,
            last_heard: HashMap::new(),
            read_states: Vec::new(),
            ready: None,
            caught_up_since: HashMap::new(),
        })
    }

    /// Makes an empty store a cluster of one with this node as its only voter, and starts it.
    pub fn bootstrap(
        mut store: RaftLogStore,
        me: PeerRecord,
        settings: RaftSettings,
    ) -> Result<Self, ReplicationError> {
        let conf = ConfState { voters: vec![me.raft_id], ..Default::default() };
        store.bootstrap(conf, &codec::encode_peers(std::slice::from_ref(&me)))?;
        tracing::info!(node_id = %me.node_id, raft_id = me.raft_id, "bootstrapped a one-node raft cluster");
        Self::start(store, me, settings)
    }

    pub fn is_leader(&self) -> bool {
        self.raw.raft.state == StateRole::Leader
    }

    /// Advances raft's logical clock by one tick.
    pub fn tick(&mut self) {
        self.raw.tick();
    }

    /// Appends a batch of writes to the log; the receiver resolves when it is applied.
    pub fn propose(&mut self, ops: Vec<WriteOp>) -> Result<AppliedReceiver, ReplicationError> {
        if !self.is_leader() {
            return Err(ReplicationError::NotLeader { leader: self.raw.raft.leader_id });
        }
        let data = codec::encode_ops(ops);
        self.propose_tracked(|raw, context| raw.propose(context, data))
    }

    /// Proposes through `propose` with a context naming this proposal; the receiver resolves
    /// when the entry is applied (or fails if another entry took its index).
    pub(crate) fn propose_tracked(
        &mut self,
        propose: impl FnOnce(&mut RawNode<RaftLogStore>, Vec<u8>) -> raft::Result<()>,
    ) -> Result<AppliedReceiver, ReplicationError> {
        let seq = self.next_seq;
        self.next_seq += 1;
        let before = self.raw.raft.raft_log.last_index();
        propose(&mut self.raw, codec::proposal_context(self.me.raft_id, seq))?;
        let index = self.raw.raft.raft_log.last_index();
        if index == before {
            return Err(ReplicationError::Dropped);
        }
        let (reply, rx) = oneshot::channel();
        self.pending.insert(index, Pending { seq, reply });
        Ok(rx)
    }

    pub(crate) fn take_read_states(&mut self) -> Vec<raft::ReadState> {
        std::mem::take(&mut self.read_states)
    }

    /// Fails every waiting proposal (leadership lost, or the node stops).
    pub fn fail_pending(&mut self, err: impl Fn() -> ReplicationError) {
        for (_, p) in std::mem::take(&mut self.pending) {
            let _ = p.reply.send(Err(err()));
        }
    }

    /// Queues messages raft produced, per destination.
    pub(crate) fn queue(&mut self, msgs: Vec<Message>) {
        for m in msgs {
            self.outbox.entry(m.to).or_default().push(m);
        }
    }

    /// Takes what is queued for peers, for the transport.
    pub fn take_outbox(&mut self) -> Vec<(u64, Vec<Message>)> {
        self.outbox.drain().collect()
    }

    /// Tells raft a peer could not be reached (not between `ready` and `advance`).
    pub fn report_unreachable(&mut self, peer: u64) {
        self.raw.report_unreachable(peer);
    }

    /// The snapshot readers see.
    pub fn cluster_state(&self) -> ClusterState {
        let raft = &self.raw.raft;
        let conf = self.raw.store().conf_state();
        let leader_id = raft.leader_id;
        let record = |id: u64| self.peers.iter().find(|p| p.raft_id == id);
        let status = |id: u64, voter: bool| {
            let r = record(id);
            PeerStatus {
                raft_id: id,
                node_id: r.map(|r| r.node_id.clone()).unwrap_or_else(|| id.to_string()),
                cluster_addr: r.map(|r| r.cluster_addr.clone()).unwrap_or_default(),
                api_addr: r.map(|r| r.api_addr.clone()).unwrap_or_default(),
                voter,
                leader: id == leader_id,
                matched: if id == self.me.raft_id {
                    raft.raft_log.last_index()
                } else {
                    raft.prs().get(id).map_or(0, |pr| pr.matched)
                },
                last_heard: self.last_heard.get(&id).copied(),
            }
        };
        let mut peers: Vec<PeerStatus> = conf.voters.iter().map(|id| status(*id, true)).collect();
        peers.extend(conf.learners.iter().map(|id| status(*id, false)));
        ClusterState {
            node_id: self.me.node_id.clone(),
            raft_id: self.me.raft_id,
            initialized: true,
            leader_id,
            term: raft.term,
            commit_index: raft.raft_log.committed,
            applied_index: self.raw.store().applied().index,
            leader_since: self.leader_since.clone(),
            config_index: self.config_index,
            peers,
        }
    }
}

#[cfg(test)]
#[path = "node_tests.rs"]
mod tests;
