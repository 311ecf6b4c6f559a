//! The audit table actor: owns `core/audit` (written through the barrier, so raft replicates
//! it like the mount table), builds a device per entry with its salt, and publishes the
//! devices to the broker that the request path reads without waiting. Changes are serialized
//! by the actor and copy-on-write: a new list is built, persisted, then swapped in.

use super::device::Device;
use super::AuditBroker;
use crate::barrier::{Barrier, BarrierView};
use crate::engines::MountSalt;
use crate::CoreError;
use actix::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where the table is stored, as in Vault.
pub const AUDIT_TABLE_PATH: &str = "core/audit";

/// One enabled device as stored and listed (Vault's audit `MountEntry`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    #[serde(default)]
    pub local: bool,
    pub uuid: String,
    #[serde(default)]
    pub accessor: String,
}

impl AuditEntry {
    /// The device's own barrier view (its salt lives there), as Vault's `audit/<uuid>/`.
    fn view(&self, barrier: Arc<Barrier>) -> BarrierView {
        BarrierView::new(barrier, format!("audit/{}/", self.uuid))
    }
}

#[derive(Serialize, Deserialize)]
struct StoredTable {
    #[serde(rename = "type")]
    kind: String,
    entries: Vec<AuditEntry>,
}

pub struct AuditTable {
    barrier: Arc<Barrier>,
    broker: Arc<AuditBroker>,
}

impl AuditTable {
    pub fn new(barrier: Arc<Barrier>, broker: Arc<AuditBroker>) -> Self {
        AuditTable { barrier, broker }
    }
}

impl Actor for AuditTable {
    type Context = Context<Self>;
}

/// post_unseal: read `core/audit` and open every device.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct LoadAudit;

/// pre_seal: close every device.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ClearAudit;

/// Enables a device; Vault's texts for a taken path or a bad option.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct EnableAudit(pub AuditEntry);

/// Disables the device at a path; a path with none is not an error, as in Vault.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct DisableAudit(pub String);

async fn build(barrier: &Arc<Barrier>, entry: &AuditEntry) -> Result<Arc<Device>, CoreError> {
    let salt = MountSalt::new(entry.view(barrier.clone())).key_bytes().await?;
    Ok(Arc::new(Device::new(entry, salt)?))
}

async fn persist(barrier: &Barrier, entries: &[AuditEntry]) -> Result<(), CoreError> {
    let stored = StoredTable { kind: "audit".into(), entries: entries.to_vec() };
    barrier.put(AUDIT_TABLE_PATH, &serde_json::to_vec(&stored)?).await
}

impl Handler<LoadAudit> for AuditTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, _: LoadAudit, _: &mut Context<Self>) -> Self::Result {
        let (barrier, broker) = (self.barrier.clone(), self.broker.clone());
        AtomicResponse::new(Box::pin(
            async move {
                let entries = match barrier.get(AUDIT_TABLE_PATH).await? {
                    Some(bytes) => serde_json::from_slice::<StoredTable>(&bytes)?.entries,
                    None => Vec::new(),
                };
                let mut devices = Vec::with_capacity(entries.len());
                for entry in &entries {
                    // A device that cannot open now (its directory is gone) must not keep the
                    // node sealed; with no device left, requests are refused rather than lost.
                    match build(&barrier, entry).await {
                        Ok(d) => devices.push(d),
                        Err(e) => tracing::error!(path = %entry.path, error = %e, "audit device failed to open"),
                    }
                }
                broker.publish(entries, devices);
                broker.headers.load(&barrier).await
            }
            .into_actor(self),
        ))
    }
}

impl Handler<ClearAudit> for AuditTable {
    type Result = ();

    fn handle(&mut self, _: ClearAudit, _: &mut Context<Self>) {
        self.broker.publish(Vec::new(), Vec::new());
        self.broker.headers.clear();
    }
}

impl Handler<EnableAudit> for AuditTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: EnableAudit, _: &mut Context<Self>) -> Self::Result {
        let (barrier, broker) = (self.barrier.clone(), self.broker.clone());
        AtomicResponse::new(Box::pin(
            async move {
                let mut entry = msg.0;
                if !entry.path.ends_with('/') {
                    entry.path.push('/');
                }
                if entry.path == "/" {
                    return Err(CoreError::invalid("backend path must be specified"));
                }
                let (mut entries, mut devices) = broker.snapshot();
                if entries.iter().any(|e| e.path.starts_with(&entry.path) || entry.path.starts_with(&e.path)) {
                    return Err(CoreError::invalid("path already in use"));
                }
                entry.uuid = uuid::Uuid::new_v4().to_string();
                entry.accessor = format!("audit_{}_{}", entry.kind, &uuid::Uuid::new_v4().simple().to_string()[..8]);
                let device = build(&barrier, &entry).await?;
                entries.push(entry);
                persist(&barrier, &entries).await?;
                devices.push(device);
                broker.publish(entries, devices);
                Ok(())
            }
            .into_actor(self),
        ))
    }
}

impl Handler<DisableAudit> for AuditTable {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: DisableAudit, _: &mut Context<Self>) -> Self::Result {
        let (barrier, broker) = (self.barrier.clone(), self.broker.clone());
        AtomicResponse::new(Box::pin(
            async move {
                let mut path = msg.0;
                if !path.ends_with('/') {
                    path.push('/');
                }
                let (mut entries, mut devices) = broker.snapshot();
                let Some(i) = entries.iter().position(|e| e.path == path) else {
                    return Ok(());
                };
                let removed = entries.remove(i);
                devices.retain(|d| d.path != path);
                persist(&barrier, &entries).await?;
                broker.publish(entries, devices);
                removed.view(barrier).clear().await
            }
            .into_actor(self),
        ))
    }
}
