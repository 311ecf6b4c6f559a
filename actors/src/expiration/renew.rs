//! Renewing a secret lease (Vault's `ExpirationManager.Renew`): the engine that issued the
//! secret says what it grants, and the TTL is capped as `CalculateTTL` caps it, counted from
//! the lease's issue time against the mount's max TTL and the secret's own max TTL, with
//! Vault's warning when it is. Tokens renew through `auth/token/renew*`, never here.

use super::lease::{seconds, SecretLease};
use super::leases::Expiration;
use crate::token_store::{calculate_ttl, TtlInput};
use crate::{CoreError, Response, Secret};

/// A renewal error as `sys/leases/renew` answers it: 400 with the message, except for a
/// sealed barrier and storage failures.
fn renew_error(e: CoreError) -> CoreError {
    match e {
        CoreError::Sealed | CoreError::Storage(_) => e,
        other => CoreError::invalid(other.to_string()),
    }
}

impl Expiration {
    /// Renews `id` by `increment` seconds (0: what the engine grants). `Ok(None)` when the
    /// engine answers without a secret: the lease is left as it was.
    pub async fn renew(&self, id: &str, increment: u64) -> Result<Option<Response>, CoreError> {
        let _guard = self.lock(id).await;
        let mut le = self.load_for_request(id).await?.ok_or_else(|| CoreError::invalid("lease not found"))?;
        let now = self.now();
        le.renewable(now).map_err(CoreError::invalid)?;
        let Some(secret) = le.secret.clone() else {
            let why = if le.is_token() {
                "tokens cannot be renewed through this endpoint"
            } else {
                "lease does not correspond to a secret"
            };
            return Err(CoreError::invalid(why));
        };
        let route = {
            let router = self.router.load();
            router.route(&le.path).map(|(route, rest)| (route.clone(), rest))
        };
        let Some((route, relative_path)) = route else {
            return Err(CoreError::invalid(format!(
                "failed to renew entry: no handler for route \"{}\". route entry not found.",
                le.path
            )));
        };
        let lease = SecretLease {
            lease_id: le.lease_id.clone(),
            path: le.path.clone(),
            relative_path,
            secret,
            data: le.data.clone().unwrap_or_default(),
            issue_time: le.issue_time,
            increment,
        };
        let answer = route.backend.renew_secret(&lease).await.map_err(|e| match e {
            CoreError::Sealed | CoreError::Storage(_) => e,
            other => CoreError::invalid(format!("failed to renew entry: {other}")),
        })?;
        let Some(mut resp) = answer else { return Ok(None) };
        let Some(granted) = resp.secret.take() else { return Ok(None) };
        let input = TtlInput { increment, backend_ttl: granted.ttl, period: 0, explicit_max_ttl: granted.max_ttl };
        let sys = self.mount_ttls(&route.entry.config);
        let (mut ttl, warnings) = calculate_ttl(sys, input, le.issue_time, now).map_err(renew_error)?;
        let mut expire = now + seconds(ttl);
        if let Some(bound) = le.bound.filter(|b| *b < expire) {
            expire = bound;
            ttl = u64::try_from((bound - now).num_seconds()).unwrap_or(0);
        }
        le.data = resp.data.clone();
        le.secret = Some(Secret { ttl, ..granted });
        le.expire_time = Some(expire);
        le.last_renewal_time = Some(now);
        self.persist(&le).await?;
        self.schedule(&le);
        let renewable = le.secret.as_ref().is_some_and(|s| s.renewable);
        resp.warnings.extend(warnings);
        resp.lease = Some((renewable, ttl));
        resp.lease_id = Some(le.lease_id);
        Ok(Some(resp))
    }
}
