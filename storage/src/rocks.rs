//! Durable single-node backend on RocksDB. Every write is synced to the WAL before it is
//! acknowledged, so `kill -9` or a power cut never loses an acknowledged write. RocksDB
//! groups concurrent synced writers into one fsync, which keeps throughput up under load.

use crate::keys::{prefix_upper_bound, ALL_CFS, CF_KV};
use crate::list::fold_children;
use crate::{PhysicalBackend, StorageError, WriteOp};
use async_trait::async_trait;
use rocksdb::{ColumnFamilyDescriptor, Options, ReadOptions, WriteBatch, WriteOptions, DB};
use std::path::Path;
use std::sync::Arc;

#[derive(Clone)]
pub struct RocksBackend {
    db: Arc<DB>,
}

impl RocksBackend {
    /// Opens (or creates) the database in `path` with Strongbox's column families.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        Ok(Self { db: open_db(path)? })
    }

    /// A backend over an already open database (integrated storage reads its applied data so).
    pub(crate) fn from_db(db: Arc<DB>) -> Self {
        Self { db }
    }

    fn synced() -> WriteOptions {
        let mut w = WriteOptions::default();
        w.set_sync(true);
        w
    }

    /// Runs blocking RocksDB work off the async workers.
    async fn blocking<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&DB) -> Result<T, StorageError> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db)).await.map_err(|e| StorageError::Task(e.to_string()))?
    }
}

/// Opens (or creates) a RocksDB in `path` with every column family of [`ALL_CFS`].
pub(crate) fn open_db(path: &Path) -> Result<Arc<DB>, StorageError> {
    let mut opts = Options::default();
    opts.create_if_missing(true);
    opts.create_missing_column_families(true);
    opts.set_keep_log_file_num(4);
    let cfs = ALL_CFS.iter().map(|name| ColumnFamilyDescriptor::new(*name, Options::default()));
    Ok(Arc::new(DB::open_cf_descriptors(&opts, path, cfs)?))
}

pub(crate) fn kv(db: &DB) -> Result<&rocksdb::ColumnFamily, StorageError> {
    db.cf_handle(CF_KV).ok_or_else(|| StorageError::Engine(format!("missing column family {CF_KV}")))
}

#[async_trait]
impl PhysicalBackend for RocksBackend {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let key = key.to_string();
        self.blocking(move |db| Ok(db.get_cf(kv(db)?, key.as_bytes())?)).await
    }

    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        let key = key.to_string();
        self.blocking(move |db| Ok(db.put_cf_opt(kv(db)?, key.as_bytes(), value, &Self::synced())?)).await
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let key = key.to_string();
        self.blocking(move |db| Ok(db.delete_cf_opt(kv(db)?, key.as_bytes(), &Self::synced())?)).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let prefix = prefix.to_string();
        self.blocking(move |db| {
            let mut ro = ReadOptions::default();
            if let Some(upper) = prefix_upper_bound(prefix.as_bytes()) {
                ro.set_iterate_upper_bound(upper);
            }
            let iter = db.iterator_cf_opt(
                kv(db)?,
                ro,
                rocksdb::IteratorMode::From(prefix.as_bytes(), rocksdb::Direction::Forward),
            );
            let mut keys = Vec::new();
            for item in iter {
                let (k, _) = item?;
                // Keys are written from &str, so they are valid UTF-8; skip anything else.
                if let Ok(k) = String::from_utf8(k.into_vec()) {
                    keys.push(k);
                }
            }
            Ok(fold_children(&prefix, keys.iter().map(String::as_str)))
        })
        .await
    }

    async fn batch(&self, ops: Vec<WriteOp>) -> Result<(), StorageError> {
        self.blocking(move |db| {
            let cf = kv(db)?;
            let mut wb = WriteBatch::default();
            for op in ops {
                match op {
                    WriteOp::Put { key, value } => wb.put_cf(cf, key.as_bytes(), value),
                    WriteOp::Delete { key } => wb.delete_cf(cf, key.as_bytes()),
                }
            }
            Ok(db.write_opt(wb, &Self::synced())?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn survives_reopen_and_lists_one_level() {
        let dir = tempfile::tempdir().unwrap();
        {
            let b = RocksBackend::open(dir.path()).unwrap();
            b.put("logical/a", b"1".to_vec()).await.unwrap();
            b.batch(vec![
                WriteOp::Put { key: "logical/b/c".into(), value: b"2".to_vec() },
                WriteOp::Put { key: "core/x".into(), value: b"3".to_vec() },
            ])
            .await
            .unwrap();
            b.delete("core/x").await.unwrap();
        }
        let b = RocksBackend::open(dir.path()).unwrap();
        assert_eq!(b.get("logical/a").await.unwrap(), Some(b"1".to_vec()));
        assert_eq!(b.get("core/x").await.unwrap(), None);
        assert_eq!(b.list("logical/").await.unwrap(), vec!["a", "b/"]);
        assert_eq!(b.list("").await.unwrap(), vec!["logical/"]);
    }
}
