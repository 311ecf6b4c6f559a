//! What an engine gets when its mount is built: a storage view that cannot leave the mount's
//! prefix, the system view (the mount's live settings, read at each use so tuning reaches a
//! running engine without rebuilding it), the node's clock and the mount's salt.

use super::MountSalt;
use crate::barrier::BarrierView;
use crate::mount_table::MountEntry;
use crate::sync::Clock;
use arc_swap::ArcSwap;
use std::sync::Arc;

/// The node-wide lease TTLs (`default_lease_ttl`, `max_lease_ttl` of the config), in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemTtls {
    pub default_ttl: u64,
    pub max_ttl: u64,
}

/// Vault's `logical.SystemView` for one mount.
#[derive(Clone)]
pub struct SystemView {
    entry: Arc<ArcSwap<MountEntry>>,
    sys: SystemTtls,
}

impl SystemView {
    pub fn new(entry: Arc<ArcSwap<MountEntry>>, sys: SystemTtls) -> Self {
        SystemView { entry, sys }
    }

    /// The mount's entry as it is now (tuned values included).
    pub fn mount(&self) -> Arc<MountEntry> {
        self.entry.load_full()
    }

    /// The mount's default lease TTL, else the system's.
    pub fn default_lease_ttl(&self) -> u64 {
        match self.entry.load().config.default_lease_ttl {
            0 => self.sys.default_ttl,
            v => v,
        }
    }

    /// The mount's max lease TTL, else the system's.
    pub fn max_lease_ttl(&self) -> u64 {
        match self.entry.load().config.max_lease_ttl {
            0 => self.sys.max_ttl,
            v => v,
        }
    }
}

/// Everything a constructor gets.
#[derive(Clone)]
pub struct EngineContext {
    /// The mount's own storage (`logical/<uuid>/` or `auth/<uuid>/`).
    pub view: BarrierView,
    pub system: SystemView,
    /// The node's clock (tests advance it).
    pub clock: Arc<Clock>,
    /// The mount's salt, kept in `view`.
    pub salt: MountSalt,
}

impl EngineContext {
    pub fn new(view: BarrierView, system: SystemView, clock: Arc<Clock>) -> Self {
        let salt = MountSalt::new(view.clone());
        EngineContext { view, system, clock, salt }
    }
}
