//! The raft log store of integrated storage: `impl raft::Storage` on the `raft` column family.
//!
//! Layout (see `keys.rs`): entries under `0x01` + big-endian index, the hard state, the conf
//! state and the metadata of the last snapshot or compaction (whose index is `first_index - 1`).
//! The store keeps those small records cached, so raft's frequent `first_index`, `last_index`
//! and `initial_state` calls never touch the disk.
//!
//! The streamer that owns the `RawNode` also owns this store (`RawNode::mut_store`), and is the
//! only writer: [`RaftLogStore::append`] persists one raft `Ready` (entries and hard state) in
//! one write batch with at most one fsync; `raft_apply.rs` writes applied data and the applied
//! index in one batch of their own.

use crate::keys::{
    raft_log_index, raft_log_key, CF_RAFT, RAFT_CONF_STATE_KEY, RAFT_HARD_STATE_KEY, RAFT_PEERS_KEY,
    RAFT_SNAPSHOT_META_KEY,
};
use crate::raft_apply::AppliedState;
use crate::rocks::{open_db, RocksBackend};
use crate::StorageError;
use protobuf::Message as _;
use raft::eraftpb::{ConfState, Entry, HardState, Snapshot, SnapshotMetadata};
use raft::{GetEntriesContext, RaftState};
use rocksdb::{ReadOptions, WriteBatch, WriteOptions, DB};
use std::path::Path;
use std::sync::Arc;

/// The raft log, hard state and conf state of one node, over RocksDB.
pub struct RaftLogStore {
    pub(crate) db: Arc<DB>,
    pub(crate) hard: HardState,
    pub(crate) conf: ConfState,
    /// Index and term of the entry before the first one kept (snapshot or compaction point).
    pub(crate) snap_meta: SnapshotMetadata,
    pub(crate) last_index: u64,
    pub(crate) last_term: u64,
    pub(crate) applied: AppliedState,
}

pub(crate) fn raft_cf(db: &DB) -> Result<&rocksdb::ColumnFamily, StorageError> {
    db.cf_handle(CF_RAFT).ok_or_else(|| StorageError::Engine(format!("missing column family {CF_RAFT}")))
}

pub(crate) fn synced(sync: bool) -> WriteOptions {
    let mut w = WriteOptions::default();
    w.set_sync(sync);
    w
}

fn decode<M: protobuf::Message>(bytes: &[u8], what: &str) -> Result<M, StorageError> {
    M::parse_from_bytes(bytes).map_err(|e| StorageError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn encode<M: protobuf::Message>(m: &M) -> Result<Vec<u8>, StorageError> {
    m.write_to_bytes().map_err(|e| StorageError::Engine(format!("encoding a raft record: {e}")))
}

fn store_err(e: StorageError) -> raft::Error {
    raft::Error::Store(raft::StorageError::Other(Box::new(e)))
}

impl RaftLogStore {
    /// Opens (or creates) integrated storage in `path`: the raft log store and a reader of the
    /// applied data (the `kv` column family) that shares the same database.
    pub fn open(path: &Path) -> Result<(RaftLogStore, RocksBackend), StorageError> {
        let db = open_db(path)?;
        let store = RaftLogStore::load(db.clone())?;
        Ok((store, RocksBackend::from_db(db)))
    }

    fn load(db: Arc<DB>) -> Result<Self, StorageError> {
        let cf = raft_cf(&db)?;
        let get = |key: &[u8]| db.get_cf(cf, key);
        let hard: HardState =
            get(RAFT_HARD_STATE_KEY)?.map(|b| decode(&b, "hard state")).transpose()?.unwrap_or_default();
        let conf: ConfState =
            get(RAFT_CONF_STATE_KEY)?.map(|b| decode(&b, "conf state")).transpose()?.unwrap_or_default();
        let snap_meta: SnapshotMetadata =
            get(RAFT_SNAPSHOT_META_KEY)?.map(|b| decode(&b, "snapshot metadata")).transpose()?.unwrap_or_default();
        let mut hard = hard;
        let applied = AppliedState::load(&db)?;
        hard.commit = hard.commit.max(applied.index);
        let mut store = RaftLogStore { db, hard, conf, snap_meta, last_index: 0, last_term: 0, applied };
        let (last_index, last_term) = match store.last_entry()? {
            Some(e) => (e.index, e.term),
            None => (store.snap_meta.index, store.snap_meta.term),
        };
        store.last_index = last_index;
        store.last_term = last_term;
        Ok(store)
    }

    fn last_entry(&self) -> Result<Option<Entry>, StorageError> {
        let cf = raft_cf(&self.db)?;
        let mut ro = ReadOptions::default();
        ro.set_iterate_lower_bound(raft_log_key(0).to_vec());
        ro.set_iterate_upper_bound(raft_log_key(u64::MAX).to_vec());
        let mut it = self.db.raw_iterator_cf_opt(cf, ro);
        it.seek_to_last();
        let found = match (it.key(), it.value()) {
            (Some(k), Some(v)) if raft_log_index(k).is_some() => Some(decode(v, "log entry")?),
            _ => None,
        };
        it.status()?;
        Ok(found)
    }

    /// Whether this node belongs to a cluster (bootstrapped, joined or restored from a snapshot).
    pub fn is_initialized(&self) -> bool {
        self.conf != ConfState::default()
    }

    pub fn hard_state(&self) -> &HardState {
        &self.hard
    }

    pub fn conf_state(&self) -> &ConfState {
        &self.conf
    }

    /// The applied index and term (what the `kv` column family reflects).
    pub fn applied(&self) -> AppliedState {
        self.applied
    }

    /// The members' descriptions written with the conf state (opaque to storage).
    pub fn peers(&self) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.db.get_cf(raft_cf(&self.db)?, RAFT_PEERS_KEY)?)
    }

    /// Makes an empty store the first member of a new cluster: a snapshot point at index 1, term
    /// 1 with `conf` (raft-rs's way to start a cluster of one), applied up to it. Synced.
    pub fn bootstrap(&mut self, conf: ConfState, peers: &[u8]) -> Result<(), StorageError> {
        if self.is_initialized() || self.last_index > 0 {
            return Err(StorageError::Engine("raft storage is already initialized".into()));
        }
        let mut meta = SnapshotMetadata { index: 1, term: 1, ..Default::default() };
        meta.set_conf_state(conf.clone());
        let hard = HardState { term: 1, commit: 1, ..Default::default() };
        let applied = AppliedState { index: 1, term: 1 };
        let cf = raft_cf(&self.db)?;
        let mut wb = WriteBatch::default();
        wb.put_cf(cf, RAFT_SNAPSHOT_META_KEY, encode(&meta)?);
        wb.put_cf(cf, RAFT_CONF_STATE_KEY, encode(&conf)?);
        wb.put_cf(cf, RAFT_HARD_STATE_KEY, encode(&hard)?);
        wb.put_cf(cf, RAFT_PEERS_KEY, peers);
        applied.write(&self.db, &mut wb)?;
        self.db.write_opt(wb, &synced(true))?;
        (self.snap_meta, self.conf, self.hard, self.applied) = (meta, conf, hard, applied);
        (self.last_index, self.last_term) = (1, 1);
        Ok(())
    }

    /// Persists one `Ready`: appends `entries` (dropping any later entries they conflict with)
    /// and the hard state, in one write batch; `sync` (raft's `must_sync`) fsyncs it.
    pub fn append(&mut self, entries: &[Entry], hard: Option<&HardState>, sync: bool) -> Result<(), StorageError> {
        let cf = raft_cf(&self.db)?;
        let mut wb = WriteBatch::default();
        let mut last = (self.last_index, self.last_term);
        if let (Some(first), Some(tail)) = (entries.first(), entries.last()) {
            if first.index <= self.snap_meta.index {
                return Err(StorageError::Engine(format!(
                    "appending compacted raft entry {} (log starts after {})",
                    first.index, self.snap_meta.index
                )));
            }
            if first.index > self.last_index + 1 {
                return Err(StorageError::Engine(format!(
                    "raft log gap: appending {} after {}",
                    first.index, self.last_index
                )));
            }
            for e in entries {
                wb.put_cf(cf, raft_log_key(e.index), encode(e)?);
            }
            if tail.index < self.last_index {
                wb.delete_range_cf(cf, raft_log_key(tail.index + 1), raft_log_key(self.last_index + 1));
            }
            last = (tail.index, tail.term);
        }
        if let Some(hs) = hard {
            wb.put_cf(cf, RAFT_HARD_STATE_KEY, encode(hs)?);
        }
        if wb.is_empty() {
            return Ok(());
        }
        self.db.write_opt(wb, &synced(sync))?;
        (self.last_index, self.last_term) = last;
        if let Some(hs) = hard {
            self.hard = hs.clone();
        }
        Ok(())
    }

    /// Records a new commit index (from raft's `LightReady`); persisted with the next write.
    pub fn set_commit(&mut self, commit: u64) {
        self.hard.commit = commit;
    }

    /// Drops every entry before `compact_index` (which must be applied); the log then starts at
    /// `compact_index` and remembers the term of the entry before it.
    pub fn compact(&mut self, compact_index: u64) -> Result<(), StorageError> {
        if compact_index <= self.first() {
            return Ok(());
        }
        if compact_index > self.applied.index + 1 || compact_index > self.last_index + 1 {
            return Err(StorageError::Engine(format!(
                "cannot compact the raft log to {compact_index}: applied {}, last {}",
                self.applied.index, self.last_index
            )));
        }
        let mut meta = self.snap_meta.clone();
        meta.term = self.term_of(compact_index - 1)?;
        meta.index = compact_index - 1;
        let cf = raft_cf(&self.db)?;
        let mut wb = WriteBatch::default();
        wb.put_cf(cf, RAFT_SNAPSHOT_META_KEY, encode(&meta)?);
        wb.delete_range_cf(cf, raft_log_key(0), raft_log_key(compact_index));
        self.db.write_opt(wb, &synced(false))?;
        self.snap_meta = meta;
        Ok(())
    }

    fn first(&self) -> u64 {
        self.snap_meta.index + 1
    }

    fn read_entry(&self, index: u64) -> Result<Option<Entry>, StorageError> {
        let cf = raft_cf(&self.db)?;
        self.db.get_cf(cf, raft_log_key(index))?.map(|b| decode(&b, "log entry")).transpose()
    }

    fn term_of(&self, index: u64) -> Result<u64, StorageError> {
        if index == self.snap_meta.index {
            return Ok(self.snap_meta.term);
        }
        if index == self.last_index {
            return Ok(self.last_term);
        }
        match self.read_entry(index)? {
            Some(e) => Ok(e.term),
            None => Err(StorageError::Corrupt(format!("raft log entry {index} is missing"))),
        }
    }
}

impl raft::Storage for RaftLogStore {
    fn initial_state(&self) -> raft::Result<RaftState> {
        Ok(RaftState::new(self.hard.clone(), self.conf.clone()))
    }

    fn entries(
        &self,
        low: u64,
        high: u64,
        max_size: impl Into<Option<u64>>,
        _context: GetEntriesContext,
    ) -> raft::Result<Vec<Entry>> {
        if low < self.first() {
            return Err(raft::Error::Store(raft::StorageError::Compacted));
        }
        if high > self.last_index + 1 || low > high {
            return Err(raft::Error::Store(raft::StorageError::Unavailable));
        }
        let max_size = max_size.into().unwrap_or(u64::MAX);
        let cf = raft_cf(&self.db).map_err(store_err)?;
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(raft_log_key(high).to_vec());
        let mut it = self.db.raw_iterator_cf_opt(cf, ro);
        it.seek(raft_log_key(low));
        let mut out = Vec::with_capacity((high - low).min(1024) as usize);
        let mut size = 0u64;
        while let Some(v) = it.value() {
            let e: Entry = decode(v, "log entry").map_err(store_err)?;
            if e.index != low + out.len() as u64 {
                return Err(store_err(StorageError::Corrupt(format!(
                    "raft log entry {} is missing",
                    low + out.len() as u64
                ))));
            }
            size += u64::from(e.compute_size());
            if !out.is_empty() && size > max_size {
                break;
            }
            out.push(e);
            it.next();
        }
        it.status().map_err(|e| store_err(e.into()))?;
        if out.is_empty() && low < high {
            return Err(raft::Error::Store(raft::StorageError::Unavailable));
        }
        Ok(out)
    }

    fn term(&self, idx: u64) -> raft::Result<u64> {
        if idx == self.snap_meta.index {
            return Ok(self.snap_meta.term);
        }
        if idx < self.first() {
            return Err(raft::Error::Store(raft::StorageError::Compacted));
        }
        if idx > self.last_index {
            return Err(raft::Error::Store(raft::StorageError::Unavailable));
        }
        self.term_of(idx).map_err(store_err)
    }

    fn first_index(&self) -> raft::Result<u64> {
        Ok(self.first())
    }

    fn last_index(&self) -> raft::Result<u64> {
        Ok(self.last_index)
    }

    /// The metadata of a snapshot at the applied index. Its data (the `kv` column family) is not
    /// attached here: whoever ships the snapshot to a follower streams it (the transport's
    /// `SnapshotChunk`s), as TiKV generates snapshot data outside `Storage`.
    fn snapshot(&self, request_index: u64, _to: u64) -> raft::Result<Snapshot> {
        if self.applied.index < request_index || self.applied.index < self.first().saturating_sub(1) {
            return Err(raft::Error::Store(raft::StorageError::SnapshotTemporarilyUnavailable));
        }
        let mut snap = Snapshot::default();
        let meta = snap.mut_metadata();
        meta.index = self.applied.index;
        meta.term = self.applied.term;
        meta.set_conf_state(self.conf.clone());
        Ok(snap)
    }
}

#[cfg(test)]
#[path = "raft_log_tests.rs"]
mod tests;
