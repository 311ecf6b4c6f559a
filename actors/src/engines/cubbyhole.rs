//! The cubbyhole engine: per-token private storage at `cubbyhole/`. Each service token sees only
//! its own folder (keyed by the salted hash of its ID, never the ID); the token store destroys the
//! folder when the token is revoked. Wrapped responses live in the same place
//! (`cubbyhole/response` of the wrapping token).

use super::LogicalBackend;
use crate::barrier::BarrierView;
use crate::wrapping::CUBBYHOLE_VIEW;
use crate::{CoreError, Operation, Request, Response};
use async_trait::async_trait;
use serde_json::{Map, Value};

pub struct Cubbyhole {
    /// All cubbyholes: `<token hash>/<path>`.
    view: BarrierView,
}

impl Cubbyhole {
    /// The engine ignores its mount's own view: cubbyhole data is keyed by token, in one fixed
    /// place the token store can clear on revocation.
    pub fn new(mount_view: BarrierView) -> Self {
        Cubbyhole { view: mount_view.with_prefix(CUBBYHOLE_VIEW) }
    }

    /// The caller's own cubbyhole.
    fn token_view(&self, req: &Request) -> Result<BarrierView, CoreError> {
        let entry = req.token_entry.as_ref().ok_or(CoreError::PermissionDenied)?;
        if entry.is_batch() {
            return Err(CoreError::invalid("cubbyhole operations are only supported by 'service' type tokens"));
        }
        if entry.key().is_empty() {
            return Err(CoreError::internal("client token has no storage key"));
        }
        Ok(self.view.sub_view(&format!("{}/", entry.key())))
    }
}

fn check_path(path: &str) -> Result<(), CoreError> {
    if path.split('/').any(|seg| seg == "..") {
        return Err(CoreError::invalid("invalid path: must not contain '..'"));
    }
    Ok(())
}

#[async_trait]
impl LogicalBackend for Cubbyhole {
    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        let path = req.relative_path.as_str();
        check_path(path)?;
        let view = self.token_view(req)?;
        match req.operation {
            Operation::List => {
                let prefix = if path.is_empty() || path.ends_with('/') { path.to_string() } else { format!("{path}/") };
                let keys = view.list(&prefix).await?;
                if keys.is_empty() {
                    return Err(CoreError::NotFound);
                }
                Ok(Some(Response::list(keys)))
            }
            Operation::Read => {
                if path.is_empty() || path.ends_with('/') {
                    return Err(CoreError::UnsupportedOperation);
                }
                let data: Map<String, Value> = view.get_json(path).await?.ok_or(CoreError::NotFound)?;
                Ok(Some(Response::with_data(data)))
            }
            Operation::Update => {
                if path.is_empty() || path.ends_with('/') {
                    return Err(CoreError::invalid("cannot write to a path ending in '/'"));
                }
                if req.data.is_empty() {
                    // Vault answers this with a plain error, hence a 500.
                    return Err(CoreError::internal("missing data fields"));
                }
                view.put_json(path, &req.data).await?;
                Ok(None)
            }
            Operation::Delete => {
                if path.is_empty() || path.ends_with('/') {
                    return Err(CoreError::UnsupportedOperation);
                }
                view.delete(path).await?;
                Ok(None)
            }
            Operation::Patch => Err(CoreError::UnsupportedOperation),
        }
    }

    /// A write to a missing key is a `create` (Vault's cubbyhole existence check).
    async fn exists(&self, req: &Request) -> Result<Option<bool>, CoreError> {
        let path = req.relative_path.as_str();
        if path.is_empty() || path.ends_with('/') {
            return Ok(None);
        }
        Ok(Some(self.token_view(req)?.get(path).await?.is_some()))
    }
}
