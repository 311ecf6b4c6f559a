//! The fault switch of test builds: the cluster tests cut links between chosen members (a
//! partition) without network namespaces. Only builds with the `faults` feature can set it;
//! in every other build nothing is ever blocked.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

/// Everything, both ways: the node is cut off from every peer.
pub const ALL_PEERS: &str = "*";

#[derive(Default)]
pub struct Faults {
    /// Cheap check for the common case of nothing blocked.
    any: AtomicBool,
    /// Cluster addresses (host:port) this node sends nothing to, or [`ALL_PEERS`].
    blocked: RwLock<HashSet<String>>,
}

impl Faults {
    /// Whether traffic to the member at `addr` is dropped.
    pub fn blocks(&self, addr: &str) -> bool {
        if !self.any.load(Ordering::Relaxed) {
            return false;
        }
        let blocked = self.blocked.read().unwrap_or_else(|p| p.into_inner());
        blocked.contains(ALL_PEERS) || blocked.contains(strip_scheme(addr))
    }

    /// Whether the node is cut off from everyone (inbound traffic dropped too).
    pub fn isolated(&self) -> bool {
        self.any.load(Ordering::Relaxed) && self.blocked.read().unwrap_or_else(|p| p.into_inner()).contains(ALL_PEERS)
    }

    #[cfg(feature = "faults")]
    pub fn set_blocked(&self, addrs: impl IntoIterator<Item = String>) {
        let addrs: HashSet<String> = addrs.into_iter().map(|a| strip_scheme(&a).to_string()).collect();
        self.any.store(!addrs.is_empty(), Ordering::Relaxed);
        *self.blocked.write().unwrap_or_else(|p| p.into_inner()) = addrs;
    }
}

fn strip_scheme(addr: &str) -> &str {
    addr.strip_prefix("https://").or_else(|| addr.strip_prefix("http://")).unwrap_or(addr).trim_end_matches('/')
}

#[cfg(all(test, feature = "faults"))]
mod tests {
    use super::*;

    #[test]
    fn blocks_only_what_was_set() {
        let f = Faults::default();
        assert!(!f.blocks("127.0.0.2:8201"));
        f.set_blocked(["https://127.0.0.2:8201".to_string()]);
        assert!(f.blocks("127.0.0.2:8201"));
        assert!(!f.blocks("127.0.0.3:8201"));
        assert!(!f.isolated());
        f.set_blocked([ALL_PEERS.to_string()]);
        assert!(f.blocks("127.0.0.3:8201") && f.isolated());
        f.set_blocked([]);
        assert!(!f.blocks("127.0.0.2:8201"));
    }
}
