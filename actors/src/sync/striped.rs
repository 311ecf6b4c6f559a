//! Lock stripes (Vault's `locksutil`): one lock per hash bucket of a key, so serializing work on
//! one key (a token, a lease, a KV path, a role) costs a fixed amount of memory.

use std::hash::{DefaultHasher, Hash, Hasher};

pub struct Striped<L> {
    locks: Box<[L]>,
}

impl<L: Default> Striped<L> {
    /// `stripes` locks (at least one).
    pub fn new(stripes: usize) -> Self {
        Striped { locks: (0..stripes.max(1)).map(|_| L::default()).collect() }
    }
}

impl<L> Striped<L> {
    fn index(&self, key: &str) -> usize {
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        // The modulo keeps the index below the length, so the cast cannot truncate.
        (h.finish() % self.locks.len() as u64) as usize
    }

    /// The lock of `key`'s stripe (shared with other keys: hold one stripe at a time, or take
    /// several through [`Striped::ordered`]).
    pub fn get(&self, key: &str) -> &L {
        &self.locks[self.index(key)]
    }

    /// The locks of `keys`, each stripe once, in stripe order: callers that take them in this
    /// order never deadlock one another.
    pub fn ordered(&self, keys: &[&str]) -> Vec<&L> {
        let mut stripes: Vec<usize> = keys.iter().map(|k| self.index(k)).collect();
        stripes.sort_unstable();
        stripes.dedup();
        stripes.into_iter().map(|i| &self.locks[i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::Mutex;

    #[test]
    fn a_key_always_gets_the_same_stripe_and_ordered_takes_each_once() {
        let locks: Striped<Mutex<()>> = Striped::new(4);
        assert!(std::ptr::eq(locks.get("a"), locks.get("a")));
        let keys: Vec<String> = (0..32).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let ordered = locks.ordered(&refs);
        assert_eq!(ordered.len(), 4, "32 keys over 4 stripes use each stripe");
        assert_eq!(locks.ordered(&["a", "a"]).len(), 1);
        assert_eq!(Striped::<Mutex<()>>::new(0).ordered(&["x", "y"]).len(), 1);
    }
}
