//! In-memory backend for `server -dev` and tests: a sorted map behind a lock.

use crate::list::fold_children;
use crate::{PhysicalBackend, StorageError, WriteOp};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::RwLock;

#[derive(Default)]
pub struct InmemBackend {
    map: RwLock<BTreeMap<String, Vec<u8>>>,
}

impl InmemBackend {
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A panic while holding the lock cannot leave the map half-written (every
        // mutation is a single insert/remove), so a poisoned lock is still consistent.
        self.map.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.map.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl PhysicalBackend for InmemBackend {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.read().get(key).cloned())
    }

    async fn put(&self, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        self.write().insert(key.to_string(), value);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.write().remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let map = self.read();
        let keys = map.range(prefix.to_string()..).map(|(k, _)| k.as_str()).take_while(|k| k.starts_with(prefix));
        Ok(fold_children(prefix, keys))
    }

    async fn batch(&self, ops: Vec<WriteOp>) -> Result<(), StorageError> {
        let mut map = self.write();
        for op in ops {
            match op {
                WriteOp::Put { key, value } => {
                    map.insert(key, value);
                }
                WriteOp::Delete { key } => {
                    map.remove(&key);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_list_delete() {
        let b = InmemBackend::new();
        b.put("a/x", b"1".to_vec()).await.unwrap();
        b.put("a/y/z", b"2".to_vec()).await.unwrap();
        b.put("b", b"3".to_vec()).await.unwrap();
        assert_eq!(b.get("a/x").await.unwrap(), Some(b"1".to_vec()));
        assert_eq!(b.list("a/").await.unwrap(), vec!["x", "y/"]);
        b.batch(vec![WriteOp::Delete { key: "a/x".into() }, WriteOp::Put { key: "a/w".into(), value: vec![] }])
            .await
            .unwrap();
        assert_eq!(b.list("a/").await.unwrap(), vec!["w", "y/"]);
        b.delete("b").await.unwrap();
        assert_eq!(b.get("b").await.unwrap(), None);
    }
}
