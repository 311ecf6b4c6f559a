//! What can go wrong between proposing a write and seeing it applied.

use strongbox_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum ReplicationError {
    /// Only the leader accepts proposals; `leader` is its raft id when known (0 otherwise).
    #[error("node is not the raft leader (leader: {leader})")]
    NotLeader { leader: u64 },
    /// raft dropped the proposal (no leader, leadership transfer) or a new leader overwrote it.
    #[error("raft proposal dropped")]
    Dropped,
    #[error("timed out waiting for the raft log to apply the write")]
    Timeout,
    /// The streamer stopped (a storage failure makes it stop rather than diverge).
    #[error("the replication streamer is not running")]
    Stopped,
    /// raft-rs takes one membership change at a time.
    #[error("a membership change is already in progress; try again")]
    ChangeInProgress,
    #[error("no peer with node id {0:?} in the raft configuration")]
    UnknownPeer(String),
    #[error("cannot remove the last voter of the cluster")]
    LastVoter,
    /// This node already belongs to a cluster (join needs an empty node).
    #[error("raft storage is already initialized")]
    AlreadyInitialized,
    #[error("cluster transport: {0}")]
    Transport(String),
    #[error("raft: {0}")]
    Raft(#[from] raft::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Decode(#[from] super::codec::DecodeError),
}

impl ReplicationError {
    pub(crate) fn transport(e: strongbox_transport::TransportError) -> Self {
        ReplicationError::Transport(e.to_string())
    }
}

/// Kept typed through storage, so the API can send the client to the active node.
impl From<ReplicationError> for StorageError {
    fn from(e: ReplicationError) -> Self {
        match e {
            ReplicationError::Storage(e) => e,
            ReplicationError::NotLeader { leader } => StorageError::NotLeader { leader },
            other => StorageError::Engine(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_leader_stays_typed_through_storage() {
        let e = StorageError::from(ReplicationError::NotLeader { leader: 7 });
        assert!(matches!(e, StorageError::NotLeader { leader: 7 }), "{e:?}");
        assert!(crate::CoreError::from(e).is_not_leader());
        assert!(!crate::CoreError::from(StorageError::from(ReplicationError::Timeout)).is_not_leader());
    }
}
