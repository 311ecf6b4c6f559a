//! The streamer's mailbox. Each message states its reply type in `rtype`.

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
