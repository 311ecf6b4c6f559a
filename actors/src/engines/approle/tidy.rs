//! `tidy/secret-id` (Vault's `path_tidy_user_id.go`): deletes expired secret IDs, secret IDs
//! whose accessor is gone, and accessors whose secret ID is gone. It runs in the background, as
//! Vault's does, and once a minute from the node's periodic scheduler (`LogicalBackend::periodic`).
//!
//! Vault answers the request with 202 Accepted; `Response` carries no status code, so this
//! answers 200 with the same warning.

use super::secret_id::{AccessorEntry, SecretIdEntry};
use super::{Inner, ACCESSOR_LOCAL_PREFIX, ACCESSOR_PREFIX, SECRET_ID_LOCAL_PREFIX, SECRET_ID_PREFIX};
use crate::{CoreError, Response};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// What one tidy run removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct TidyReport {
    pub secret_ids_checked: usize,
    pub secret_ids_deleted: usize,
    pub accessors_deleted: usize,
}

/// The answer to `tidy/secret-id`, given whether this request started a run.
pub(super) fn response(started: bool) -> Response {
    Response::default().warn(if started {
        "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."
    } else {
        "Tidy operation already in progress."
    })
}

impl Inner {
    /// Runs [`Inner::tidy`] in the background; `false` when a run is already going.
    pub(crate) fn start_tidy(self: Arc<Self>) -> bool {
        if self.tidying.swap(true, Ordering::SeqCst) {
            return false;
        }
        tokio::spawn(async move {
            match self.tidy().await {
                Ok(r) => tracing::debug!(
                    checked = r.secret_ids_checked,
                    deleted = r.secret_ids_deleted,
                    accessors = r.accessors_deleted,
                    "approle: tidied secret IDs"
                ),
                Err(CoreError::Sealed) => {}
                Err(e) => tracing::error!(error = %e, "approle: error tidying secret IDs"),
            }
            self.tidying.store(false, Ordering::SeqCst);
        });
        true
    }

    pub(crate) async fn tidy(&self) -> Result<TidyReport, CoreError> {
        let mut report = TidyReport::default();
        self.tidy_prefix(SECRET_ID_PREFIX, ACCESSOR_PREFIX, &mut report).await?;
        self.tidy_prefix(SECRET_ID_LOCAL_PREFIX, ACCESSOR_LOCAL_PREFIX, &mut report).await?;
        Ok(report)
    }

    async fn tidy_prefix(
        &self,
        secret_prefix: &str,
        accessor_prefix: &str,
        report: &mut TidyReport,
    ) -> Result<(), CoreError> {
        // salted accessor -> the secret ID HMAC it names
        let mut accessors: HashMap<String, String> = HashMap::new();
        for salted in self.view.list(accessor_prefix).await? {
            if let Some(a) = self.view.get_json::<AccessorEntry>(&format!("{accessor_prefix}{salted}")).await? {
                accessors.insert(salted, a.secret_id_hmac);
            }
        }
        let now = self.now();
        let mut live_accessors = HashSet::new();
        let mut existing_secret_ids = HashSet::new();
        for role_dir in self.view.list(secret_prefix).await? {
            for hmac in self.view.list(&format!("{secret_prefix}{role_dir}")).await? {
                report.secret_ids_checked += 1;
                let path = format!("{secret_prefix}{role_dir}{hmac}");
                let _guard = self.secret_id_lock(&hmac).write().await;
                let Some(entry) = self.view.get_json::<SecretIdEntry>(&path).await? else { continue };
                let salted = self.salted(&entry.secret_id_accessor).await?;
                let accessor_key = format!("{accessor_prefix}{salted}");
                if !accessors.contains_key(&salted) && self.view.get(&accessor_key).await?.is_none() {
                    self.view.delete(&path).await?;
                    report.secret_ids_deleted += 1;
                } else if entry.is_expired(now) {
                    self.view.batch(vec![(accessor_key, None), (path, None)]).await?;
                    report.secret_ids_deleted += 1;
                } else {
                    live_accessors.insert(salted);
                    existing_secret_ids.insert(hmac);
                }
            }
        }
        for (salted, hmac) in accessors {
            if live_accessors.contains(&salted) || existing_secret_ids.contains(&hmac) {
                continue;
            }
            // Under the secret ID's lock a half-written pair (accessor first) cannot be seen.
            let _guard = self.secret_id_lock(&hmac).write().await;
            let key = format!("{accessor_prefix}{salted}");
            if self.view.get_json::<AccessorEntry>(&key).await?.is_some()
                && !self.secret_id_exists(secret_prefix, &hmac).await?
            {
                self.view.delete(&key).await?;
                report.accessors_deleted += 1;
            }
        }
        Ok(())
    }

    /// Whether any role still holds a secret ID with this HMAC (a just-registered one, say).
    async fn secret_id_exists(&self, secret_prefix: &str, hmac: &str) -> Result<bool, CoreError> {
        for role_dir in self.view.list(secret_prefix).await? {
            if self.view.get(&format!("{secret_prefix}{role_dir}{hmac}")).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::engines::LogicalBackend;
    use crate::Operation::{List, Update};
    use serde_json::json;

    #[tokio::test]
    async fn tidy_removes_expired_and_dangling_entries() {
        let e = must_engine().await;
        must_role(&e, "r", json!({})).await;
        let (_, keep) = must_secret_id(&e, "r", json!({})).await;
        must_secret_id(&e, "r", json!({"ttl": 30})).await;
        let inner = e.engine().inner();
        let role = inner.load_role("r").await.unwrap().unwrap();

        // A dangling accessor (its secret ID vanished) and a secret ID without an accessor.
        inner.view.put_json("accessor/deadbeef", &AccessorEntry { secret_id_hmac: "gone".into() }).await.unwrap();
        let (_, orphan_acc) = must_secret_id(&e, "r", json!({})).await;
        let orphan_key = inner.accessor_key(&role, &orphan_acc).await.unwrap();
        inner.view.delete(&orphan_key).await.unwrap();

        inner.advance_clock(31);
        let report = inner.tidy().await.unwrap();
        assert_eq!(report.secret_ids_checked, 3);
        assert_eq!(report.secret_ids_deleted, 2, "the expired and the accessor-less secret IDs");
        assert_eq!(report.accessors_deleted, 1);
        assert_eq!(must_data(&e, List, "role/r/secret-id", json!({})).await["keys"], json!([keep]));
        assert_eq!(inner.view.list("accessor/").await.unwrap().len(), 1);
        assert_eq!(inner.tidy().await.unwrap(), TidyReport { secret_ids_checked: 1, ..Default::default() });
    }

    #[tokio::test]
    async fn tidy_endpoint_answers_with_a_warning() {
        let e = must_engine().await;
        let resp = e.handle(&req(Update, "tidy/secret-id", json!({}))).await.unwrap().unwrap();
        assert_eq!(resp.warnings.len(), 1);
        assert!(resp.warnings[0].starts_with("Tidy operation"));
        assert!(resp.data.is_none());
    }
}
