//! The raft `Ready` loop, in DESIGN.md's order:
//!
//! 1. queue `messages` for peers (safe before the local fsync; the streamer sends them before
//!    step 4, see [`RaftNode::begin_ready`]);
//! 2. install a snapshot, if the leader sent one;
//! 3. apply committed entries (data and applied index in one batch; conf changes through
//!    `apply_conf_change`, their new `ConfState` persisted in that batch);
//! 4. append entries and persist the hard state: one write batch, fsynced when raft says so;
//! 5. queue `persisted_messages` (only now: they promise what step 4 made durable);
//! 6. `advance`, then the same for the `LightReady`: new commit index, messages, committed
//!    entries; `advance_apply`; compact the log past `trailing_logs`.
//!
//! Nothing steps, proposes or ticks between `ready()` and `advance()`: this runs to completion
//! inside one mailbox message.

use super::codec::{self, PeerRecord};
use super::error::ReplicationError;
use super::node::RaftNode;
use protobuf::Message as _;
use raft::eraftpb::{ConfChange, ConfChangeType, ConfChangeV2, Entry, EntryType, Snapshot};
use raft::StateRole;
use strongbox_storage::ApplyBatch;

/// How far past `trailing_logs` the log may grow before it is compacted (one delete-range per
/// this many entries, not one per apply).
const COMPACTION_STEP: u64 = 1024;

impl RaftNode {
    /// Handles one `Ready` if raft has one. Returns whether it did.
    pub fn handle_ready(&mut self) -> Result<bool, ReplicationError> {
        if !self.begin_ready() {
            return Ok(false);
        }
        self.finish_ready()?;
        Ok(true)
    }

    /// Step 1 of a `Ready`: queues the messages that may leave before the local fsync. The
    /// streamer sends them at once, so followers persist a leader's entries while the leader
    /// does (commit waits for the slower of the two writes, not for both in turn). Nothing may
    /// step, propose or report into raft until [`RaftNode::finish_ready`].
    pub fn begin_ready(&mut self) -> bool {
        if self.ready.is_some() || !self.raw.has_ready() {
            return false;
        }
        let mut rd = self.raw.ready();
        if let Some(ss) = rd.ss() {
            self.on_role_change(ss.raft_state);
        }
        self.queue(rd.take_messages());
        self.read_states.extend(rd.take_read_states());
        self.ready = Some(rd);
        true
    }

    /// Steps 2 to 6 of the `Ready` that [`RaftNode::begin_ready`] took.
    pub fn finish_ready(&mut self) -> Result<(), ReplicationError> {
        let Some(mut rd) = self.ready.take() else {
            return Ok(());
        };
        if !rd.snapshot().is_empty() {
            self.install_snapshot(rd.snapshot())?;
        }
        self.apply_entries(rd.take_committed_entries())?;
        self.raw.mut_store().append(rd.entries(), rd.hs(), rd.must_sync())?;
        self.queue(rd.take_persisted_messages());

        let mut light = self.raw.advance(rd);
        if let Some(commit) = light.commit_index() {
            self.raw.mut_store().set_commit(commit);
        }
        self.queue(light.take_messages());
        self.apply_entries(light.take_committed_entries())?;
        self.raw.advance_apply();
        self.maybe_compact()?;
        Ok(())
    }

    fn on_role_change(&mut self, role: StateRole) {
        match role {
            StateRole::Leader if self.leader_since.is_none() => {
                self.leader_since = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true));
                tracing::info!(term = self.raw.raft.term, "this node is the raft leader");
            }
            StateRole::Leader => {}
            _ => {
                if self.leader_since.take().is_some() {
                    tracing::info!(term = self.raw.raft.term, "this node lost raft leadership");
                }
                // Entries proposed here may still commit under the new leader, but nobody
                // here can tell: the callers get an error rather than a wait without end.
                let leader = self.raw.raft.leader_id;
                self.fail_pending(|| ReplicationError::NotLeader { leader });
            }
        }
    }

    /// Installs a snapshot from the leader: its data replaces the applied data, and its member
    /// records replace ours (the membership itself is in the metadata).
    fn install_snapshot(&mut self, snap: &Snapshot) -> Result<(), ReplicationError> {
        let meta = snap.get_metadata();
        tracing::info!(index = meta.index, term = meta.term, "installing a raft snapshot");
        let (data, peers) = codec::decode_snapshot(&snap.data)?;
        self.raw.mut_store().apply_snapshot(meta, data, &codec::encode_peers(&peers))?;
        self.peers = peers;
        self.config_index = meta.index;
        self.fail_pending(|| ReplicationError::Dropped);
        Ok(())
    }

    /// Applies committed entries in order as one batch, then answers their proposers.
    fn apply_entries(&mut self, entries: Vec<Entry>) -> Result<(), ReplicationError> {
        let Some(last) = entries.last() else {
            return Ok(());
        };
        let (last_index, last_term) = (last.index, last.term);
        let mut batch = ApplyBatch::new();
        let mut answered = Vec::new();
        for e in &entries {
            match e.get_entry_type() {
                // An empty normal entry is a new leader's no-op.
                EntryType::EntryNormal if e.data.is_empty() => {}
                EntryType::EntryNormal => batch.push_ops(codec::decode_ops(&e.data)?),
                EntryType::EntryConfChange => {
                    let cc = ConfChange::parse_from_bytes(&e.data).map_err(raft::Error::from)?;
                    let conf = self.raw.apply_conf_change(&cc)?;
                    self.record_peer_change(cc.get_change_type(), cc.node_id, &cc.context);
                    self.config_index = e.index;
                    batch.set_conf(conf, codec::encode_peers(&self.peers));
                }
                EntryType::EntryConfChangeV2 => {
                    let cc = ConfChangeV2::parse_from_bytes(&e.data).map_err(raft::Error::from)?;
                    let conf = self.raw.apply_conf_change(&cc)?;
                    for single in cc.get_changes() {
                        self.record_peer_change(single.get_change_type(), single.node_id, &cc.context);
                    }
                    self.config_index = e.index;
                    batch.set_conf(conf, codec::encode_peers(&self.peers));
                }
            }
            if let Some(p) = self.pending.remove(&e.index) {
                let ours = codec::parse_proposal_context(&e.context) == Some((self.me.raft_id, p.seq));
                answered.push((p, ours, e.index));
            }
        }
        batch.applied_to(last_index, last_term);
        self.raw.mut_store().apply(batch)?;
        for (p, ours, index) in answered {
            // A different entry at our index means a new leader overwrote the proposal.
            let _ = p.reply.send(if ours { Ok(index) } else { Err(ReplicationError::Dropped) });
        }
        Ok(())
    }

    /// Keeps the member records in step with raft's conf: a change's context carries the new
    /// member's [`PeerRecord`].
    fn record_peer_change(&mut self, kind: ConfChangeType, raft_id: u64, context: &[u8]) {
        match kind {
            ConfChangeType::RemoveNode => {
                self.peers.retain(|p| p.raft_id != raft_id);
                if raft_id == self.me.raft_id {
                    // raft-rs keeps a removed leader leading; it must stop taking part instead.
                    self.removed = true;
                }
            }
            ConfChangeType::AddNode | ConfChangeType::AddLearnerNode => {
                let record = codec::decode_peers(context)
                    .ok()
                    .and_then(|ps| ps.into_iter().find(|p| p.raft_id == raft_id))
                    .unwrap_or(PeerRecord { raft_id, node_id: raft_id.to_string(), ..Default::default() });
                self.peers.retain(|p| p.raft_id != raft_id);
                self.peers.push(record);
            }
        }
    }

    /// Drops log entries more than `trailing_logs` behind the applied index.
    fn maybe_compact(&mut self) -> Result<(), ReplicationError> {
        let applied = self.raw.store().applied().index;
        let first = self.raw.raft.raft_log.first_index();
        let keep_from = applied.saturating_sub(self.settings.trailing_logs) + 1;
        if keep_from >= first + COMPACTION_STEP {
            self.raw.mut_store().compact(keep_from)?;
        }
        Ok(())
    }
}
