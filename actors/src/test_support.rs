//! Helpers for unit tests: an unsealed barrier over in-memory storage.

use crate::barrier::{random_key, Barrier, BarrierView};
use std::sync::Arc;
use strongbox_storage::InmemBackend;

pub async fn unsealed_barrier() -> Arc<Barrier> {
    let barrier = Barrier::new(Arc::new(InmemBackend::new()));
    let root = random_key();
    barrier.initialize(root.clone()).await.expect("initialize barrier");
    barrier.unlock(&root).await.expect("unlock barrier");
    barrier
}

pub async fn unsealed_view() -> BarrierView {
    BarrierView::new(unsealed_barrier().await, "logical/test/")
}

/// A lifecycle that sets nothing up: for testing the seal keeper on its own.
pub struct NoopLifecycle;

#[async_trait::async_trait]
impl crate::seal_keeper::Lifecycle for NoopLifecycle {
    async fn post_unseal(&self) -> Result<(), crate::CoreError> {
        Ok(())
    }
    async fn pre_seal(&self) {}
    async fn create_root_token(&self, id: Option<String>) -> Result<String, crate::CoreError> {
        Ok(id.unwrap_or_else(|| "hvs.test".into()))
    }
}
