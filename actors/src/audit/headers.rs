//! `sys/config/auditing/request-headers`: the HTTP request headers audit entries carry (Vault's
//! `AuditedHeadersConfig`), each logged as sent or HMAC'd. Stored at `core/audited-headers`;
//! the request path reads a published snapshot.

use crate::barrier::Barrier;
use crate::CoreError;
use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const AUDITED_HEADERS_PATH: &str = "core/audited-headers";

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeaderSettings {
    pub hmac: bool,
}

/// Header names (lower case) and how each is logged.
pub type HeaderConfig = BTreeMap<String, HeaderSettings>;

#[derive(Default)]
pub struct AuditedHeaders {
    config: ArcSwap<HeaderConfig>,
    /// Keeps two changes from each writing over the other.
    change: tokio::sync::Mutex<()>,
}

impl AuditedHeaders {
    pub fn get(&self) -> Arc<HeaderConfig> {
        self.config.load_full()
    }

    pub(super) async fn load(&self, barrier: &Barrier) -> Result<(), CoreError> {
        let config = match barrier.get(AUDITED_HEADERS_PATH).await? {
            Some(bytes) => serde_json::from_slice(&bytes)?,
            None => HeaderConfig::new(),
        };
        self.config.store(Arc::new(config));
        Ok(())
    }

    pub(super) fn clear(&self) {
        self.config.store(Arc::default());
    }

    async fn edit(&self, barrier: &Barrier, f: impl FnOnce(&mut HeaderConfig)) -> Result<(), CoreError> {
        let _guard = self.change.lock().await;
        let mut config = (*self.config.load_full()).clone();
        f(&mut config);
        barrier.put(AUDITED_HEADERS_PATH, &serde_json::to_vec(&config)?).await?;
        self.config.store(Arc::new(config));
        Ok(())
    }

    pub async fn set(&self, barrier: &Barrier, header: &str, hmac: bool) -> Result<(), CoreError> {
        let header = header.to_lowercase();
        self.edit(barrier, |c| {
            c.insert(header, HeaderSettings { hmac });
        })
        .await
    }

    pub async fn remove(&self, barrier: &Barrier, header: &str) -> Result<(), CoreError> {
        let header = header.to_lowercase();
        self.edit(barrier, |c| {
            c.remove(&header);
        })
        .await
    }
}
