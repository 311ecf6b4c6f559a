//! A prefix-scoped window on the barrier: engines see only their own `logical/<uuid>/` keys. A
//! view can only narrow (`sub_view`); making one on another prefix takes the barrier itself,
//! which engines never get.

use super::Barrier;
use crate::CoreError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;

#[derive(Clone)]
pub struct BarrierView {
    barrier: Arc<Barrier>,
    prefix: String,
}

impl BarrierView {
    pub fn new(barrier: Arc<Barrier>, prefix: impl Into<String>) -> Self {
        BarrierView { barrier, prefix: prefix.into() }
    }

    /// A narrower view below this one.
    pub fn sub_view(&self, prefix: &str) -> Self {
        BarrierView { barrier: self.barrier.clone(), prefix: format!("{}{prefix}", self.prefix) }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn full(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, CoreError> {
        self.barrier.get(&self.full(key)).await
    }

    pub async fn put(&self, key: &str, value: &[u8]) -> Result<(), CoreError> {
        self.barrier.put(&self.full(key), value).await
    }

    pub async fn delete(&self, key: &str) -> Result<(), CoreError> {
        self.barrier.delete(&self.full(key)).await
    }

    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, CoreError> {
        self.barrier.list(&self.full(prefix)).await
    }

    /// Writes several keys of this view atomically; `None` deletes.
    pub async fn batch(&self, entries: Vec<(String, Option<Vec<u8>>)>) -> Result<(), CoreError> {
        let entries = entries.into_iter().map(|(k, v)| (self.full(&k), v)).collect();
        self.barrier.batch(entries).await
    }

    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, CoreError> {
        match self.get(key).await? {
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
            None => Ok(None),
        }
    }

    pub async fn put_json<T: Serialize>(&self, key: &str, value: &T) -> Result<(), CoreError> {
        let bytes = serde_json::to_vec(value)?;
        self.put(key, &bytes).await
    }

    /// Every key below `prefix`, walking folders (for clearing a mount's data).
    pub async fn list_recursive(&self, prefix: &str) -> Result<Vec<String>, CoreError> {
        let mut out = Vec::new();
        let mut pending = vec![prefix.to_string()];
        while let Some(dir) = pending.pop() {
            for entry in self.list(&dir).await? {
                let full = format!("{dir}{entry}");
                if entry.ends_with('/') {
                    pending.push(full);
                } else {
                    out.push(full);
                }
            }
        }
        Ok(out)
    }

    /// Deletes everything below this view.
    pub async fn clear(&self) -> Result<(), CoreError> {
        let keys = self.list_recursive("").await?;
        for chunk in keys.chunks(256) {
            self.batch(chunk.iter().map(|k| (k.clone(), None)).collect()).await?;
        }
        Ok(())
    }
}
