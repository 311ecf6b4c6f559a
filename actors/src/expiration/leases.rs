//! `Expiration`: the plain struct behind the expiration manager actor. It owns the lease
//! storage (Vault's layout inside the barrier view `sys/expire/`), the per-lease locks and the
//! in-memory schedule; the operations live in the sibling files (register, renew, revoke,
//! restore, tidy, run).
//!
//! - `id/<lease id>`: a [`LeaseEntry`] (lease IDs are paths, so this is a tree).
//! - `token/<token hash>/<hash of lease id>`: the lease ID, for every lease a token holds, so
//!   revoking the token finds its leases.
//!
//! Locking rules: a lease's stripe lock is held around every read-modify-write of its entry
//! and schedule; at most one lease lock is held at a time; and no lease lock is held while
//! calling into the token store (the token store calls back into here while holding its own
//! stripe locks, so the order is always token stripe, then lease stripe).

use super::lease::LeaseEntry;
use super::timers::Timers;
use crate::barrier::{Barrier, BarrierView};
use crate::mount_table::{MountConfig, Router};
use crate::sync::{Clock, Striped};
use crate::token_store::{SysTtls, TokenStore};
use crate::CoreError;
use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Mutex as LeaseLock, MutexGuard as LeaseGuard, Notify};

/// The expiration manager's view in the barrier.
const EXPIRE_VIEW: &str = "sys/expire/";
/// `id/<lease id>`: lease entries.
pub(crate) const LEASE_PREFIX: &str = "id/";
/// `token/<token hash>/<lease hash>`: the token → leases index.
pub(crate) const TOKEN_INDEX_PREFIX: &str = "token/";
/// Lease lock stripes (Vault keeps one lock per lease; stripes bound the memory).
const LOCK_STRIPES: usize = 256;
/// Vault's `revokeRetryBase`: the first retry of a failed revocation waits about twice this.
const DEFAULT_RETRY_BASE_MS: u64 = 10_000;

/// A lease whose revocation failed for good (Vault keeps a subset of the entry in memory).
#[derive(Debug, Clone)]
pub(crate) struct Irrevocable {
    pub expire_time: Option<DateTime<Utc>>,
    pub error: String,
}

/// What the schedule knows; only meaningful while this node is active.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub active: bool,
    /// Bumped by every activation and stop: work started for an older generation is void.
    pub generation: u64,
    /// Leases are still being loaded after an activation.
    pub restoring: bool,
    pub timers: Timers,
    pub irrevocable: BTreeMap<String, Irrevocable>,
}

pub struct Expiration {
    pub(crate) view: BarrierView,
    pub(crate) tokens: Arc<TokenStore>,
    pub(crate) router: Arc<ArcSwap<Router>>,
    /// The system default and max lease TTLs.
    pub(crate) sys: SysTtls,
    locks: Striped<LeaseLock<()>>,
    state: Mutex<State>,
    /// Wakes the timer loop when an earlier deadline appears or the generation changes.
    pub(crate) wake: Notify,
    retry_base_ms: AtomicU64,
    clock: Arc<Clock>,
    /// Set while a tidy runs.
    pub(crate) tidying: AtomicBool,
}

impl Expiration {
    pub fn new(
        barrier: Arc<Barrier>,
        tokens: Arc<TokenStore>,
        router: Arc<ArcSwap<Router>>,
        sys: SysTtls,
        clock: Arc<Clock>,
    ) -> Self {
        Expiration {
            view: BarrierView::new(barrier, EXPIRE_VIEW),
            tokens,
            router,
            sys,
            locks: Striped::new(LOCK_STRIPES),
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            retry_base_ms: AtomicU64::new(DEFAULT_RETRY_BASE_MS),
            clock,
            tidying: AtomicBool::new(false),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Advances the node's clock and wakes the timer loop to look at it again.
    #[cfg(test)]
    pub(crate) fn advance_clock(&self, secs: i64) {
        self.clock.advance(secs);
        self.wake.notify_one();
    }

    pub(crate) fn retry_base(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.retry_base_ms.load(Ordering::Relaxed))
    }

    /// Sets the revocation retry base (Vault's `expirationRevokeRetryBase`, for tests).
    pub fn set_retry_base(&self, base: std::time::Duration) {
        self.retry_base_ms.store(base.as_millis().try_into().unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether work started for `generation` may still touch the schedule.
    pub(crate) fn is_current(&self, generation: u64) -> bool {
        let s = self.state();
        s.active && s.generation == generation
    }

    /// The lock of one lease (a stripe shared with other leases: hold one at a time).
    pub(crate) async fn lock(&self, id: &str) -> LeaseGuard<'_, ()> {
        self.locks.get(id).lock().await
    }

    /// A mount's (default, max) TTL with zeros replaced by the system values.
    pub(crate) fn mount_ttls(&self, config: &MountConfig) -> SysTtls {
        let pick = |v: u64, sys: u64| if v == 0 { sys } else { v };
        SysTtls {
            default_ttl: pick(config.default_lease_ttl, self.sys.default_ttl),
            max_ttl: pick(config.max_lease_ttl, self.sys.max_ttl),
        }
    }

    // --- storage -------------------------------------------------------------------------

    fn entry_key(id: &str) -> String {
        format!("{LEASE_PREFIX}{id}")
    }

    /// `token/<owner>/<hash of the lease id>`, or `None` for a lease nobody's index lists.
    fn index_key(&self, le: &LeaseEntry) -> Result<Option<String>, CoreError> {
        if le.index_key.is_empty() {
            return Ok(None);
        }
        Ok(Some(format!("{TOKEN_INDEX_PREFIX}{}/{}", le.index_key, self.tokens.hash(&le.lease_id)?)))
    }

    pub(crate) async fn load(&self, id: &str) -> Result<Option<LeaseEntry>, CoreError> {
        if id.is_empty() {
            return Ok(None);
        }
        self.view.get_json(&Self::entry_key(id)).await
    }

    /// Writes the entry (and its token index entry) in one batch.
    pub(crate) async fn persist(&self, le: &LeaseEntry) -> Result<(), CoreError> {
        let mut writes = vec![(Self::entry_key(&le.lease_id), Some(serde_json::to_vec(le)?))];
        if let Some(index) = self.index_key(le)? {
            writes.push((index, Some(le.lease_id.clone().into_bytes())));
        }
        self.view.batch(writes).await
    }

    /// Deletes the entry and its index entry, and forgets its schedule.
    pub(crate) async fn delete(&self, le: &LeaseEntry) -> Result<(), CoreError> {
        let mut writes = vec![(Self::entry_key(&le.lease_id), None)];
        if let Some(index) = self.index_key(le)? {
            writes.push((index, None));
        }
        self.view.batch(writes).await?;
        self.forget(&le.lease_id);
        Ok(())
    }

    /// Deletes a lease entry by ID alone (token leases have no index entry).
    pub(crate) async fn delete_id(&self, id: &str) -> Result<(), CoreError> {
        self.view.delete(&Self::entry_key(id)).await?;
        self.forget(id);
        Ok(())
    }

    /// The lease IDs a token's index lists.
    pub(crate) async fn leases_of(&self, token_key: &str) -> Result<Vec<String>, CoreError> {
        let prefix = format!("{TOKEN_INDEX_PREFIX}{token_key}/");
        let mut out = Vec::new();
        for hash in self.view.list(&prefix).await? {
            match self.view.get(&format!("{prefix}{hash}")).await? {
                Some(bytes) => out.push(String::from_utf8_lossy(&bytes).into_owned()),
                None => continue,
            }
        }
        Ok(out)
    }

    /// Every lease ID at or below `prefix` (a folder, ending in `/`, or empty for all).
    pub(crate) async fn ids_below(&self, prefix: &str) -> Result<Vec<String>, CoreError> {
        let keys = self.view.list_recursive(&Self::entry_key(prefix)).await?;
        Ok(keys.into_iter().filter_map(|k| k.strip_prefix(LEASE_PREFIX).map(str::to_string)).collect())
    }

    /// The names directly below `prefix` (`sys/leases/lookup/<prefix>`).
    pub(crate) async fn list(&self, prefix: &str) -> Result<Vec<String>, CoreError> {
        self.view.list(&Self::entry_key(prefix)).await
    }

    // --- schedule ------------------------------------------------------------------------

    /// Vault's `updatePending`: puts a lease where it belongs in the schedule. Irrevocable
    /// leases leave the timers; root tokens without a TTL have none. A standby keeps nothing.
    pub(crate) fn schedule(&self, le: &LeaseEntry) {
        let mut s = self.state();
        if !s.active {
            return;
        }
        if le.is_irrevocable() {
            s.timers.cancel(&le.lease_id);
            let info = Irrevocable { expire_time: le.expire_time, error: le.revoke_err.clone() };
            s.irrevocable.insert(le.lease_id.clone(), info);
            return;
        }
        let Some(expire) = le.expire_time else {
            s.timers.cancel(&le.lease_id);
            return;
        };
        let due = nanos(expire);
        let earlier = s.timers.next_due().is_none_or(|next| due < next);
        s.timers.schedule(&le.lease_id, due);
        drop(s);
        if earlier {
            self.wake.notify_one();
        }
    }

    /// Drops a lease from the schedule and the irrevocable set.
    pub(crate) fn forget(&self, id: &str) {
        let mut s = self.state();
        s.timers.cancel(id);
        s.irrevocable.remove(id);
    }

    /// Whether the schedule already holds `id` (restore skips what requests loaded first).
    pub(crate) fn is_known(&self, id: &str) -> bool {
        let s = self.state();
        s.timers.contains(id) || s.irrevocable.contains_key(id)
    }

    /// Loads a lease for a request; while leases are being restored, a lease the restore has
    /// not reached yet is scheduled now (Vault's lazy restore). Call with the lease locked.
    pub(crate) async fn load_for_request(&self, id: &str) -> Result<Option<LeaseEntry>, CoreError> {
        let le = self.load(id).await?;
        if let Some(le) = &le {
            let restoring = self.state().restoring;
            if restoring && !self.is_known(id) {
                self.schedule(le);
            }
        }
        Ok(le)
    }

    /// Leases with a timer (pending or in flight) and irrevocable leases.
    pub fn counts(&self) -> (usize, usize) {
        let s = self.state();
        (s.timers.len(), s.irrevocable.len())
    }

    /// Whether the background restore is still loading leases.
    pub fn is_restoring(&self) -> bool {
        self.state().restoring
    }
}

/// Unix nanoseconds (saturating far outside chrono's nanosecond range).
pub(crate) fn nanos(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(if t.timestamp() < 0 { i64::MIN } else { i64::MAX })
}
