//! Renewing a service token as Vault's expiration manager does (`RenewToken` + the token
//! store's `authRenew`): the new TTL runs from now, asks for `increment` (or the last granted TTL
//! again), and is capped by the max TTL counted from the issue time. Role tokens take the role's
//! current period and explicit max TTL.

use super::entry::TokenEntry;
use super::ttl::{calculate_ttl, expiry, SysTtls, TtlInput};
use super::TokenStore;
use crate::logical::AuthRenewal;
use crate::CoreError;
use std::sync::Arc;

/// The outcome of a renewal.
#[derive(Debug, Clone)]
pub struct Renewed {
    pub entry: Arc<TokenEntry>,
    /// The granted TTL in seconds.
    pub ttl: u64,
    pub warnings: Vec<String>,
}

impl TokenStore {
    /// Renews the service token stored under `key` by `increment` seconds (0: the last TTL).
    /// `sys` are the issuing mount's TTLs; `granted` is what the auth method that issued the
    /// token allows now (its TTL, max TTL and period; 0 leaves them to the mount), `None` for
    /// the token store's own tokens.
    pub async fn renew(
        &self,
        key: &str,
        increment: u64,
        mut sys: SysTtls,
        granted: Option<AuthRenewal>,
    ) -> Result<Renewed, CoreError> {
        let _guard = self.lock_keys(&[key]).await;
        let Some(current) = self.load_locked(key).await? else {
            return Err(CoreError::invalid("token not found"));
        };
        let now = self.now();
        // Vault's leaseEntry.renewable(): root tokens without a TTL have no lease to renew.
        match current.expire_time {
            None => return Err(CoreError::invalid("lease is not renewable")),
            Some(t) if now > t => return Err(CoreError::invalid("lease expired")),
            Some(_) if !current.renewable => return Err(CoreError::invalid("lease is not renewable")),
            Some(_) => {}
        }
        let (period, explicit_max_ttl) = if current.role.is_empty() {
            (current.period, current.explicit_max_ttl)
        } else {
            let role = self.role(&current.role).await?.ok_or_else(|| {
                CoreError::internal(format!(
                    "original token role \"{}\" could not be found, not renewing",
                    current.role
                ))
            })?;
            (role.token_period, role.token_explicit_max_ttl)
        };
        let mut input = TtlInput { increment, backend_ttl: current.lease_ttl, period, explicit_max_ttl };
        if let Some(g) = granted {
            // Vault's `LeaseExtend(user.TokenTTL, user.TokenMaxTTL, sysView)`.
            input.backend_ttl = g.ttl;
            input.period = g.period;
            if g.max_ttl > 0 && g.max_ttl < sys.max_ttl {
                sys.max_ttl = g.max_ttl;
            }
        }
        let (ttl, warnings) = calculate_ttl(sys, input, current.issued_at(), now)?;
        let mut entry = (*current).clone();
        entry.lease_ttl = ttl;
        entry.expire_time = expiry(now, ttl);
        entry.last_renewal_time = Some(now);
        let entry = self.store_entry(entry).await?;
        self.renewed_lease(&entry).await?;
        Ok(Renewed { entry, ttl, warnings })
    }
}
