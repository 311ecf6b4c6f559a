//! Durable single-node backend on RocksDB. Every write is synced to the WAL before it is
//! acknowledged, so `kill -9` or a power cut never loses an acknowledged write. RocksDB
//! groups concurrent synced writers into one fsync, which keeps throughput up under load.

use crate::keys::{prefix_upper_bound, ALL_CFS, CF_KV};
use crate::list::fold_children;
use crate::{PhysicalBackend, StorageError, WriteOp};
use async_trait::async_trait;
use rocksdb::{ColumnFamilyDescriptor, FlushOptions, Options, ReadOptions, WriteBatch, WriteOptions, DB};
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};

/// Every database this process opened, for [`flush_open_databases`] at shutdown (the raft
/// actors own theirs, so the server cannot reach it otherwise).
static OPEN_DBS: Mutex<Vec<Weak<DB>>> = Mutex::new(Vec::new());

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
    let db = Arc::new(DB::open_cf_descriptors(&opts, path, cfs)?);
    let mut open = OPEN_DBS.lock().unwrap_or_else(|p| p.into_inner());
    open.retain(|w| w.strong_count() > 0);
    open.push(Arc::downgrade(&db));
    Ok(db)
}

/// Writes the memtables of every open database to SST files and syncs the WAL, for a graceful
/// stop: the next open then has no WAL to replay (RocksDB replays every write since the last
/// flush, which takes a noticeable time after many writes). Durability does not depend on it:
/// every acknowledged write is already synced to the WAL, so `kill -9` loses nothing, and a
/// write made after this call is simply replayed at the next start. Returns how many databases
/// were flushed.
pub fn flush_open_databases() -> Result<usize, StorageError> {
    let dbs: Vec<Arc<DB>> = {
        let mut open = OPEN_DBS.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|w| w.strong_count() > 0);
        open.iter().filter_map(Weak::upgrade).collect()
    };
    for db in &dbs {
        flush_db(db)?;
    }
    Ok(dbs.len())
}

fn flush_db(db: &DB) -> Result<(), StorageError> {
    let cfs: Vec<_> = ALL_CFS.iter().filter_map(|name| db.cf_handle(name)).collect();
    let mut fo = FlushOptions::default();
    fo.set_wait(true);
    db.flush_cfs_opt(&cfs, &fo)?;
    db.flush_wal(true)?;
    Ok(())
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

    /// Sizes of the WAL files (`*.log`) of a database directory.
    fn wal_bytes(dir: &Path) -> u64 {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
            .sum()
    }

    #[tokio::test]
    async fn flushing_empties_the_wal_and_keeps_every_write() {
        let dir = tempfile::tempdir().unwrap();
        {
            let b = RocksBackend::open(dir.path()).unwrap();
            for i in 0..200 {
                b.put(&format!("k/{i}"), vec![7; 1024]).await.unwrap();
            }
            assert!(wal_bytes(dir.path()) > 200 * 1024, "the writes are in the WAL");
            assert!(flush_open_databases().unwrap() >= 1);
            assert_eq!(wal_bytes(dir.path()), 0, "nothing left to replay");
            b.put("k/after", b"x".to_vec()).await.unwrap();
        }
        let b = RocksBackend::open(dir.path()).unwrap();
        assert_eq!(b.get("k/199").await.unwrap(), Some(vec![7; 1024]));
        assert_eq!(b.get("k/after").await.unwrap(), Some(b"x".to_vec()), "a write after the flush");
    }

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
