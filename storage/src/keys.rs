//! Every byte-level key layout of the physical stores lives here.

/// Column family with the applied key/value data (barrier ciphertext).
pub const CF_KV: &str = "kv";
/// Column family reserved for the raft log, hard state and conf state (integrated storage).
pub const CF_RAFT: &str = "raft";
/// Column families a Strongbox RocksDB always has.
pub const ALL_CFS: [&str; 2] = [CF_KV, CF_RAFT];

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
}
