//! `auth/token/tidy`: sweeps what lazy expiry and interrupted work leave behind. Expired,
//! used-up or parentless tokens are revoked with their subtrees; parent and accessor index
//! entries that point at nothing are deleted.

use super::entry::AccessorEntry;
use super::{accessor_key, id_key, parent_key, TokenStore, ACCESSOR_PREFIX, ID_PREFIX, PARENT_PREFIX};
use crate::CoreError;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// What one tidy run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TidyReport {
    pub tokens_scanned: usize,
    pub tokens_revoked: usize,
    pub parent_entries_deleted: usize,
    pub accessors_deleted: usize,
}

impl TokenStore {
    /// Runs [`TokenStore::tidy`] in the background, as Vault does; `false` when a run is already
    /// in progress.
    pub fn start_tidy(self: &Arc<Self>) -> bool {
        if self.tidying.swap(true, Ordering::SeqCst) {
            return false;
        }
        let store = self.clone();
        tokio::spawn(async move {
            match store.tidy().await {
                Ok(r) => tracing::info!(
                    scanned = r.tokens_scanned,
                    revoked = r.tokens_revoked,
                    parent_entries = r.parent_entries_deleted,
                    accessors = r.accessors_deleted,
                    "finished tidy operation on tokens"
                ),
                Err(e) => tracing::error!(error = %e, "error running tidy"),
            }
            store.tidying.store(false, Ordering::SeqCst);
        });
        true
    }

    pub async fn tidy(&self) -> Result<TidyReport, CoreError> {
        let mut report = TidyReport::default();
        for key in self.view.list(ID_PREFIX).await? {
            let Some(entry) = self.load_key(&key).await? else { continue };
            report.tokens_scanned += 1;
            // A use count of -1 outside a request means the revocation after the last use was lost.
            if entry.num_uses < 0 || !self.is_live(&entry).await? {
                self.revoke_tree(&key).await?;
                report.tokens_revoked += 1;
            }
        }
        for parent in self.view.list(PARENT_PREFIX).await? {
            let parent = parent.trim_end_matches('/');
            for child in self.children(parent).await? {
                if self.view.get(&id_key(&child)).await?.is_none() {
                    self.view.delete(&parent_key(parent, &child)).await?;
                    report.parent_entries_deleted += 1;
                }
            }
        }
        for hash in self.view.list(ACCESSOR_PREFIX).await? {
            let target = self.view.get_json::<AccessorEntry>(&accessor_key(&hash)).await?;
            let live = match target {
                Some(a) if !a.token_key.is_empty() => self.view.get(&id_key(&a.token_key)).await?.is_some(),
                _ => false,
            };
            if !live {
                self.view.delete(&accessor_key(&hash)).await?;
                report.accessors_deleted += 1;
            }
        }
        Ok(report)
    }
}
