//! Request path step 4 (DESIGN.md): ACL checks as Vault's `CheckToken` makes them, with the
//! sudo-protected paths the serving backend's table declares (`PathsSpecial.root`), and the
//! capability reports behind `sys/capabilities*`.

use crate::builtin::Builtin;
use crate::core::Core;
use crate::engines::LogicalBackend;
use crate::logical::matches_special;
use crate::policy_store::{Acl, AclOperation};
use crate::token_store::TokenEntry;
use crate::{CoreError, Operation, Request};
use std::sync::Arc;

impl Core {
    /// The compiled ACL of a token's policies (cached per policy snapshot).
    pub fn acl_for(&self, entry: &TokenEntry) -> Result<Arc<Acl>, CoreError> {
        self.policies.load().cached_acl(&entry.policies).map_err(CoreError::internal)
    }

    /// Step 4: may `entry` perform `req`? `backend` answers Vault's existence check, which
    /// turns a write to a missing resource into `create`.
    pub(crate) async fn authorize(
        &self,
        req: &Request,
        entry: &TokenEntry,
        backend: Option<&dyn LogicalBackend>,
    ) -> Result<(), CoreError> {
        // Vault's ACL: "Help is always allowed" (to any valid token).
        if entry.is_root() || req.operation == Operation::Help {
            return Ok(());
        }
        let acl = self.acl_for(entry)?;
        let exists = match (req.operation, backend) {
            (Operation::Update, Some(backend)) => backend.exists(req).await?.unwrap_or(true),
            _ => true,
        };
        let op = AclOperation::for_request(req.operation, exists);
        let decision = acl.allow_wrapped(op, &req.path, &req.data, req.wrap_ttl);
        let sudo_path = backend.is_some_and(|b| matches_special(b.special_paths().root, &req.relative_path));
        if !decision.allowed || (sudo_path && !decision.sudo) {
            return Err(CoreError::PermissionDenied);
        }
        Ok(())
    }

    /// Authentication and ACL for the raw handlers that bypass the pipeline (`sys/metrics`).
    pub async fn check_token(&self, token: Option<&str>, op: Operation, path: &str) -> Result<(), CoreError> {
        // The raw handlers do not pass the client's address: CIDR-bound tokens are refused.
        let entry = self.authenticate(token, None).await?;
        let mut req = Request::new(op, path);
        let builtin = Builtin::route(self, &mut req)?;
        self.authorize(&req, &entry, builtin.as_ref().map(|b| b as &dyn LogicalBackend)).await
    }

    /// Whether `entry` holds `sudo` on `path` (Vault's `SudoPrivilege`), for handlers that
    /// guard options such as orphan token creation.
    pub fn has_sudo(&self, entry: &TokenEntry, path: &str) -> bool {
        if entry.is_root() {
            return true;
        }
        // The matched rule's sudo bit does not depend on the operation asked about.
        self.acl_for(entry).map(|acl| acl.allow(AclOperation::Read, path, &Default::default()).sudo).unwrap_or(false)
    }

    /// What `sys/capabilities` reports for `entry` on `path`.
    pub fn capabilities(&self, entry: &TokenEntry, path: &str) -> Result<Vec<String>, CoreError> {
        if entry.is_root() {
            return Ok(vec!["root".into()]);
        }
        let caps = self.acl_for(entry)?.capabilities(path);
        Ok(if caps.is_empty() { vec!["deny".into()] } else { caps })
    }
}
