//! The timer loop of an active node: sleep until the earliest deadline (or until woken by an
//! earlier one), take what is due in batches, and revoke it on a bounded pool of workers.
//! A failed revocation is retried with exponential backoff and jitter (Vault's
//! `revokeExponentialBackoff`); after the last attempt, or at once for an error no retry can
//! fix, the lease becomes irrevocable. Once a day irrevocable leases get one more try.

use super::leases::{nanos, Expiration};
use super::revoke::{is_unrecoverable, revocation_message};
use crate::CoreError;
use rand::Rng;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Revocations in flight at once (Vault runs 200 fair-share workers; storage is the limit).
const REVOCATION_WORKERS: usize = 64;
/// Leases taken off the schedule per round.
const BATCH: usize = 256;
/// The loop looks at the clock at least this often (wall-clock jumps, skewed test clocks).
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// Vault's `maxRevokeAttempts`.
pub(crate) const MAX_REVOKE_ATTEMPTS: u8 = 6;
/// How often irrevocable leases are tried again (Vault: daily, once an hour past expiry).
const IRREVOCABLE_RETRY: Duration = Duration::from_secs(24 * 3600);

impl Expiration {
    /// Runs until the generation changes (seal, loss of leadership).
    pub(crate) async fn run_timers(self: Arc<Self>, generation: u64) {
        let workers = Arc::new(Semaphore::new(REVOCATION_WORKERS));
        let mut next_sweep = tokio::time::Instant::now() + IRREVOCABLE_RETRY;
        while self.is_current(generation) {
            if tokio::time::Instant::now() >= next_sweep {
                next_sweep += IRREVOCABLE_RETRY;
                tokio::spawn(self.clone().retry_irrevocable(generation));
            }
            let now = nanos(self.now());
            let (due, next) = {
                let mut s = self.state();
                let due = s.timers.pop_due(now, BATCH);
                (due, s.timers.next_due())
            };
            if due.is_empty() {
                let wait =
                    next.map(|t| Duration::from_nanos(t.saturating_sub(now).unsigned_abs())).unwrap_or(MAX_SLEEP);
                tokio::select! {
                    _ = tokio::time::sleep(wait.min(MAX_SLEEP)) => {}
                    _ = self.wake.notified() => {}
                }
                continue;
            }
            for id in due {
                let Ok(permit) = workers.clone().acquire_owned().await else { return };
                let me = self.clone();
                tokio::spawn(async move {
                    me.expire(&id, generation).await;
                    drop(permit);
                });
            }
        }
        tracing::debug!("expiration timers stopped");
    }

    /// Revokes one lease that came due; on failure, retries later or gives up.
    pub(crate) async fn expire(&self, id: &str, generation: u64) {
        let Err(e) = self.revoke_due(id).await else { return };
        if !self.is_current(generation) || matches!(e, CoreError::Sealed) {
            // Sealing or stepping down: the next active node restores the lease and goes on.
            return;
        }
        let attempts = {
            let backoff = self.backoff(self.state().timers.attempts(id).saturating_add(1));
            let due = nanos(self.now() + chrono::Duration::from_std(backoff).unwrap_or(chrono::Duration::days(1)));
            self.state().timers.retry(id, due)
        };
        if attempts == 0 {
            return;
        }
        // The loop may be asleep with nothing else queued: it has a deadline again.
        self.wake.notify_one();
        if attempts >= MAX_REVOKE_ATTEMPTS || is_unrecoverable(&e) {
            let reason = if attempts >= MAX_REVOKE_ATTEMPTS {
                format!("out of retries: {}", revocation_message(&e))
            } else {
                revocation_message(&e)
            };
            tracing::warn!(lease_id = %id, error = %e, attempts, "failed to revoke lease, marking it irrevocable");
            if let Err(err) = self.mark_irrevocable(id, &reason).await {
                tracing::error!(lease_id = %id, error = %err, "failed to mark a lease irrevocable");
            }
        } else {
            tracing::error!(lease_id = %id, error = %e, attempts, "failed to revoke lease, will retry");
        }
    }

    /// `base * 2^attempt`, then anywhere within ±50% of that.
    fn backoff(&self, attempt: u8) -> Duration {
        let exp = self.retry_base().saturating_mul(1u32 << attempt.min(16));
        let span = u64::try_from(exp.as_millis()).unwrap_or(u64::MAX).max(1);
        exp / 2 + Duration::from_millis(rand::thread_rng().gen_range(0..=span))
    }

    /// Vault's `attemptIrrevocableLeasesRevoke`: one more try for irrevocable leases that
    /// expired more than an hour ago.
    async fn retry_irrevocable(self: Arc<Self>, generation: u64) {
        let cutoff = self.now() - chrono::Duration::hours(1);
        let ids: Vec<String> = {
            let s = self.state();
            s.irrevocable
                .iter()
                .filter(|(_, i)| i.expire_time.is_none_or(|t| t < cutoff))
                .map(|(id, _)| id.clone())
                .collect()
        };
        for id in ids {
            if !self.is_current(generation) {
                return;
            }
            if let Err(e) = self.revoke(&id, false).await {
                tracing::debug!(lease_id = %id, error = %e, "irrevocable lease still fails to revoke");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}
