//! Applied data and the applied index move together; snapshots replace the whole state.

use super::*;
use crate::PhysicalBackend;
use raft::Storage;

fn put(key: &str, value: &str) -> WriteOp {
    WriteOp::Put { key: key.into(), value: value.as_bytes().to_vec() }
}

fn bootstrapped(dir: &std::path::Path) -> (RaftLogStore, crate::RocksBackend) {
    let (mut s, reader) = RaftLogStore::open(dir).unwrap();
    let cs = ConfState { voters: vec![1], ..Default::default() };
    s.bootstrap(cs, b"").unwrap();
    (s, reader)
}

#[tokio::test]
async fn data_and_applied_index_are_written_together() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut s, reader) = bootstrapped(dir.path());
        let mut b = ApplyBatch::new();
        b.push_ops([put("core/a", "1"), put("logical/x/y", "2")]);
        b.applied_to(2, 1);
        s.apply(b).unwrap();
        let mut b = ApplyBatch::new();
        b.push_ops([WriteOp::Delete { key: "core/a".into() }, put("core/b", "3")]);
        b.applied_to(3, 1);
        s.set_commit(3);
        s.apply(b).unwrap();
        assert_eq!(reader.get("core/b").await.unwrap(), Some(b"3".to_vec()));
        // The applied-state record never shows up as data.
        assert_eq!(reader.list("").await.unwrap(), vec!["core/", "logical/"]);
    }
    let (s, reader) = RaftLogStore::open(dir.path()).unwrap();
    assert_eq!(s.applied(), AppliedState { index: 3, term: 1 });
    assert_eq!(s.hard_state().commit, 3, "the commit index is persisted with the apply batch");
    assert_eq!(reader.get("core/a").await.unwrap(), None);
    assert_eq!(reader.get("logical/x/y").await.unwrap(), Some(b"2".to_vec()));
}

#[test]
fn membership_changes_are_applied_with_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = bootstrapped(dir.path());
    let cs = ConfState { voters: vec![1, 2], ..Default::default() };
    let mut b = ApplyBatch::new();
    b.set_conf(cs.clone(), b"two".to_vec());
    b.applied_to(2, 1);
    s.apply(b).unwrap();
    drop(s);
    let (s, _) = RaftLogStore::open(dir.path()).unwrap();
    assert_eq!(s.initial_state().unwrap().conf_state, cs);
    assert_eq!(s.peers().unwrap(), Some(b"two".to_vec()));
}

#[tokio::test]
async fn a_snapshot_replaces_data_log_and_membership() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, reader) = bootstrapped(dir.path());
    let mut b = ApplyBatch::new();
    b.push_ops([put("old", "gone")]);
    b.applied_to(2, 1);
    s.apply(b).unwrap();
    let mut meta = SnapshotMetadata { index: 40, term: 3, ..Default::default() };
    meta.mut_conf_state().voters = vec![1, 2, 3];
    s.apply_snapshot(&meta, vec![("core/k".into(), b"v".to_vec())], b"three").unwrap();
    assert_eq!(reader.get("old").await.unwrap(), None);
    assert_eq!(reader.get("core/k").await.unwrap(), Some(b"v".to_vec()));
    assert_eq!((s.first_index(), s.last_index(), s.term(40)), (Ok(41), Ok(40), Ok(3)));
    assert_eq!(s.applied(), AppliedState { index: 40, term: 3 });
    assert_eq!(s.initial_state().unwrap().conf_state.voters, vec![1, 2, 3]);
    assert!(s.apply_snapshot(&SnapshotMetadata::default(), Vec::new(), b"").is_err(), "an older snapshot is refused");
}
