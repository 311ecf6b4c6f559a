//! KV version 1: unversioned key/value storage. Values are the JSON objects written.

use super::EngineContext;
use crate::barrier::BarrierView;
use crate::duration::parse_duration_value;
use crate::handler;
use crate::logical::{Display, Engine, Field, FieldData, FieldType, Op, PathDef, Reply};
use crate::{CoreError, Request, Response};
use async_trait::async_trait;
use serde_json::{Map, Value};

pub struct KvV1 {
    view: BarrierView,
}

impl KvV1 {
    pub fn new(ctx: EngineContext) -> Self {
        KvV1 { view: ctx.view }
    }
}

/// Vault refuses an empty key and keys that would escape the mount.
fn check_key(path: &str) -> Result<(), CoreError> {
    if path.is_empty() || path.ends_with('/') {
        return Err(CoreError::UnsupportedOperation);
    }
    if path.split('/').any(|seg| seg == "..") {
        return Err(CoreError::invalid("invalid path: must not contain '..'"));
    }
    Ok(())
}

const PATH: &[Field] = &[Field::new("path", FieldType::String, "Location of the secret.")];

const HELP: &str = "The KV backend reads and writes arbitrary secrets to the backend. The secrets are encrypted/decrypted by Vault: they are never stored unencrypted in the backend and the backend never has an opportunity to see the unencrypted value.\n\nLeases can be set on a per-secret basis. These leases will be sent down when that secret is read, and it is assumed that some outside process will revoke and/or replace the secret at that path.";

fn key(d: &FieldData) -> &str {
    d.str("path").unwrap_or("")
}

impl KvV1 {
    async fn list(&self, _: &Request, d: &FieldData) -> Reply {
        let path = key(d);
        let prefix = if path.is_empty() || path.ends_with('/') { path.to_string() } else { format!("{path}/") };
        let keys = self.view.list(&prefix).await?;
        if keys.is_empty() {
            return Err(CoreError::NotFound);
        }
        Ok(Some(Response::list(keys)))
    }

    async fn read(&self, _: &Request, d: &FieldData) -> Reply {
        let path = key(d);
        check_key(path)?;
        let data: Option<Map<String, Value>> = self.view.get_json(path).await?;
        let data = data.ok_or(CoreError::NotFound)?;
        // KV v1 honours a `ttl` (or legacy `lease`) field as the lease duration hint.
        let ttl =
            ["ttl", "lease"].iter().find_map(|k| data.get(*k)).and_then(|v| parse_duration_value(v).ok()).unwrap_or(0);
        let mut resp = Response::with_data(data);
        resp.lease = Some((false, ttl));
        Ok(Some(resp))
    }

    async fn write(&self, req: &Request, d: &FieldData) -> Reply {
        let path = key(d);
        check_key(path)?;
        if req.data.is_empty() {
            return Err(CoreError::invalid("missing data fields"));
        }
        self.view.put_json(path, &req.data).await?;
        Ok(None)
    }

    async fn delete(&self, _: &Request, d: &FieldData) -> Reply {
        let path = key(d);
        check_key(path)?;
        self.view.delete(path).await?;
        Ok(None)
    }

    /// Vault's `handleExistenceCheck`: a write to a missing key is a `create`; a folder has
    /// no check (an update).
    async fn exists(&self, _: &Request, d: &FieldData) -> Result<bool, CoreError> {
        let path = key(d);
        if path.is_empty() || path.ends_with('/') {
            return Ok(true);
        }
        Ok(self.view.get(path).await?.is_some())
    }
}

#[async_trait]
impl Engine for KvV1 {
    fn paths() -> Vec<PathDef<Self>> {
        vec![PathDef::new("{path:any}").display(Display::ids("kv-v1", "")).op_display(Op::Read, Display::verb("", "read", "")).op_display(Op::Update, Display::verb("", "write", "")).op_display(Op::Delete, Display::verb("", "delete", "")).op_display(Op::List, Display::verb("", "list", ""))
            .fields(&[PATH])
            .arbitrary_input()
            .read(handler!(Self::read))
            .list(handler!(Self::list))
            .update(handler!(Self::write))
            .delete(handler!(Self::delete))
            .exists(handler!(Self::exists))
            .help(
                "Pass-through secret storage to the storage backend, allowing you to read/write arbitrary data into secret storage.",
                "The pass-through backend reads and writes arbitrary data into secret storage, encrypting it along the way.",
            )]
    }

    fn help() -> &'static str {
        HELP
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logical::{Backend, LogicalBackend};
    use crate::test_support::{engine_context, unsealed_view};
    use crate::Operation;
    use serde_json::json;

    fn req(op: Operation, path: &str, data: Value) -> Request {
        let mut r = Request::new(op, format!("kv/{path}"));
        r.relative_path = path.to_string();
        if let Value::Object(m) = data {
            r.data = m;
        }
        r
    }

    #[tokio::test]
    async fn write_read_list_delete() {
        let kv = Backend::new(KvV1::new(engine_context(unsealed_view().await))).unwrap();
        kv.handle(&req(Operation::Update, "a/b", json!({"foo": "bar", "n": 1}))).await.unwrap();
        let got = kv.handle(&req(Operation::Read, "a/b", json!({}))).await.unwrap().unwrap();
        assert_eq!(Value::Object(got.data.unwrap()), json!({"foo": "bar", "n": 1}));
        let list = kv.handle(&req(Operation::List, "", json!({}))).await.unwrap().unwrap();
        assert_eq!(list.data.unwrap()["keys"], json!(["a/"]));
        kv.handle(&req(Operation::Delete, "a/b", json!({}))).await.unwrap();
        let err = kv.handle(&req(Operation::Read, "a/b", json!({}))).await.unwrap_err();
        assert_eq!(err.status(), 404);
        let err = kv.handle(&req(Operation::List, "a/", json!({}))).await.unwrap_err();
        assert_eq!(err.status(), 404);
    }
}
