//! The node's one clock: the wall clock plus a skew that tests advance to age tokens, leases
//! and secret IDs without sleeping. The token store, the expiration manager and every engine
//! read the same clock, so one advance ages everything consistently.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Default)]
pub struct Clock {
    skew: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.skew.load(Ordering::Relaxed))
    }

    /// Moves the clock forward by `secs` (tests). Timers sleeping on the wall clock are not
    /// woken by this; the expiration manager's test helper wakes its own loop.
    pub fn advance(&self, secs: i64) {
        self.skew.fetch_add(secs, Ordering::Relaxed);
    }
}
