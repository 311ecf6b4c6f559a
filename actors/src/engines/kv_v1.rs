//! KV version 1: unversioned key/value storage. Values are the JSON objects written.

use super::LogicalBackend;
use crate::barrier::BarrierView;
use crate::duration::parse_duration_value;
use crate::{CoreError, Operation, Request, Response};
use async_trait::async_trait;
use serde_json::{Map, Value};

pub struct KvV1 {
    view: BarrierView,
}

impl KvV1 {
    pub fn new(view: BarrierView) -> Self {
        KvV1 { view }
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

#[async_trait]
impl LogicalBackend for KvV1 {
    /// Vault's `handleExistenceCheck`: a write to a missing key is a `create`.
    async fn exists(&self, req: &Request) -> Result<Option<bool>, CoreError> {
        let path = req.relative_path.as_str();
        if path.is_empty() || path.ends_with('/') {
            return Ok(None);
        }
        Ok(Some(self.view.get(path).await?.is_some()))
    }

    async fn handle(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        let path = req.relative_path.as_str();
        match req.operation {
            Operation::List => {
                let prefix = if path.is_empty() || path.ends_with('/') { path.to_string() } else { format!("{path}/") };
                let keys = self.view.list(&prefix).await?;
                if keys.is_empty() {
                    return Err(CoreError::NotFound);
                }
                Ok(Some(Response::list(keys)))
            }
            Operation::Read => {
                check_key(path)?;
                let data: Option<Map<String, Value>> = self.view.get_json(path).await?;
                let data = data.ok_or(CoreError::NotFound)?;
                // KV v1 honours a `ttl` (or legacy `lease`) field as the lease duration hint.
                let ttl = ["ttl", "lease"]
                    .iter()
                    .find_map(|k| data.get(*k))
                    .and_then(|v| parse_duration_value(v).ok())
                    .unwrap_or(0);
                let mut resp = Response::with_data(data);
                resp.lease = Some((false, ttl));
                Ok(Some(resp))
            }
            Operation::Update => {
                check_key(path)?;
                if req.data.is_empty() {
                    return Err(CoreError::invalid("missing data fields"));
                }
                self.view.put_json(path, &req.data).await?;
                Ok(None)
            }
            Operation::Delete => {
                check_key(path)?;
                self.view.delete(path).await?;
                Ok(None)
            }
            Operation::Patch => Err(CoreError::UnsupportedOperation),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::unsealed_view;
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
        let kv = KvV1::new(unsealed_view().await);
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
