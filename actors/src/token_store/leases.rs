//! The token store's side of token leases: every service token with a TTL (and every root
//! token minted through `auth/token/create`) has a lease in the expiration manager, which
//! revokes the token when it expires. The store tells the manager when a token is created,
//! renewed and revoked through this hook; the manager is the one that implements it.

use super::entry::TokenEntry;
use super::TokenStore;
use crate::CoreError;
use async_trait::async_trait;
use std::sync::{Arc, Weak};

/// What the expiration manager hears from the token store. Each call runs while the token's
/// stripe lock is held, so implementations must not call back into the store for that token.
#[async_trait]
pub trait TokenLeases: Send + Sync {
    /// A service token was stored (Vault's `RegisterAuth`).
    async fn token_created(&self, entry: &TokenEntry) -> Result<(), CoreError>;
    /// A token's TTL was renewed: its lease follows.
    async fn token_renewed(&self, entry: &TokenEntry) -> Result<(), CoreError>;
    /// A token is about to be deleted (Vault's `RevokeByToken`): its own lease goes, and the
    /// leases it holds are revoked through their engines.
    async fn token_revoked(&self, entry: &TokenEntry) -> Result<(), CoreError>;
}

impl TokenStore {
    /// Connects the expiration manager (held weakly: the manager holds the store).
    pub fn set_lease_hook(&self, hook: Weak<dyn TokenLeases>) {
        *self.lease_hook.write().unwrap_or_else(|p| p.into_inner()) = Some(hook);
    }

    pub(crate) fn lease_hook(&self) -> Option<Arc<dyn TokenLeases>> {
        self.lease_hook.read().unwrap_or_else(|p| p.into_inner()).as_ref().and_then(Weak::upgrade)
    }

    /// Registers a new service token's lease. If that fails the token is revoked again, as
    /// Vault does, so no token lives on without the lease that would end it. Call without the
    /// token's stripe lock.
    pub(crate) async fn register_lease(&self, entry: &TokenEntry) -> Result<(), CoreError> {
        let Some(hook) = self.lease_hook() else { return Ok(()) };
        if let Err(e) = hook.token_created(entry).await {
            if let Err(undo) = self.revoke_tree(entry.key()).await {
                tracing::error!(error = %undo, "failed to revoke a token whose lease could not be registered");
            }
            return Err(e);
        }
        Ok(())
    }

    /// Tells the expiration manager that a token's TTL changed.
    pub(crate) async fn renewed_lease(&self, entry: &TokenEntry) -> Result<(), CoreError> {
        match self.lease_hook() {
            Some(hook) => hook.token_renewed(entry).await,
            None => Ok(()),
        }
    }

    /// Tells the expiration manager that a token is about to go; an error stops the revocation
    /// (the token stays, so nothing it holds is left without an owner).
    pub(crate) async fn revoking_lease(&self, entry: &TokenEntry) -> Result<(), CoreError> {
        match self.lease_hook() {
            Some(hook) => hook.token_revoked(entry).await,
            None => Ok(()),
        }
    }
}
