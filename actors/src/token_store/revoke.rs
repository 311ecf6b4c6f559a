//! Ending tokens: revoking a whole subtree (children first, depth-first over an explicit stack,
//! so a deep tree costs heap, never recursion), revoking one token while its children become
//! orphans, and the use counter that ends a use-limited token after its last use.

use super::entry::TokenEntry;
use super::{accessor_key, id_key, parent_key, TokenStore, PARENT_PREFIX};
use crate::CoreError;
use std::collections::HashSet;
use std::sync::Arc;

impl TokenStore {
    /// The salted hashes of the children of `key`, from the parent index.
    pub(crate) async fn children(&self, key: &str) -> Result<Vec<String>, CoreError> {
        let listed = self.view.list(&format!("{PARENT_PREFIX}{key}/")).await?;
        Ok(listed.into_iter().map(|c| c.trim_end_matches('/').to_string()).collect())
    }

    /// The entry under `key` for a caller that already holds its stripe's write lock.
    pub(crate) async fn load_locked(&self, key: &str) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        if let Some(e) = self.cached(key) {
            return Ok(Some(e));
        }
        let Some(mut entry) = self.view.get_json::<TokenEntry>(&id_key(key)).await? else {
            return Ok(None);
        };
        entry.key = key.to_string();
        Ok(Some(Arc::new(entry)))
    }

    /// Revokes the token stored under `key` and every token below it, leaves first.
    pub async fn revoke_tree(&self, key: &str) -> Result<(), CoreError> {
        // (token, the parent whose index listed it): a dangling index entry is removed too.
        let mut stack: Vec<(String, Option<String>)> = vec![(key.to_string(), None)];
        let mut seen = HashSet::new();
        while let Some((top, via)) = stack.last().cloned() {
            seen.insert(top.clone());
            let mut fresh = Vec::new();
            for child in self.children(&top).await? {
                if seen.contains(&child) {
                    // Only a corrupted index has cycles: cut the edge instead of looping.
                    self.view.delete(&parent_key(&top, &child)).await?;
                } else {
                    fresh.push((child, Some(top.clone())));
                }
            }
            if !fresh.is_empty() {
                stack.extend(fresh);
            } else if self.revoke_one(&top, via.as_deref()).await? {
                stack.pop();
            }
            // Otherwise a child appeared meanwhile: the next round lists it.
        }
        Ok(())
    }

    /// Revokes the token under `key` and makes its children orphans (`revoke-orphan`).
    pub async fn revoke_orphan(&self, key: &str) -> Result<(), CoreError> {
        loop {
            for child in self.children(key).await? {
                let _guard = self.lock_keys(&[&child]).await;
                let mut writes = vec![(parent_key(key, &child), None)];
                let orphaned = match self.load_locked(&child).await? {
                    Some(e) => {
                        let mut e = (*e).clone();
                        e.parent = None;
                        e.orphan = true;
                        writes.push((id_key(&child), Some(serde_json::to_vec(&e)?)));
                        Some(e)
                    }
                    None => None,
                };
                self.view.batch(writes).await?;
                if let Some(e) = orphaned {
                    self.cache_put(Arc::new(e));
                }
            }
            if self.revoke_one(key, None).await? {
                return Ok(());
            }
        }
    }

    /// Deletes one token with its accessor and parent index entries in one batch. `false` when
    /// it still has children (created since the caller listed them): the caller goes again.
    async fn revoke_one(&self, key: &str, listed_under: Option<&str>) -> Result<bool, CoreError> {
        let _guard = self.lock_keys(&[key]).await;
        if !self.children(key).await?.is_empty() {
            return Ok(false);
        }
        let mut writes = vec![(id_key(key), None)];
        if let Some(parent) = listed_under {
            writes.push((parent_key(parent, key), None));
        }
        if let Some(entry) = self.load_locked(key).await? {
            self.revoking_lease(&entry).await?;
            if !entry.accessor.is_empty() {
                writes.push((accessor_key(&self.hash(&entry.accessor)?), None));
            }
            if let Some(parent) = entry.parent.as_deref().filter(|p| Some(*p) != listed_under) {
                writes.push((parent_key(parent, key), None));
            }
        }
        self.view.batch(writes).await?;
        self.cache_remove(key);
        self.destroy_cubbyhole(key).await;
        Ok(true)
    }

    /// Spends one use of a use-limited token. `None`: no use was left (or the token is gone).
    /// A token on its last use comes back with `num_uses == -1`; the caller serves the request,
    /// then revokes it. The stripe lock makes check-and-decrement atomic.
    pub async fn use_token(&self, entry: &Arc<TokenEntry>) -> Result<Option<Arc<TokenEntry>>, CoreError> {
        if entry.num_uses == 0 || entry.is_batch() {
            return Ok(Some(entry.clone()));
        }
        let _guard = self.lock_keys(&[entry.key()]).await;
        let Some(current) = self.load_locked(entry.key()).await? else { return Ok(None) };
        match current.num_uses {
            n if n < 0 => Ok(None),
            0 => Ok(Some(current)),
            n => {
                let mut e = (*current).clone();
                e.num_uses = if n == 1 { -1 } else { n - 1 };
                Ok(Some(self.store_entry(e).await?))
            }
        }
    }
}
