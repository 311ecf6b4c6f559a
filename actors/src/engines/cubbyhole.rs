//! The cubbyhole engine: per-token private storage at `cubbyhole/`. Each service token sees only
//! its own folder (keyed by the salted hash of its ID, never the ID); the token store destroys the
//! folder when the token is revoked. Wrapped responses live in the same place
//! (`cubbyhole/response` of the wrapping token).

use super::EngineContext;
use crate::barrier::BarrierView;
use crate::handler;
use crate::logical::{Display, Engine, Field, FieldData, FieldType, Op, PathDef, Reply};
use crate::{CoreError, Request, Response};
use async_trait::async_trait;
use serde_json::{Map, Value};

pub struct Cubbyhole {
    /// All cubbyholes: `<token hash>/<path>`.
    view: BarrierView,
}

impl Cubbyhole {
    /// The mount's view is the fixed place of every cubbyhole (`MountEntry::view_prefix`): keyed
    /// by token, cleared by the token store on revocation.
    pub fn new(ctx: EngineContext) -> Self {
        Cubbyhole { view: ctx.view }
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

    async fn list(&self, req: &Request, d: &FieldData) -> Reply {
        let (view, path) = self.locate(req, d)?;
        let prefix = if path.is_empty() || path.ends_with('/') { path.to_string() } else { format!("{path}/") };
        let keys = view.list(&prefix).await?;
        if keys.is_empty() {
            return Err(CoreError::NotFound);
        }
        Ok(Some(Response::list(keys)))
    }

    async fn read(&self, req: &Request, d: &FieldData) -> Reply {
        let (view, path) = self.locate(req, d)?;
        if path.is_empty() || path.ends_with('/') {
            return Err(CoreError::UnsupportedOperation);
        }
        let data: Map<String, Value> = view.get_json(path).await?.ok_or(CoreError::NotFound)?;
        Ok(Some(Response::with_data(data)))
    }

    async fn write(&self, req: &Request, d: &FieldData) -> Reply {
        let (view, path) = self.locate(req, d)?;
        if path.is_empty() || path.ends_with('/') {
            return Err(CoreError::invalid("cannot write to a path ending in '/'"));
        }
        if req.data.is_empty() {
            // Vault answers this with a Go error: a 500, wrapped by go-multierror.
            return Err(CoreError::internal("missing data fields").listed());
        }
        view.put_json(path, &req.data).await?;
        Ok(None)
    }

    async fn delete(&self, req: &Request, d: &FieldData) -> Reply {
        let (view, path) = self.locate(req, d)?;
        if path.is_empty() || path.ends_with('/') {
            return Err(CoreError::UnsupportedOperation);
        }
        view.delete(path).await?;
        Ok(None)
    }

    /// A write to a missing key is a `create` (Vault's cubbyhole existence check).
    async fn exists(&self, req: &Request, d: &FieldData) -> Result<bool, CoreError> {
        let path = d.str("path").unwrap_or("");
        if path.is_empty() || path.ends_with('/') {
            return Ok(true);
        }
        Ok(self.token_view(req)?.get(path).await?.is_some())
    }

    /// The caller's cubbyhole and the path in it.
    fn locate<'a>(&self, req: &Request, d: &'a FieldData) -> Result<(BarrierView, &'a str), CoreError> {
        let path = d.str("path").unwrap_or("");
        check_path(path)?;
        Ok((self.token_view(req)?, path))
    }
}

fn check_path(path: &str) -> Result<(), CoreError> {
    if path.split('/').any(|seg| seg == "..") {
        return Err(CoreError::invalid("invalid path: must not contain '..'"));
    }
    Ok(())
}

const PATH: &[Field] = &[Field::new("path", FieldType::String, "Specifies the path of the secret.")];

#[async_trait]
impl Engine for Cubbyhole {
    fn paths() -> Vec<PathDef<Self>> {
        vec![PathDef::new("{path:any}").display(Display::ids("cubbyhole", "")).op_display(Op::Read, Display::verb("", "read", "")).op_display(Op::Update, Display::verb("", "write", "")).op_display(Op::Delete, Display::verb("", "delete", "")).op_display(Op::List, Display::verb("", "list", ""))
            .fields(&[PATH])
            .arbitrary_input()
            .read(handler!(Self::read))
            .list(handler!(Self::list))
            .update(handler!(Self::write))
            .delete(handler!(Self::delete))
            .exists(handler!(Self::exists))
            .help(
                "Pass-through secret storage to a token-specific cubbyhole in the storage backend, allowing you to read/write arbitrary data into secret storage.",
                "The cubbyhole backend reads and writes arbitrary data into secret storage, encrypting it along the way.\n\nThe view into the cubbyhole storage space is different for each token; it is a per-token cubbyhole. When the token is revoked all values are removed.",
            )]
    }

    fn help() -> &'static str {
        "The cubbyhole backend reads and writes arbitrary secrets to the backend. The secrets are encrypted/decrypted by Vault: they are never stored unencrypted in the backend and the backend never has an opportunity to see the unencrypted value.\n\nThis backend differs from the 'kv' backend in that it is namespaced per-token. Tokens can only read and write their own values, with no sharing possible (per-token cubbyholes). This can be useful for implementing certain authentication workflows, as well as \"scratch\" areas for individual clients. When the token is revoked, the entire set of stored values for that token is also removed."
    }
}
