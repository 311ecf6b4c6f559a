//! Audit devices. The [`AuditBroker`] sits at the pipeline's two audit seams: every request is
//! written to every enabled device before it is routed, and every response before the client
//! sees it. It fails closed as Vault does: with a device enabled, an entry that no device
//! recorded makes the request fail with 500 "internal error" (before routing, the request has
//! no effect). Unlike Vault, a sick device never stalls requests: each writes from its own
//! thread and an entry it does not record within its deadline counts as not recorded by it
//! (`writer.rs`). The [`table::AuditTable`] actor owns the stored table and publishes devices.

mod device;
mod entry;
mod headers;
mod jsonx;
mod sinks;
mod syslog;
mod table;
mod writer;

pub use entry::LogInput;
pub use headers::{AuditedHeaders, HeaderConfig, HeaderSettings};
pub use table::{AuditEntry, AuditTable, ClearAudit, DisableAudit, EnableAudit, LoadAudit};

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
    /// `sys/config/auditing/request-headers`.
    pub headers: AuditedHeaders,
}

impl AuditBroker {
    pub(crate) fn publish(&self, entries: Vec<AuditEntry>, devices: Vec<Arc<Device>>) {
        self.state.store(Arc::new(Devices { entries, devices }));
    }

    fn snapshot(&self) -> (Vec<AuditEntry>, Vec<Arc<Device>>) {
        let s = self.state.load();
        (s.entries.clone(), s.devices.clone())
    }

    /// SIGHUP: every device reopens its file or socket before its next entry.
    pub fn reopen(&self) {
        for d in &self.state.load().devices {
            d.reopen();
        }
    }

    /// The enabled devices' entries with whether each is degraded, for `sys/audit`.
    pub fn entries(&self) -> Vec<(AuditEntry, bool)> {
        let state = self.state.load();
        let degraded = |path: &str| state.devices.iter().any(|d| d.path == path && d.degraded());
        state.entries.iter().map(|e| (e.clone(), degraded(&e.path))).collect()
    }

    /// Whether any device is enabled: without one, nothing is built or written.
    pub fn is_enabled(&self) -> bool {
        !self.state.load().entries.is_empty()
    }

    /// The request headers the HTTP layer must hand over: the configured ones, while a device
    /// is enabled (otherwise none, so requests copy nothing).
    pub fn wanted_headers(&self) -> Option<Arc<HeaderConfig>> {
        if !self.is_enabled() {
            return None;
        }
        let config = self.headers.get();
        (!config.is_empty()).then_some(config)
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

    pub async fn log_request(&self, input: &LogInput<'_>) -> Result<(), CoreError> {
        self.log(input, "request").await
    }

    pub async fn log_response(&self, input: &LogInput<'_>) -> Result<(), CoreError> {
        self.log(input, "response").await
    }

    /// Writes to every device at once; succeeds when at least one recorded the entry in time.
    async fn log(&self, input: &LogInput<'_>, what: &str) -> Result<(), CoreError> {
        let state = self.state.load_full();
        if state.entries.is_empty() {
            return Ok(());
        }
        let headers = self.headers.get();
        let headers = &*headers;
        let writes = state.devices.iter().map(|d| async move {
            let written = d.log(input, headers, what == "response").await;
            if let Err(e) = &written {
                tracing::error!(device = %d.path, error = %e, "audit device did not record the {what}");
            }
            written.is_ok()
        });
        let recorded = futures::future::join_all(writes).await.into_iter().filter(|ok| *ok).count();
        if recorded == 0 {
            tracing::error!(path = %input.request.path, "no audit device recorded the {what}; refused");
            // Vault's `vault.audit.log_request_failure` / `log_response_failure`.
            metrics::counter!(format!("vault_audit_log_{what}_failure")).increment(1);
            return Err(CoreError::Internal("internal error".into()));
        }
        Ok(())
    }
}
