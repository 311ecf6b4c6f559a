//! The leader lease driven by hand: two raft nodes whose messages the test carries (or drops,
//! as a partition would).

use super::*;
use crate::replication::codec::PeerRecord;
use crate::replication::state::raft_id_for;
use crate::replication::RaftSettings;
use std::sync::Arc;
use strongbox_storage::RaftLogStore;

const TIMEOUT: Duration = Duration::from_millis(200);

fn me(name: &str) -> PeerRecord {
    PeerRecord { raft_id: raft_id_for(name), node_id: name.into(), ..Default::default() }
}

fn two_voters(dir: &std::path::Path, name: &str) -> RaftNode {
    let (mut store, _) = RaftLogStore::open(dir).unwrap();
    let voters = vec![raft_id_for("node1"), raft_id_for("node2")];
    store.bootstrap(raft::eraftpb::ConfState { voters, ..Default::default() }, b"").unwrap();
    RaftNode::start(store, me(name), RaftSettings::default()).unwrap()
}

/// Runs both nodes' Ready loops and carries their messages (unless `cut`) until quiet.
fn exchange(a: &mut RaftNode, b: &mut RaftNode, cut: bool) {
    for _ in 0..50 {
        while a.handle_ready().unwrap() {}
        while b.handle_ready().unwrap() {}
        let (to_b, to_a) = (a.take_outbox(), b.take_outbox());
        if to_b.is_empty() && to_a.is_empty() {
            return;
        }
        if cut {
            continue;
        }
        for m in to_b.into_iter().flat_map(|(_, m)| m) {
            let _ = b.raw.step(m);
        }
        for m in to_a.into_iter().flat_map(|(_, m)| m) {
            let _ = a.raw.step(m);
        }
    }
}

fn elected_pair() -> (tempfile::TempDir, RaftNode, RaftNode) {
    let dir = tempfile::tempdir().unwrap();
    let mut a = two_voters(&dir.path().join("a"), "node1");
    let mut b = two_voters(&dir.path().join("b"), "node2");
    a.raw.campaign().unwrap();
    exchange(&mut a, &mut b, false);
    assert!(a.is_leader());
    // The first entry of the term must commit before raft answers ReadIndex.
    let mut rx = a.propose(vec![strongbox_storage::WriteOp::Delete { key: "x".into() }]).unwrap();
    exchange(&mut a, &mut b, false);
    assert!(rx.try_recv().unwrap().is_ok());
    (dir, a, b)
}

#[test]
fn a_lease_comes_from_a_quorum_acknowledgement_and_runs_out() {
    let (_dir, mut a, mut b) = elected_pair();
    let shared = Arc::new(LeaderLease::default());
    let mut keeper = LeaseKeeper::new(shared.clone(), TIMEOUT);
    keeper.after_round(&mut a);
    assert!(!shared.holds(), "a new leader holds no lease before a round");

    let (tx, mut rx) = oneshot::channel();
    keeper.request(&mut a, Some(tx));
    exchange(&mut a, &mut b, false);
    keeper.after_round(&mut a);
    assert!(matches!(rx.try_recv(), Ok(Ok(()))));
    assert!(shared.holds());
    std::thread::sleep(TIMEOUT);
    assert!(!shared.holds(), "the lease ends within the election timeout");
}

#[test]
fn a_cut_off_leader_gets_no_lease() {
    let (_dir, mut a, mut b) = elected_pair();
    let shared = Arc::new(LeaderLease::default());
    let mut keeper = LeaseKeeper::new(shared.clone(), TIMEOUT);
    let (tx, mut rx) = oneshot::channel();
    keeper.request(&mut a, Some(tx));
    exchange(&mut a, &mut b, true);
    keeper.after_round(&mut a);
    assert!(rx.try_recv().is_err(), "no answer without the follower");
    assert!(!shared.holds());
    std::thread::sleep(TIMEOUT * 3);
    keeper.after_round(&mut a);
    assert!(matches!(rx.try_recv(), Ok(Err(ReplicationError::Timeout))));
}

#[test]
fn a_follower_or_a_transferring_leader_has_no_lease() {
    let (_dir, mut a, mut b) = elected_pair();
    let shared = Arc::new(LeaderLease::default());
    let mut keeper = LeaseKeeper::new(shared.clone(), TIMEOUT);
    keeper.request(&mut a, None);
    exchange(&mut a, &mut b, false);
    keeper.after_round(&mut a);
    assert!(shared.holds());

    a.raw.transfer_leader(raft_id_for("node2"));
    keeper.after_round(&mut a);
    assert!(!shared.holds(), "a transfer ends the lease at once");
    let (tx, mut rx) = oneshot::channel();
    keeper.request(&mut a, Some(tx));
    assert!(matches!(rx.try_recv(), Ok(Err(ReplicationError::NotLeader { .. }))));

    let mut follower_keeper = LeaseKeeper::new(Arc::new(LeaderLease::default()), TIMEOUT);
    let (tx, mut rx) = oneshot::channel();
    follower_keeper.request(&mut b, Some(tx));
    assert!(matches!(rx.try_recv(), Ok(Err(ReplicationError::NotLeader { .. }))));
}
