//! The role entry (Vault's `roleStorageEntry` with `tokenutil.TokenParams`), its storage and the
//! role_id index. Durations are whole seconds.

use super::fields::failure;
use super::{Inner, ACCESSOR_LOCAL_PREFIX, ACCESSOR_PREFIX, ROLE_ID_PREFIX, ROLE_PREFIX, SECRET_ID_LOCAL_PREFIX};
use crate::engines::userpass::token_params::TokenParams;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct RoleEntry {
    /// The lower-cased name (the storage key); not persisted.
    #[serde(skip)]
    pub name: String,
    pub role_id: String,
    /// Key for the HMACs of this role's name and secret IDs.
    pub hmac_key: String,
    #[serde(default)]
    pub bind_secret_id: bool,
    /// `None` until set: Vault reads it back as `null`.
    #[serde(default)]
    pub secret_id_bound_cidrs: Option<Vec<String>>,
    #[serde(default)]
    pub secret_id_num_uses: i64,
    #[serde(default)]
    pub secret_id_ttl: u64,
    /// `secret_id/` or, for `local_secret_ids`, `secret_id_local/`.
    #[serde(default)]
    pub secret_id_prefix: String,
    /// The `token_*` parameters every auth method shares (Vault's `tokenutil.TokenParams`).
    #[serde(flatten)]
    pub token: TokenParams,
    /// Deprecated `policies`, kept as written so a read returns it.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Deprecated `period`, kept as written so a read returns it.
    #[serde(default)]
    pub period: u64,
}

/// `role_id/<salted role_id>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RoleIdEntry {
    name: String,
}

impl RoleEntry {
    pub fn bound_cidrs(&self) -> &[String] {
        self.secret_id_bound_cidrs.as_deref().unwrap_or(&[])
    }

    pub fn is_local(&self) -> bool {
        self.secret_id_prefix == SECRET_ID_LOCAL_PREFIX
    }

    pub fn accessor_prefix(&self) -> &'static str {
        if self.is_local() {
            ACCESSOR_LOCAL_PREFIX
        } else {
            ACCESSOR_PREFIX
        }
    }

    pub fn token_type_name(&self) -> &str {
        if self.token.token_type.is_empty() {
            "default"
        } else {
            &self.token.token_type
        }
    }

    /// Vault's `validateRoleConstraints`: a role must demand a secret ID or bind a network.
    pub fn has_constraint(&self) -> bool {
        self.bind_secret_id || !self.bound_cidrs().is_empty() || !self.token.token_bound_cidrs.is_empty()
    }

    /// The body of `GET role/<name>` (`pathRoleRead` with `PopulateTokenData`).
    pub fn read_data(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("bind_secret_id".into(), json!(self.bind_secret_id));
        m.insert("local_secret_ids".into(), json!(self.is_local()));
        m.insert("secret_id_bound_cidrs".into(), json!(self.secret_id_bound_cidrs));
        m.insert("secret_id_num_uses".into(), json!(self.secret_id_num_uses));
        m.insert("secret_id_ttl".into(), json!(self.secret_id_ttl));
        m.insert("token_bound_cidrs".into(), json!(self.token.token_bound_cidrs));
        m.insert("token_explicit_max_ttl".into(), json!(self.token.token_explicit_max_ttl));
        m.insert("token_max_ttl".into(), json!(self.token.token_max_ttl));
        m.insert("token_no_default_policy".into(), json!(self.token.token_no_default_policy));
        m.insert("token_num_uses".into(), json!(self.token.token_num_uses));
        m.insert("token_period".into(), json!(self.token.token_period));
        m.insert("token_policies".into(), json!(self.token.token_policies));
        m.insert("token_ttl".into(), json!(self.token.token_ttl));
        m.insert("token_type".into(), json!(self.token_type_name()));
        if self.period != 0 {
            m.insert("period".into(), json!(self.period));
        }
        if !self.policies.is_empty() {
            m.insert("policies".into(), json!(self.policies));
        }
        m
    }
}

fn role_key(name: &str) -> String {
    format!("{ROLE_PREFIX}{}", name.to_lowercase())
}

impl Inner {
    /// The role stored under `name` (case-insensitively), with its lower-cased name filled in.
    /// The caller holds the role's lock.
    pub(crate) async fn load_role(&self, name: &str) -> Result<Option<RoleEntry>, CoreError> {
        let Some(mut role) = self.view.get_json::<RoleEntry>(&role_key(name)).await? else { return Ok(None) };
        role.name = name.to_lowercase();
        if role.token.token_period == 0 && role.period > 0 {
            role.token.token_period = role.period;
        }
        if role.token.token_policies.is_empty() && !role.policies.is_empty() {
            role.token.token_policies = role.policies.clone();
        }
        Ok(Some(role))
    }

    /// The name of the role a role_id belongs to.
    pub(crate) async fn role_name_for_id(&self, role_id: &str) -> Result<Option<String>, CoreError> {
        let key = format!("{ROLE_ID_PREFIX}{}", self.salted(role_id).await?);
        Ok(self.view.get_json::<RoleIdEntry>(&key).await?.map(|e| e.name))
    }

    /// Vault's `setRoleEntry`: checks the constraints and the role_id's owner, then writes the
    /// role and its role_id index in one batch. The caller holds the role's write lock.
    pub(crate) async fn save_role(&self, role: &RoleEntry, previous_role_id: &str) -> Result<(), CoreError> {
        if !role.has_constraint() {
            return Err(failure("at least one constraint should be enabled on the role"));
        }
        let _index_guard = self.role_id_lock.lock().await;
        let index_key = format!("{ROLE_ID_PREFIX}{}", self.salted(&role.role_id).await?);
        let owner = self.view.get_json::<RoleIdEntry>(&index_key).await?;
        if owner.as_ref().is_some_and(|o| o.name != role.name) {
            return Err(failure("role_id already in use"));
        }
        let mut batch = vec![(role_key(&role.name), Some(serde_json::to_vec(role)?))];
        if !previous_role_id.is_empty() && previous_role_id != role.role_id {
            let old = format!("{ROLE_ID_PREFIX}{}", self.salted(previous_role_id).await?);
            batch.push((old, None));
        }
        if owner.is_none() {
            let entry = RoleIdEntry { name: role.name.clone() };
            batch.push((index_key, Some(serde_json::to_vec(&entry)?)));
        }
        self.view.batch(batch).await
    }

    /// Removes a role, its role_id index and every secret ID issued against it.
    pub(crate) async fn delete_role(&self, role: &RoleEntry) -> Result<(), CoreError> {
        self.flush_secret_ids(role).await?;
        let _index_guard = self.role_id_lock.lock().await;
        let index_key = format!("{ROLE_ID_PREFIX}{}", self.salted(&role.role_id).await?);
        self.view.batch(vec![(index_key, None), (role_key(&role.name), None)]).await
    }

    pub(crate) async fn list_roles(&self) -> Result<Vec<String>, CoreError> {
        self.view.list(ROLE_PREFIX).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::must_engine;
    use super::*;

    fn role(name: &str, role_id: &str) -> RoleEntry {
        RoleEntry {
            name: name.into(),
            role_id: role_id.into(),
            hmac_key: "k".into(),
            bind_secret_id: true,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn role_ids_are_indexed_and_unique() {
        let engine = must_engine().await;
        let inner = engine.engine().inner();
        inner.save_role(&role("a", "id-1"), "").await.unwrap();
        assert_eq!(inner.role_name_for_id("id-1").await.unwrap().as_deref(), Some("a"));
        let err = inner.save_role(&role("b", "id-1"), "").await.unwrap_err();
        assert_eq!(err.to_string(), "1 error occurred:\n\t* role_id already in use\n\n");
        assert_eq!(err.status(), 500);

        // Changing the role_id moves the index.
        inner.save_role(&role("a", "id-2"), "id-1").await.unwrap();
        assert!(inner.role_name_for_id("id-1").await.unwrap().is_none());
        assert_eq!(inner.role_name_for_id("id-2").await.unwrap().as_deref(), Some("a"));
        inner.save_role(&role("b", "id-1"), "").await.unwrap();

        let loaded = inner.load_role("A").await.unwrap().unwrap();
        assert_eq!(loaded.name, "a", "names are case-insensitive");
        inner.delete_role(&loaded).await.unwrap();
        assert!(inner.load_role("a").await.unwrap().is_none());
        assert!(inner.role_name_for_id("id-2").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_role_needs_a_constraint() {
        let engine = must_engine().await;
        let mut r = role("a", "id");
        r.bind_secret_id = false;
        let err = engine.engine().inner().save_role(&r, "").await.unwrap_err();
        assert_eq!(err.to_string(), "1 error occurred:\n\t* at least one constraint should be enabled on the role\n\n");
        r.token.token_bound_cidrs = vec!["127.0.0.1".into()];
        engine.engine().inner().save_role(&r, "").await.unwrap();
    }

    #[test]
    fn read_data_renders_vault_defaults() {
        let r = role("a", "id");
        let data = Value::Object(r.read_data());
        assert_eq!(data["secret_id_bound_cidrs"], Value::Null);
        assert_eq!(data["token_bound_cidrs"], json!([]));
        assert_eq!(data["token_policies"], json!([]));
        assert_eq!(data["token_type"], "default");
        assert_eq!(data["local_secret_ids"], false);
        assert!(data.get("period").is_none() && data.get("policies").is_none());
        assert!(data.get("role_id").is_none() && data.get("hmac_key").is_none());
    }
}
