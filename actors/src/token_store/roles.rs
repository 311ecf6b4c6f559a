//! Token roles (`auth/token/roles/:name`): stored settings that `create/:role` applies, letting a
//! role grant policies outside the caller's own set. Parsing the HTTP fields is the handler's job.

use super::{TokenStore, ROLES_PREFIX};
use crate::CoreError;
use serde::{Deserialize, Serialize};

/// A role's `token_type`, as Vault names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleTokenType {
    /// The caller's `type`, else service.
    #[default]
    DefaultService,
    /// The caller's `type`, else batch.
    DefaultBatch,
    Service,
    Batch,
}

impl RoleTokenType {
    pub fn as_str(&self) -> &'static str {
        match self {
            RoleTokenType::DefaultService => "default-service",
            RoleTokenType::DefaultBatch => "default-batch",
            RoleTokenType::Service => "service",
            RoleTokenType::Batch => "batch",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "default-service" => RoleTokenType::DefaultService,
            "default-batch" => RoleTokenType::DefaultBatch,
            "service" => RoleTokenType::Service,
            "batch" => RoleTokenType::Batch,
            _ => return None,
        })
    }
}

/// Vault's `tsRoleEntry` (durations in seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    #[serde(default)]
    pub allowed_policies: Vec<String>,
    #[serde(default)]
    pub disallowed_policies: Vec<String>,
    #[serde(default)]
    pub allowed_policies_glob: Vec<String>,
    #[serde(default)]
    pub disallowed_policies_glob: Vec<String>,
    #[serde(default)]
    pub orphan: bool,
    #[serde(default)]
    pub renewable: bool,
    #[serde(default)]
    pub path_suffix: String,
    /// The deprecated `period` as written, so a read returns it; `token_period` is what applies.
    #[serde(default)]
    pub period: u64,
    /// The deprecated `explicit_max_ttl` as written; `token_explicit_max_ttl` is what applies.
    #[serde(default)]
    pub explicit_max_ttl: u64,
    #[serde(default)]
    pub token_period: u64,
    #[serde(default)]
    pub token_explicit_max_ttl: u64,
    #[serde(default)]
    pub token_type: RoleTokenType,
    #[serde(default)]
    pub token_no_default_policy: bool,
    #[serde(default)]
    pub token_num_uses: i64,
    /// `None` until set: Vault reads it back as `null`.
    #[serde(default)]
    pub allowed_entity_aliases: Option<Vec<String>>,
}

/// `go-glob`'s `Glob` as Vault's `StrListContainsGlob` uses it: `*` matches any run of
/// characters, anywhere in the pattern.
pub fn glob_match(pattern: &str, subject: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return subject == pattern;
    }
    let (leading, trailing) = (pattern.starts_with('*'), pattern.ends_with('*'));
    let last = parts.len() - 1;
    let mut rest = subject;
    for (i, part) in parts[..last].iter().enumerate() {
        match rest.find(part) {
            Some(idx) if i > 0 || leading || idx == 0 => rest = &rest[idx + part.len()..],
            _ => return false,
        }
    }
    trailing || rest.ends_with(parts[last])
}

impl TokenStore {
    pub async fn role(&self, name: &str) -> Result<Option<Role>, CoreError> {
        self.view.get_json(&format!("{ROLES_PREFIX}{name}")).await
    }

    pub async fn put_role(&self, role: &Role) -> Result<(), CoreError> {
        self.view.put_json(&format!("{ROLES_PREFIX}{}", role.name), role).await
    }

    pub async fn delete_role(&self, name: &str) -> Result<(), CoreError> {
        self.view.delete(&format!("{ROLES_PREFIX}{name}")).await
    }

    pub async fn list_roles(&self) -> Result<Vec<String>, CoreError> {
        self.view.list(ROLES_PREFIX).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_follows_go_glob() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("dev-*", "dev-team"));
        assert!(!glob_match("dev-*", "prod-dev-x"));
        assert!(glob_match("*-admin", "team-admin"));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
        assert!(glob_match("exact", "exact") && !glob_match("exact", "exactly"));
        assert!(glob_match("*mid*", "xxmidyy"));
    }

    #[test]
    fn role_token_types_round_trip() {
        for t in ["default-service", "default-batch", "service", "batch"] {
            assert_eq!(RoleTokenType::parse(t).map(|t| t.as_str()), Some(t));
        }
        assert_eq!(RoleTokenType::parse("default"), None);
    }
}
