//! Request path step 7 for secrets (Vault's `handleRequest` after routing): an engine answer
//! that carries a `secret` gets its TTL calculated for the mount and a lease registered with
//! the expiration manager; the client sees the lease ID, the TTL and whether it renews.

use super::lease::SecretLease;
use super::messages::Register;
use super::register::NewSecretLease;
use crate::core::Core;
use crate::mount_table::Route;
use crate::token_store::{calculate_ttl, SysTtls, TtlInput};
use crate::{CoreError, Request, Response, Secret};

impl Core {
    /// Leases the secret in `resp`, if any. If the lease cannot be registered, the secret is
    /// revoked through its engine again (nothing may live on untracked) and the request fails.
    pub(crate) async fn lease_secret(
        &self,
        req: &Request,
        route: &Route,
        resp: &mut Response,
    ) -> Result<(), CoreError> {
        let Some(secret) = resp.secret.take() else { return Ok(()) };
        let token = req
            .token_entry
            .clone()
            .ok_or_else(|| CoreError::internal("cannot register a lease with an empty client token"))?;
        let (default_ttl, max_ttl) = self.effective_ttls(&route.entry.config);
        let now = self.leases.now();
        let input = TtlInput { backend_ttl: secret.ttl, explicit_max_ttl: secret.max_ttl, ..Default::default() };
        let (ttl, warnings) = calculate_ttl(SysTtls { default_ttl, max_ttl }, input, now, now)?;
        resp.warnings.extend(warnings);
        let secret = Secret { ttl, ..secret };
        let lease = NewSecretLease { path: req.path.clone(), secret: secret.clone(), data: resp.data.clone() };
        let registered = match self.expiration.send(Register { token, lease }).await.map_err(CoreError::from) {
            Ok(Ok(r)) => r,
            Ok(Err(e)) | Err(e) => return Err(self.undo_secret(req, route, resp, secret, e).await),
        };
        resp.lease = Some((secret.renewable, registered.ttl));
        resp.lease_id = Some(registered.lease_id);
        Ok(())
    }

    /// Revokes a secret whose lease could not be registered; returns the registration error.
    async fn undo_secret(
        &self,
        req: &Request,
        route: &Route,
        resp: &Response,
        secret: Secret,
        e: CoreError,
    ) -> CoreError {
        let lease = SecretLease {
            lease_id: String::new(),
            path: req.path.clone(),
            relative_path: req.relative_path.clone(),
            secret,
            data: resp.data.clone().unwrap_or_default(),
            issue_time: self.leases.now(),
            increment: 0,
        };
        if let Err(undo) = route.backend.revoke_secret(&lease).await {
            tracing::error!(path = %req.path, error = %undo, "failed to revoke a secret whose lease could not be registered");
        }
        e
    }
}
