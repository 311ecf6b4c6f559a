//! The streamer actor and the backend together, on a real RocksDB, inside an actix system.

use super::*;
use std::time::Duration;
use strongbox_storage::WriteOp;

fn options(dir: &std::path::Path) -> RaftOptions {
    RaftOptions {
        path: dir.join("db"),
        node_id: "node1".into(),
        api_addr: "http://127.0.0.1:8200".into(),
        cluster_addr: "127.0.0.1:8201".into(),
        cluster_listen: "127.0.0.1:0".into(),
        settings: RaftSettings::default(),
        tick: Duration::from_millis(20),
    }
}

#[actix_rt::test]
async fn writes_through_the_backend_are_replicated_applied_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let raft = RaftHandle::start(options(dir.path())).unwrap();
    assert!(!raft.cluster_state().initialized, "nothing bootstraps before the first write");
    let b = raft.backend();
    assert_eq!(b.get("core/seal-config").await.unwrap(), None);

    b.put("core/seal-config", b"{}".to_vec()).await.unwrap();
    let s = raft.cluster_state();
    assert!(s.initialized && s.is_leader(), "{s:?}");
    assert_eq!(b.get("core/seal-config").await.unwrap(), Some(b"{}".to_vec()));

    // Concurrent writers share Ready rounds; each is answered once its entry is applied.
    let writes = (0..64).map(|i| {
        let b = b.clone();
        async move { b.put(&format!("logical/x/{i:02}"), vec![i as u8]).await }
    });
    for r in futures::future::join_all(writes).await {
        r.unwrap();
    }
    b.batch(vec![
        WriteOp::Delete { key: "logical/x/00".into() },
        WriteOp::Put { key: "logical/y".into(), value: vec![] },
    ])
    .await
    .unwrap();
    let listed = b.list("logical/x/").await.unwrap();
    assert_eq!(listed.len(), 63);
    assert_eq!(b.list("logical/").await.unwrap(), vec!["x/", "y"]);
    let s = raft.cluster_state();
    assert_eq!(s.applied_index, s.commit_index);
    assert!(s.applied_index >= 67, "{s:?}");
}
