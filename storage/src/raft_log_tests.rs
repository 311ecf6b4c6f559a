//! raft-rs's storage contract (the cases of `MemStorage`'s own tests) against the RocksDB store,
//! plus restart recovery, conflict truncation and compaction bounds.

use super::*;
use raft::{Storage, StorageError as RaftStorageError};

fn entry(index: u64, term: u64) -> Entry {
    Entry { index, term, data: vec![index as u8; 16].into(), ..Default::default() }
}

fn open(dir: &Path) -> RaftLogStore {
    RaftLogStore::open(dir).unwrap().0
}

fn voters(ids: &[u64]) -> ConfState {
    ConfState { voters: ids.to_vec(), ..Default::default() }
}

/// A store whose log is entries 3..=6 of terms 3..=6, compacted after 2 (term 2), applied to 6.
fn store_3_to_6(dir: &Path) -> RaftLogStore {
    let mut s = open(dir);
    s.bootstrap(voters(&[1]), b"peers").unwrap();
    let ents: Vec<Entry> = (2..=6).map(|i| entry(i, i)).collect();
    s.append(&ents, None, true).unwrap();
    let mut b = crate::ApplyBatch::new();
    b.applied_to(6, 6);
    s.apply(b).unwrap();
    s.compact(3).unwrap();
    s
}

fn ctx() -> GetEntriesContext {
    GetEntriesContext::empty(false)
}

fn store_err(e: RaftStorageError) -> raft::Error {
    raft::Error::Store(e)
}

#[test]
fn term_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_3_to_6(dir.path());
    assert_eq!(s.term(1), Err(store_err(RaftStorageError::Compacted)));
    assert_eq!(s.term(2), Ok(2), "the compaction point keeps its term");
    for i in 3..=6 {
        assert_eq!(s.term(i), Ok(i));
    }
    assert_eq!(s.term(7), Err(store_err(RaftStorageError::Unavailable)));
}

#[test]
fn entries_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_3_to_6(dir.path());
    let size = u64::from(entry(4, 4).compute_size());
    assert_eq!(s.entries(2, 6, None, ctx()), Err(store_err(RaftStorageError::Compacted)));
    assert_eq!(s.entries(3, 4, None, ctx()).unwrap(), vec![entry(3, 3)]);
    assert_eq!(s.entries(4, 7, None, ctx()).unwrap(), vec![entry(4, 4), entry(5, 5), entry(6, 6)]);
    // Even with a zero budget, the first entry comes back.
    assert_eq!(s.entries(4, 7, 0, ctx()).unwrap(), vec![entry(4, 4)]);
    assert_eq!(s.entries(4, 7, size * 2, ctx()).unwrap(), vec![entry(4, 4), entry(5, 5)]);
    assert_eq!(s.entries(4, 7, size * 2 + size / 2, ctx()).unwrap(), vec![entry(4, 4), entry(5, 5)]);
    assert_eq!(s.entries(4, 7, size * 3, ctx()).unwrap().len(), 3);
    assert_eq!(s.entries(5, 8, None, ctx()), Err(store_err(RaftStorageError::Unavailable)));
}

#[test]
fn first_and_last_index_track_compaction_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store_3_to_6(dir.path());
    assert_eq!((s.first_index(), s.last_index()), (Ok(3), Ok(6)));
    s.append(&[entry(7, 6)], None, true).unwrap();
    assert_eq!(s.last_index(), Ok(7));
    s.compact(5).unwrap();
    assert_eq!(s.first_index(), Ok(5));
    assert_eq!(s.term(4), Ok(4));
    assert_eq!(s.term(3), Err(store_err(RaftStorageError::Compacted)));
    // Compacting backwards is a no-op; compacting past the applied index is refused.
    s.compact(4).unwrap();
    assert_eq!(s.first_index(), Ok(5));
    assert!(s.compact(8).is_err(), "entry 7 is not applied yet");
}

#[test]
fn append_truncates_conflicting_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = store_3_to_6(dir.path());
    // A new leader overwrites 5 and 6 with a single entry of term 7.
    s.append(&[entry(5, 7)], None, true).unwrap();
    assert_eq!(s.last_index(), Ok(5));
    assert_eq!(s.term(5), Ok(7));
    assert_eq!(s.entries(3, 6, None, ctx()).unwrap(), vec![entry(3, 3), entry(4, 4), entry(5, 7)]);
    // Neither a gap nor an overwrite of compacted entries is accepted.
    assert!(s.append(&[entry(8, 7)], None, true).is_err());
    assert!(s.append(&[entry(2, 7)], None, true).is_err());
    drop(s);
    let s = open(dir.path());
    assert_eq!((s.last_index(), s.term(5)), (Ok(5), Ok(7)), "the truncation survives a restart");
}

#[test]
fn snapshot_describes_the_applied_state() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_3_to_6(dir.path());
    let snap = s.snapshot(5, 2).unwrap();
    assert_eq!((snap.get_metadata().index, snap.get_metadata().term), (6, 6));
    assert_eq!(snap.get_metadata().get_conf_state().voters, vec![1]);
    assert_eq!(s.snapshot(7, 2), Err(store_err(RaftStorageError::SnapshotTemporarilyUnavailable)));
}

#[test]
fn everything_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = store_3_to_6(dir.path());
        let hs = HardState { term: 6, vote: 1, commit: 6, ..Default::default() };
        s.append(&[entry(7, 6), entry(8, 6)], Some(&hs), true).unwrap();
    }
    let s = open(dir.path());
    assert!(s.is_initialized());
    let state = s.initial_state().unwrap();
    assert_eq!((state.hard_state.term, state.hard_state.vote, state.hard_state.commit), (6, 1, 6));
    assert_eq!(state.conf_state.voters, vec![1]);
    assert_eq!((s.first_index(), s.last_index()), (Ok(3), Ok(8)));
    assert_eq!(s.applied(), crate::AppliedState { index: 6, term: 6 });
    assert_eq!(s.entries(7, 9, None, ctx()).unwrap(), vec![entry(7, 6), entry(8, 6)]);
    assert_eq!(s.peers().unwrap(), Some(b"peers".to_vec()));
}

#[test]
fn a_new_store_is_empty_and_bootstraps_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    assert!(!s.is_initialized());
    assert_eq!((s.first_index(), s.last_index()), (Ok(1), Ok(0)));
    assert_eq!(s.initial_state().unwrap().hard_state, HardState::default());
    s.bootstrap(voters(&[7]), b"").unwrap();
    assert_eq!((s.first_index(), s.last_index(), s.term(1)), (Ok(2), Ok(1), Ok(1)));
    assert_eq!(s.applied(), crate::AppliedState { index: 1, term: 1 });
    assert!(s.bootstrap(voters(&[7]), b"").is_err());
}
