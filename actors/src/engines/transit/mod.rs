//! The transit engine: encryption as a service. Keys never leave the server unless made
//! exportable; clients send plaintext and get `vault:v<N>:` ciphertext. Keys are cached per
//! mount (the engine lives as long as its mount, and only the active node runs it, so every
//! change to a key passes through this cache); writes to one key are serialized by its lock.

mod asym;
mod batch;
mod byok;
mod cache;
mod cipher;
mod crypt;
mod extras;
mod gojson;
mod import;
mod keys;
mod paths;
mod policy;
mod portable;
mod sign;
mod signing;
mod store;

use super::EngineContext;
use crate::barrier::BarrierView;
use crate::sync::Clock;
use crate::CoreError;
use async_trait::async_trait;
use policy::Policy;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub struct Transit {
    view: BarrierView,
    clock: Arc<Clock>,
    cache: cache::KeyCache,
    /// Whether `config/cache`'s size has been read into the cache.
    cache_configured: AtomicBool,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Transit {
    pub fn new(ctx: EngineContext) -> Self {
        Transit {
            view: ctx.view,
            clock: ctx.clock,
            cache: cache::KeyCache::default(),
            cache_configured: AtomicBool::new(false),
            locks: Mutex::default(),
        }
    }

    /// The key `name`, from the cache or storage.
    async fn policy(&self, name: &str) -> Result<Option<Arc<Policy>>, CoreError> {
        if let Some(p) = self.cache.get(name) {
            return Ok(Some(p));
        }
        if !self.cache_configured.load(Ordering::Relaxed) {
            self.cache.set_limit(self.stored_cache_size().await?);
            self.cache_configured.store(true, Ordering::Relaxed);
        }
        let Some(p) = store::load(&self.view, name).await? else {
            return Ok(None);
        };
        let p = Arc::new(p);
        self.cache.insert(name, p.clone());
        Ok(Some(p))
    }

    /// Holds `name`'s write lock: changes to one key are made one at a time.
    async fn lock(&self, name: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = match self.locks.lock() {
            Ok(mut locks) => locks.entry(name.to_string()).or_default().clone(),
            Err(_) => Arc::default(),
        };
        lock.lock_owned().await
    }

    /// Persists a changed key and publishes it to readers.
    async fn save(&self, mut p: Policy) -> Result<Arc<Policy>, CoreError> {
        store::persist(&self.view, &mut p).await?;
        let p = Arc::new(p);
        self.cache.insert(&p.name, p.clone());
        Ok(p)
    }

    /// Adds a fresh version to `p` off the async runtime (an RSA-4096 key takes a while).
    async fn add_version(&self, mut p: Policy) -> Result<Policy, CoreError> {
        let now = self.clock.now();
        let task = tokio::task::spawn_blocking(move || p.add_version(now).map(|()| p));
        match task.await {
            Ok(result) => result.map_err(|e| CoreError::internal(e).listed()),
            Err(e) => Err(CoreError::internal(format!("key generation failed: {e}"))),
        }
    }

    fn forget(&self, name: &str) {
        self.cache.remove(name);
    }

    /// Rotates every key whose `auto_rotate_period` has passed since its latest version.
    async fn auto_rotate(&self) -> Result<(), CoreError> {
        let now = self.clock.now();
        for name in store::list(&self.view).await? {
            let due = |p: &Policy| {
                let latest = p.entry(p.latest_version).map_or(0, |e| e.creation_time);
                p.auto_rotate_period > 0 && now.timestamp() > latest.saturating_add(p.auto_rotate_seconds())
            };
            if !self.policy(&name).await?.is_some_and(|p| due(&p)) {
                continue;
            }
            let _guard = self.lock(&name).await;
            let Some(p) = store::load(&self.view, &name).await? else { continue };
            if !due(&p) {
                continue;
            }
            let p = self.add_version(p).await?;
            self.save(p).await?;
            tracing::info!(key = %name, "transit key rotated by its auto_rotate_period");
        }
        Ok(())
    }
}

#[async_trait]
impl crate::logical::Engine for Transit {
    fn paths() -> Vec<crate::logical::PathDef<Self>> {
        paths::table()
    }

    fn help() -> &'static str {
        "The transit backend provides encryption as a service: it encrypts, decrypts, signs and hashes data in transit, without storing it, with keys that never leave it unless made exportable."
    }

    async fn invalidate(&self, key: &str) {
        if let Some(name) = key.strip_prefix("policy/") {
            self.forget(name);
        } else if key == "config/cache" {
            self.cache_configured.store(false, Ordering::Relaxed);
        }
    }

    async fn periodic(&self) -> Result<(), CoreError> {
        self.auto_rotate().await
    }
}
