//! `create`, `create-orphan` and `create/:role`: Vault's `handleCreateCommon`, step for step.
//! A child gets at most its parent's policies unless the caller has sudo or a role says
//! otherwise; `root` only comes from root; orphans, custom IDs and periods need sudo.

use super::fields::{remove_duplicates, sanitize_policies};
use super::{caller, has_sudo, sys_ttls};
use crate::core::Core;
use crate::duration::parse_duration;
use crate::logical::FieldData;
use crate::policy_store::RESPONSE_WRAPPING_POLICY_NAME;
use crate::token_store::{glob_match, NewToken, Role, RoleTokenType, TokenType, SERVICE_TOKEN_PREFIX};
use crate::{Auth, CoreError, Request, Response};
use std::collections::BTreeMap;

/// Policies no token may be given (Vault's `nonAssignablePolicies`).
const NON_ASSIGNABLE: [&str; 2] = [RESPONSE_WRAPPING_POLICY_NAME, "control-group"];

/// The request fields, read as Vault's `mapstructure.WeakDecode` reads them.
struct Input {
    id: String,
    policies: Vec<String>,
    meta: BTreeMap<String, String>,
    no_parent: bool,
    no_default_policy: bool,
    ttl: u64,
    renewable: Option<bool>,
    explicit_max_ttl: u64,
    display_name: String,
    num_uses: i64,
    period: u64,
    token_type: String,
    entity_alias: String,
}

/// A duration the token store declares as a string (`ttl`, `period`...): seconds or Go's
/// duration syntax, parsed by the handler as Vault's `parseutil.ParseDurationSecond` does.
fn duration(d: &FieldData, name: &str) -> Result<Option<u64>, CoreError> {
    match d.str(name) {
        None => Ok(None),
        Some(s) => parse_duration(s).map(Some).map_err(CoreError::invalid),
    }
}

fn read_input(d: &FieldData) -> Result<Input, CoreError> {
    // `lease` is the pre-0.5 name of `ttl`.
    let ttl = match duration(d, "ttl")? {
        Some(t) => t,
        None => duration(d, "lease")?.unwrap_or(0),
    };
    Ok(Input {
        id: d.str_or_default("id"),
        policies: d.strings("policies").map(<[String]>::to_vec).unwrap_or_default(),
        meta: d.pairs("meta").cloned().unwrap_or_default(),
        no_parent: d.bool("no_parent").unwrap_or(false),
        no_default_policy: d.bool("no_default_policy").unwrap_or(false),
        ttl,
        renewable: d.bool("renewable"),
        explicit_max_ttl: duration(d, "explicit_max_ttl")?.unwrap_or(0),
        display_name: d.str_or_default("display_name"),
        num_uses: d.int("num_uses").unwrap_or(0),
        period: duration(d, "period")?.unwrap_or(0),
        token_type: d.str("type").unwrap_or_default().to_string(),
        entity_alias: d.str_or_default("entity_alias"),
    })
}

/// `token-<name>` with everything but letters, digits and `-` replaced, one trailing `-` cut.
fn display_name(name: &str) -> String {
    let full: String =
        format!("token-{name}").chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    full.strip_suffix('-').map(str::to_string).unwrap_or(full)
}

/// Vault's checks on a caller-chosen ID.
fn check_custom_id(id: &str) -> Result<(), CoreError> {
    if id.starts_with(SERVICE_TOKEN_PREFIX) {
        return Err(CoreError::invalid("custom token ID cannot have the 'hvs.' prefix"));
    }
    if id.starts_with("s.") {
        return Err(CoreError::invalid("custom token ID cannot have the 's.' prefix"));
    }
    if id.contains('.') {
        return Err(CoreError::invalid("custom token ID cannot have a '.' in the value"));
    }
    Ok(())
}

/// The token type: the role's fixed type, else the request's `type`, else the role's default.
fn token_type(role: Option<&Role>, input: &Input) -> Result<TokenType, CoreError> {
    let requested = match role.map(|r| r.token_type) {
        Some(RoleTokenType::Service) => "service",
        Some(RoleTokenType::Batch) => "batch",
        Some(RoleTokenType::DefaultBatch) if input.token_type.is_empty() => "batch",
        _ => input.token_type.as_str(),
    };
    match requested {
        "" | "service" => Ok(TokenType::Service),
        "batch" => {
            let bad = [("explicit_max_ttl", input.explicit_max_ttl != 0), ("num_uses", input.num_uses != 0)]
                .into_iter()
                .chain([("period", input.period != 0)])
                .find(|(_, set)| *set);
            match bad {
                Some((name, _)) => Err(CoreError::invalid(format!("batch tokens cannot have \"{name}\" set"))),
                None => Ok(TokenType::Batch),
            }
        }
        _ => Err(CoreError::invalid("invalid 'token_type' value")),
    }
}

/// A role with allowed/disallowed lists decides the policies on its own, disjoint from the
/// parent's. Returns the final list (before `default` handling by the caller).
fn role_policies(role: &Role, input: &Input, parent_policies: &[String]) -> Result<Vec<String>, CoreError> {
    let add_default = !input.no_default_policy
        && !role.token_no_default_policy
        && !role.disallowed_policies.iter().any(|p| p == "default")
        && !role.disallowed_policies_glob.iter().any(|g| glob_match(g, "default"));
    let mut policies =
        if input.policies.is_empty() { Vec::new() } else { sanitize_policies(&input.policies, add_default) };
    if !role.allowed_policies.is_empty() || !role.allowed_policies_glob.is_empty() {
        let allowed = sanitize_policies(&role.allowed_policies, add_default);
        if policies.is_empty() {
            policies = allowed;
        } else {
            let globs = sanitize_policies(&role.allowed_policies_glob, false);
            if policies.iter().any(|p| !allowed.contains(p) && !globs.iter().any(|g| glob_match(g, p))) {
                return Err(CoreError::invalid(format!(
                    "token policies ({}) must be subset of the role's allowed policies ({}) or glob policies ({})",
                    go_list(&policies),
                    go_list(&allowed),
                    go_list(&globs)
                )));
            }
        }
    } else if policies.is_empty() {
        policies = sanitize_policies(parent_policies, add_default);
    }
    let disallowed = remove_duplicates(&role.disallowed_policies, true);
    let disallowed_globs = remove_duplicates(&role.disallowed_policies_glob, true);
    if let Some(p) =
        policies.iter().find(|p| disallowed.contains(p) || disallowed_globs.iter().any(|g| glob_match(g, p)))
    {
        return Err(CoreError::invalid(format!("token policy \"{p}\" is disallowed by this role")));
    }
    Ok(policies)
}

/// Go's `%q` of a string slice: `["a" "b"]`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(" "))
}

pub(super) async fn create(
    core: &Core,
    req: &Request,
    d: &FieldData,
    orphan: bool,
    role_name: Option<String>,
) -> Result<Option<Response>, CoreError> {
    let role = match &role_name {
        Some(name) => {
            Some(core.tokens.role(name).await?.ok_or_else(|| CoreError::invalid(format!("unknown role {name}")))?)
        }
        None => None,
    };
    let parent = caller(req)?.clone();
    if parent.num_uses < 0 {
        return Err(CoreError::invalid("parent token lookup failed: no parent found"));
    }
    if parent.is_batch() {
        return Err(CoreError::invalid("batch tokens cannot create more tokens"));
    }
    // A use-limited token could escape its limit through children.
    if parent.num_uses > 0 {
        return Err(CoreError::invalid("restricted use token cannot generate child tokens"));
    }
    let is_sudo = has_sudo(core, req);
    let input = read_input(d)?;
    let mut renewable = input.renewable.unwrap_or(true);
    let token_type = token_type(role.as_ref(), &input)?;
    if token_type == TokenType::Batch {
        renewable = false;
    }
    if input.num_uses < 0 {
        return Err(CoreError::invalid("number of uses cannot be negative"));
    }
    if !input.entity_alias.is_empty() {
        if role.is_none() {
            return Err(CoreError::invalid("'entity_alias' is only allowed in combination with token role"));
        }
        return Err(CoreError::invalid("'entity_alias' is not supported: this server has no identity store yet"));
    }
    let mut path = format!("auth/token/{}", req.relative_path);
    let mut num_uses = input.num_uses;
    if let Some(role) = &role {
        renewable &= role.renewable;
        // 0 means unlimited, so any role limit is stricter than none.
        if role.token_num_uses != 0 && (num_uses == 0 || role.token_num_uses < num_uses) {
            num_uses = role.token_num_uses;
        }
        if !role.path_suffix.is_empty() {
            path = format!("{path}/{}", role.path_suffix);
        }
    }
    let display = if input.display_name.is_empty() { "token".to_string() } else { display_name(&input.display_name) };
    if !input.id.is_empty() {
        if !is_sudo {
            return Err(CoreError::invalid("root or sudo privileges required to specify token id"));
        }
        check_custom_id(&input.id)?;
    }

    let mut warnings = Vec::new();
    let mut add_default = false;
    let requested = match &role {
        Some(r)
            if !r.allowed_policies.is_empty()
                || !r.disallowed_policies.is_empty()
                || !r.allowed_policies_glob.is_empty()
                || !r.disallowed_policies_glob.is_empty() =>
        {
            role_policies(r, &input, &parent.policies)?
        }
        // No policies asked for: the parent's, with `default` only if the parent has it.
        _ if input.policies.is_empty() => sanitize_policies(&parent.policies, false),
        _ if !is_sudo => {
            let asked = sanitize_policies(&input.policies, false);
            let have = sanitize_policies(&parent.policies, false);
            if !asked.iter().all(|p| have.contains(p)) {
                return Err(CoreError::invalid("child policies must be subset of parent"));
            }
            add_default = !input.no_default_policy && parent.policies.iter().any(|p| p == "default");
            input.policies.clone()
        }
        _ => {
            add_default = !input.no_default_policy;
            input.policies.clone()
        }
    };
    let mut policies = sanitize_policies(&requested, add_default);
    if input.no_default_policy {
        policies.retain(|p| p != "default");
    }
    if let Some(p) = policies.iter().find(|p| NON_ASSIGNABLE.contains(&p.as_str())) {
        return Err(CoreError::invalid(format!("cannot assign policy \"{p}\"")));
    }
    if policies.iter().any(|p| p == "root") {
        // sudo holders other than root must not mint root tokens.
        if !parent.is_root() {
            return Err(CoreError::invalid("root tokens may not be created without parent token being root"));
        }
        if token_type == TokenType::Batch {
            return Err(CoreError::invalid("batch tokens cannot be root tokens"));
        }
    }

    let orphan = match &role {
        Some(r) => r.orphan,
        None if input.no_parent => {
            if !is_sudo {
                return Err(CoreError::invalid("root or sudo privileges required to create orphan token"));
            }
            true
        }
        None => orphan,
    };
    let parent_key = (!orphan).then(|| parent.key().to_string());
    let entity_id = if orphan { String::new() } else { parent.entity_id.clone() };

    // The entry keeps what the caller asked for; the role's limits only shape this TTL (and
    // renewals, which read the role again).
    let mut explicit_max_ttl = input.explicit_max_ttl;
    if input.period > 0 && !is_sudo {
        return Err(CoreError::invalid("root or sudo privileges required to create periodic token"));
    }
    let mut period = input.period;
    if let Some(role) = role.as_ref().filter(|_| token_type != TokenType::Batch) {
        if role.token_explicit_max_ttl != 0 {
            if explicit_max_ttl != 0 {
                explicit_max_ttl = explicit_max_ttl.min(role.token_explicit_max_ttl);
                warnings.push(format!("Explicit max TTL specified both during creation call and in role; using the lesser value of {explicit_max_ttl} seconds"));
            } else {
                explicit_max_ttl = role.token_explicit_max_ttl;
            }
        }
        if role.token_period != 0 {
            if period != 0 {
                period = period.min(role.token_period);
                warnings.push(format!(
                    "Period specified both during creation call and in role; using the lesser value of {period} seconds"
                ));
            } else {
                period = role.token_period;
            }
        }
    }

    let mut ttl = input.ttl;
    let is_root_token = policies.iter().any(|p| p == "root");
    if period > 0 || ttl > 0 || !is_root_token {
        let (granted, w) = core.tokens.creation_ttl(sys_ttls(core), ttl, period, explicit_max_ttl)?;
        ttl = granted;
        warnings.extend(w);
    }
    // Root tokens are still bound by explicit max TTL.
    if ttl == 0 && explicit_max_ttl > 0 {
        ttl = explicit_max_ttl;
    }
    if ttl == 0 {
        if parent.ttl != 0 {
            return Err(CoreError::invalid("expiring root tokens cannot create non-expiring root tokens"));
        }
        renewable = false;
    }

    let spec = NewToken {
        id: (!input.id.is_empty()).then_some(input.id),
        policies: policies.clone(),
        path,
        display_name: display,
        meta: input.meta,
        num_uses,
        parent: parent_key,
        ttl,
        explicit_max_ttl: input.explicit_max_ttl,
        period: input.period,
        role: role_name.unwrap_or_default(),
        token_type,
        renewable,
        entity_id,
        bound_cidrs: Vec::new(),
    };
    let created = core.tokens.create(spec).await?;
    let set = core.policies();
    warnings.extend(policies.iter().filter(|p| set.get(p).is_none()).map(|p| format!("Policy \"{p}\" does not exist")));
    let e = &created.entry;
    let auth = Auth {
        client_token: created.id.clone().into(),
        accessor: e.accessor.clone(),
        policies: e.policies.clone(),
        token_policies: e.policies.clone(),
        metadata: e.meta.clone(),
        lease_duration: e.ttl,
        renewable,
        entity_id: e.entity_id.clone(),
        token_type: e.token_type.as_str().into(),
        orphan: e.orphan,
        num_uses: e.num_uses,
    };
    Ok(Some(Response { warnings, ..Response::with_auth(auth) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_sanitized_like_vaults() {
        assert_eq!(display_name("My App!"), "token-My-App");
        assert_eq!(display_name("ok-name"), "token-ok-name");
        assert_eq!(display_name("a b c"), "token-a-b-c");
    }

    #[test]
    fn custom_ids_must_not_look_like_generated_ones() {
        assert!(check_custom_id("my-token").is_ok());
        assert!(check_custom_id("hvs.abc").is_err());
        assert!(check_custom_id("s.abc").is_err());
        assert!(check_custom_id("a.b").is_err());
    }

    #[test]
    fn go_lists_quote_each_item() {
        assert_eq!(go_list(&["a".into(), "b".into()]), "[\"a\" \"b\"]");
        assert_eq!(go_list(&[]), "[]");
    }
}
