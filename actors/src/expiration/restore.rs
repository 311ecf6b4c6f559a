//! Becoming active and stopping. After unseal (or when this node takes over leadership) the
//! leases are restored in the background, a page at a time, so the node serves at once; a
//! request that touches a lease the restore has not reached yet loads and schedules it on the
//! spot (`load_for_request`). Stopping drops the whole schedule: the next active node
//! restores it from storage.

use super::leases::Expiration;
use crate::CoreError;
use futures::stream::{FuturesUnordered, StreamExt};
use std::sync::Arc;
use std::time::Instant;

/// Leases loaded between two yields to the rest of the node.
const RESTORE_PAGE: usize = 512;

/// Leases of a page loaded at once. A load is mostly waiting on a storage read (a blocking
/// thread's hop), so overlapping them is what makes a large restore fast; each one still takes
/// its lease's lock alone, so a request for the same lease waits for it or goes first.
const RESTORE_CONCURRENCY: usize = 32;

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
            let mut queued = page.iter();
            let mut loads = FuturesUnordered::new();
            loads.extend(queued.by_ref().take(RESTORE_CONCURRENCY).map(|id| self.restore_current(id, generation)));
            while let Some((id, outcome)) = loads.next().await {
                if let Some(next) = queued.next() {
                    loads.push(self.restore_current(next, generation));
                }
                match outcome {
                    None => {
                        tracing::warn!("stopped while restoring leases");
                        return Ok(report);
                    }
                    Some(Ok(true)) => report.loaded += 1,
                    Some(Ok(false)) => {}
                    Some(Err(CoreError::Sealed)) => return Ok(report),
                    Some(Err(e)) => {
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

    /// [`Expiration::restore_one`] unless the schedule changed hands (`None`).
    async fn restore_current<'a>(&self, id: &'a str, generation: u64) -> (&'a str, Option<Result<bool, CoreError>>) {
        if !self.is_current(generation) {
            return (id, None);
        }
        (id, Some(self.restore_one(id).await))
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
