//! Storage errors. They carry no key material and no values, only what went wrong.

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("storage engine error: {0}")]
    Engine(String),
    #[error("storage task failed: {0}")]
    Task(String),
    #[error("storage is corrupt: {0}")]
    Corrupt(String),
    /// A write reached a raft member that no longer leads (it was not proposed). `leader` is
    /// the leader's raft id when known, 0 otherwise.
    #[error("node is not the raft leader")]
    NotLeader { leader: u64 },
}

impl From<rocksdb::Error> for StorageError {
    fn from(e: rocksdb::Error) -> Self {
        StorageError::Engine(e.into_string())
    }
}
