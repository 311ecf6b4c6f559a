//! The request path (DESIGN.md): sealed? → standby? → authenticate → authorize → audit →
//! route → lease → wrap → audit. Steps whose actors arrive in later work are marked as seams.

use crate::authorize::is_unauthenticated;
use crate::core::Core;
use crate::mount_table::MountConfig;
use crate::mount_table::Route;
use crate::token_store::TokenEntry;
use crate::{system, CoreError, Request, Response};
use std::sync::Arc;

/// `sys/...`: served by the system backend, not the router.
fn is_system_path(path: &str) -> bool {
    path == "sys" || path.starts_with("sys/")
}

impl Core {
    /// Resolves the calling token; unknown or missing tokens are denied.
    pub async fn authenticate(&self, token: Option<&str>) -> Result<Arc<TokenEntry>, CoreError> {
        if self.is_sealed() {
            return Err(CoreError::Sealed);
        }
        let token = token.filter(|t| !t.is_empty()).ok_or(CoreError::PermissionDenied)?;
        self.tokens.lookup(token).await?.ok_or(CoreError::PermissionDenied)
    }

    /// Runs one logical request through the pipeline. `Ok(None)` is a success without body.
    pub async fn handle_request(&self, mut req: Request) -> Result<Option<Response>, CoreError> {
        // 1. A sealed node serves nothing logical.
        if self.is_sealed() {
            return Err(CoreError::Sealed);
        }
        // 2. Standby forwarding: seam for the replication streamer (single node is always active).
        // 3. Authenticate. Unauthenticated paths still use a token when one is given.
        let unauthenticated = is_unauthenticated(&req.path);
        let token = match (unauthenticated, req.client_token.as_deref()) {
            (true, None) => None,
            (true, Some(t)) => self.tokens.lookup(t).await?,
            (false, t) => Some(self.authenticate(t).await?),
        };
        // 4. Authorize against the token's ACL; a routed write first asks the engine whether the
        //    resource exists (create vs update).
        let route = if is_system_path(&req.path) { None } else { self.resolve(&mut req) };
        if let Some(entry) = &token {
            if !unauthenticated {
                self.authorize(&req, entry, route.as_ref().map(|r| &*r.backend)).await?;
            }
            req.policies = entry.policies.clone();
        }
        // 5. Audit the request: seam for the audit broker.
        // 6. Route.
        let resp = if is_system_path(&req.path) {
            system::handle(self, &mut req).await?
        } else {
            let Some(route) = route else {
                return Err(CoreError::NotFoundMessage(format!(
                    "no handler for route \"{}\". route entry not found.",
                    req.path
                )));
            };
            let mut resp = route.backend.handle(&req).await?;
            // 7. Leases: a TTL of 0 means the mount's default (the expiration manager adds lease IDs).
            if let Some(r) = resp.as_mut() {
                if let Some((renewable, 0)) = r.lease {
                    let (default, max) = self.effective_ttls(&route.entry.config);
                    r.lease = Some((renewable, default.min(max)));
                }
            }
            resp
        };
        // 8. Response wrapping and 9. audit of the response: seams.
        Ok(resp)
    }

    /// The mount serving the request, with `mount_point` and `relative_path` filled in.
    fn resolve(&self, req: &mut Request) -> Option<Route> {
        let router = self.router.load();
        let (route, rest) = router.route(&req.path)?;
        req.mount_point = route.entry.path.clone();
        req.relative_path = rest;
        Some(route.clone())
    }

    /// A mount's (default, max) TTL with zeros replaced by the system values.
    pub fn effective_ttls(&self, config: &MountConfig) -> (u64, u64) {
        let pick = |v: u64, sys: u64| if v == 0 { sys } else { v };
        (
            pick(config.default_lease_ttl, self.config.default_lease_ttl),
            pick(config.max_lease_ttl, self.config.max_lease_ttl),
        )
    }
}
