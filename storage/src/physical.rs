//! The physical backend contract, shaped like Vault's `physical.Backend`.

use crate::StorageError;
use async_trait::async_trait;

/// One mutation inside an atomic [`PhysicalBackend::batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    Put { key: String, value: Vec<u8> },
    Delete { key: String },
}

/// Byte storage under string keys. Writes are durable when the call returns.
#[async_trait]
pub trait PhysicalBackend: Send + Sync + 'static {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;
    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), StorageError>;
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Entries directly below `prefix`, sorted: a deeper key shows up once as its
    /// first path segment with a trailing `/`, as Vault's `List` does.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError>;
    /// Applies every op or none of them.
    async fn batch(&self, ops: Vec<WriteOp>) -> Result<(), StorageError>;
}
