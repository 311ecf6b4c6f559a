//! The mount's key cache: parsed policies by name, unlimited by default; with `cache-config`'s
//! `size` set, the least recently used key leaves when a new one comes in (Vault's LRU).

use super::policy::Policy;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

struct Slot {
    policy: Arc<Policy>,
    last_used: AtomicU64,
}

#[derive(Default)]
pub struct KeyCache {
    slots: RwLock<HashMap<String, Slot>>,
    clock: AtomicU64,
    /// 0: unlimited.
    limit: AtomicUsize,
}

impl KeyCache {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed)
    }

    pub fn get(&self, name: &str) -> Option<Arc<Policy>> {
        let slots = self.slots.read().ok()?;
        let slot = slots.get(name)?;
        slot.last_used.store(self.tick(), Ordering::Relaxed);
        Some(slot.policy.clone())
    }

    pub fn insert(&self, name: &str, policy: Arc<Policy>) {
        let Ok(mut slots) = self.slots.write() else { return };
        let limit = self.limit.load(Ordering::Relaxed);
        if limit > 0 && !slots.contains_key(name) {
            while slots.len() >= limit {
                let oldest =
                    slots.iter().min_by_key(|(_, s)| s.last_used.load(Ordering::Relaxed)).map(|(k, _)| k.clone());
                match oldest {
                    Some(k) => slots.remove(&k),
                    None => break,
                };
            }
        }
        slots.insert(name.to_string(), Slot { policy, last_used: AtomicU64::new(self.tick()) });
    }

    pub fn remove(&self, name: &str) {
        if let Ok(mut slots) = self.slots.write() {
            slots.remove(name);
        }
    }

    /// A new size: the cache starts over, as Vault's `InitCache` does.
    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::Relaxed);
        if let Ok(mut slots) = self.slots.write() {
            slots.clear();
        }
    }

    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.read().map(|s| s.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sized_cache_drops_the_least_recently_used_key() {
        let c = KeyCache::default();
        c.set_limit(2);
        let p = Arc::new(Policy::default());
        c.insert("a", p.clone());
        c.insert("b", p.clone());
        assert!(c.get("a").is_some());
        c.insert("c", p.clone());
        assert!(c.get("b").is_none() && c.get("a").is_some() && c.get("c").is_some());
        assert_eq!(c.len(), 2);
        c.set_limit(0);
        for n in 0..50 {
            c.insert(&n.to_string(), p.clone());
        }
        assert_eq!(c.len(), 50);
    }
}
