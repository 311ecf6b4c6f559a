//! Reading leases: one lease's times (`sys/leases/lookup`), the names below a prefix (`LIST
//! sys/leases/lookup/<prefix>`), and the irrevocable leases (`sys/leases`, `sys/leases/count`).

use super::lease::LeaseEntry;
use super::leases::Expiration;
use crate::CoreError;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Vault's `MaxIrrevocableLeasesToReturn`.
pub const MAX_IRREVOCABLE_LEASES: usize = 10_000;
/// Vault's `MaxIrrevocableLeasesWarning`.
pub const MAX_IRREVOCABLE_WARNING: &str =
    "Command halted because many irrevocable leases were found. To emit the entire list, re-run the command with force set true.";

/// One irrevocable lease as `sys/leases?type=irrevocable` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrrevocableLease {
    pub lease_id: String,
    /// The accessor of the mount that issued it (Vault's `mount_id`).
    pub mount_id: String,
    pub error: String,
    expire_time: Option<DateTime<Utc>>,
}

impl Expiration {
    /// A lease's entry, loaded as a request loads it (scheduling it during a restore).
    pub async fn lookup(&self, id: &str) -> Result<Option<LeaseEntry>, CoreError> {
        let _guard = self.lock(id).await;
        self.load_for_request(id).await
    }

    /// The lease IDs and folders directly below `prefix` (a folder, with or without its `/`).
    pub async fn list_prefix(&self, prefix: &str) -> Result<Vec<String>, CoreError> {
        let mut prefix = prefix.to_string();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.list(&prefix).await
    }

    /// The accessor of the mount serving `path` (Vault's `getLeaseMountAccessor`).
    fn mount_accessor(&self, path: &str) -> String {
        match self.router.load().entry_for(path) {
            Some(entry) => entry.accessor.clone(),
            None => "mount-accessor-not-found".into(),
        }
    }

    /// The irrevocable leases, earliest expiry first (ties by ID), at most `limit` unless
    /// `None`; the warning says when the limit cut the list.
    pub fn irrevocable(&self, limit: Option<usize>) -> (Vec<IrrevocableLease>, Option<&'static str>) {
        let all: Vec<(String, Option<DateTime<Utc>>, String)> = {
            let s = self.state();
            s.irrevocable.iter().map(|(id, i)| (id.clone(), i.expire_time, i.error.clone())).collect()
        };
        let mut out = Vec::new();
        let mut warning = None;
        for (lease_id, expire_time, error) in all {
            if limit.is_some_and(|l| out.len() >= l) {
                warning = Some(MAX_IRREVOCABLE_WARNING);
                break;
            }
            let mount_id = self.mount_accessor(&lease_id);
            out.push(IrrevocableLease { lease_id, mount_id, error, expire_time });
        }
        out.sort_by(|a, b| a.expire_time.cmp(&b.expire_time).then_with(|| a.lease_id.cmp(&b.lease_id)));
        (out, warning)
    }

    /// Irrevocable leases counted per mount accessor.
    pub fn irrevocable_counts(&self) -> (usize, BTreeMap<String, usize>) {
        let ids: Vec<String> = self.state().irrevocable.keys().cloned().collect();
        let mut counts = BTreeMap::new();
        for id in &ids {
            *counts.entry(self.mount_accessor(id)).or_insert(0) += 1;
        }
        (ids.len(), counts)
    }
}
