//! The token store (Vault's `vault/token_store.go`). Token IDs are never stored: every key is
//! the HMAC-SHA256 of an ID under a per-cluster salt, so a lookup is a keyed hash plus a map probe
//! and no secret is ever compared byte by byte.
//!
//! Layout inside the barrier view `sys/token/`:
//! - `salt`: the HMAC salt; `batch-key`: the AES-256-GCM key that seals batch tokens.
//! - `id/<hash>`: a service token's [`TokenEntry`].
//! - `accessor/<hash of accessor>`: an [`AccessorEntry`] (token hash and plain accessor).
//! - `parent/<parent hash>/<child hash>`: the parent→children index revocation walks.
//! - `roles/<name>`: token roles ([`Role`]).
//!
//! Every change that touches several keys is one atomic `batch`. Mutations of a token hold the
//! write half of its lock stripe; cache misses load under the read half, so a load racing a
//! revocation can never put a revoked entry back into the cache.

mod batch;
mod create;
mod cubbyhole;
mod entry;
mod leases;
mod renew;
mod revoke;
mod roles;
mod tidy;
mod ttl;

#[cfg(test)]
mod tests;

use crate::barrier::{hmac_hex, random_key, Barrier, BarrierView};
use crate::sync::{Clock, Striped};
use crate::CoreError;
use arc_swap::ArcSwapOption;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock, Weak};
use tokio::sync::{RwLock as StripeLock, RwLockWriteGuard};
use zeroize::Zeroizing;

pub use batch::{is_batch_token, BATCH_TOKEN_PREFIX};
pub use create::{CreatedToken, NewToken};
pub use entry::{addr_in_cidrs, rfc3339_nano, AccessorEntry, TokenEntry, TokenType};
pub use leases::TokenLeases;
pub use renew::Renewed;
pub use roles::{glob_match, Role, RoleTokenType};
pub use tidy::TidyReport;
pub use ttl::SysTtls;
pub(crate) use ttl::{calculate_ttl, TtlInput};

/// The token store's view in the barrier.
const TOKEN_VIEW: &str = "sys/token/";
/// Salt for token and accessor hashes, random per cluster.
const SALT_KEY: &str = "salt";
/// Key that seals batch tokens, random per cluster.
const BATCH_KEY: &str = "batch-key";
/// `id/<salted hash>`: one token entry.
const ID_PREFIX: &str = "id/";
/// `accessor/<salted accessor>`: accessor index.
const ACCESSOR_PREFIX: &str = "accessor/";
/// `parent/<parent hash>/<child hash>`: children index.
const PARENT_PREFIX: &str = "parent/";
/// `roles/<name>`: token roles.
const ROLES_PREFIX: &str = "roles/";
/// Service token prefix (Vault 1.10+).
pub const SERVICE_TOKEN_PREFIX: &str = "hvs.";
/// Lock stripes for per-token serialization (Vault's `locksutil` uses 256).
const LOCK_STRIPES: usize = 64;
/// Entries cached before the cache starts over (tokens are re-read from the barrier on a miss).
const CACHE_LIMIT: usize = 65_536;

pub struct TokenStore {
    view: BarrierView,
    /// Every token's cubbyhole, destroyed with the token.
    cubbyholes: BarrierView,
    salt: ArcSwapOption<Zeroizing<Vec<u8>>>,
    batch_key: ArcSwapOption<Zeroizing<Vec<u8>>>,
    cache: RwLock<HashMap<String, Arc<TokenEntry>>>,
    locks: Striped<StripeLock<()>>,
    tidying: Arc<AtomicBool>,
    clock: Arc<Clock>,
    /// The expiration manager, told about token creation, renewal and revocation.
    lease_hook: RwLock<Option<Weak<dyn TokenLeases>>>,
}

fn id_key(key: &str) -> String {
    format!("{ID_PREFIX}{key}")
}

fn accessor_key(hash: &str) -> String {
    format!("{ACCESSOR_PREFIX}{hash}")
}

fn parent_key(parent: &str, child: &str) -> String {
    format!("{PARENT_PREFIX}{parent}/{child}")
}

impl TokenStore {
    pub fn new(barrier: Arc<Barrier>, clock: Arc<Clock>) -> Self {
        TokenStore {
            view: BarrierView::new(barrier.clone(), TOKEN_VIEW),
            cubbyholes: BarrierView::new(barrier, crate::wrapping::CUBBYHOLE_VIEW),
            salt: ArcSwapOption::empty(),
            batch_key: ArcSwapOption::empty(),
            cache: RwLock::new(HashMap::new()),
            locks: Striped::new(LOCK_STRIPES),
            tidying: Arc::new(AtomicBool::new(false)),
            clock,
            lease_hook: RwLock::new(None),
        }
    }

    /// post_unseal: load (or create) the salt and the batch-token key.
    pub async fn load(&self) -> Result<(), CoreError> {
        self.salt.store(Some(Arc::new(self.load_or_create_key(SALT_KEY).await?)));
        self.batch_key.store(Some(Arc::new(self.load_or_create_key(BATCH_KEY).await?)));
        Ok(())
    }

    async fn load_or_create_key(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, CoreError> {
        if let Some(k) = self.view.get(name).await? {
            return Ok(Zeroizing::new(k));
        }
        let k = random_key();
        self.view.put(name, &k).await?;
        Ok(k)
    }

    /// pre_seal: forget the keys and every cached entry.
    pub fn clear(&self) {
        self.salt.store(None);
        self.batch_key.store(None);
        self.cache.write().unwrap_or_else(|p| p.into_inner()).clear();
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    #[cfg(test)]
    pub(crate) fn advance_clock(&self, secs: i64) {
        self.clock.advance(secs);
    }

    /// The salted hash of a token ID or an accessor: the only form either reaches storage in.
    pub(crate) fn hash(&self, value: &str) -> Result<String, CoreError> {
        let salt = self.salt.load_full().ok_or(CoreError::Sealed)?;
        hmac_hex(&salt, value)
    }

    /// Write locks on the stripes of `keys`, taken in stripe order so two callers never deadlock.
    pub(crate) async fn lock_keys(&self, keys: &[&str]) -> Vec<RwLockWriteGuard<'_, ()>> {
        let mut guards = Vec::with_capacity(keys.len());
        for lock in self.locks.ordered(keys) {
            guards.push(lock.write().await);
        }
        guards
    }

    fn cached(&self, key: &str) -> Option<Arc<TokenEntry>> {
        self.cache.read().unwrap_or_else(|p| p.into_inner()).get(key).cloned()
    }

    fn cache_put(&self, entry: Arc<TokenEntry>) {
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(entry.key.clone(), entry);
    }

    fn cache_remove(&self, key: &str) {
        self.cache.write().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// Persists a changed entry; the caller holds its stripe's write lock.
    async fn store_entry(&self, entry: TokenEntry) -> Result<Arc<TokenEntry>, CoreError> {
        self.view.put_json(&id_key(&entry.key), &entry).await?;
        let entry = Arc::new(entry);
        self.cache_put(entry.clone());
        Ok(entry)
    }

    /// The stored entry under `key`, through the cache, without validity checks.
    pub(crate) async fn load_key(&self, key: &str) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        if let Some(e) = self.cached(key) {
            return Ok(Some(e));
        }
        let _guard = self.locks.get(key).read().await;
        if let Some(e) = self.cached(key) {
            return Ok(Some(e));
        }
        let Some(mut entry) = self.view.get_json::<TokenEntry>(&id_key(key)).await? else {
            return Ok(None);
        };
        entry.key = key.to_string();
        let entry = Arc::new(entry);
        self.cache_put(entry.clone());
        Ok(Some(entry))
    }

    /// The entry of a live token, or `None` for an unknown, expired, revoked or used-up one.
    pub async fn lookup(&self, token: &str) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        self.lookup_token(token, false).await
    }

    /// As [`TokenStore::lookup`], but also finds a token whose last use is in flight (Vault's
    /// "tainted" lookup, which `auth/token/lookup` uses).
    pub async fn lookup_tainted(&self, token: &str) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        self.lookup_token(token, true).await
    }

    async fn lookup_token(&self, token: &str, tainted: bool) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        if token.is_empty() {
            return Ok(None);
        }
        if is_batch_token(token) {
            let key = self.batch_key.load_full().ok_or(CoreError::Sealed)?;
            let Some(entry) = batch::decode(&key, token) else { return Ok(None) };
            return Ok(self.is_live(&entry).await?.then(|| Arc::new(entry)));
        }
        self.lookup_key(&self.hash(token)?, tainted).await
    }

    /// A live token by its salted hash.
    pub(crate) async fn lookup_key(&self, key: &str, tainted: bool) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        let Some(entry) = self.load_key(key).await? else { return Ok(None) };
        if entry.num_uses < 0 && !tainted {
            return Ok(None);
        }
        Ok(self.is_live(&entry).await?.then_some(entry))
    }

    /// Whether neither the token nor any ancestor has expired or vanished. Expired tokens are
    /// revoked with their subtree on the spot: there is no expiration manager to do it yet.
    async fn is_live(&self, entry: &TokenEntry) -> Result<bool, CoreError> {
        let now = self.now();
        if entry.is_expired(now) {
            self.revoke_expired(&entry.key).await;
            return Ok(false);
        }
        let mut seen = HashSet::new();
        let mut parent = entry.parent.clone();
        while let Some(key) = parent {
            // A cycle cannot come from this store; refuse rather than loop.
            if !seen.insert(key.clone()) {
                return Ok(false);
            }
            let Some(p) = self.load_key(&key).await? else { return Ok(false) };
            if p.is_expired(now) {
                self.revoke_expired(&key).await;
                return Ok(false);
            }
            parent = p.parent.clone();
        }
        Ok(true)
    }

    async fn revoke_expired(&self, key: &str) {
        if key.is_empty() {
            return;
        }
        if let Err(e) = self.revoke_tree(key).await {
            tracing::warn!(error = %e, "failed to revoke an expired token; tidy will retry");
        }
    }

    /// The accessor index entry of `accessor`, if the accessor is known.
    pub async fn lookup_accessor(&self, accessor: &str) -> Result<Option<AccessorEntry>, CoreError> {
        if accessor.is_empty() {
            return Ok(None);
        }
        self.view.get_json(&accessor_key(&self.hash(accessor)?)).await
    }

    /// Every accessor in the index (`LIST auth/token/accessors`).
    pub async fn list_accessors(&self) -> Result<Vec<String>, CoreError> {
        let mut out = Vec::new();
        for hash in self.view.list(ACCESSOR_PREFIX).await? {
            if let Some(a) = self.view.get_json::<AccessorEntry>(&accessor_key(&hash)).await? {
                if !a.token_key.is_empty() {
                    out.push(a.accessor);
                }
            }
        }
        Ok(out)
    }
}
