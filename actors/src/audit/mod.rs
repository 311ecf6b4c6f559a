//! Audit devices. The [`AuditBroker`] sits at the pipeline's two audit seams: every request is
//! written to every enabled device before it is routed, and every response before the client
//! sees it. It fails closed as Vault does: with a device enabled, an entry that no device
//! recorded makes the request fail with 500 "internal error" (before routing, the request has
//! no effect). The [`table::AuditTable`] actor owns the stored table and publishes devices.

mod device;
mod entry;
mod table;

pub use entry::LogInput;
pub use table::{AuditEntry, AuditTable, ClearAudit, DisableAudit, EnableAudit, LoadAudit, AUDIT_TABLE_PATH};

use crate::CoreError;
use arc_swap::ArcSwap;
use device::Device;
use std::sync::Arc;

#[derive(Default)]
struct Devices {
    entries: Vec<AuditEntry>,
    devices: Vec<Arc<Device>>,
}

/// The enabled devices, read without waiting by every request.
#[derive(Default)]
pub struct AuditBroker {
    state: ArcSwap<Devices>,
}

impl AuditBroker {
    pub(crate) fn publish(&self, entries: Vec<AuditEntry>, devices: Vec<Arc<Device>>) {
        self.state.store(Arc::new(Devices { entries, devices }));
    }

    fn snapshot(&self) -> (Vec<AuditEntry>, Vec<Arc<Device>>) {
        let s = self.state.load();
        (s.entries.clone(), s.devices.clone())
    }

    /// The enabled devices' entries, for `sys/audit`.
    pub fn entries(&self) -> Vec<AuditEntry> {
        self.state.load().entries.clone()
    }

    /// Whether any device is enabled: without one, nothing is built or written.
    pub fn is_enabled(&self) -> bool {
        !self.state.load().entries.is_empty()
    }

    /// `sys/audit-hash/<path>`: `input` as the device at `path` hashes it.
    pub fn hash(&self, path: &str, input: &str) -> Result<String, CoreError> {
        let path = if path.ends_with('/') { path.to_string() } else { format!("{path}/") };
        let state = self.state.load();
        let device = state
            .devices
            .iter()
            .find(|d| d.path == path)
            .ok_or_else(|| CoreError::invalid(format!("unknown audit backend {path}")))?;
        device.hash(input)
    }

    pub fn log_request(&self, input: &LogInput) -> Result<(), CoreError> {
        self.log(input, "request", |d, i| d.log_request(i))
    }

    pub fn log_response(&self, input: &LogInput) -> Result<(), CoreError> {
        self.log(input, "response", |d, i| d.log_response(i))
    }

    /// Writes to every device; succeeds when at least one recorded the entry.
    fn log(
        &self,
        input: &LogInput,
        what: &str,
        write: fn(&Device, &LogInput) -> Result<(), CoreError>,
    ) -> Result<(), CoreError> {
        let state = self.state.load();
        if state.entries.is_empty() {
            return Ok(());
        }
        let mut recorded = 0;
        for device in &state.devices {
            match write(device, input) {
                Ok(()) => recorded += 1,
                Err(e) => tracing::error!(device = %device.path, error = %e, "audit device failed to log the {what}"),
            }
        }
        if recorded == 0 {
            tracing::error!(path = %input.request.path, "no audit device recorded the {what}; refused");
            return Err(CoreError::Internal("internal error".into()));
        }
        Ok(())
    }
}
