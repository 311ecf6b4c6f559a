//! Secret ID storage (Vault's `validation.go`): entries keyed by the HMAC of the secret ID under
//! the role's key, an accessor index keyed by the salted accessor, lazy expiry, and use counts
//! spent under the secret ID's stripe lock.

use super::fields::failure;
use super::role::RoleEntry;
use super::{create_hmac, Inner};
use crate::token_store::rfc3339_nano;
use crate::CoreError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Vault's `secretIDStorageEntry` (durations in seconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SecretIdEntry {
    pub secret_id_accessor: String,
    /// Logins left; 0 is unlimited.
    pub secret_id_num_uses: i64,
    pub secret_id_ttl: u64,
    pub creation_time: DateTime<Utc>,
    /// `None`: never expires.
    #[serde(default)]
    pub expiration_time: Option<DateTime<Utc>>,
    pub last_updated_time: DateTime<Utc>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(default)]
    pub cidr_list: Vec<String>,
    #[serde(default)]
    pub token_bound_cidrs: Vec<String>,
}

/// `accessor/<salted accessor>`: which secret ID an accessor names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AccessorEntry {
    pub secret_id_hmac: String,
}

/// What a new secret ID carries, before it is stored.
pub(crate) struct NewSecretId {
    pub num_uses: i64,
    pub ttl: u64,
    pub metadata: BTreeMap<String, String>,
    pub cidr_list: Vec<String>,
    pub token_bound_cidrs: Vec<String>,
}

/// Where one role's secret ID lives: `<prefix><role HMAC>/<secret ID HMAC>`.
pub(crate) struct SecretIdKey {
    pub secret_id_hmac: String,
    pub path: String,
}

impl SecretIdEntry {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expiration_time.is_some_and(|t| now > t)
    }

    /// `ToResponseData`: what the lookups answer.
    pub fn response_data(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("secret_id_accessor".into(), json!(self.secret_id_accessor));
        m.insert("secret_id_num_uses".into(), json!(self.secret_id_num_uses));
        m.insert("secret_id_ttl".into(), json!(self.secret_id_ttl));
        m.insert("creation_time".into(), json!(rfc3339_nano(self.creation_time)));
        let expiration = self.expiration_time.map(rfc3339_nano).unwrap_or_else(|| "0001-01-01T00:00:00Z".into());
        m.insert("expiration_time".into(), json!(expiration));
        m.insert("last_updated_time".into(), json!(rfc3339_nano(self.last_updated_time)));
        m.insert("metadata".into(), json!(self.metadata));
        m.insert("cidr_list".into(), json!(self.cidr_list));
        m.insert("token_bound_cidrs".into(), json!(self.token_bound_cidrs));
        m
    }
}

impl Inner {
    /// Vault's `deriveSecretIDTTL`: capped by the mount's max lease TTL.
    pub(crate) fn derive_secret_id_ttl(&self, ttl: u64) -> u64 {
        ttl.min(self.max_lease_ttl())
    }

    pub(crate) fn secret_id_key(&self, role: &RoleEntry, secret_id: &str) -> Result<SecretIdKey, CoreError> {
        let secret_id_hmac = create_hmac(&role.hmac_key, secret_id)?;
        let path = self.entry_path(role, &secret_id_hmac)?;
        Ok(SecretIdKey { secret_id_hmac, path })
    }

    /// The storage path of a secret ID known by its HMAC.
    pub(crate) fn entry_path(&self, role: &RoleEntry, secret_id_hmac: &str) -> Result<String, CoreError> {
        Ok(format!("{}{}/{secret_id_hmac}", role.secret_id_prefix, self.role_dir(role)?))
    }

    /// The HMAC of the role's name: the folder of its secret IDs.
    fn role_dir(&self, role: &RoleEntry) -> Result<String, CoreError> {
        create_hmac(&role.hmac_key, &role.name)
    }

    pub(crate) async fn accessor_key(&self, role: &RoleEntry, accessor: &str) -> Result<String, CoreError> {
        Ok(format!("{}{}", role.accessor_prefix(), self.salted(accessor).await?))
    }

    /// Vault's `registerSecretIDEntry`: stores a new secret ID and its accessor in one batch.
    /// The caller holds the role's read lock.
    pub(crate) async fn register_secret_id(
        &self,
        role: &RoleEntry,
        secret_id: &str,
        new: NewSecretId,
    ) -> Result<SecretIdEntry, CoreError> {
        let key = self.secret_id_key(role, secret_id)?;
        let _guard = self.secret_id_lock(&key.secret_id_hmac).write().await;
        if self.view.get(&key.path).await?.is_some() {
            return Err(failure("failed to store secret_id: SecretID is already registered"));
        }
        let now = self.now();
        let ttl = self.derive_secret_id_ttl(new.ttl);
        let entry = SecretIdEntry {
            secret_id_accessor: uuid::Uuid::new_v4().to_string(),
            secret_id_num_uses: new.num_uses,
            secret_id_ttl: new.ttl,
            creation_time: now,
            expiration_time: (ttl > 0).then(|| now + chrono::Duration::seconds(ttl.min(i64::MAX as u64) as i64)),
            last_updated_time: now,
            metadata: new.metadata,
            cidr_list: new.cidr_list,
            token_bound_cidrs: new.token_bound_cidrs,
        };
        let accessor = AccessorEntry { secret_id_hmac: key.secret_id_hmac.clone() };
        let accessor_key = self.accessor_key(role, &entry.secret_id_accessor).await?;
        self.view
            .batch(vec![
                (accessor_key, Some(serde_json::to_vec(&accessor)?)),
                (key.path, Some(serde_json::to_vec(&entry)?)),
            ])
            .await?;
        Ok(entry)
    }

    /// The live entry at `path`, without locking: expired entries are deleted with their
    /// accessor and read as absent. The caller holds the secret ID's write lock.
    pub(crate) async fn load_live_secret_id(
        &self,
        role: &RoleEntry,
        path: &str,
    ) -> Result<Option<SecretIdEntry>, CoreError> {
        let Some(entry) = self.view.get_json::<SecretIdEntry>(path).await? else { return Ok(None) };
        if entry.is_expired(self.now()) {
            self.delete_secret_id(role, path, &entry.secret_id_accessor).await?;
            return Ok(None);
        }
        Ok(Some(entry))
    }

    /// Whether the entry's accessor index still exists (Vault revokes a secret ID without one).
    pub(crate) async fn has_accessor(&self, role: &RoleEntry, accessor: &str) -> Result<bool, CoreError> {
        Ok(self.view.get(&self.accessor_key(role, accessor).await?).await?.is_some())
    }

    pub(crate) async fn accessor_entry(
        &self,
        role: &RoleEntry,
        accessor: &str,
    ) -> Result<Option<AccessorEntry>, CoreError> {
        self.view.get_json(&self.accessor_key(role, accessor).await?).await
    }

    /// Deletes a secret ID and its accessor in one batch. The caller holds its write lock.
    pub(crate) async fn delete_secret_id(&self, role: &RoleEntry, path: &str, accessor: &str) -> Result<(), CoreError> {
        let accessor_key = self.accessor_key(role, accessor).await?;
        self.view.batch(vec![(accessor_key, None), (path.to_string(), None)]).await
    }

    /// Spends one use of a secret ID with a use limit: the last use deletes it. The caller
    /// holds its write lock and has just loaded `entry`.
    pub(crate) async fn spend_use(
        &self,
        role: &RoleEntry,
        path: &str,
        mut entry: SecretIdEntry,
    ) -> Result<(), CoreError> {
        if entry.secret_id_num_uses <= 1 {
            return self.delete_secret_id(role, path, &entry.secret_id_accessor).await;
        }
        entry.secret_id_num_uses -= 1;
        entry.last_updated_time = self.now();
        self.view.put_json(path, &entry).await
    }

    /// The accessors of a role's live secret IDs. The caller holds the role's read lock.
    pub(crate) async fn list_accessors(&self, role: &RoleEntry) -> Result<Vec<String>, CoreError> {
        let dir = format!("{}{}/", role.secret_id_prefix, self.role_dir(role)?);
        let now = self.now();
        let mut out = Vec::new();
        for hmac in self.view.list(&dir).await? {
            let _guard = self.secret_id_lock(&hmac).read().await;
            if let Some(entry) = self.view.get_json::<SecretIdEntry>(&format!("{dir}{hmac}")).await? {
                if !entry.is_expired(now) {
                    out.push(entry.secret_id_accessor);
                }
            }
        }
        Ok(out)
    }

    /// Vault's `flushRoleSecrets`, which also drops the accessors. The caller holds the role's
    /// write lock, so no secret ID can be added meanwhile.
    pub(crate) async fn flush_secret_ids(&self, role: &RoleEntry) -> Result<(), CoreError> {
        let dir = format!("{}{}/", role.secret_id_prefix, self.role_dir(role)?);
        for hmac in self.view.list(&dir).await? {
            let path = format!("{dir}{hmac}");
            let _guard = self.secret_id_lock(&hmac).write().await;
            match self.view.get_json::<SecretIdEntry>(&path).await? {
                Some(entry) => self.delete_secret_id(role, &path, &entry.secret_id_accessor).await?,
                None => self.view.delete(&path).await?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;
    use crate::Operation::Update;

    fn new_secret(ttl: u64, num_uses: i64) -> NewSecretId {
        NewSecretId { num_uses, ttl, metadata: BTreeMap::new(), cidr_list: vec![], token_bound_cidrs: vec![] }
    }

    #[tokio::test]
    async fn storage_never_holds_the_secret_id() {
        let e = must_engine().await;
        must_role(&e, "r", json!({})).await;
        let inner = e.engine().inner();
        let role = inner.load_role("r").await.unwrap().unwrap();
        let secret = "a-very-recognizable-secret-id-0123456789";
        inner.register_secret_id(&role, secret, new_secret(0, 0)).await.unwrap();
        for key in inner.view.list_recursive("").await.unwrap() {
            assert!(!key.contains(secret), "key {key} holds the secret ID");
            let value = inner.view.get(&key).await.unwrap().unwrap_or_default();
            let text = String::from_utf8_lossy(&value);
            assert!(!text.contains(secret), "{key} holds the secret ID");
        }
        let err = inner.register_secret_id(&role, secret, new_secret(0, 0)).await.unwrap_err();
        assert_eq!(err.status(), 500, "a secret ID is registered once");
    }

    #[tokio::test]
    async fn expired_entries_read_as_absent_and_are_deleted() {
        let e = must_engine().await;
        must_role(&e, "r", json!({})).await;
        let inner = e.engine().inner();
        let role = inner.load_role("r").await.unwrap().unwrap();
        let entry = inner.register_secret_id(&role, "s", new_secret(60, 0)).await.unwrap();
        let key = inner.secret_id_key(&role, "s").unwrap();
        assert!(inner.load_live_secret_id(&role, &key.path).await.unwrap().is_some());
        assert_eq!(inner.list_accessors(&role).await.unwrap(), vec![entry.secret_id_accessor.clone()]);
        inner.advance_clock(61);
        assert!(inner.list_accessors(&role).await.unwrap().is_empty());
        assert!(inner.load_live_secret_id(&role, &key.path).await.unwrap().is_none());
        assert!(inner.view.get(&key.path).await.unwrap().is_none(), "deleted");
        assert!(!inner.has_accessor(&role, &entry.secret_id_accessor).await.unwrap(), "accessor deleted");
    }

    #[tokio::test]
    async fn ttl_is_capped_by_the_mount() {
        let e = must_engine().await;
        must_role(&e, "r", json!({})).await;
        let d = must_data(&e, Update, "role/r/secret-id", json!({"ttl": "9999h"})).await;
        assert_eq!(d["secret_id_ttl"], 768 * 3600);
    }
}
