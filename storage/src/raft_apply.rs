//! The applied side of integrated storage: committed raft entries become writes to the `kv`
//! column family, and the applied index is written in the **same** write batch as the data
//! (TiKV's apply state), so after a crash the node replays exactly the entries after it.
//!
//! Apply batches are not fsynced: the entries they come from are already durable in the raft
//! log, and RocksDB's write-ahead log keeps batches atomic and in order, so a crash can only
//! lose a suffix of them, which raft re-delivers from `applied + 1` on restart.

use crate::keys::{
    KV_APPLIED_STATE_KEY, RAFT_CONF_STATE_KEY, RAFT_HARD_STATE_KEY, RAFT_PEERS_KEY, RAFT_SNAPSHOT_META_KEY,
};
use crate::raft_log::{encode, raft_cf, synced, RaftLogStore};
use crate::rocks::kv;
use crate::{StorageError, WriteOp};
use raft::eraftpb::{ConfState, SnapshotMetadata};
use rocksdb::{WriteBatch, DB};

/// Index and term of the last raft entry applied to the `kv` column family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppliedState {
    pub index: u64,
    pub term: u64,
}

impl AppliedState {
    pub(crate) fn load(db: &DB) -> Result<Self, StorageError> {
        match db.get_cf(kv(db)?, KV_APPLIED_STATE_KEY)? {
            None => Ok(AppliedState::default()),
            Some(b) if b.len() == 16 => {
                let (i, t) = b.split_at(8);
                let num = |s: &[u8]| s.try_into().map(u64::from_be_bytes).unwrap_or_default();
                Ok(AppliedState { index: num(i), term: num(t) })
            }
            Some(b) => Err(StorageError::Corrupt(format!("applied state of {} bytes", b.len()))),
        }
    }

    pub(crate) fn write(&self, db: &DB, wb: &mut WriteBatch) -> Result<(), StorageError> {
        let mut v = [0u8; 16];
        v[..8].copy_from_slice(&self.index.to_be_bytes());
        v[8..].copy_from_slice(&self.term.to_be_bytes());
        wb.put_cf(kv(db)?, KV_APPLIED_STATE_KEY, v);
        Ok(())
    }
}

/// What applying a run of committed entries changes: data, maybe the membership, and the new
/// applied index. Written by [`RaftLogStore::apply`] as one batch.
#[derive(Debug, Default)]
pub struct ApplyBatch {
    ops: Vec<WriteOp>,
    conf: Option<(ConfState, Vec<u8>)>,
    applied: Option<AppliedState>,
}

impl ApplyBatch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Data writes of one entry, in log order.
    pub fn push_ops(&mut self, ops: impl IntoIterator<Item = WriteOp>) {
        self.ops.extend(ops);
    }

    /// A membership change: the conf state raft returned and the members' descriptions.
    pub fn set_conf(&mut self, conf: ConfState, peers: Vec<u8>) {
        self.conf = Some((conf, peers));
    }

    /// Marks the entry at `index` (of `term`) applied.
    pub fn applied_to(&mut self, index: u64, term: u64) {
        self.applied = Some(AppliedState { index, term });
    }

    pub fn is_empty(&self) -> bool {
        self.applied.is_none() && self.ops.is_empty() && self.conf.is_none()
    }
}

impl RaftLogStore {
    /// Writes an apply batch: the data, the applied index, the hard state (with the latest
    /// commit) and any membership change, atomically.
    pub fn apply(&mut self, batch: ApplyBatch) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        let (kv_cf, raft) = (kv(&self.db)?, raft_cf(&self.db)?);
        let mut wb = WriteBatch::default();
        for op in &batch.ops {
            match op {
                WriteOp::Put { key, value } => wb.put_cf(kv_cf, key.as_bytes(), value),
                WriteOp::Delete { key } => wb.delete_cf(kv_cf, key.as_bytes()),
            }
        }
        if let Some(applied) = batch.applied {
            applied.write(&self.db, &mut wb)?;
            // Applied entries are committed: the stored commit never trails the applied index,
            // or raft-rs would refuse to restart from it.
            self.hard.commit = self.hard.commit.max(applied.index);
        }
        if let Some((conf, peers)) = &batch.conf {
            wb.put_cf(raft, RAFT_CONF_STATE_KEY, encode(conf)?);
            wb.put_cf(raft, RAFT_PEERS_KEY, peers);
        }
        wb.put_cf(raft, RAFT_HARD_STATE_KEY, encode(&self.hard)?);
        self.db.write_opt(wb, &synced(false))?;
        if let Some(applied) = batch.applied {
            self.applied = applied;
        }
        if let Some((conf, _)) = batch.conf {
            self.conf = conf;
        }
        Ok(())
    }

    /// Installs a snapshot received from the leader: the whole `kv` column family becomes
    /// `data`, the log restarts after `meta.index`, and the membership becomes the snapshot's.
    /// One synced batch.
    pub fn apply_snapshot(
        &mut self,
        meta: &SnapshotMetadata,
        data: Vec<(String, Vec<u8>)>,
        peers: &[u8],
    ) -> Result<(), StorageError> {
        if meta.index < self.applied.index {
            return Err(StorageError::Engine(format!(
                "snapshot at {} is older than the applied index {}",
                meta.index, self.applied.index
            )));
        }
        let (kv_cf, raft) = (kv(&self.db)?, raft_cf(&self.db)?);
        let mut wb = WriteBatch::default();
        wb.delete_range_cf(kv_cf, Vec::<u8>::new(), vec![0xffu8; 64]);
        for (k, v) in &data {
            wb.put_cf(kv_cf, k.as_bytes(), v);
        }
        let applied = AppliedState { index: meta.index, term: meta.term };
        applied.write(&self.db, &mut wb)?;
        let mut hard = self.hard.clone();
        hard.term = hard.term.max(meta.term);
        hard.commit = hard.commit.max(meta.index);
        let conf = meta.get_conf_state().clone();
        wb.delete_range_cf(raft, crate::keys::raft_log_key(0), crate::keys::raft_log_key(u64::MAX));
        wb.put_cf(raft, RAFT_SNAPSHOT_META_KEY, encode(meta)?);
        wb.put_cf(raft, RAFT_CONF_STATE_KEY, encode(&conf)?);
        wb.put_cf(raft, RAFT_HARD_STATE_KEY, encode(&hard)?);
        wb.put_cf(raft, RAFT_PEERS_KEY, peers);
        self.db.write_opt(wb, &synced(true))?;
        (self.hard, self.conf, self.applied) = (hard, conf, applied);
        self.snap_meta = meta.clone();
        (self.last_index, self.last_term) = (meta.index, meta.term);
        Ok(())
    }
}

#[cfg(test)]
#[path = "raft_apply_tests.rs"]
mod tests;
