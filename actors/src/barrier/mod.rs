//! The security barrier: every value an engine or the core stores passes through here and
//! reaches the physical backend as AES-256-GCM ciphertext (see [`aes_gcm`] for the layout).
//!
//! Readers encrypt and decrypt on their own task with the published keyring snapshot, so the
//! hot path never queues behind anything. The few mutations (initialize, unlock, lock, rotate)
//! are serialized by one async lock: they come from the seal keeper's mailbox and `sys/rotate`.

pub mod aes_gcm;
mod keyring;
mod view;

use crate::CoreError;
use arc_swap::ArcSwapOption;
use chrono::{DateTime, Utc};
pub use keyring::{hmac_hex, random_key, Keyring, KEY_SIZE};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use strongbox_storage::{PhysicalBackend, WriteOp};
pub use view::BarrierView;
use zeroize::Zeroizing;

/// The keyring, encrypted by the root key.
pub const KEYRING_PATH: &str = "core/keyring";
/// The root key, encrypted by the active barrier key (standbys reload from it after a rekey).
pub const ROOT_KEY_PATH: &str = "core/root-key";
/// `core/upgrade/<N>`: key N+1 encrypted by key N, so other nodes can follow a rotation.
pub const UPGRADE_PREFIX: &str = "core/upgrade/";
/// Term written into the header of values encrypted directly by the root key or the KEK.
const ROOT_TERM: u32 = 0;

pub struct Barrier {
    physical: Arc<dyn PhysicalBackend>,
    keyring: ArcSwapOption<Keyring>,
    mutate: tokio::sync::Mutex<()>,
    /// Whether the barrier is sealed, for those who wait for it to change.
    sealed: tokio::sync::watch::Sender<bool>,
}

/// What `sys/key-status` reports.
pub struct KeyStatus {
    pub term: u32,
    pub install_time: DateTime<Utc>,
    pub encryptions: u64,
}

fn record_storage(op: &'static str, started: Instant) {
    metrics::histogram!("strongbox_storage_op_seconds", "op" => op).record(started.elapsed().as_secs_f64());
}

impl Barrier {
    pub fn new(physical: Arc<dyn PhysicalBackend>) -> Arc<Self> {
        let (sealed, _) = tokio::sync::watch::channel(true);
        Arc::new(Barrier { physical, keyring: ArcSwapOption::empty(), mutate: Default::default(), sealed })
    }

    /// The backend below the barrier, for the one plaintext entry (`core/seal-config`).
    pub fn physical(&self) -> &Arc<dyn PhysicalBackend> {
        &self.physical
    }

    pub fn is_sealed(&self) -> bool {
        self.keyring.load().is_none()
    }

    /// Follows [`Barrier::is_sealed`]: the receiver sees every seal and unseal.
    pub fn watch_sealed(&self) -> tokio::sync::watch::Receiver<bool> {
        self.sealed.subscribe()
    }

    fn ring(&self) -> Result<Arc<Keyring>, CoreError> {
        self.keyring.load_full().ok_or(CoreError::Sealed)
    }

    /// Encrypts `value` for `path` with a key made only for that purpose (root key, KEK).
    pub fn seal_with(key: &[u8], path: &str, value: &[u8]) -> Result<Vec<u8>, CoreError> {
        let cipher = aes_gcm::cipher_for(key).map_err(CoreError::internal)?;
        aes_gcm::seal(&cipher, ROOT_TERM, path, value).map_err(CoreError::internal)
    }

    pub fn open_with(key: &[u8], path: &str, value: &[u8]) -> Result<Zeroizing<Vec<u8>>, CoreError> {
        let cipher = aes_gcm::cipher_for(key).map_err(CoreError::internal)?;
        aes_gcm::open(&cipher, path, value)
            .map(Zeroizing::new)
            .map_err(|e| CoreError::internal(format!("failed to decrypt {path}: {e}")))
    }

    /// Writes a fresh keyring protected by `root_key` and leaves the barrier sealed.
    pub async fn initialize(&self, root_key: Zeroizing<Vec<u8>>) -> Result<(), CoreError> {
        let _guard = self.mutate.lock().await;
        let ring = Keyring::new(root_key).map_err(CoreError::internal)?;
        self.persist_keyring(&ring).await
    }

    async fn persist_keyring(&self, ring: &Keyring) -> Result<(), CoreError> {
        let keyring_ct =
            Self::seal_with(ring.root_key(), KEYRING_PATH, &ring.serialize().map_err(CoreError::internal)?)?;
        let active = ring.active();
        let root_ct =
            aes_gcm::seal(&active.cipher, active.term, ROOT_KEY_PATH, ring.root_key()).map_err(CoreError::internal)?;
        self.physical
            .batch(vec![
                WriteOp::Put { key: KEYRING_PATH.into(), value: keyring_ct },
                WriteOp::Put { key: ROOT_KEY_PATH.into(), value: root_ct },
            ])
            .await?;
        Ok(())
    }

    /// Loads the keyring with the root key and opens the barrier.
    pub async fn unlock(&self, root_key: &[u8]) -> Result<(), CoreError> {
        let _guard = self.mutate.lock().await;
        let ct =
            self.physical.get(KEYRING_PATH).await?.ok_or_else(|| CoreError::internal("barrier keyring is missing"))?;
        let plain = Self::open_with(root_key, KEYRING_PATH, &ct)?;
        let ring = Keyring::deserialize(&plain).map_err(CoreError::internal)?;
        self.keyring.store(Some(Arc::new(ring)));
        self.sealed.send_if_modified(|sealed| std::mem::replace(sealed, false));
        Ok(())
    }

    /// The root key, for the join challenge (the caller zeroizes its copy on drop).
    pub(crate) fn root_key(&self) -> Result<Zeroizing<Vec<u8>>, CoreError> {
        Ok(Zeroizing::new(self.ring()?.root_key().to_vec()))
    }

    /// Reads the keyring again (a new active node picks up rotations made by the previous one).
    pub async fn reload(&self) -> Result<(), CoreError> {
        let root = self.root_key()?;
        self.unlock(&root).await
    }

    /// Drops every key from memory; the keys are zeroized as the last reference goes.
    pub fn lock(&self) {
        self.keyring.store(None);
        self.sealed.send_if_modified(|sealed| !std::mem::replace(sealed, true));
    }

    /// Adds a key at the next term and makes it the one new writes use.
    pub async fn rotate(&self) -> Result<u32, CoreError> {
        let _guard = self.mutate.lock().await;
        let ring = self.ring()?;
        let next = ring.rotated().map_err(CoreError::internal)?;
        let old = ring.active();
        let new = next.active();
        let upgrade_path = format!("{UPGRADE_PREFIX}{}", old.term);
        let upgrade =
            aes_gcm::seal(&old.cipher, old.term, &upgrade_path, &next.serialize().map_err(CoreError::internal)?)
                .map_err(CoreError::internal)?;
        self.physical.put(&upgrade_path, upgrade).await?;
        self.persist_keyring(&next).await?;
        let term = new.term;
        self.keyring.store(Some(Arc::new(next)));
        Ok(term)
    }

    pub fn key_status(&self) -> Result<KeyStatus, CoreError> {
        let ring = self.ring()?;
        let k = ring.active();
        Ok(KeyStatus { term: k.term, install_time: k.install_time, encryptions: k.encryptions.load(Ordering::Relaxed) })
    }

    /// Encrypts `value` for `path` under the active term.
    pub fn encrypt(&self, path: &str, value: &[u8]) -> Result<Vec<u8>, CoreError> {
        let ring = self.ring()?;
        let k = ring.active();
        k.encryptions.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("strongbox_barrier_ops_total", "op" => "encrypt").increment(1);
        aes_gcm::seal(&k.cipher, k.term, path, value).map_err(CoreError::internal)
    }

    fn decrypt(&self, path: &str, ct: &[u8]) -> Result<Vec<u8>, CoreError> {
        let ring = self.ring()?;
        metrics::counter!("strongbox_barrier_ops_total", "op" => "decrypt").increment(1);
        let term = aes_gcm::term_of(ct).map_err(CoreError::internal)?;
        let k = ring.term(term).ok_or_else(|| CoreError::internal(format!("no barrier key for term {term}")))?;
        aes_gcm::open(&k.cipher, path, ct).map_err(|e| CoreError::internal(format!("failed to decrypt {path}: {e}")))
    }

    pub async fn get(&self, path: &str) -> Result<Option<Vec<u8>>, CoreError> {
        self.ring()?;
        let started = Instant::now();
        let ct = self.physical.get(path).await?;
        record_storage("get", started);
        ct.map(|ct| self.decrypt(path, &ct)).transpose()
    }

    pub async fn put(&self, path: &str, value: &[u8]) -> Result<(), CoreError> {
        let ct = self.encrypt(path, value)?;
        let started = Instant::now();
        self.physical.put(path, ct).await?;
        record_storage("put", started);
        Ok(())
    }

    pub async fn delete(&self, path: &str) -> Result<(), CoreError> {
        self.ring()?;
        let started = Instant::now();
        self.physical.delete(path).await?;
        record_storage("delete", started);
        Ok(())
    }

    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, CoreError> {
        self.ring()?;
        let started = Instant::now();
        let keys = self.physical.list(prefix).await?;
        record_storage("list", started);
        Ok(keys)
    }

    /// Writes several entries atomically; `None` deletes.
    pub async fn batch(&self, entries: Vec<(String, Option<Vec<u8>>)>) -> Result<(), CoreError> {
        let mut ops = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            ops.push(match value {
                Some(v) => WriteOp::Put { value: self.encrypt(&key, &v)?, key },
                None => WriteOp::Delete { key },
            });
        }
        let started = Instant::now();
        self.physical.batch(ops).await?;
        record_storage("batch", started);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongbox_storage::InmemBackend;

    #[tokio::test]
    async fn stores_only_ciphertext_and_survives_rotation() {
        let phys = Arc::new(InmemBackend::new());
        let barrier = Barrier::new(phys.clone());
        let root = random_key();
        barrier.initialize(root.clone()).await.unwrap();
        assert!(barrier.is_sealed());
        assert!(matches!(barrier.put("x", b"v").await, Err(CoreError::Sealed)));
        barrier.unlock(&root).await.unwrap();
        barrier.put("logical/a", b"plain-secret").await.unwrap();
        let raw = phys.get("logical/a").await.unwrap().unwrap();
        assert!(!raw.windows(12).any(|w| w == b"plain-secret"));
        assert_eq!(barrier.rotate().await.unwrap(), 2);
        barrier.put("logical/b", b"after").await.unwrap();
        assert_eq!(aes_gcm::term_of(&phys.get("logical/b").await.unwrap().unwrap()).unwrap(), 2);
        barrier.lock();
        barrier.unlock(&root).await.unwrap();
        assert_eq!(barrier.get("logical/a").await.unwrap().unwrap(), b"plain-secret");
        assert_eq!(barrier.get("logical/b").await.unwrap().unwrap(), b"after");
        assert_eq!(barrier.key_status().unwrap().term, 2);
    }

    #[tokio::test]
    async fn wrong_root_key_does_not_unlock() {
        let barrier = Barrier::new(Arc::new(InmemBackend::new()));
        barrier.initialize(random_key()).await.unwrap();
        assert!(barrier.unlock(&random_key()).await.is_err());
        assert!(barrier.is_sealed());
    }
}
