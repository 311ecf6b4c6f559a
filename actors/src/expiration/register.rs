//! Leases come into being here: a secret an engine issued (Vault's `Register`, request path
//! step 7) and a token the token store minted (Vault's `RegisterAuth`, through the store's
//! lease hook), which also follows the token's renewals and revocation.

use super::lease::{seconds, secret_lease_id, token_lease_id, LeaseAuth, LeaseEntry};
use super::leases::Expiration;
use crate::token_store::{TokenEntry, TokenLeases, TokenType};
use crate::{CoreError, Secret};
use async_trait::async_trait;
use serde_json::{Map, Value};

/// Lease entry format version (Vault's `leaseEntry.Version`).
const LEASE_VERSION: u32 = 1;

/// A secret to lease, as step 7 hands it over (its TTL already calculated for the mount).
#[derive(Debug, Clone)]
pub struct NewSecretLease {
    /// The request path that issued it; the lease ID is this plus a random suffix.
    pub path: String,
    pub secret: Secret,
    pub data: Option<Map<String, Value>>,
}

/// What a registered secret lease tells the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub lease_id: String,
    /// Seconds until expiry, rounded as Vault rounds it.
    pub ttl: u64,
}

impl Expiration {
    /// Registers a secret lease held by `token` (Vault's `Register`). A batch token's lease
    /// never outlives it and is indexed under its parent, if any.
    pub async fn register_secret(&self, token: &TokenEntry, new: NewSecretLease) -> Result<Registered, CoreError> {
        let now = self.now();
        let lease_id = secret_lease_id(&new.path);
        let mut expire = now + seconds(new.secret.ttl);
        let (token_key, index_key, bound) = if token.is_batch() {
            let bound = token.expire_time;
            if let Some(b) = bound {
                expire = expire.min(b);
            }
            (String::new(), token.parent.clone().unwrap_or_default(), bound)
        } else {
            if token.key().is_empty() {
                return Err(CoreError::internal("cannot register a lease with an empty client token"));
            }
            (token.key().to_string(), token.key().to_string(), None)
        };
        let le = LeaseEntry {
            lease_id: lease_id.clone(),
            token_key,
            token_type: token.token_type,
            index_key,
            path: new.path,
            data: new.data,
            secret: Some(new.secret),
            auth: None,
            issue_time: now,
            expire_time: Some(expire),
            last_renewal_time: None,
            bound,
            version: LEASE_VERSION,
            revoke_err: String::new(),
        };
        let _guard = self.lock(&lease_id).await;
        self.persist(&le).await?;
        self.schedule(&le);
        let ttl = ((expire - now).num_milliseconds() + 500).max(0) / 1000;
        Ok(Registered { lease_id, ttl: ttl.unsigned_abs() })
    }

    /// The lease entry of a token as the store holds it now; `None` for tokens that have no
    /// lease (batch tokens, and tokens without a TTL unless they are root tokens).
    fn token_lease(&self, entry: &TokenEntry) -> Option<LeaseEntry> {
        let root_only = entry.policies == ["root"];
        if entry.is_batch() || entry.key().is_empty() || (entry.expire_time.is_none() && !root_only) {
            return None;
        }
        Some(LeaseEntry {
            lease_id: token_lease_id(&entry.path, entry.key()),
            token_key: entry.key().to_string(),
            token_type: TokenType::Service,
            index_key: String::new(),
            path: entry.path.clone(),
            data: None,
            secret: None,
            auth: Some(LeaseAuth {
                renewable: entry.renewable,
                ttl: entry.lease_ttl,
                policies: entry.policies.clone(),
            }),
            issue_time: entry.issued_at(),
            expire_time: entry.expire_time,
            last_renewal_time: entry.last_renewal_time,
            bound: None,
            version: LEASE_VERSION,
            revoke_err: String::new(),
        })
    }

    /// Writes (or rewrites) a token's lease from its entry and schedules it.
    async fn put_token_lease(&self, le: LeaseEntry) -> Result<(), CoreError> {
        let _guard = self.lock(&le.lease_id).await;
        self.persist(&le).await?;
        self.schedule(&le);
        Ok(())
    }

    /// Marks a lease expired now so the timer loop revokes it through its engine (Vault's
    /// `LazyRevoke`). Unknown leases are no error.
    pub(crate) async fn lazy_revoke(&self, id: &str) -> Result<(), CoreError> {
        let _guard = self.lock(id).await;
        let Some(mut le) = self.load(id).await? else {
            self.forget(id);
            return Ok(());
        };
        le.expire_time = Some(self.now());
        self.persist(&le).await?;
        self.schedule(&le);
        Ok(())
    }
}

#[async_trait]
impl TokenLeases for Expiration {
    async fn token_created(&self, entry: &TokenEntry) -> Result<(), CoreError> {
        match self.token_lease(entry) {
            Some(le) => self.put_token_lease(le).await,
            None => Ok(()),
        }
    }

    async fn token_renewed(&self, entry: &TokenEntry) -> Result<(), CoreError> {
        let Some(mut fresh) = self.token_lease(entry) else { return Ok(()) };
        // Keep the lease's own issue time; a token minted before leases existed gets one now.
        if let Some(old) = self.load(&fresh.lease_id).await? {
            fresh.issue_time = old.issue_time;
        }
        self.put_token_lease(fresh).await
    }

    async fn token_revoked(&self, entry: &TokenEntry) -> Result<(), CoreError> {
        if entry.key().is_empty() {
            return Ok(());
        }
        for id in self.leases_of(entry.key()).await? {
            self.lazy_revoke(&id).await?;
        }
        // The token's own lease: the token store is revoking it right now, so only the entry
        // goes (Vault's `revokeCommon` with skipToken). No lease lock: whoever revokes the token
        // may hold it.
        self.delete_id(&token_lease_id(&entry.path, entry.key())).await
    }
}
