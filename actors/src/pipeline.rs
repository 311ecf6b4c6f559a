//! The request path (DESIGN.md): sealed? → standby? → authenticate → authorize → audit →
//! route → lease → wrap → audit. Steps whose actors arrive in later work are marked as seams.

use crate::core::Core;
use crate::mount_table::{MountConfig, MountEntry};
use crate::token_store::TokenEntry;
use crate::{system, CoreError, Request, Response};
use std::sync::Arc;

/// `sys/` paths a client may call without a token (besides the raw seal/health handlers).
const UNAUTHENTICATED_PREFIXES: [&str; 1] = ["sys/internal/ui/mounts"];

fn is_unauthenticated(path: &str) -> bool {
    UNAUTHENTICATED_PREFIXES
        .iter()
        .any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
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
        let token = match (is_unauthenticated(&req.path), req.client_token.as_deref()) {
            (true, None) => None,
            (true, Some(t)) => self.tokens.lookup(t).await?,
            (false, t) => Some(self.authenticate(t).await?),
        };
        // 4. Authorize: the root policy grants everything; ACL policies arrive with the policy store.
        if let Some(entry) = &token {
            if !entry.is_root() {
                return Err(CoreError::PermissionDenied);
            }
            req.policies = entry.policies.clone();
        }
        // 5. Audit the request: seam for the audit broker.
        // 6. Route.
        let resp = if req.path == "sys" || req.path.starts_with("sys/") {
            system::handle(self, &mut req).await?
        } else {
            let (mut resp, mount) = self.route(&mut req).await?;
            // 7. Leases: a TTL of 0 means the mount's default (the expiration manager adds lease IDs).
            if let Some(r) = resp.as_mut() {
                if let Some((renewable, 0)) = r.lease {
                    let (default, max) = self.effective_ttls(&mount.config);
                    r.lease = Some((renewable, default.min(max)));
                }
            }
            resp
        };
        // 8. Response wrapping and 9. audit of the response: seams.
        Ok(resp)
    }

    /// Hands the request to the engine of its mount; returns the response and that mount.
    async fn route(&self, req: &mut Request) -> Result<(Option<Response>, Arc<MountEntry>), CoreError> {
        let router = self.router.load();
        let Some((route, rest)) = router.route(&req.path) else {
            return Err(CoreError::NotFoundMessage(format!(
                "no handler for route \"{}\". route entry not found.",
                req.path
            )));
        };
        req.mount_point = route.entry.path.clone();
        req.relative_path = rest;
        let (backend, entry) = (route.backend.clone(), route.entry.clone());
        drop(router);
        Ok((backend.handle(req).await?, entry))
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
