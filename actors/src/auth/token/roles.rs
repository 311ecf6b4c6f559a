//! `roles` (LIST) and `roles/:name` (read, create/update, delete), as Vault's
//! `tokenStoreRoleCreateUpdate` parses them: on update, absent fields keep their value; the
//! deprecated `period`/`explicit_max_ttl` still work and read back as written.

use super::fields::{remove_duplicates, sanitize_policies};
use super::sys_ttls;
use crate::core::Core;
use crate::logical::FieldData;
use crate::token_store::{Role, RoleTokenType};
use crate::{CoreError, Request, Response};
use serde_json::{json, Value};

/// Vault's `pathSuffixSanitize` (`\w[\w-.]+\w`), matched anywhere in the suffix as Go's
/// `MatchString` does: some run of `[\w-.]` holds two word characters at least two apart.
fn path_suffix_ok(suffix: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    suffix.as_bytes().split(|c| !(word(*c) || *c == b'-' || *c == b'.')).any(|run| {
        match (run.iter().position(|c| word(*c)), run.iter().rposition(|c| word(*c))) {
            (Some(first), Some(last)) => last >= first + 2,
            _ => false,
        }
    })
}

pub(super) async fn list(core: &Core, _: &Request, _: &FieldData) -> Result<Option<Response>, CoreError> {
    let roles = core.tokens.list_roles().await?;
    if roles.is_empty() {
        return Err(CoreError::NotFound);
    }
    Ok(Some(Response::list(roles)))
}

pub(super) async fn exists(core: &Core, _: &Request, d: &FieldData) -> Result<bool, CoreError> {
    Ok(core.tokens.role(&d.str_or_default("role_name")).await?.is_some())
}

pub(super) async fn delete(core: &Core, _: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    core.tokens.delete_role(&d.str_or_default("role_name")).await?;
    Ok(None)
}

pub(super) async fn read(core: &Core, _: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let name = d.str_or_default("role_name");
    let role = core.tokens.role(&name).await?.ok_or(CoreError::NotFound)?;
    let mut data = json!({
        "name": role.name,
        "allowed_policies": role.allowed_policies,
        "disallowed_policies": role.disallowed_policies,
        "allowed_policies_glob": role.allowed_policies_glob,
        "disallowed_policies_glob": role.disallowed_policies_glob,
        "orphan": role.orphan,
        "path_suffix": role.path_suffix,
        "renewable": role.renewable,
        "period": role.period,
        "token_period": role.token_period,
        "explicit_max_ttl": role.explicit_max_ttl,
        "token_explicit_max_ttl": role.token_explicit_max_ttl,
        "token_type": role.token_type.as_str(),
        "allowed_entity_aliases": role.allowed_entity_aliases,
        "token_no_default_policy": role.token_no_default_policy,
    });
    if role.token_num_uses > 0 {
        data["token_num_uses"] = json!(role.token_num_uses);
    }
    match data {
        Value::Object(map) => Ok(Some(Response::with_data(map))),
        _ => Err(CoreError::internal("role data is not an object")),
    }
}

/// Fields this server refuses rather than store without enforcing them.
fn refuse_unsupported(d: &FieldData) -> Result<(), CoreError> {
    for key in ["token_bound_cidrs", "bound_cidrs"] {
        if d.strings(key).is_some_and(|l| !l.is_empty()) {
            return Err(CoreError::invalid(format!("error parsing role fields: '{key}' is not supported yet")));
        }
    }
    Ok(())
}

pub(super) async fn write(core: &Core, _: &Request, d: &FieldData) -> Result<Option<Response>, CoreError> {
    let name = d.str_or_default("role_name");
    refuse_unsupported(d)?;
    let existing = core.tokens.role(&name).await?;
    let mut role = existing.unwrap_or_else(|| Role { name: name.clone(), renewable: true, ..Default::default() });
    let mut warnings = Vec::new();

    if let Some(orphan) = d.bool("orphan") {
        role.orphan = orphan;
    }
    if let Some(renewable) = d.bool("renewable") {
        role.renewable = renewable;
    }
    if let Some(suffix) = d.str("path_suffix").map(str::to_string) {
        if !suffix.is_empty() && !path_suffix_ok(&suffix) {
            return Err(CoreError::invalid(
                "given role path suffix contains invalid characters; must match \\w[\\w-.]+\\w",
            ));
        }
        role.path_suffix = suffix;
    }
    if role.path_suffix.contains("..") {
        return Err(CoreError::invalid("error registering path suffix: path cannot contain parent references"));
    }
    if let Some(list) = d.strings("allowed_policies") {
        role.allowed_policies = sanitize_policies(list, false);
    }
    if let Some(list) = d.strings("disallowed_policies") {
        role.disallowed_policies = remove_duplicates(list, true);
    }
    if let Some(list) = d.strings("allowed_policies_glob") {
        role.allowed_policies_glob = sanitize_policies(list, false);
    }
    if let Some(list) = d.strings("disallowed_policies_glob") {
        role.disallowed_policies_glob = remove_duplicates(list, true);
    }
    if let Some(raw) = d.str("token_type") {
        role.token_type = RoleTokenType::parse(raw)
            .ok_or_else(|| CoreError::invalid(format!("invalid 'token_type' value \"{raw}\"")))?;
    }
    if let Some(v) = d.bool("token_no_default_policy") {
        role.token_no_default_policy = v;
    }
    if let Some(uses) = d.int("token_num_uses") {
        if uses < 0 {
            return Err(CoreError::invalid("error parsing role fields: 'token_num_uses' cannot be negative"));
        }
        role.token_num_uses = uses;
    }

    match (d.seconds("token_period"), d.seconds("period")) {
        (Some(p), legacy) => {
            if legacy.is_some() {
                warnings.push(
                    "Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value".into(),
                );
            }
            role.token_period = p;
            role.period = 0;
        }
        (None, Some(p)) => {
            role.period = p;
            role.token_period = p;
        }
        (None, None) => {}
    }
    let final_max = match (d.seconds("token_explicit_max_ttl"), d.seconds("explicit_max_ttl")) {
        (Some(t), legacy) => {
            if legacy.is_some() {
                warnings.push("Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value".into());
            }
            role.token_explicit_max_ttl = t;
            role.explicit_max_ttl = 0;
            t
        }
        (None, legacy) => {
            if let Some(t) = legacy {
                role.explicit_max_ttl = t;
                role.token_explicit_max_ttl = t;
            }
            role.explicit_max_ttl
        }
    };
    let sys_max = sys_ttls(core).max_ttl;
    if final_max != 0 && sys_max != 0 && final_max > sys_max {
        warnings.push(format!("Given explicit max TTL of {final_max} is greater than system/mount allowed value of {sys_max} seconds; until this is fixed attempting to create tokens against this role will result in an error"));
    }

    if role.token_type == RoleTokenType::Batch {
        let reason = if !role.orphan {
            Some("non-orphan tokens")
        } else if role.period != 0 || role.token_period != 0 {
            Some("periodic tokens")
        } else if role.renewable {
            Some("renewable tokens")
        } else if role.explicit_max_ttl != 0 || role.token_explicit_max_ttl != 0 {
            Some("tokens with an explicit max TTL")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(CoreError::invalid(format!(
                "'token_type' cannot be 'batch' when role is set to generate {reason}"
            )));
        }
    }
    if let Some(list) = d.strings("allowed_entity_aliases") {
        role.allowed_entity_aliases = Some(remove_duplicates(list, true));
    }
    core.tokens.put_role(&role).await?;
    if warnings.is_empty() {
        return Ok(None);
    }
    Ok(Some(Response { warnings, ..Default::default() }))
}

#[cfg(test)]
mod tests {
    use super::path_suffix_ok;

    #[test]
    fn path_suffixes_match_vaults_unanchored_regex() {
        assert!(path_suffix_ok("v11"));
        assert!(path_suffix_ok("team-a.v2"));
        assert!(!path_suffix_ok("v1"));
        assert!(!path_suffix_ok("--"));
        assert!(path_suffix_ok("a/bcd"), "some run matches");
        assert!(!path_suffix_ok("a/b/c"));
    }
}
