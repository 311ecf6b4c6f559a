//! The expiry schedule: one ordered map from deadline to lease ID plus an index by lease ID.
//!
//! Why a `BTreeMap` and not `tokio_util::time::DelayQueue`: deadlines are wall-clock times that
//! come back from storage after a restart (a monotonic `Instant` cannot be persisted), the
//! timer loop needs exactly one sleep for the earliest deadline and a cheap "everything due by
//! now" scan, and tests can drive it with an injected clock. A lease costs one map node, one
//! index entry and one shared `Arc<str>` of its ID: about 200 bytes, so 100,000 leases take
//! some 20 MB. Revocation attempts live on the slot so retries keep their count.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A deadline in Unix nanoseconds, with a sequence number that keeps equal deadlines apart.
type Key = (i64, u64);

#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// Where the lease sits in the queue; `None` while a revocation is in flight.
    key: Option<Key>,
    /// Failed revocation attempts so far.
    attempts: u8,
}

#[derive(Debug, Default)]
pub(crate) struct Timers {
    queue: BTreeMap<Key, Arc<str>>,
    slots: HashMap<Arc<str>, Slot>,
    seq: u64,
}

impl Timers {
    /// Leases with a pending or in-flight expiry.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.slots.contains_key(id)
    }

    /// Failed revocation attempts of `id` so far (0 for unknown leases).
    pub fn attempts(&self, id: &str) -> u8 {
        self.slots.get(id).map(|s| s.attempts).unwrap_or(0)
    }

    /// Sets (or moves) the deadline of `id`. An in-flight lease gets its deadline back.
    pub fn schedule(&mut self, id: &str, due: i64) {
        self.seq += 1;
        let key = (due, self.seq);
        match self.slots.get_mut(id) {
            Some(slot) => {
                let shared = match slot.key.take().and_then(|old| self.queue.remove(&old)) {
                    Some(shared) => shared,
                    None => Arc::from(id),
                };
                slot.key = Some(key);
                self.queue.insert(key, shared);
            }
            None => {
                let shared: Arc<str> = Arc::from(id);
                self.slots.insert(shared.clone(), Slot { key: Some(key), attempts: 0 });
                self.queue.insert(key, shared);
            }
        }
    }

    /// Forgets `id` (revoked, or moved out of the schedule). `true` if it was known.
    pub fn cancel(&mut self, id: &str) -> bool {
        match self.slots.remove(id) {
            Some(slot) => {
                if let Some(key) = slot.key {
                    self.queue.remove(&key);
                }
                true
            }
            None => false,
        }
    }

    /// The earliest deadline in the queue.
    pub fn next_due(&self) -> Option<i64> {
        self.queue.keys().next().map(|(due, _)| *due)
    }

    /// Takes up to `max` leases due at `now`, earliest first, and marks them in flight.
    pub fn pop_due(&mut self, now: i64, max: usize) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        while out.len() < max {
            let Some(entry) = self.queue.first_entry() else { break };
            if entry.key().0 > now {
                break;
            }
            let id = entry.remove();
            if let Some(slot) = self.slots.get_mut(&id) {
                slot.key = None;
            }
            out.push(id);
        }
        out
    }

    /// Counts a failed attempt of an in-flight lease and puts it back at `due`. Returns the
    /// attempts so far (0 if the lease was forgotten meanwhile: nothing is scheduled then).
    pub fn retry(&mut self, id: &str, due: i64) -> u8 {
        let Some(slot) = self.slots.get_mut(id) else { return 0 };
        slot.attempts = slot.attempts.saturating_add(1);
        let attempts = slot.attempts;
        self.schedule(id, due);
        attempts
    }

    /// Drops everything (seal, loss of leadership).
    pub fn clear(&mut self) {
        self.queue.clear();
        self.slots.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: Vec<Arc<str>>) -> Vec<String> {
        v.into_iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn leases_fire_in_deadline_order_and_only_when_due() {
        let mut t = Timers::default();
        t.schedule("c", 30);
        t.schedule("a", 10);
        t.schedule("b", 20);
        t.schedule("a2", 10);
        assert_eq!(t.next_due(), Some(10));
        assert!(t.pop_due(9, 10).is_empty());
        assert_eq!(ids(t.pop_due(20, 10)), ["a", "a2", "b"]);
        assert_eq!(t.next_due(), Some(30));
        // In flight: still known, no longer queued.
        assert!(t.contains("a") && t.len() == 4);
        assert_eq!(ids(t.pop_due(100, 10)), ["c"]);
        assert_eq!(t.next_due(), None);
    }

    #[test]
    fn rescheduling_moves_a_lease_and_pop_respects_the_batch_size() {
        let mut t = Timers::default();
        for (i, id) in ["x", "y", "z"].iter().enumerate() {
            t.schedule(id, i as i64);
        }
        t.schedule("x", 50);
        assert_eq!(ids(t.pop_due(10, 1)), ["y"]);
        assert_eq!(ids(t.pop_due(10, 5)), ["z"]);
        assert_eq!(ids(t.pop_due(60, 5)), ["x"]);
        assert!(t.cancel("x"));
        assert!(!t.cancel("x"));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn retries_count_attempts_and_requeue() {
        let mut t = Timers::default();
        t.schedule("l", 5);
        assert_eq!(ids(t.pop_due(5, 1)), ["l"]);
        assert_eq!(t.retry("l", 15), 1);
        assert_eq!(t.next_due(), Some(15));
        assert_eq!(ids(t.pop_due(15, 1)), ["l"]);
        assert_eq!(t.retry("l", 40), 2);
        assert_eq!(t.attempts("l"), 2);
        t.cancel("l");
        assert_eq!(t.retry("l", 50), 0, "a forgotten lease is not brought back");
        assert_eq!(t.next_due(), None);
    }
}
