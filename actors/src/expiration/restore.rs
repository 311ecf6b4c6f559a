//! Becoming active and stopping. After unseal (or when this node takes over leadership) the
//! leases are restored in the background, a page at a time, so the node serves at once; a
//! request that touches a lease the restore has not reached yet loads and schedules it on the
//! spot (`load_for_request`). Stopping drops the whole schedule: the next active node
//! restores it from storage.

use super::leases::Expiration;
use crate::CoreError;
use std::sync::Arc;
use std::time::Instant;

/// Leases loaded between two yields to the rest of the node.
const RESTORE_PAGE: usize = 512;

/// What a restore did, for the log and the tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreReport {
    /// Lease entries found in storage.
    pub found: usize,
    /// Leases this restore put on the schedule (others were loaded by requests first, or gone).
    pub loaded: usize,
    /// Entries that could not be read; they stay in storage for tidy or an operator.
    pub failed: usize,
}

impl Expiration {
    /// Makes this node the one whose timers run; returns the new generation. The schedule is
    /// empty until [`Expiration::restore`] (or a request) fills it.
    pub fn activate(&self) -> u64 {
        let mut s = self.state();
        s.active = true;
        s.generation += 1;
        s.restoring = true;
        s.timers.clear();
        s.irrevocable.clear();
        s.generation
    }

    /// Stops the timers and forgets the schedule (pre_seal, loss of leadership). Revocations in
    /// flight finish, but their outcome no longer touches the schedule.
    pub fn stop(&self) {
        let mut s = self.state();
        s.active = false;
        s.generation += 1;
        s.restoring = false;
        s.timers.clear();
        s.irrevocable.clear();
        drop(s);
        self.wake.notify_one();
    }

    /// Loads every lease of storage into the schedule, a page at a time.
    pub async fn restore(self: Arc<Self>, generation: u64) -> Result<RestoreReport, CoreError> {
        let started = Instant::now();
        let ids = self.ids_below("").await?;
        let mut report = RestoreReport { found: ids.len(), ..Default::default() };
        tracing::info!(leases = ids.len(), "restoring leases");
        for page in ids.chunks(RESTORE_PAGE) {
            for id in page {
                if !self.is_current(generation) {
                    tracing::warn!("stopped while restoring leases");
                    return Ok(report);
                }
                match self.restore_one(id).await {
                    Ok(true) => report.loaded += 1,
                    Ok(false) => {}
                    Err(CoreError::Sealed) => return Ok(report),
                    Err(e) => {
                        report.failed += 1;
                        tracing::error!(lease_id = %id, error = %e, "failed to restore lease");
                    }
                }
            }
            tokio::task::yield_now().await;
        }
        let mut s = self.state();
        if s.active && s.generation == generation {
            s.restoring = false;
        }
        drop(s);
        tracing::info!(
            found = report.found,
            loaded = report.loaded,
            failed = report.failed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "lease restore complete"
        );
        Ok(report)
    }

    /// Schedules one lease unless a request or a registration got to it first.
    async fn restore_one(&self, id: &str) -> Result<bool, CoreError> {
        let _guard = self.lock(id).await;
        if self.is_known(id) {
            return Ok(false);
        }
        let Some(le) = self.load(id).await? else { return Ok(false) };
        self.schedule(&le);
        Ok(true)
    }
}
