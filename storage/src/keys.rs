//! Every byte-level key layout of the physical stores lives here.

/// Column family with the applied key/value data (barrier ciphertext).
pub const CF_KV: &str = "kv";
/// Column family reserved for the raft log, hard state and conf state (integrated storage).
pub const CF_RAFT: &str = "raft";
/// Column families a Strongbox RocksDB always has.
pub const ALL_CFS: [&str; 2] = [CF_KV, CF_RAFT];

// ---- `raft` column family (integrated storage) ----
// One byte tags every key, so each kind of record sorts in its own range; log entries are the
// tag followed by the big-endian index, so byte order is log order.

/// Tag of a raft log entry key: `0x01` + index (u64 big-endian) → protobuf `eraftpb::Entry`.
pub const RAFT_LOG_TAG: u8 = 0x01;
/// Raft hard state (term, vote, commit) → protobuf `eraftpb::HardState`.
pub const RAFT_HARD_STATE_KEY: &[u8] = b"\x02hard_state";
/// Raft conf state (voters, learners, joint config) → protobuf `eraftpb::ConfState`.
pub const RAFT_CONF_STATE_KEY: &[u8] = b"\x02conf_state";
/// Metadata of the last snapshot applied or of the last compaction: its index and term are the
/// entry just before the first one in the log (`first_index - 1`) → `eraftpb::SnapshotMetadata`.
pub const RAFT_SNAPSHOT_META_KEY: &[u8] = b"\x02snapshot_meta";
/// The cluster's members as the replication layer describes them (node ids, addresses): opaque
/// bytes owned by the layer above; written together with the conf state.
pub const RAFT_PEERS_KEY: &[u8] = b"\x02peers";

/// Key of the raft log entry at `index`.
pub fn raft_log_key(index: u64) -> [u8; 9] {
    let mut k = [0u8; 9];
    k[0] = RAFT_LOG_TAG;
    k[1..].copy_from_slice(&index.to_be_bytes());
    k
}

/// The index in a raft log entry key, `None` for any other key.
pub fn raft_log_index(key: &[u8]) -> Option<u64> {
    match key {
        [RAFT_LOG_TAG, rest @ ..] => rest.try_into().ok().map(u64::from_be_bytes),
        _ => None,
    }
}

// ---- `kv` column family ----

/// Applied state of the raft state machine: index and term (two u64 big-endian) of the last
/// entry applied, written in the same write batch as the data that entry changed. `0xff` never
/// starts a UTF-8 string, so no storage path can collide with it, and `list` skips it.
pub const KV_APPLIED_STATE_KEY: &[u8] = b"\xffraft_applied_state";

/// Smallest key strictly greater than every key starting with `prefix`, for range scans;
/// `None` when no such bound exists (empty prefix or all 0xff).
pub fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound;

    #[test]
    fn upper_bound_increments_last_byte() {
        assert_eq!(prefix_upper_bound(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_upper_bound(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_upper_bound(b""), None);
    }

    #[test]
    fn log_keys_sort_in_index_order_and_round_trip() {
        use super::{raft_log_index, raft_log_key, RAFT_HARD_STATE_KEY};
        assert!(raft_log_key(255) < raft_log_key(256));
        assert!(raft_log_key(u64::MAX).as_slice() < RAFT_HARD_STATE_KEY);
        assert_eq!(raft_log_index(&raft_log_key(42)), Some(42));
        assert_eq!(raft_log_index(RAFT_HARD_STATE_KEY), None);
        assert_eq!(super::KV_APPLIED_STATE_KEY[0], 0xff, "0xff never starts UTF-8, so no path collides");
    }
}
