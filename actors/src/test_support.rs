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

/// An engine context over `view` for a mount with default settings (the system TTLs are
/// Vault's 768h).
pub fn engine_context(view: BarrierView) -> crate::engines::EngineContext {
    let entry = crate::mount_table::MountEntry::new("test/", "test", "");
    let system = crate::engines::SystemView::new(
        Arc::new(arc_swap::ArcSwap::from_pointee(entry)),
        crate::engines::SystemTtls { default_ttl: 768 * 3600, max_ttl: 768 * 3600 },
    );
    crate::engines::EngineContext::new(view, system, Arc::new(crate::sync::Clock::default()))
}
