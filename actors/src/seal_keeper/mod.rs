//! The seal keeper actor: owns the seal config, the unseal progress and nonce, and drives
//! init, unseal and seal. Its mailbox makes those flows exclusive (`AtomicResponse`), and it
//! publishes a [`SealStatus`] snapshot that `sys/seal-status` and `sys/health` read directly.
//!
//! Key hierarchy (as Vault's Shamir seal): the unseal key (KEK) is split into shares; it
//! encrypts the root key at `core/hsm/barrier-unseal-keys`; the root key encrypts the keyring.

mod ceremony;
mod cluster;
pub mod generate_root;
mod messages;
pub mod rekey;
pub mod shamir;
mod status;

use crate::barrier::{random_key, Barrier};
use crate::CoreError;
use actix::prelude::*;
use arc_swap::ArcSwap;
use async_trait::async_trait;
pub use messages::*;
pub use status::{ClusterInfo, SealConfig, SealStatus, CLUSTER_INFO_PATH, SEAL_CONFIG_PATH};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The root key, encrypted by the unseal key (KEK).
pub const STORED_ROOT_KEY_PATH: &str = "core/hsm/barrier-unseal-keys";

/// What the node does around unseal and seal (load mounts and tokens; drop them again).
/// `post_unseal`/`pre_seal` are the active node's steps; on integrated storage a standby runs
/// only `on_unsealed` and waits for leadership.
#[async_trait]
pub trait Lifecycle: Send + Sync {
    async fn post_unseal(&self) -> Result<(), CoreError>;
    async fn pre_seal(&self);
    async fn create_root_token(&self, id: Option<String>) -> Result<String, CoreError>;
    /// Right after the barrier opens, on every node (the cluster port opens here).
    async fn on_unsealed(&self) -> Result<(), CoreError> {
        Ok(())
    }
    /// Whether this node should stay a standby (not the raft leader).
    fn is_standby(&self) -> bool {
        false
    }
    /// Whether the active node's steps have run.
    fn is_active(&self) -> bool {
        true
    }
    /// Before activating: prove leadership through raft and catch up (keyring included).
    async fn confirm_leadership(&self) -> Result<(), CoreError> {
        Ok(())
    }
    /// A joining node: answer the leader's challenge with the unseal key.
    async fn complete_join(&self, _kek: &[u8], _join: crate::ha::PendingJoin) -> Result<(), CoreError> {
        Err(CoreError::invalid("raft storage is not in use"))
    }
}

pub struct SealKeeper {
    barrier: Arc<Barrier>,
    lifecycle: Arc<dyn Lifecycle>,
    config: Option<SealConfig>,
    parts: Vec<Zeroizing<Vec<u8>>>,
    nonce: String,
    cluster: Option<ClusterInfo>,
    status: Arc<ArcSwap<SealStatus>>,
    storage_type: String,
    pending_join: Option<crate::ha::PendingJoin>,
    root_gen: Option<generate_root::RootGeneration>,
    rekey: Option<rekey::RekeyAttempt>,
}

impl SealKeeper {
    pub fn new(
        barrier: Arc<Barrier>,
        lifecycle: Arc<dyn Lifecycle>,
        status: Arc<ArcSwap<SealStatus>>,
        storage_type: &str,
    ) -> Self {
        SealKeeper {
            barrier,
            lifecycle,
            config: None,
            parts: Vec::new(),
            nonce: String::new(),
            cluster: None,
            status,
            storage_type: storage_type.to_string(),
            pending_join: None,
            root_gen: None,
            rekey: None,
        }
    }

    fn current(&self) -> SealStatus {
        let mut s = SealStatus::uninitialized(&self.storage_type);
        if let Some(c) = &self.config {
            s.initialized = true;
            s.t = c.secret_threshold;
            s.n = c.secret_shares;
        }
        s.sealed = self.barrier.is_sealed();
        s.progress = self.parts.len();
        s.nonce = self.nonce.clone();
        if !s.sealed {
            s.cluster_name = self.cluster.as_ref().map(|c| c.name.clone());
            s.cluster_id = self.cluster.as_ref().map(|c| c.id.clone());
        }
        s
    }

    fn publish(&self) -> SealStatus {
        let s = self.current();
        self.status.store(Arc::new(s.clone()));
        s
    }

    fn reset_progress(&mut self) {
        self.parts.clear();
        self.nonce.clear();
    }

    /// Rekey and root generation live on the active node only: sealing or stepping down ends
    /// them, as in Vault, and the old keys stay valid.
    fn end_ceremonies(&mut self) {
        self.root_gen = None;
        self.rekey = None;
    }
}

impl Actor for SealKeeper {
    type Context = Context<Self>;
}

pub(crate) fn validate(shares: u8, threshold: u8) -> Result<(), CoreError> {
    let bad = |m: &str| Err(CoreError::invalid(format!("invalid seal configuration: {m}")));
    if shares == 0 {
        return bad("shares must be at least one");
    }
    if threshold == 0 {
        return bad("threshold must be at least one");
    }
    if threshold > shares {
        return bad("threshold cannot be larger than shares");
    }
    if shares > 1 && threshold == 1 {
        return bad("threshold must be greater than one for multiple shares");
    }
    Ok(())
}

async fn load_cluster_info(barrier: &Barrier) -> Result<ClusterInfo, CoreError> {
    if let Some(bytes) = barrier.get(CLUSTER_INFO_PATH).await? {
        return Ok(serde_json::from_slice(&bytes)?);
    }
    let id = uuid::Uuid::new_v4().to_string();
    let info = ClusterInfo { name: format!("vault-cluster-{}", &id[..8]), id };
    barrier.put(CLUSTER_INFO_PATH, &serde_json::to_vec(&info)?).await?;
    Ok(info)
}

impl Handler<LoadSealConfig> for SealKeeper {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, _: LoadSealConfig, _: &mut Context<Self>) -> Self::Result {
        let physical = self.barrier.physical().clone();
        let fut = async move {
            let raw = physical.get(SEAL_CONFIG_PATH).await?;
            let config = raw.map(|r| serde_json::from_slice::<SealConfig>(&r)).transpose()?;
            Ok::<_, CoreError>(config)
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act: &mut SealKeeper, _| {
            act.config = res?;
            act.publish();
            Ok(())
        })))
    }
}

impl Handler<Init> for SealKeeper {
    type Result = AtomicResponse<Self, Result<InitResult, CoreError>>;

    fn handle(&mut self, msg: Init, _: &mut Context<Self>) -> Self::Result {
        let precheck = if self.config.is_some() {
            Err(CoreError::AlreadyInitialized)
        } else {
            validate(msg.secret_shares, msg.secret_threshold).and_then(|_| check_pgp(&msg))
        };
        let (barrier, lifecycle) = (self.barrier.clone(), self.lifecycle.clone());
        let config = SealConfig {
            kind: "shamir".into(),
            secret_shares: msg.secret_shares,
            secret_threshold: msg.secret_threshold,
        };
        let stored_config = config.clone();
        let fut = async move {
            precheck?;
            let kek = random_key();
            let root = random_key();
            barrier.initialize(root.clone()).await?;
            let wrapped = Barrier::seal_with(&kek, STORED_ROOT_KEY_PATH, &root)?;
            barrier.physical().put(STORED_ROOT_KEY_PATH, wrapped).await?;
            // Set up the mount table and the root token inside the barrier, then seal again.
            barrier.unlock(&root).await?;
            let setup = async {
                lifecycle.on_unsealed().await?;
                lifecycle.post_unseal().await?;
                load_cluster_info(&barrier).await?;
                lifecycle.create_root_token(msg.root_token_id).await
            }
            .await;
            lifecycle.pre_seal().await;
            barrier.lock();
            let root_token = setup?;
            // Written last: a node that dies mid-init is still uninitialized.
            let cfg = serde_json::to_vec(&stored_config)?;
            barrier.physical().put(SEAL_CONFIG_PATH, cfg).await?;
            let keys = shamir::split(&kek, msg.secret_shares, msg.secret_threshold);
            encrypt_init_result(InitResult { keys, root_token }, &msg.pgp_keys, &msg.root_token_pgp_key)
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act: &mut SealKeeper, _| {
            let out = res?;
            act.config = Some(config);
            act.reset_progress();
            act.publish();
            Ok(out)
        })))
    }
}

impl Handler<SubmitUnsealKey> for SealKeeper {
    type Result = AtomicResponse<Self, Result<SealStatus, CoreError>>;

    fn handle(&mut self, msg: SubmitUnsealKey, ctx: &mut Context<Self>) -> Self::Result {
        let ready = |r: Result<SealStatus, CoreError>| AtomicResponse::new(Box::pin(actix::fut::ready(r)));
        if msg.reset {
            self.reset_progress();
            return ready(Ok(self.publish()));
        }
        let Some(config) = self.config.clone() else {
            return ready(Err(CoreError::NotInitialized));
        };
        if !self.barrier.is_sealed() {
            return ready(Ok(self.publish()));
        }
        let Some(key) = msg.key else {
            return ready(Err(CoreError::invalid(
                "'key' must be specified in request body as JSON, or 'reset' set to true",
            )));
        };
        if key.len() < shamir::MIN_KEY_SIZE {
            return ready(Err(CoreError::invalid(format!(
                "invalid key: key is shorter than minimum {} bytes",
                shamir::MIN_KEY_SIZE
            ))));
        }
        if key.len() > shamir::MAX_KEY_SIZE {
            return ready(Err(CoreError::invalid(format!(
                "invalid key: key is longer than maximum {} bytes",
                shamir::MAX_KEY_SIZE
            ))));
        }
        // A part already given is ignored, as Vault does.
        if self.parts.iter().any(|p| bool::from(p.as_slice().ct_eq(key.as_slice()))) {
            return ready(Ok(self.publish()));
        }
        if self.nonce.is_empty() {
            self.nonce = uuid::Uuid::new_v4().to_string();
        }
        self.parts.push(key);
        if self.parts.len() < config.secret_threshold as usize {
            return ready(Ok(self.publish()));
        }
        let combined = shamir::combine(&self.parts, config.secret_threshold);
        self.reset_progress();
        if let Some(join) = self.pending_join.take() {
            return self.answer_join(combined, join, ctx);
        }
        let (barrier, lifecycle) = (self.barrier.clone(), self.lifecycle.clone());
        let fut = async move {
            let kek = combined.map_err(bad_key)?;
            open_barrier(&barrier, lifecycle.as_ref(), &kek).await
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act: &mut SealKeeper, _| match res {
            Ok(info) => {
                act.cluster = Some(info);
                Ok(act.publish())
            }
            Err(e) => {
                // The progress was reset above; show that, as Vault does.
                act.publish();
                Err(e)
            }
        })))
    }
}

/// Vault's checks of `pgp_keys` and `root_token_pgp_key`, before anything is written.
fn check_pgp(msg: &Init) -> Result<(), CoreError> {
    let invalid = |m: String| CoreError::invalid(format!("invalid seal configuration: {m}"));
    if !msg.pgp_keys.is_empty() && msg.pgp_keys.len() != msg.secret_shares as usize {
        return Err(invalid("count mismatch between number of provided PGP keys and number of shares".into()));
    }
    crate::pgp::fingerprints(&msg.pgp_keys).map_err(|e| invalid(e.to_string()))?;
    if !msg.root_token_pgp_key.is_empty() {
        crate::pgp::fingerprints(std::slice::from_ref(&msg.root_token_pgp_key))
            .map_err(|e| CoreError::invalid(format!("error encrypting root token: {e}")))?;
    }
    Ok(())
}

/// With PGP keys, each share leaves as a PGP message holding its hex form, and the root token
/// as base64 of a PGP message, as Vault's init returns them.
fn encrypt_init_result(out: InitResult, pgp_keys: &[String], root_key: &str) -> Result<InitResult, CoreError> {
    use base64::Engine;
    let mut out = out;
    if !pgp_keys.is_empty() {
        let hexed: Vec<Zeroizing<String>> =
            out.keys.iter().map(|k| Zeroizing::new(hex::encode(k.as_slice()))).collect();
        let items: Vec<&[u8]> = hexed.iter().map(|h| h.as_bytes()).collect();
        let (_, messages) = crate::pgp::encrypt_each(&items, pgp_keys)?;
        out.keys = messages.into_iter().map(Zeroizing::new).collect();
    }
    if !root_key.is_empty() {
        let (_, messages) = crate::pgp::encrypt_each(&[out.root_token.as_bytes()], &[root_key.to_string()])?;
        let message = messages.into_iter().next().unwrap_or_default();
        out.root_token = base64::engine::general_purpose::STANDARD.encode(message);
    }
    Ok(out)
}

fn bad_key(m: String) -> CoreError {
    CoreError::invalid(format!("unable to retrieve stored keys: invalid key: {m}"))
}

/// Decrypts the root key with the unseal key, opens the barrier and, on an active node, runs
/// the post_unseal steps. Anything failing seals again.
async fn open_barrier(barrier: &Barrier, lifecycle: &dyn Lifecycle, kek: &[u8]) -> Result<ClusterInfo, CoreError> {
    let wrapped = barrier
        .physical()
        .get(STORED_ROOT_KEY_PATH)
        .await?
        .ok_or_else(|| CoreError::internal("stored root key is missing"))?;
    let root = Barrier::open_with(kek, STORED_ROOT_KEY_PATH, &wrapped)
        .map_err(|_| bad_key("failed to decrypt keys from storage: cipher: message authentication failed".into()))?;
    barrier.unlock(&root).await?;
    let loaded = async {
        lifecycle.on_unsealed().await?;
        if lifecycle.is_standby() {
            return read_cluster_info(barrier).await;
        }
        lifecycle.post_unseal().await?;
        load_cluster_info(barrier).await
    }
    .await;
    if loaded.is_err() {
        lifecycle.pre_seal().await;
        barrier.lock();
    }
    loaded
}

/// A standby cannot write: it reads what the active node stored at init.
async fn read_cluster_info(barrier: &Barrier) -> Result<ClusterInfo, CoreError> {
    match barrier.get(CLUSTER_INFO_PATH).await? {
        Some(bytes) => Ok(serde_json::from_slice(&bytes)?),
        None => Ok(ClusterInfo { name: String::new(), id: String::new() }),
    }
}

impl Handler<Seal> for SealKeeper {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, _: Seal, _: &mut Context<Self>) -> Self::Result {
        let (barrier, lifecycle) = (self.barrier.clone(), self.lifecycle.clone());
        let fut = async move {
            if !barrier.is_sealed() {
                lifecycle.pre_seal().await;
                barrier.lock();
            }
            // A rekey through another node may have changed the config since it was loaded.
            let raw = barrier.physical().get(SEAL_CONFIG_PATH).await.ok().flatten();
            raw.and_then(|r| serde_json::from_slice::<SealConfig>(&r).ok())
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|stored, act: &mut SealKeeper, _| {
            if let Some(config) = stored {
                act.config = Some(config);
            }
            act.reset_progress();
            act.end_ceremonies();
            act.publish();
            Ok(())
        })))
    }
}

#[cfg(test)]
mod tests;
