//! `RaftBackend`: integrated storage behind the [`PhysicalBackend`] trait, so the barrier and
//! everything above it work unchanged. Reads come from the locally applied `kv` column family;
//! writes are proposed to the streamer and return once their entry is applied here (which is
//! after it was committed, i.e. durable in the raft log of a quorum).

use super::error::ReplicationError;
use super::messages::Propose;
use super::streamer::ReplicationStreamer;
use actix::Addr;
use async_trait::async_trait;
use std::time::Duration;
use strongbox_storage::{PhysicalBackend, RocksBackend, StorageError, WriteOp};

/// How long a write may wait for its entry to apply before the caller gets an error (a node
/// that lost quorum answers within this rather than hang).
pub const APPLY_TIMEOUT: Duration = Duration::from_secs(10);

pub struct RaftBackend {
    streamer: Addr<ReplicationStreamer>,
    /// Reads of the applied data; never written through (that would bypass raft).
    applied: RocksBackend,
    apply_timeout: Duration,
}

impl RaftBackend {
    pub fn new(streamer: Addr<ReplicationStreamer>, applied: RocksBackend) -> Self {
        RaftBackend { streamer, applied, apply_timeout: APPLY_TIMEOUT }
    }

    async fn replicate(&self, ops: Vec<WriteOp>) -> Result<(), ReplicationError> {
        if ops.is_empty() {
            return Ok(());
        }
        let rx = self.streamer.send(Propose { ops }).await.map_err(|_| ReplicationError::Stopped)??;
        match tokio::time::timeout(self.apply_timeout, rx).await {
            Err(_) => Err(ReplicationError::Timeout),
            Ok(Err(_)) => Err(ReplicationError::Stopped),
            Ok(Ok(applied)) => applied.map(|_| ()),
        }
    }
}

#[async_trait]
impl PhysicalBackend for RaftBackend {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.applied.get(key).await
    }

    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        Ok(self.replicate(vec![WriteOp::Put { key: key.to_string(), value }]).await?)
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        Ok(self.replicate(vec![WriteOp::Delete { key: key.to_string() }]).await?)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        self.applied.list(prefix).await
    }

    async fn batch(&self, ops: Vec<WriteOp>) -> Result<(), StorageError> {
        Ok(self.replicate(ops).await?)
    }
}
