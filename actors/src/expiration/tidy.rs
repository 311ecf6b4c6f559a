//! `sys/leases/tidy` (Vault's `ExpirationManager.Tidy`): leases whose token is gone are
//! revoked; a token's own lease is simply dropped. It repairs what crashes and bugs leave
//! behind and runs in the background, one run at a time.

use super::leases::Expiration;
use crate::token_store::TokenType;
use crate::CoreError;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// What one tidy run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TidyReport {
    pub scanned: usize,
    pub revoked: usize,
    pub failed: usize,
}

impl Expiration {
    /// Starts a tidy in the background; `false` when one is already running.
    pub fn start_tidy(self: &Arc<Self>) -> bool {
        if self.tidying.swap(true, Ordering::SeqCst) {
            return false;
        }
        let me = self.clone();
        tokio::spawn(async move {
            match me.tidy().await {
                Ok(r) => tracing::info!(
                    scanned = r.scanned,
                    revoked = r.revoked,
                    failed = r.failed,
                    "finished tidy operation on leases"
                ),
                Err(e) => tracing::error!(error = %e, "failed to tidy leases"),
            }
            me.tidying.store(false, Ordering::SeqCst);
        });
        true
    }

    pub async fn tidy(&self) -> Result<TidyReport, CoreError> {
        if self.is_restoring() {
            return Err(CoreError::internal("cannot run tidy while restoring leases"));
        }
        let mut report = TidyReport::default();
        let mut live: HashMap<String, bool> = HashMap::new();
        for id in self.ids_below("").await? {
            report.scanned += 1;
            let Some(le) = self.load(&id).await? else { continue };
            let owner = if le.token_type == TokenType::Batch { le.index_key.clone() } else { le.token_key.clone() };
            let valid = if le.token_type == TokenType::Batch {
                let unexpired = le.bound.is_none_or(|b| b > self.now());
                unexpired && (owner.is_empty() || self.token_is_live(&owner, &mut live).await?)
            } else {
                !owner.is_empty() && self.token_is_live(&owner, &mut live).await?
            };
            if valid {
                continue;
            }
            tracing::debug!(lease_id = %id, "revoking lease whose token is invalid");
            let done = if le.is_token() {
                let _guard = self.lock(&id).await;
                self.delete_id(&id).await
            } else {
                self.revoke(&id, true).await
            };
            match done {
                Ok(()) => report.revoked += 1,
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(lease_id = %id, error = %e, "failed to revoke an invalid lease");
                }
            }
        }
        Ok(report)
    }

    async fn token_is_live(&self, key: &str, cache: &mut HashMap<String, bool>) -> Result<bool, CoreError> {
        if let Some(v) = cache.get(key) {
            return Ok(*v);
        }
        let v = self.tokens.lookup_key(key, true).await?.is_some();
        cache.insert(key.to_string(), v);
        Ok(v)
    }
}
