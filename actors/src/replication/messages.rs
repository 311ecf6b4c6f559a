//! The streamer's mailbox. Each message states its reply type in `rtype`.

use super::codec::PeerRecord;
use super::error::ReplicationError;
use actix::prelude::*;
use strongbox_storage::WriteOp;
use tokio::sync::oneshot;

/// Resolves once the proposed entry is applied locally (with its raft index), or fails.
pub type AppliedReceiver = oneshot::Receiver<Result<u64, ReplicationError>>;

/// Replicate a batch of writes (barrier ciphertext). The reply arrives at once; awaiting the
/// receiver waits until the entry is committed and applied. On a node that belongs to no
/// cluster yet, the first proposal bootstraps a cluster of one (Vault: init makes the node a
/// one-voter raft cluster).
#[derive(Message)]
#[rtype(result = "Result<AppliedReceiver, ReplicationError>")]
pub struct Propose {
    pub ops: Vec<WriteOp>,
}

/// Internal: run the raft `Ready` loop once the mailbox is drained, so the proposals that
/// queued up meanwhile share one write batch and one fsync.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Drive;

/// Raft messages a peer sent (from the transport).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Step {
    pub from: u64,
    pub messages: Vec<Vec<u8>>,
}

/// Start raft on an empty node that the leader is adding (after the join challenge): it waits,
/// with no membership of its own, for the leader's snapshot.
#[derive(Message)]
#[rtype(result = "Result<(), ReplicationError>")]
pub struct StartJoined {
    /// The members as the leader listed them: where to send raft's answers until the snapshot
    /// brings the stored records.
    pub peers: Vec<PeerRecord>,
}

/// Leader: add a node that answered the join challenge, as a non-voter.
#[derive(Message)]
#[rtype(result = "Result<(), ReplicationError>")]
pub struct AddLearner {
    pub record: PeerRecord,
}

/// Leader: remove a member by its Vault node id. The receiver resolves once the removal is
/// committed and applied (Vault answers `remove-peer` only then).
#[derive(Message)]
#[rtype(result = "Result<AppliedReceiver, ReplicationError>")]
pub struct RemovePeer {
    pub node_id: String,
}

/// Leader: hand leadership to the most caught-up voter (`sys/step-down`). Answers whether a
/// transfer started (a cluster of one has nobody to hand it to).
#[derive(Message)]
#[rtype(result = "bool")]
pub struct TransferLeadership;

/// The applied data as of now, with the raft index and term it reflects (`snapshot` GET).
#[derive(Message)]
#[rtype(result = "Result<(u64, u64, strongbox_storage::SnapshotData), ReplicationError>")]
pub struct TakeSnapshot;

/// Leader: replace every applied key with `data`, as one replicated entry (`snapshot` POST).
#[derive(Message)]
#[rtype(result = "Result<AppliedReceiver, ReplicationError>")]
pub struct RestoreSnapshot {
    pub data: strongbox_storage::SnapshotData,
}

/// Leader: prove leadership with a ReadIndex round (the leader lease, `lease.rs`). The
/// receiver resolves once a quorum acknowledged it, or fails if this node does not lead.
#[derive(Message)]
#[rtype(result = "Result<super::lease::LeaseReceiver, ReplicationError>")]
pub struct ConfirmLease;

/// Autopilot's `server_stabilization_time` changed (or a new active node read it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetStabilization(pub std::time::Duration);

/// The node's barrier was sealed (or unsealed). A sealed node hands raft leadership to another
/// voter: it cannot serve as the active node.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetSealed(pub bool);
