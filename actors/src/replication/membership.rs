//! Membership changes on the leader: a joining node enters as a learner (non-voter), is promoted
//! to voter once its log has caught up with the leader's commit index (autopilot's job in
//! Vault), unless it joined with `non_voter`, and leaves with `remove-peer`. raft-rs takes one
//! change at a time.

use super::codec::{self, PeerRecord};
use super::error::ReplicationError;
use super::messages::AppliedReceiver;
use super::node::RaftNode;
use raft::eraftpb::{ConfChange, ConfChangeType};

impl RaftNode {
    fn propose_change(
        &mut self,
        kind: ConfChangeType,
        record: &PeerRecord,
    ) -> Result<AppliedReceiver, ReplicationError> {
        if !self.is_leader() {
            return Err(ReplicationError::NotLeader { leader: self.raw.raft.leader_id });
        }
        if self.raw.raft.has_pending_conf() {
            return Err(ReplicationError::ChangeInProgress);
        }
        let mut cc = ConfChange::default();
        cc.set_change_type(kind);
        cc.node_id = record.raft_id;
        // The change's own context carries the member record every node stores with the conf.
        cc.context = codec::encode_peers(std::slice::from_ref(record)).into();
        self.propose_tracked(|raw, context| raw.propose_conf_change(context, cc))
    }

    /// Adds a node that answered the join challenge as a non-voter (idempotent for a member).
    pub fn add_learner(&mut self, record: PeerRecord) -> Result<(), ReplicationError> {
        let conf = self.raw.store().conf_state();
        if conf.voters.contains(&record.raft_id) || conf.learners.contains(&record.raft_id) {
            return Ok(());
        }
        self.propose_change(ConfChangeType::AddLearnerNode, &record).map(drop)
    }

    /// Removes a member by its Vault node id; the receiver resolves once the removal is applied
    /// here. Removing the last voter is refused: the cluster could never commit anything again.
    pub fn remove_member(&mut self, node_id: &str) -> Result<AppliedReceiver, ReplicationError> {
        let raft_id = super::raft_id_for(node_id);
        let conf = self.raw.store().conf_state().clone();
        let is_voter = conf.voters.contains(&raft_id);
        if !is_voter && !conf.learners.contains(&raft_id) {
            return Err(ReplicationError::UnknownPeer(node_id.to_string()));
        }
        if is_voter && conf.voters.len() == 1 {
            return Err(ReplicationError::LastVoter);
        }
        let record = self.peers.iter().find(|p| p.raft_id == raft_id).cloned().unwrap_or(PeerRecord {
            raft_id,
            node_id: node_id.to_string(),
            ..Default::default()
        });
        self.propose_change(ConfChangeType::RemoveNode, &record)
    }

    /// Leader, on each tick: promotes the first learner whose log has kept up with the commit
    /// index for autopilot's `server_stabilization_time`.
    pub fn promote_caught_up(&mut self) {
        if !self.is_leader() || self.raw.raft.has_pending_conf() {
            self.caught_up_since.clear();
            return;
        }
        let committed = self.raw.raft.raft_log.committed;
        let learners = self.raw.store().conf_state().learners.clone();
        let now = std::time::Instant::now();
        let mut ready = None;
        for id in learners {
            let stays_non_voter = self.peers.iter().any(|p| p.raft_id == id && p.non_voter);
            let caught_up = self.raw.raft.prs().get(id).is_some_and(|pr| pr.matched >= committed);
            if stays_non_voter || !caught_up {
                self.caught_up_since.remove(&id);
                continue;
            }
            let since = *self.caught_up_since.entry(id).or_insert(now);
            if ready.is_none() && now.duration_since(since) >= self.settings.stabilization {
                ready = Some(id);
            }
        }
        let Some(id) = ready else {
            return;
        };
        let record = self.peers.iter().find(|p| p.raft_id == id).cloned();
        let record = record.unwrap_or(PeerRecord { raft_id: id, node_id: id.to_string(), ..Default::default() });
        match self.propose_change(ConfChangeType::AddNode, &record) {
            Ok(_) => {
                self.caught_up_since.remove(&id);
                tracing::info!(node_id = %record.node_id, "promoting a caught-up non-voter to voter")
            }
            Err(e) => tracing::debug!(error = %e, "promotion deferred"),
        }
    }

    /// Leader: starts handing leadership to the voter whose log is furthest along.
    pub fn transfer_leadership(&mut self) -> bool {
        if !self.is_leader() {
            return false;
        }
        let me = self.me.raft_id;
        let voters = self.raw.store().conf_state().voters.clone();
        let best = voters
            .into_iter()
            .filter(|id| *id != me)
            .filter_map(|id| self.raw.raft.prs().get(id).map(|pr| (pr.matched, id)))
            .max();
        match best {
            Some((_, id)) => {
                self.raw.transfer_leader(id);
                true
            }
            None => false,
        }
    }
}
