//! Minting tokens. Policy and TTL decisions are the caller's (the `auth/token/create` handler,
//! logins, wrapping); this writes what was decided: a service token's entry, accessor index and
//! parent index in one batch, or a sealed batch token that touches no storage.

use super::entry::{AccessorEntry, TokenEntry, TokenType};
use super::ttl::expiry;
use super::{accessor_key, batch, id_key, parent_key, TokenStore, SERVICE_TOKEN_PREFIX};
use crate::CoreError;
use rand::distributions::Alphanumeric;
use rand::Rng;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Random characters in IDs and accessors (Vault's `TokenLength`, base62).
const TOKEN_LENGTH: usize = 24;

/// A token to mint, with every decision already made.
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// A caller-chosen ID (root/sudo only; validated by the handler).
    pub id: Option<String>,
    pub policies: Vec<String>,
    pub path: String,
    pub display_name: String,
    pub meta: BTreeMap<String, String>,
    pub num_uses: i64,
    /// The parent's salted hash; `None` makes an orphan.
    pub parent: Option<String>,
    /// The granted TTL in seconds; 0 never expires.
    pub ttl: u64,
    pub explicit_max_ttl: u64,
    pub period: u64,
    pub role: String,
    pub token_type: TokenType,
    pub renewable: bool,
    pub entity_id: String,
    /// `token_bound_cidrs` of a login.
    pub bound_cidrs: Vec<String>,
}

/// A minted token: the ID goes to the client once and is then forgotten.
#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub id: String,
    pub entry: Arc<TokenEntry>,
}

fn random_id(len: usize) -> String {
    rand::rngs::OsRng.sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

impl TokenStore {
    /// Creates a root token; `id` fixes its value (`-dev-root-token-id`).
    /// A chosen ID comes from `-dev-root-token-id`, which Vault mints through
    /// `auth/token/create`, so its lookup shows that path and the `token` display name.
    pub async fn create_root(&self, id: Option<String>) -> Result<String, CoreError> {
        let (path, display_name) =
            if id.is_some() { ("auth/token/create", "token") } else { ("auth/token/root", "root") };
        let spec = NewToken {
            id,
            policies: vec!["root".into()],
            path: path.into(),
            display_name: display_name.into(),
            ..Default::default()
        };
        // Vault's init root token has no lease; the dev root token is minted through
        // `auth/token/create` and has one, which never expires.
        let lease = spec.id.is_some();
        Ok(self.create_inner(spec, lease).await?.id)
    }

    /// Mints a token as specified; a service token gets its lease in the expiration manager.
    pub async fn create(&self, spec: NewToken) -> Result<CreatedToken, CoreError> {
        self.create_inner(spec, true).await
    }

    async fn create_inner(&self, spec: NewToken, lease: bool) -> Result<CreatedToken, CoreError> {
        let now = self.now();
        let mut entry = TokenEntry {
            accessor: String::new(),
            orphan: spec.parent.is_none(),
            parent: spec.parent,
            policies: spec.policies,
            path: spec.path,
            display_name: spec.display_name,
            creation_time: now.timestamp(),
            ttl: spec.ttl,
            num_uses: spec.num_uses,
            meta: spec.meta,
            explicit_max_ttl: spec.explicit_max_ttl,
            period: spec.period,
            role: spec.role,
            token_type: spec.token_type,
            renewable: spec.renewable,
            entity_id: spec.entity_id,
            issue_time: Some(now),
            expire_time: expiry(now, spec.ttl),
            last_renewal_time: None,
            lease_ttl: spec.ttl,
            bound_cidrs: spec.bound_cidrs,
            key: String::new(),
        };
        if entry.is_batch() {
            return self.create_batch(entry).await;
        }
        let id = spec.id.unwrap_or_else(|| format!("{SERVICE_TOKEN_PREFIX}{}", random_id(TOKEN_LENGTH)));
        entry.key = self.hash(&id)?;
        entry.accessor = random_id(TOKEN_LENGTH);
        let accessor_hash = self.hash(&entry.accessor)?;
        let key = entry.key.clone();
        let parent = entry.parent.clone();
        // The parent's stripe too: a revocation of the parent cannot slip between the check that
        // it exists and the write of the child index, so no child escapes its parent's revocation.
        let mut keys = vec![key.as_str()];
        keys.extend(parent.as_deref());
        let guards = self.lock_keys(&keys).await;
        if self.view.get(&id_key(&key)).await?.is_some() {
            return Err(CoreError::invalid("cannot create a token with a duplicate ID"));
        }
        let mut writes = Vec::with_capacity(3);
        if let Some(parent) = &parent {
            if self.view.get(&id_key(parent)).await?.is_none() {
                return Err(CoreError::invalid("parent token not found"));
            }
            writes.push((parent_key(parent, &key), Some(Vec::new())));
        }
        let index = AccessorEntry { token_key: key.clone(), accessor: entry.accessor.clone() };
        writes.push((accessor_key(&accessor_hash), Some(serde_json::to_vec(&index)?)));
        writes.push((id_key(&key), Some(serde_json::to_vec(&entry)?)));
        self.view.batch(writes).await?;
        let entry = Arc::new(entry);
        self.cache_put(entry.clone());
        drop(guards);
        if lease {
            self.register_lease(&entry).await?;
        }
        Ok(CreatedToken { id, entry })
    }

    async fn create_batch(&self, entry: TokenEntry) -> Result<CreatedToken, CoreError> {
        if let Some(parent) = &entry.parent {
            if self.load_key(parent).await?.is_none() {
                return Err(CoreError::invalid("parent token not found"));
            }
        }
        let key = self.batch_key.load_full().ok_or(CoreError::Sealed)?;
        let id = batch::encode(&key, &entry)?;
        Ok(CreatedToken { id, entry: Arc::new(entry) })
    }
}
