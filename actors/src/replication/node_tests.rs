//! The raft logic driven by hand: no actor, no clock, no threads.

use super::*;
use crate::replication::state::raft_id_for;
use raft::eraftpb::{ConfChange, ConfChangeType, MessageType};
use raft::Storage as _;
use std::path::Path;
use strongbox_storage::{PhysicalBackend, RocksBackend};

fn me(name: &str) -> PeerRecord {
    PeerRecord {
        raft_id: raft_id_for(name),
        node_id: name.into(),
        cluster_addr: "127.0.0.1:8201".into(),
        api_addr: "http://127.0.0.1:8200".into(),
        non_voter: false,
    }
}

fn open(dir: &Path) -> (RaftLogStore, RocksBackend) {
    RaftLogStore::open(dir).unwrap()
}

fn drive(node: &mut RaftNode) {
    while node.handle_ready().unwrap() {}
}

fn put(key: &str, value: &str) -> WriteOp {
    WriteOp::Put { key: key.into(), value: value.as_bytes().to_vec() }
}

fn must_applied(rx: &mut AppliedReceiver) -> u64 {
    rx.try_recv().expect("the proposal was answered").expect("the proposal was applied")
}

fn bootstrapped(dir: &Path, settings: RaftSettings) -> (RaftNode, RocksBackend) {
    let (store, reader) = open(dir);
    let mut node = RaftNode::bootstrap(store, me("node1"), settings).unwrap();
    drive(&mut node);
    assert!(node.is_leader(), "a one-voter cluster elects itself");
    (node, reader)
}

#[tokio::test]
async fn a_single_node_commits_applies_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut node, reader) = bootstrapped(dir.path(), RaftSettings::default());
    let mut a = node.propose(vec![put("core/a", "1")]).unwrap();
    let mut b = node.propose(vec![put("core/b", "2"), WriteOp::Delete { key: "core/a".into() }]).unwrap();
    assert!(a.try_recv().is_err(), "nothing is answered before the Ready loop ran");
    drive(&mut node);
    let (ia, ib) = (must_applied(&mut a), must_applied(&mut b));
    assert_eq!(ib, ia + 1);
    assert_eq!(reader.get("core/a").await.unwrap(), None);
    assert_eq!(reader.get("core/b").await.unwrap(), Some(b"2".to_vec()));

    let s = node.cluster_state();
    assert!(s.is_leader() && s.initialized);
    assert_eq!((s.commit_index, s.applied_index), (ib, ib));
    assert_eq!(s.peers.len(), 1);
    assert!(s.peers[0].voter && s.peers[0].leader);
    assert_eq!((s.peers[0].node_id.as_str(), s.peers[0].cluster_addr.as_str()), ("node1", "127.0.0.1:8201"));
    assert!(s.leader_since.is_some());
}

#[tokio::test]
async fn a_restart_keeps_the_log_the_data_and_the_leadership() {
    let dir = tempfile::tempdir().unwrap();
    let last = {
        let (mut node, _) = bootstrapped(dir.path(), RaftSettings::default());
        let mut rx = node.propose(vec![put("core/k", "v")]).unwrap();
        drive(&mut node);
        must_applied(&mut rx)
    };
    let (store, reader) = open(dir.path());
    assert_eq!(store.applied().index, last);
    let mut node = RaftNode::start(store, me("node1"), RaftSettings::default()).unwrap();
    drive(&mut node);
    assert!(node.is_leader());
    let mut rx = node.propose(vec![put("core/k2", "v2")]).unwrap();
    drive(&mut node);
    assert!(must_applied(&mut rx) > last + 1, "the new term's no-op comes first");
    assert_eq!(reader.get("core/k").await.unwrap(), Some(b"v".to_vec()));
    assert_eq!(reader.get("core/k2").await.unwrap(), Some(b"v2".to_vec()));
}

#[test]
fn the_log_is_compacted_behind_trailing_logs() {
    let dir = tempfile::tempdir().unwrap();
    let settings = RaftSettings { trailing_logs: 10, ..Default::default() };
    let (mut node, _) = bootstrapped(dir.path(), settings);
    let mut rxs: Vec<_> = (0..1100).map(|i| node.propose(vec![put(&format!("k/{i}"), "x")]).unwrap()).collect();
    drive(&mut node);
    let last = rxs.iter_mut().map(must_applied).max().unwrap();
    let first = node.raw.raft.raft_log.first_index();
    assert_eq!(first, last - 10 + 1, "exactly trailing_logs entries are kept");
    assert!(node.raw.store().entries(first, last + 1, None, raft::GetEntriesContext::empty(false)).is_ok());
}

#[test]
fn a_member_added_by_conf_change_is_recorded_and_sent_to() {
    let dir = tempfile::tempdir().unwrap();
    let (mut node, _) = bootstrapped(dir.path(), RaftSettings::default());
    let learner = PeerRecord { cluster_addr: "127.0.0.2:8201".into(), ..me("node2") };
    let mut cc = ConfChange::default();
    cc.set_change_type(ConfChangeType::AddLearnerNode);
    cc.node_id = learner.raft_id;
    cc.context = codec::encode_peers(std::slice::from_ref(&learner)).into();
    node.raw.propose_conf_change(Vec::new(), cc).unwrap();
    drive(&mut node);

    let s = node.cluster_state();
    assert_eq!(s.peers.len(), 2);
    let p = s.peers.iter().find(|p| p.raft_id == learner.raft_id).expect("the learner is listed");
    assert_eq!((p.node_id.as_str(), p.voter, p.leader), ("node2", false, false));
    assert!(s.config_index > 0);
    for _ in 0..RaftSettings::default().heartbeat_tick {
        node.tick();
    }
    drive(&mut node);
    let outbox = node.take_outbox();
    let to_learner: Vec<_> = outbox.iter().filter(|(id, _)| *id == learner.raft_id).flat_map(|(_, m)| m).collect();
    assert!(
        to_learner.iter().any(|m| matches!(
            m.get_msg_type(),
            MessageType::MsgAppend | MessageType::MsgSnapshot | MessageType::MsgHeartbeat
        )),
        "the leader talks to the new member: {to_learner:?}"
    );
    // The membership survives a restart.
    drop(node);
    let (store, _) = open(dir.path());
    assert_eq!(store.conf_state().learners, vec![learner.raft_id]);
    let peers = codec::decode_peers(&store.peers().unwrap().unwrap()).unwrap();
    assert!(peers.contains(&learner));
}

#[test]
fn a_follower_refuses_proposals_with_the_leader_hint() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = open(dir.path());
    let conf =
        raft::eraftpb::ConfState { voters: vec![raft_id_for("node1"), raft_id_for("node2")], ..Default::default() };
    store.bootstrap(conf, b"").unwrap();
    let mut node = RaftNode::start(store, me("node1"), RaftSettings::default()).unwrap();
    drive(&mut node);
    assert!(!node.is_leader(), "two voters need an election with the other");
    assert!(matches!(node.propose(vec![put("a", "b")]), Err(ReplicationError::NotLeader { leader: 0 })));
}
