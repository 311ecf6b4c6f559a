//! Engines live as long as their mount: mounting, tuning and unmounting other mounts never
//! resets a running engine's state. Before engines were kept by mount uuid, every table change
//! built every backend again, so two CAS writes (each under its own copy of kv v2's key locks)
//! or two logins spending one limited-use secret ID (approle's locks) could both succeed.

use super::*;
use async_trait::async_trait;
use futures::future::join_all;
use serde_json::json;
use std::cell::RefCell;
use std::collections::BTreeMap;
use strongbox_storage::{StorageError, WriteOp};

/// In-memory storage that yields to other tasks on every operation, as real storage does
/// (RocksDB runs on blocking threads): without it nothing interleaves inside an engine.
#[derive(Default)]
struct YieldingBackend(InmemBackend);

#[async_trait]
impl PhysicalBackend for YieldingBackend {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        tokio::task::yield_now().await;
        self.0.get(key).await
    }
    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        tokio::task::yield_now().await;
        self.0.put(key, value).await
    }
    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        tokio::task::yield_now().await;
        self.0.delete(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        tokio::task::yield_now().await;
        self.0.list(prefix).await
    }
    async fn batch(&self, ops: Vec<WriteOp>) -> Result<(), StorageError> {
        tokio::task::yield_now().await;
        self.0.batch(ops).await
    }
}

/// Mounts, tunes and unmounts other secrets engines and auth methods, `rounds` times.
async fn churn_mounts(core: &Core, rounds: usize) {
    for i in 0..rounds {
        must(core, Operation::Update, &format!("sys/mounts/churn{i}"), json!({"type": "kv"})).await;
        must(core, Operation::Update, "sys/mounts/secret/tune", json!({"default_lease_ttl": format!("{}s", 60 + i)}))
            .await;
        must(core, Operation::Update, &format!("sys/auth/churn{i}"), json!({"type": "approle"})).await;
        must(core, Operation::Update, "sys/auth/approle/tune", json!({"max_lease_ttl": format!("{}h", 1 + i)})).await;
        must(core, Operation::Delete, &format!("sys/mounts/churn{i}"), json!({})).await;
        must(core, Operation::Delete, &format!("sys/auth/churn{i}"), json!({})).await;
        tokio::task::yield_now().await;
    }
}

/// One writer: reads the current version and writes with `cas` set to it, `attempts` times.
async fn cas_writer(core: &Core, id: usize, attempts: usize, wins: &RefCell<BTreeMap<u64, Vec<usize>>>) {
    for _ in 0..attempts {
        let meta = call(core, Some(ROOT), Operation::Read, "secret/metadata/shared", json!({})).await;
        let current = meta.ok().flatten().and_then(|r| r.data).and_then(|d| d["current_version"].as_u64()).unwrap_or(0);
        let body = json!({"options": {"cas": current}, "data": {"writer": id}});
        if call(core, Some(ROOT), Operation::Update, "secret/data/shared", body).await.is_ok() {
            wins.borrow_mut().entry(current).or_default().push(id);
        }
        tokio::task::yield_now().await;
    }
}

#[actix_rt::test]
async fn engine_state_survives_concurrent_mount_table_changes() {
    let core = must_unsealed_core_on(Arc::new(YieldingBackend::default())).await;
    must(&core, Operation::Update, "sys/mounts/secret", json!({"type": "kv", "options": {"version": "2"}})).await;
    must(&core, Operation::Update, "sys/auth/approle", json!({"type": "approle"})).await;
    const USES: usize = 5;
    must(&core, Operation::Update, "auth/approle/role/r", json!({"secret_id_num_uses": USES})).await;
    let role_id = must(&core, Operation::Read, "auth/approle/role/r/role-id", json!({})).await["role_id"].clone();
    let secret_id =
        must(&core, Operation::Update, "auth/approle/role/r/secret-id", json!({})).await["secret_id"].clone();

    let wins = RefCell::new(BTreeMap::new());
    let writers = join_all((0..6).map(|id| cas_writer(&core, id, 15, &wins)));
    let logins = join_all((0..4 * USES).map(|_| {
        let body = json!({"role_id": role_id, "secret_id": secret_id});
        call(&core, None, Operation::Update, "auth/approle/login", body)
    }));
    let (_, login_results, _) = futures::join!(writers, logins, churn_mounts(&core, 12));

    let succeeded = login_results.iter().filter(|r| matches!(r, Ok(Some(resp)) if resp.auth.is_some())).count();
    assert_eq!(succeeded, USES, "a secret ID with {USES} uses logged in {succeeded} times");

    let wins = wins.into_inner();
    for (cas, winners) in &wins {
        assert_eq!(winners.len(), 1, "cas {cas} was won by {winners:?}");
    }
    let meta = must(&core, Operation::Read, "secret/metadata/shared", json!({})).await;
    let versions = meta["current_version"].as_u64().unwrap();
    assert_eq!(versions as usize, wins.len(), "{versions} versions for {} winning writes", wins.len());
    assert!(versions > 1, "the writers made no progress");
}
