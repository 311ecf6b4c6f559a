//! The request path (DESIGN.md): sealed? → standby? → authenticate → authorize → audit →
//! route → lease → wrap → audit. Standby forwarding happens before, in the api crate.

use crate::audit::LogInput;
use crate::builtin::Builtin;
use crate::core::Core;
use crate::logical::{matches_special, LogicalBackend};
use crate::mount_table::Route;
use crate::mount_table::{MountConfig, MountEntry};
use crate::token_store::TokenEntry;
use crate::{CoreError, Operation, Request, Response};
use std::net::IpAddr;
use std::sync::Arc;

impl Core {
    /// Resolves the calling token; unknown or missing tokens are denied, and so are tokens bound
    /// to CIDRs that `remote` (the client's address, if known) is not in.
    pub async fn authenticate(
        &self,
        token: Option<&str>,
        remote: Option<IpAddr>,
    ) -> Result<Arc<TokenEntry>, CoreError> {
        if self.is_sealed() {
            return Err(CoreError::Sealed);
        }
        let token = token.filter(|t| !t.is_empty()).ok_or(CoreError::PermissionDenied)?;
        let entry = self.tokens.lookup(token).await?.ok_or(CoreError::PermissionDenied)?;
        if !entry.allows_addr(remote) {
            return Err(CoreError::PermissionDenied);
        }
        Ok(entry)
    }

    /// Runs one logical request through the pipeline. `Ok(None)` is a success without body.
    pub async fn handle_request(&self, mut req: Request) -> Result<Option<Response>, CoreError> {
        // 1. A sealed node serves nothing logical.
        if self.is_sealed() {
            return Err(CoreError::Sealed);
        }
        // Vault's core refuses writes to folders before anything else, the token included.
        if matches!(req.operation, Operation::Update | Operation::Patch) && req.path.ends_with('/') {
            return Err(CoreError::invalid("cannot write to a path ending in '/'"));
        }
        // 2. Standby forwarding: seam for the replication streamer (single node is always active).
        // 3. Authenticate. The route is resolved first: a mount's own unauthenticated paths (an
        //    auth method's `login/*`) need no token. Unauthenticated paths still use a token when
        //    one is given. A use of a use-limited token is spent here, before the ACL, as Vault
        //    does.
        if matches!(req.path.as_str(), "sys/wrapping/lookup" | "sys/wrapping/rewrap" | "sys/wrapping/unwrap") {
            self.validate_wrapping_token(&req).await?;
        }
        // The backend: one built into the node (`sys/`, `auth/token/`) or a mount.
        let builtin = Builtin::route(self, &mut req)?;
        let route = if builtin.is_none() { self.resolve(&mut req) } else { None };
        let backend: Option<&dyn LogicalBackend> = match (&builtin, &route) {
            (Some(b), _) => Some(b),
            (None, Some(r)) => Some(&*r.backend),
            (None, None) => None,
        };
        let unauthenticated =
            backend.is_some_and(|b| matches_special(b.special_paths().unauthenticated, &req.relative_path));
        let audit = AuditMount::of(&req, route.as_ref());
        let token = match self.caller(&mut req, backend, unauthenticated).await {
            Ok(token) => token,
            Err(e) => {
                // A refused request is audited with its error, as Vault's core does.
                self.audit.log_request(&audit.input(&req, None, Some(&e))).await?;
                return Err(e);
            }
        };
        // 5. Audit the request: with a device enabled, one that no device recorded has no effect.
        if let Err(e) = self.audit.log_request(&audit.input(&req, None, None)).await {
            if let Some(entry) = &token {
                self.finish_last_use(entry).await;
            }
            return Err(e);
        }
        let result = self.serve(&mut req, builtin.as_ref(), route).await.map_err(|e| e.shaped(unauthenticated));
        if let Some(entry) = &token {
            self.finish_last_use(entry).await;
        }
        // 9. Audit the response: one that no device recorded is withheld.
        let (resp, err) = match &result {
            Ok(resp) => (resp.as_ref(), None),
            Err(e) => (None, Some(e)),
        };
        self.audit.log_response(&audit.input(&req, resp, err)).await?;
        result
    }

    /// Steps 3 and 4: the calling token (spending a use), then the ACL; a routed write first
    /// asks the engine whether the resource exists (create vs update).
    async fn caller(
        &self,
        req: &mut Request,
        backend: Option<&dyn LogicalBackend>,
        unauthenticated: bool,
    ) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        let token = match (unauthenticated, req.client_token.as_deref()) {
            (true, None) => None,
            (true, Some(t)) => self.tokens.lookup(t).await?.filter(|e| e.allows_addr(req.remote_addr)),
            (false, t) => {
                let entry = self.authenticate(t, req.remote_addr).await?;
                Some(self.tokens.use_token(&entry).await?.ok_or(CoreError::PermissionDenied)?)
            }
        };
        if let Some(entry) = &token {
            req.policies = entry.policies.clone();
            req.token_entry = Some(entry.clone());
            if !unauthenticated {
                if let Err(e) = self.authorize(req, entry, backend).await {
                    self.finish_last_use(entry).await;
                    return Err(e);
                }
            }
        }
        Ok(token)
    }

    /// Steps 5 to 9 for an authorized request.
    async fn serve(
        &self,
        req: &mut Request,
        builtin: Option<&Builtin<'_>>,
        route: Option<Route>,
    ) -> Result<Option<Response>, CoreError> {
        // 6. Route.
        let resp = if let Some(builtin) = builtin {
            builtin.handle(req).await?
        } else {
            let Some(route) = route else {
                return Err(CoreError::NotFoundMessage(format!(
                    "no handler for route \"{}\". route entry not found.",
                    req.path
                )));
            };
            let mut resp = route.backend.handle(req).await?;
            // 7. Logins: mint the token an auth method's answer describes.
            if let Some(r) = resp.take_if(|r| r.login.is_some()) {
                resp = Some(self.complete_login(req, &route.entry, r).await?);
            }
            // 7. Leases: a secret gets a lease from the expiration manager; a bare TTL of 0
            //    (KV's `ttl` key) means the mount's default.
            if let Some(r) = resp.as_mut() {
                if r.secret.is_some() {
                    self.lease_secret(req, &route, r).await?;
                } else if let Some((renewable, 0)) = r.lease {
                    let (default, max) = self.effective_ttls(&route.entry.config);
                    r.lease = Some((renewable, default.min(max)));
                }
            }
            resp
        };
        // 8. Response wrapping: the client gets only wrap_info.
        let resp = match (req.wrap_ttl, resp) {
            (Some(ttl), Some(r)) if r.wrap_info.is_none() => Some(self.wrap_response(req, r, ttl).await?),
            (_, resp) => resp,
        };
        Ok(resp)
    }

    /// A token whose last use this request spent is revoked once the request is done.
    async fn finish_last_use(&self, entry: &TokenEntry) {
        if entry.num_uses == -1 {
            if let Err(e) = self.tokens.revoke_tree(entry.key()).await {
                tracing::warn!(error = %e, "failed to revoke a used-up token; tidy will retry");
            }
        }
    }

    /// The mount serving the request, with `mount_point` and `relative_path` filled in.
    fn resolve(&self, req: &mut Request) -> Option<Route> {
        let router = self.router.load();
        let (route, rest) = router.route(&req.path)?;
        req.mount_point = route.entry.api_path();
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

/// What the audit entries say about the mount serving a request (an `Arc` of its entry: a
/// request pays nothing more while no device is enabled).
struct AuditMount {
    entry: Option<Arc<MountEntry>>,
    builtin: &'static str,
}

impl AuditMount {
    fn of(req: &Request, route: Option<&Route>) -> Self {
        let builtin = match req.mount_point.as_str() {
            "sys/" => "system",
            "auth/token/" => "token",
            _ => "",
        };
        AuditMount { entry: route.map(|r| r.entry.clone()), builtin }
    }

    fn input<'a>(
        &'a self,
        req: &'a Request,
        response: Option<&'a Response>,
        error: Option<&CoreError>,
    ) -> LogInput<'a> {
        let (mount_type, mount_accessor, request_keys, response_keys): (&str, &str, &[String], &[String]) = match &self
            .entry
        {
            Some(e) => {
                (&e.kind, &e.accessor, &e.config.audit_non_hmac_request_keys, &e.config.audit_non_hmac_response_keys)
            }
            None => (self.builtin, "", &[], &[]),
        };
        LogInput {
            request: req,
            token: req.token_entry.as_deref(),
            mount_type,
            mount_accessor,
            non_hmac_request_keys: request_keys,
            non_hmac_response_keys: response_keys,
            response,
            error: error.map(|e| e.to_string()),
        }
    }
}
