//! `Core`: the bundle of actor addresses and published snapshots that one node runs, and the
//! lifecycle hooks (post_unseal / pre_seal) that tie them together.

use crate::audit::{AuditBroker, AuditTable, ClearAudit, LoadAudit};
use crate::barrier::Barrier;
use crate::engines::SystemTtls;
use crate::expiration::{Expiration, ExpirationManager, Restore, Stop};
use crate::ha::{Ha, HaMode, PendingJoin, LEADER_PREFIX};
use crate::mount_table::{ClearMounts, LoadMounts, MountTable, Router};
use crate::policy_store::{ClearPolicies, LoadPolicies, PolicySet, PolicyStore};
use crate::replication::RaftHandle;
use crate::seal_keeper::{
    GenerateRoot, Init, InitResult, Lifecycle, LoadSealConfig, Rekey, Seal, SealKeeper, SealStatus, SubmitUnsealKey,
};
use crate::sync::Clock;
use crate::token_store::{SysTtls, TokenLeases, TokenStore};
use crate::CoreError;
use actix::prelude::*;
use arc_swap::ArcSwap;
use async_trait::async_trait;
use std::sync::Arc;
use strongbox_storage::PhysicalBackend;
use zeroize::Zeroizing;

/// 768h, Vault's default for both lease TTLs.
pub const DEFAULT_LEASE_TTL: u64 = 768 * 3600;

#[derive(Debug, Clone)]
pub struct CoreConfig {
    pub default_lease_ttl: u64,
    pub max_lease_ttl: u64,
    /// Reported by `sys/seal-status` (`inmem`, `rocksdb`, `raft`).
    pub storage_type: String,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            default_lease_ttl: DEFAULT_LEASE_TTL,
            max_lease_ttl: DEFAULT_LEASE_TTL,
            storage_type: "inmem".into(),
        }
    }
}

pub struct Core {
    pub config: CoreConfig,
    pub barrier: Arc<Barrier>,
    pub(crate) seal: Addr<SealKeeper>,
    seal_status: Arc<ArcSwap<SealStatus>>,
    pub(crate) mounts: Addr<MountTable>,
    pub(crate) router: Arc<ArcSwap<Router>>,
    pub(crate) tokens: Arc<TokenStore>,
    pub(crate) policy_store: Addr<PolicyStore>,
    /// The compiled policies, for the request path.
    pub(crate) policies: Arc<ArcSwap<PolicySet>>,
    /// The expiration manager (leases and their timers) and the state behind it.
    pub(crate) expiration: Addr<ExpirationManager>,
    pub(crate) leases: Arc<Expiration>,
    /// Finished mount moves by migration id, for `sys/remount/status`.
    remounts: std::sync::Mutex<std::collections::HashMap<String, (String, String)>>,
    /// Integrated storage, when the node runs on `storage "raft"`.
    raft: Option<RaftHandle>,
    /// Leadership and joining, on integrated storage.
    pub(crate) ha: Option<Arc<Ha>>,
    /// The enabled audit devices, and the actor that owns their table.
    pub(crate) audit: Arc<AuditBroker>,
    pub(crate) audit_table: Addr<AuditTable>,
}

/// What unseal loads and seal drops.
struct Hooks {
    mounts: Addr<MountTable>,
    audit: Addr<AuditTable>,
    policies: Addr<PolicyStore>,
    tokens: Arc<TokenStore>,
    expiration: Addr<ExpirationManager>,
    barrier: Arc<Barrier>,
    ha: Option<Arc<Ha>>,
}

#[async_trait]
impl Lifecycle for Hooks {
    async fn post_unseal(&self) -> Result<(), CoreError> {
        self.tokens.load().await?;
        self.policies.send(LoadPolicies).await??;
        self.mounts.send(LoadMounts).await??;
        self.audit.send(LoadAudit).await??;
        // Only the active node runs lease timers; its leases load in the background, so the
        // node serves at once.
        self.expiration.send(Restore).await?;
        if let Some(ha) = &self.ha {
            ha.set_active(true);
        }
        Ok(())
    }

    async fn pre_seal(&self) {
        if let Some(ha) = &self.ha {
            ha.set_active(false);
        }
        // A mailbox error here means the actor is gone: there is nothing left to drop.
        let _ = self.expiration.send(Stop).await;
        let _ = self.mounts.send(ClearMounts).await;
        let _ = self.audit.send(ClearAudit).await;
        let _ = self.policies.send(ClearPolicies).await;
        self.tokens.clear();
    }

    async fn create_root_token(&self, id: Option<String>) -> Result<String, CoreError> {
        self.tokens.create_root(id).await
    }

    async fn on_unsealed(&self) -> Result<(), CoreError> {
        match &self.ha {
            Some(ha) => ha.start_transport(&self.barrier).await,
            None => Ok(()),
        }
    }

    fn is_standby(&self) -> bool {
        self.ha.as_ref().is_some_and(|ha| !ha.is_leader())
    }

    fn is_active(&self) -> bool {
        self.ha.as_ref().is_none_or(|ha| ha.is_active())
    }

    async fn confirm_leadership(&self) -> Result<(), CoreError> {
        let Some(ha) = &self.ha else {
            return Ok(());
        };
        // Applied through raft, so every entry before it is applied here too.
        let me = ha.raft.me();
        let advert =
            serde_json::json!({ "node_id": me.node_id, "api_addr": me.api_addr, "cluster_addr": me.cluster_addr });
        self.barrier.put(&format!("{LEADER_PREFIX}{}", me.node_id), &serde_json::to_vec(&advert)?).await?;
        if let Err(e) = self.barrier.reload().await {
            // The stored keyring is another cluster's (a forced snapshot restore): only that
            // cluster's unseal keys open it now.
            self.barrier.lock();
            tracing::error!(error = %e, "the stored keyring does not open with this node's keys; sealed");
            return Err(e);
        }
        Ok(())
    }

    async fn complete_join(&self, kek: &[u8], join: PendingJoin) -> Result<(), CoreError> {
        match &self.ha {
            Some(ha) => ha.send_answer(kek, join).await,
            None => Err(CoreError::invalid("raft storage is not in use")),
        }
    }
}

impl Core {
    /// Starts the node's actors over `physical` and reads the seal config.
    /// Must run inside an actix `System`.
    pub async fn start(physical: Arc<dyn PhysicalBackend>, config: CoreConfig) -> Result<Arc<Core>, CoreError> {
        Self::start_with(physical, None, config).await
    }

    /// Starts the node's actors on integrated storage (`storage "raft"`).
    pub async fn start_on_raft(raft: RaftHandle, config: CoreConfig) -> Result<Arc<Core>, CoreError> {
        Self::start_with(raft.backend(), Some(raft), config).await
    }

    /// Integrated storage, if the node runs on it (`sys/leader`, `sys/storage/raft/*`).
    pub fn raft(&self) -> Option<&RaftHandle> {
        self.raft.as_ref()
    }

    async fn start_with(
        physical: Arc<dyn PhysicalBackend>,
        raft: Option<RaftHandle>,
        config: CoreConfig,
    ) -> Result<Arc<Core>, CoreError> {
        let barrier = Barrier::new(physical);
        let router = Arc::new(ArcSwap::from_pointee(Router::default()));
        let sys_ttls = SystemTtls { default_ttl: config.default_lease_ttl, max_ttl: config.max_lease_ttl };
        let clock = Arc::new(Clock::default());
        let mounts = MountTable::new(barrier.clone(), router.clone(), sys_ttls, clock.clone()).start();
        let tokens = Arc::new(TokenStore::new(barrier.clone(), clock.clone()));
        let policies = Arc::new(ArcSwap::from_pointee(PolicySet::default()));
        let policy_store = PolicyStore::new(barrier.clone(), policies.clone()).start();
        let seal_status = Arc::new(ArcSwap::from_pointee(SealStatus::uninitialized(&config.storage_type)));
        let sys = SysTtls { default_ttl: config.default_lease_ttl, max_ttl: config.max_lease_ttl };
        let leases = Arc::new(Expiration::new(barrier.clone(), tokens.clone(), router.clone(), sys, clock));
        let hook: Arc<dyn TokenLeases> = leases.clone();
        tokens.set_lease_hook(Arc::downgrade(&hook));
        let expiration = ExpirationManager::new(leases.clone()).start();
        let ha = raft.clone().map(|r| Arc::new(Ha::new(r)));
        let audit = Arc::new(AuditBroker::default());
        let audit_table = AuditTable::new(barrier.clone(), audit.clone()).start();
        let hooks = Arc::new(Hooks {
            mounts: mounts.clone(),
            audit: audit_table.clone(),
            policies: policy_store.clone(),
            tokens: tokens.clone(),
            expiration: expiration.clone(),
            barrier: barrier.clone(),
            ha: ha.clone(),
        });
        let seal = SealKeeper::new(barrier.clone(), hooks, seal_status.clone(), &config.storage_type).start();
        seal.send(LoadSealConfig).await??;
        crate::mount_table::spawn_periodic(Arc::downgrade(&router));
        if let Some(ha) = &ha {
            crate::ha::watch_leadership(ha.clone(), barrier.clone(), seal.clone());
            crate::ha::clean_up_dead_servers(ha.clone(), barrier.clone());
        }
        Ok(Arc::new(Core {
            config,
            barrier,
            seal,
            seal_status,
            mounts,
            router,
            tokens,
            policy_store,
            policies,
            expiration,
            leases,
            remounts: Default::default(),
            raft,
            ha,
            audit,
            audit_table,
        }))
    }

    /// The request headers audit devices log, while any device is enabled: the HTTP layer
    /// copies only these into the request.
    pub fn audited_headers(&self) -> Option<Arc<crate::audit::HeaderConfig>> {
        self.audit.wanted_headers()
    }

    /// Active or standby (a node without integrated storage is always active).
    pub fn ha_mode(&self) -> HaMode {
        self.ha.as_ref().map_or(HaMode::Active, |ha| ha.mode())
    }

    /// The current snapshot of compiled policies (empty while sealed).
    pub fn policies(&self) -> Arc<PolicySet> {
        self.policies.load_full()
    }

    pub fn seal_status(&self) -> Arc<SealStatus> {
        self.seal_status.load_full()
    }

    pub fn is_sealed(&self) -> bool {
        self.barrier.is_sealed()
    }

    pub async fn init(
        &self,
        shares: u8,
        threshold: u8,
        root_token_id: Option<String>,
    ) -> Result<InitResult, CoreError> {
        let init = Init {
            secret_shares: shares,
            secret_threshold: threshold,
            root_token_id,
            pgp_keys: Vec::new(),
            root_token_pgp_key: String::new(),
        };
        self.seal.send(init).await?
    }

    /// `sys/init` with `pgp_keys` / `root_token_pgp_key`.
    pub async fn init_with(&self, init: Init) -> Result<InitResult, CoreError> {
        self.seal.send(init).await?
    }

    pub async fn unseal(&self, key: Option<Zeroizing<Vec<u8>>>, reset: bool) -> Result<SealStatus, CoreError> {
        self.seal.send(SubmitUnsealKey { key, reset }).await?
    }

    pub async fn seal(&self) -> Result<(), CoreError> {
        self.seal.send(Seal).await?
    }

    /// SIGHUP: audit devices reopen their files and sockets (for log rotation tools).
    pub fn reopen_audit_devices(&self) {
        self.audit.reopen();
    }

    /// A step of `sys/generate-root`.
    pub async fn generate_root(&self, step: GenerateRoot) -> Result<serde_json::Value, CoreError> {
        self.seal.send(step).await?
    }

    /// A step of `sys/rekey`.
    pub async fn rekey(&self, step: Rekey) -> Result<serde_json::Value, CoreError> {
        self.seal.send(step).await?
    }

    pub(crate) fn record_remount(&self, id: &str, from: &str, to: &str) {
        let mut map = self.remounts.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(id.to_string(), (from.to_string(), to.to_string()));
    }

    pub(crate) fn remount_info(&self, id: &str) -> Option<(String, String)> {
        self.remounts.lock().unwrap_or_else(|p| p.into_inner()).get(id).cloned()
    }
}
