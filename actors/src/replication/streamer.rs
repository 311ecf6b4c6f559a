//! The `ReplicationStreamer` actor: a thin mailbox around [`RaftNode`]. It runs on an arbiter
//! of its own (a dedicated thread), so the blocking RocksDB writes of the `Ready` loop never
//! stall an HTTP worker. It ticks raft on an interval, takes proposals, and drives the `Ready`
//! loop once the mailbox is drained, so concurrent proposals share one write batch and one
//! fsync. After each round it publishes the [`ClusterState`] snapshot.

use super::codec::PeerRecord;
use super::error::ReplicationError;
use super::lease::{LeaderLease, LeaseKeeper, LeaseReceiver};
use super::messages::{
    AddLearner, AppliedReceiver, ConfirmLease, Drive, Propose, RemovePeer, RestoreSnapshot, SetSealed,
    SetStabilization, StartJoined, Step, TakeSnapshot, TransferLeadership,
};
use super::node::{RaftNode, RaftSettings};
use super::state::{ClusterState, PublishedState};
use actix::prelude::*;
use std::sync::Arc;
use std::time::Duration;
use strongbox_storage::RaftLogStore;
use strongbox_transport::Transport;

enum Phase {
    /// The node belongs to no cluster yet: the store is empty until bootstrap (or, later, join).
    Unjoined(Box<RaftLogStore>),
    Running(Box<RaftNode>),
    /// A storage failure stopped raft: the node refuses writes rather than diverge.
    Failed,
    /// This node was removed from the cluster (`remove-peer`): it no longer takes part.
    Removed,
}

pub struct ReplicationStreamer {
    phase: Phase,
    me: PeerRecord,
    settings: RaftSettings,
    tick: Duration,
    state: PublishedState,
    transport: Arc<Transport>,
    lease: LeaseKeeper,
    /// The barrier was sealed and leadership, if this node has it, is still to be handed to
    /// another voter (once per sealing, so a cluster sealed as a whole does not pass
    /// leadership round and round).
    hand_over: bool,
    drive_scheduled: bool,
}

impl ReplicationStreamer {
    /// Wraps an opened store: raft starts at once if the store belongs to a cluster.
    pub fn new(
        store: RaftLogStore,
        me: PeerRecord,
        settings: RaftSettings,
        tick: Duration,
        state: PublishedState,
        transport: Arc<Transport>,
        lease: Arc<LeaderLease>,
    ) -> Result<Self, ReplicationError> {
        let phase = if store.is_initialized() {
            Phase::Running(Box::new(RaftNode::start(store, me.clone(), settings.clone())?))
        } else {
            Phase::Unjoined(Box::new(store))
        };
        let lease = LeaseKeeper::new(lease, tick * settings.election_tick as u32);
        let s = ReplicationStreamer {
            phase,
            me,
            settings,
            tick,
            state,
            transport,
            lease,
            hand_over: false,
            drive_scheduled: false,
        };
        s.publish();
        Ok(s)
    }

    fn publish(&self) {
        let next = match &self.phase {
            Phase::Running(node) => node.cluster_state(),
            Phase::Unjoined(_) | Phase::Failed | Phase::Removed => {
                ClusterState { node_id: self.me.node_id.clone(), raft_id: self.me.raft_id, ..Default::default() }
            }
        };
        self.state.publish(next);
    }

    /// A node outside any cluster becomes a cluster of one (Vault: init bootstraps raft).
    fn ensure_running(&mut self) -> Result<&mut RaftNode, ReplicationError> {
        if let Phase::Unjoined(_) = self.phase {
            let Phase::Unjoined(store) = std::mem::replace(&mut self.phase, Phase::Failed) else {
                return Err(ReplicationError::Stopped);
            };
            self.phase = Phase::Running(Box::new(RaftNode::bootstrap(*store, self.me.clone(), self.settings.clone())?));
            // The single voter elects itself in the first round.
            self.drive();
        }
        match &mut self.phase {
            Phase::Running(node) => Ok(node),
            _ => Err(ReplicationError::Stopped),
        }
    }

    /// Runs `Ready` rounds until raft has nothing more, then ships what peers are owed (telling
    /// raft which peers could not be reached), and publishes the new state.
    fn drive(&mut self) {
        let Phase::Running(node) = &mut self.phase else {
            return;
        };
        while node.begin_ready() {
            // What may leave before the local fsync leaves now; reports to raft wait until
            // the Ready is finished.
            let reports = send_outbox(node, &self.transport);
            if let Err(e) = node.finish_ready() {
                tracing::error!(error = %e, "raft storage failed; replication stopped");
                node.fail_pending(|| ReplicationError::Stopped);
                self.phase = Phase::Failed;
                self.publish();
                return;
            }
            report(node, reports);
        }
        // Before anything leaves: a lost leadership (or a transfer) ends the lease first.
        self.lease.after_round(node);
        // A node that applied its own removal still ships what it owes (the commit of the
        // removal), then goes quiet.
        ship_outbox(node, &self.transport);
        if node.removed {
            node.fail_pending(|| ReplicationError::Stopped);
            tracing::warn!("this node was removed from the raft cluster; it no longer takes part");
            self.phase = Phase::Removed;
        }
        self.publish();
    }

    fn schedule_drive(&mut self, ctx: &mut Context<Self>) {
        if !self.drive_scheduled {
            self.drive_scheduled = true;
            ctx.notify(Drive);
        }
    }
}

/// Hands what raft queued for each peer to the transport, telling raft which peers could not
/// be reached and how snapshot sends went.
fn ship_outbox(node: &mut RaftNode, transport: &Transport) {
    let reports = send_outbox(node, transport);
    report(node, reports);
}

/// What raft must hear after a send: a peer was unreachable, or how a snapshot send went.
enum SendReport {
    Unreachable(u64),
    Snapshot(u64, raft::SnapshotStatus),
}

/// Sends what is queued for each peer; what raft must hear about it is returned, since raft
/// may not be told between `ready` and `advance`.
fn send_outbox(node: &mut RaftNode, transport: &Transport) -> Vec<SendReport> {
    let mut reports = Vec::new();
    for (peer, msgs) in node.take_outbox() {
        let Some(addr) = node.peer_addr(peer).map(str::to_string) else {
            reports.push(SendReport::Unreachable(peer));
            continue;
        };
        let (encoded, has_snapshot) = match node.encode_outgoing(msgs) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(peer, error = %e, "cannot encode raft messages");
                reports.push(SendReport::Unreachable(peer));
                continue;
            }
        };
        let sent = transport.send_raft(peer, &addr, encoded);
        if !sent {
            reports.push(SendReport::Unreachable(peer));
        }
        if has_snapshot {
            // Finish moves the peer to probing, which resends whatever did not arrive.
            let status = if sent { raft::SnapshotStatus::Finish } else { raft::SnapshotStatus::Failure };
            reports.push(SendReport::Snapshot(peer, status));
        }
    }
    reports
}

fn report(node: &mut RaftNode, reports: Vec<SendReport>) {
    for r in reports {
        match r {
            SendReport::Unreachable(peer) => node.report_unreachable(peer),
            SendReport::Snapshot(peer, status) => node.raw.report_snapshot(peer, status),
        }
    }
}

impl Actor for ReplicationStreamer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.drive();
        ctx.run_interval(self.tick, |act, _| {
            if let Phase::Running(node) = &mut act.phase {
                node.tick();
                node.promote_caught_up();
                act.lease.renew(node);
                let hand_over = act.hand_over && node.is_leader() && node.raw.raft.lead_transferee.is_none();
                if hand_over && node.transfer_leadership() {
                    tracing::info!("sealed: handing raft leadership to another voter");
                    act.hand_over = false;
                }
            }
            act.drive();
        });
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        if let Phase::Running(node) = &mut self.phase {
            node.fail_pending(|| ReplicationError::Stopped);
        }
        Running::Stop
    }
}

impl Handler<Propose> for ReplicationStreamer {
    type Result = Result<AppliedReceiver, ReplicationError>;

    fn handle(&mut self, msg: Propose, ctx: &mut Self::Context) -> Self::Result {
        let rx = self.ensure_running()?.propose(msg.ops)?;
        self.schedule_drive(ctx);
        Ok(rx)
    }
}

impl Handler<Drive> for ReplicationStreamer {
    type Result = ();

    fn handle(&mut self, _: Drive, _: &mut Self::Context) {
        self.drive_scheduled = false;
        self.drive();
    }
}

impl Handler<Step> for ReplicationStreamer {
    type Result = ();

    fn handle(&mut self, msg: Step, ctx: &mut Self::Context) {
        if let Phase::Running(node) = &mut self.phase {
            node.step_incoming(msg.from, msg.messages);
            self.schedule_drive(ctx);
        }
    }
}

impl Handler<StartJoined> for ReplicationStreamer {
    type Result = Result<(), ReplicationError>;

    fn handle(&mut self, msg: StartJoined, _: &mut Self::Context) -> Self::Result {
        if !matches!(self.phase, Phase::Unjoined(_)) {
            return Err(ReplicationError::AlreadyInitialized);
        }
        let Phase::Unjoined(store) = std::mem::replace(&mut self.phase, Phase::Failed) else {
            return Err(ReplicationError::Stopped);
        };
        let mut node = RaftNode::start(*store, self.me.clone(), self.settings.clone())?;
        node.peers = msg.peers;
        self.phase = Phase::Running(Box::new(node));
        tracing::info!(node_id = %self.me.node_id, "joining a raft cluster: waiting for the leader's snapshot");
        self.publish();
        Ok(())
    }
}

impl Handler<AddLearner> for ReplicationStreamer {
    type Result = Result<(), ReplicationError>;

    fn handle(&mut self, msg: AddLearner, ctx: &mut Self::Context) -> Self::Result {
        let Phase::Running(node) = &mut self.phase else {
            return Err(ReplicationError::Stopped);
        };
        node.add_learner(msg.record)?;
        self.schedule_drive(ctx);
        Ok(())
    }
}

impl Handler<RemovePeer> for ReplicationStreamer {
    type Result = Result<AppliedReceiver, ReplicationError>;

    fn handle(&mut self, msg: RemovePeer, ctx: &mut Self::Context) -> Self::Result {
        let Phase::Running(node) = &mut self.phase else {
            return Err(ReplicationError::Stopped);
        };
        let rx = node.remove_member(&msg.node_id)?;
        self.transport.drop_peer(super::raft_id_for(&msg.node_id));
        self.schedule_drive(ctx);
        Ok(rx)
    }
}

impl Handler<TransferLeadership> for ReplicationStreamer {
    type Result = bool;

    fn handle(&mut self, _: TransferLeadership, ctx: &mut Self::Context) -> bool {
        let Phase::Running(node) = &mut self.phase else {
            return false;
        };
        let started = node.transfer_leadership();
        self.lease.after_round(node);
        self.schedule_drive(ctx);
        started
    }
}

impl Handler<TakeSnapshot> for ReplicationStreamer {
    type Result = Result<(u64, u64, strongbox_storage::SnapshotData), ReplicationError>;

    fn handle(&mut self, _: TakeSnapshot, _: &mut Self::Context) -> Self::Result {
        let Phase::Running(node) = &self.phase else {
            return Err(ReplicationError::Stopped);
        };
        let (meta, data) = node.raw.store().snapshot_contents()?;
        Ok((meta.index, meta.term, data))
    }
}

impl Handler<RestoreSnapshot> for ReplicationStreamer {
    type Result = Result<AppliedReceiver, ReplicationError>;

    fn handle(&mut self, msg: RestoreSnapshot, ctx: &mut Self::Context) -> Self::Result {
        let Phase::Running(node) = &mut self.phase else {
            return Err(ReplicationError::Stopped);
        };
        // Deletes of what the snapshot lacks, then its keys: one entry, applied atomically.
        let current = node.raw.store().applied_keys()?;
        let keep: std::collections::HashSet<&str> = msg.data.iter().map(|(k, _)| k.as_str()).collect();
        let mut ops: Vec<strongbox_storage::WriteOp> = current
            .into_iter()
            .filter(|k| !keep.contains(k.as_str()))
            .map(|key| strongbox_storage::WriteOp::Delete { key })
            .collect();
        ops.extend(msg.data.into_iter().map(|(key, value)| strongbox_storage::WriteOp::Put { key, value }));
        let rx = node.propose(ops)?;
        self.schedule_drive(ctx);
        Ok(rx)
    }
}

impl Handler<ConfirmLease> for ReplicationStreamer {
    type Result = Result<LeaseReceiver, ReplicationError>;

    fn handle(&mut self, _: ConfirmLease, ctx: &mut Self::Context) -> Self::Result {
        let Phase::Running(node) = &mut self.phase else {
            return Err(ReplicationError::Stopped);
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.lease.request(node, Some(tx));
        self.schedule_drive(ctx);
        Ok(rx)
    }
}

impl Handler<SetStabilization> for ReplicationStreamer {
    type Result = ();

    fn handle(&mut self, msg: SetStabilization, _: &mut Self::Context) {
        self.settings.stabilization = msg.0;
        if let Phase::Running(node) = &mut self.phase {
            node.settings.stabilization = msg.0;
        }
    }
}

impl Handler<SetSealed> for ReplicationStreamer {
    type Result = ();

    fn handle(&mut self, msg: SetSealed, _: &mut Self::Context) {
        self.hand_over = msg.0;
    }
}
