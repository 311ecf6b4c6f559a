//! Ending leases (Vault's `revokeCommon`, `RevokePrefix`, `RevokeForce`): a token lease
//! revokes its token (and the token store's hook then drops the lease), a secret lease is
//! revoked by the engine that issued it and then deleted with its index entry. `force` deletes
//! even when the engine fails: the secret may live on outside, which is what the operator asked.

use super::lease::{LeaseEntry, SecretLease};
use super::leases::Expiration;
use crate::CoreError;

/// How a revocation failed: what the caller answers (400 with Vault's wording) and whether a
/// retry can help (Vault's `errIsUnrecoverable`).
pub(crate) fn is_unrecoverable(e: &CoreError) -> bool {
    matches!(e.unlisted(), CoreError::UnsupportedOperation | CoreError::UnsupportedPath | CoreError::InvalidRequest(_))
}

/// Vault's wording for a failed revocation: the engine's error as "failed to revoke entry",
/// the token store's as "failed to revoke token".
pub(crate) fn revocation_message(e: &CoreError) -> String {
    let m = e.to_string();
    if m.starts_with("failed to revoke") {
        m
    } else {
        format!("failed to revoke entry: {m}")
    }
}

/// A revocation error as `sys/leases/revoke` answers it (400, except a sealed barrier and
/// storage failures).
pub(crate) fn revoke_error(e: CoreError) -> CoreError {
    match e {
        CoreError::Sealed | CoreError::Storage(_) => e,
        other => CoreError::invalid(revocation_message(&other)),
    }
}

impl Expiration {
    /// Revokes through the owner: the token store for a token lease, the engine for a secret.
    pub(crate) async fn revoke_entry(&self, le: &LeaseEntry) -> Result<(), CoreError> {
        if le.is_token() {
            return match self.tokens.revoke_tree(&le.token_key).await {
                Ok(()) => Ok(()),
                Err(e @ CoreError::Sealed) => Err(e),
                Err(e) => Err(CoreError::Internal(format!("failed to revoke token: {e}"))),
            };
        }
        let Some(secret) = le.secret.clone() else { return Ok(()) };
        let route = {
            let router = self.router.load();
            router.route(&le.path).map(|(route, rest)| (route.clone(), rest))
        };
        let Some((route, relative_path)) = route else { return Err(CoreError::UnsupportedPath) };
        let lease = SecretLease {
            lease_id: le.lease_id.clone(),
            path: le.path.clone(),
            relative_path,
            secret,
            data: le.data.clone().unwrap_or_default(),
            issue_time: le.issue_time,
            increment: 0,
        };
        route.backend.revoke_secret(&lease).await
    }

    /// Revokes `id` now (Vault's `Revoke`, and `RevokeForce` per lease with `force`). An
    /// unknown lease is no error.
    pub async fn revoke(&self, id: &str, force: bool) -> Result<(), CoreError> {
        let loaded = {
            let _guard = self.lock(id).await;
            self.load(id).await?
        };
        let Some(le) = loaded else {
            self.forget(id);
            return Ok(());
        };
        if le.is_token() {
            // No lease lock across the token store: it calls back here with its own locks held.
            if let Err(e) = self.revoke_entry(&le).await {
                if !force || matches!(e, CoreError::Sealed) {
                    return Err(e);
                }
                tracing::warn!(lease_id = %id, error = %e, "revocation failed, but in force mode so ignoring");
            }
            let _guard = self.lock(id).await;
            return self.delete_id(id).await;
        }
        let _guard = self.lock(id).await;
        let Some(le) = self.load(id).await? else {
            self.forget(id);
            return Ok(());
        };
        if let Err(e) = self.revoke_entry(&le).await {
            if !force || matches!(e, CoreError::Sealed) {
                return Err(e);
            }
            tracing::warn!(lease_id = %id, error = %e, "revocation from the backend failed, but in force mode so ignoring");
        }
        self.delete(&le).await?;
        tracing::debug!(lease_id = %id, "revoked lease");
        Ok(())
    }

    /// Revokes every lease under `prefix` (Vault's `revokePrefixCommon`): a prefix without a
    /// trailing `/` that names a lease revokes just that lease. `sync` revokes before
    /// answering; otherwise the leases are marked expired and the timers revoke them.
    pub async fn revoke_prefix(&self, prefix: &str, force: bool, sync: bool) -> Result<(), CoreError> {
        let mut prefix = prefix.to_string();
        if !prefix.ends_with('/') {
            if self.load(&prefix).await?.is_some() {
                return if sync {
                    self.revoke(&prefix, force)
                        .await
                        .map_err(|e| CoreError::invalid(format!("failed to revoke {prefix:?}: {e}")))
                } else {
                    self.lazy_revoke(&prefix).await
                };
            }
            prefix.push('/');
        }
        let ids = self.ids_below(&prefix).await?;
        let total = ids.len();
        for (i, id) in ids.iter().enumerate() {
            let done = if sync { self.revoke(id, force).await } else { self.lazy_revoke(id).await };
            done.map_err(|e| match e {
                CoreError::Sealed => e,
                other => CoreError::invalid(format!("failed to revoke {id:?} ({} / {total}): {other}", i + 1)),
            })?;
        }
        Ok(())
    }

    /// The timer loop's revocation of a lease that came due. A lease renewed meanwhile goes
    /// back on the schedule instead.
    pub(crate) async fn revoke_due(&self, id: &str) -> Result<(), CoreError> {
        let loaded = {
            let _guard = self.lock(id).await;
            let le = self.load(id).await?;
            if let Some(le) = le.as_ref().filter(|le| le.expire_time.is_none_or(|t| t > self.now())) {
                self.schedule(le);
                return Ok(());
            }
            le
        };
        match loaded {
            Some(le) if !le.is_irrevocable() => self.revoke(id, false).await,
            Some(le) => {
                self.schedule(&le);
                Ok(())
            }
            None => {
                self.forget(id);
                Ok(())
            }
        }
    }

    /// Makes `id` irrevocable after a failed revocation: kept, listed by `sys/leases`, never
    /// retried by its timer.
    pub(crate) async fn mark_irrevocable(&self, id: &str, error: &str) -> Result<(), CoreError> {
        let _guard = self.lock(id).await;
        let Some(mut le) = self.load(id).await? else {
            self.forget(id);
            return Ok(());
        };
        if !le.is_irrevocable() {
            le.set_revoke_err(error);
            self.persist(&le).await?;
        }
        self.schedule(&le);
        Ok(())
    }
}
