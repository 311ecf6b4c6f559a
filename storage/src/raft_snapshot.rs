//! What a leader ships to a follower that is too far behind for log entries (a new member, or
//! one that was down past compaction): every applied key and value, read from one RocksDB
//! snapshot so they match the applied index and membership they are labelled with.

use crate::keys::KV_APPLIED_STATE_KEY;
use crate::raft_log::RaftLogStore;
use crate::rocks::kv;
use crate::StorageError;
use raft::eraftpb::SnapshotMetadata;
use rocksdb::IteratorMode;

/// Every applied key with its value (barrier ciphertext), in key order.
pub type SnapshotData = Vec<(String, Vec<u8>)>;

impl RaftLogStore {
    /// The applied data and the metadata (applied index, term, membership) it reflects. Runs on
    /// the streamer's thread, which is the only writer, so nothing is applied meanwhile.
    pub fn snapshot_contents(&self) -> Result<(SnapshotMetadata, SnapshotData), StorageError> {
        let mut data = Vec::new();
        let meta = self.scan_applied(|key, value| data.push((key, value.to_vec())))?;
        Ok((meta, data))
    }

    /// Every applied key, without reading the values into memory (a restore deletes the keys
    /// the snapshot lacks).
    pub fn applied_keys(&self) -> Result<Vec<String>, StorageError> {
        let mut keys = Vec::new();
        self.scan_applied(|key, _| keys.push(key))?;
        Ok(keys)
    }

    fn scan_applied(&self, mut visit: impl FnMut(String, &[u8])) -> Result<SnapshotMetadata, StorageError> {
        let mut meta = SnapshotMetadata { index: self.applied.index, term: self.applied.term, ..Default::default() };
        meta.set_conf_state(self.conf.clone());
        let snap = self.db.snapshot();
        for item in snap.iterator_cf(kv(&self.db)?, IteratorMode::Start) {
            let (k, v) = item?;
            if &*k == KV_APPLIED_STATE_KEY {
                continue;
            }
            let key = String::from_utf8(k.into_vec())
                .map_err(|_| StorageError::Corrupt("a stored key is not UTF-8".into()))?;
            visit(key, &v);
        }
        Ok(meta)
    }
}
