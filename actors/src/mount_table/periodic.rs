//! The node's one periodic scheduler (Vault's `rollback` manager): once a minute every mounted
//! engine's `periodic` hook runs. Only the active node has engines mounted (a standby's router
//! is empty), so tidying never runs twice in a cluster.

use super::Router;
use arc_swap::ArcSwap;
use std::sync::Weak;
use std::time::Duration;

/// Vault's `rollbackPeriod`.
pub const PERIOD: Duration = Duration::from_secs(60);

/// Runs the scheduler until the router is dropped (the node stops).
pub(crate) fn spawn_periodic(router: Weak<ArcSwap<Router>>) {
    actix::spawn(async move {
        let mut ticker = tokio::time::interval(PERIOD);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let Some(router) = router.upgrade() else { return };
            let snapshot = router.load_full();
            drop(router);
            run_once(&snapshot).await;
        }
    });
}

/// One round: every engine's hook, in turn; a failing engine does not stop the others.
pub(crate) async fn run_once(router: &Router) {
    for route in router.routes() {
        if let Err(e) = route.backend.periodic().await {
            tracing::warn!(mount = %route.entry.path, error = %e, "periodic function failed");
        }
    }
}
