//! Token store (the first slice: root tokens). Tokens are never stored in the clear: an entry
//! lives under the HMAC-SHA256 of its ID with a per-cluster salt, so a lookup is a keyed hash
//! plus a map probe and no secret is ever compared byte by byte.

use crate::barrier::{random_key, Barrier, BarrierView};
use crate::CoreError;
use arc_swap::ArcSwapOption;
use hmac::{Hmac, Mac};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

/// The token store's view in the barrier.
const TOKEN_VIEW: &str = "sys/token/";
/// Salt for token hashes, random per cluster.
const SALT_KEY: &str = "salt";
/// `id/<salted hash>`: one token entry.
const ID_PREFIX: &str = "id/";
/// Service token prefix (Vault 1.10+).
pub const SERVICE_TOKEN_PREFIX: &str = "hvs.";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenEntry {
    pub accessor: String,
    pub policies: Vec<String>,
    pub path: String,
    pub display_name: String,
    pub creation_time: i64,
    #[serde(default)]
    pub ttl: u64,
    #[serde(default)]
    pub num_uses: i64,
    #[serde(default)]
    pub orphan: bool,
}

impl TokenEntry {
    pub fn is_root(&self) -> bool {
        self.policies.iter().any(|p| p == "root")
    }
}

pub struct TokenStore {
    view: BarrierView,
    salt: ArcSwapOption<Zeroizing<Vec<u8>>>,
    cache: RwLock<HashMap<String, Arc<TokenEntry>>>,
}

fn random_id(len: usize) -> String {
    rand::rngs::OsRng.sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

impl TokenStore {
    pub fn new(barrier: Arc<Barrier>) -> Self {
        TokenStore {
            view: BarrierView::new(barrier, TOKEN_VIEW),
            salt: ArcSwapOption::empty(),
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// post_unseal: load (or create) the salt.
    pub async fn load(&self) -> Result<(), CoreError> {
        let salt = match self.view.get(SALT_KEY).await? {
            Some(s) => Zeroizing::new(s),
            None => {
                let s = random_key();
                self.view.put(SALT_KEY, &s).await?;
                s
            }
        };
        self.salt.store(Some(Arc::new(salt)));
        Ok(())
    }

    /// pre_seal: forget the salt and every cached entry.
    pub fn clear(&self) {
        self.salt.store(None);
        self.cache.write().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn hash(&self, token: &str) -> Result<String, CoreError> {
        let salt = self.salt.load_full().ok_or(CoreError::Sealed)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&salt).map_err(CoreError::internal)?;
        mac.update(token.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// Creates a root token; `id` fixes its value (`-dev-root-token-id`).
    pub async fn create_root(&self, id: Option<String>) -> Result<String, CoreError> {
        let token = id.unwrap_or_else(|| format!("{SERVICE_TOKEN_PREFIX}{}", random_id(24)));
        let entry = TokenEntry {
            accessor: random_id(24),
            policies: vec!["root".into()],
            path: "auth/token/root".into(),
            display_name: "root".into(),
            creation_time: chrono::Utc::now().timestamp(),
            ttl: 0,
            num_uses: 0,
            orphan: true,
        };
        let key = self.hash(&token)?;
        self.view.put_json(&format!("{ID_PREFIX}{key}"), &entry).await?;
        Ok(token)
    }

    /// The entry of a live token, or `None` for an unknown one.
    pub async fn lookup(&self, token: &str) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        let key = self.hash(token)?;
        if let Some(e) = self.cache.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(Some(e.clone()));
        }
        let Some(entry) = self.view.get_json::<TokenEntry>(&format!("{ID_PREFIX}{key}")).await? else {
            return Ok(None);
        };
        let entry = Arc::new(entry);
        self.cache.write().unwrap_or_else(|p| p.into_inner()).insert(key, entry.clone());
        Ok(Some(entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::unsealed_barrier;

    #[tokio::test]
    async fn root_token_round_trip_and_storage_holds_no_token() {
        let barrier = unsealed_barrier().await;
        let store = TokenStore::new(barrier.clone());
        store.load().await.unwrap();
        let token = store.create_root(None).await.unwrap();
        assert!(token.starts_with("hvs.") && token.len() == 28);
        let entry = store.lookup(&token).await.unwrap().unwrap();
        assert!(entry.is_root());
        assert!(store.lookup("hvs.nope").await.unwrap().is_none());
        for key in BarrierView::new(barrier.clone(), "").list_recursive("").await.unwrap() {
            assert!(!key.contains(&token));
        }
        // A fresh store over the same barrier finds the token through the stored salt.
        let again = TokenStore::new(barrier);
        again.load().await.unwrap();
        assert!(again.lookup(&token).await.unwrap().is_some());
        assert!(again.lookup("").await.unwrap().is_none());
    }
}
