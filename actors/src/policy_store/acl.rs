//! The compiled ACL of a set of policies (vault/acl.go): rules merged per path, then indexed so a
//! check costs one hash lookup, one trie walk and a few segment-pattern matches instead of a scan.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::capability::{AclOperation, Capabilities};
use super::glob::{globbed_strings_match, MatchPriority, PrefixTrie, SegmentIndex, SegmentPattern};
use super::policy::{Permissions, Policy, PolicyError, ROOT_POLICY_NAME};

/// The outcome of [`Acl::allow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decision {
    /// The operation may proceed.
    pub allowed: bool,
    /// The matched rule grants `sudo` (Vault's `RootPrivs`), whatever the operation.
    pub sudo: bool,
    /// The ACL is the `root` policy.
    pub root: bool,
    /// The capabilities of the matched rule (empty when no rule matched).
    pub capabilities: Capabilities,
}

/// Policies compiled for checking requests. Cheap to share behind an `Arc`.
pub struct Acl {
    root: bool,
    /// Merged permissions, indexed by the maps below.
    rules: Vec<Permissions>,
    exact: HashMap<String, u32>,
    prefix: PrefixTrie,
    has_prefix_rules: bool,
    /// The prefix rules' paths, for the rare walks below a mount (`has_mount_access`).
    prefix_paths: Vec<(String, u32)>,
    segment: SegmentIndex,
}

impl std::fmt::Debug for Acl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acl")
            .field("root", &self.root)
            .field("exact", &self.exact.len())
            .field("rules", &self.rules.len())
            .finish()
    }
}

/// Vault's merge of a path block into the permissions already collected for the same path.
fn merge(existing: &mut Permissions, new: &Permissions) {
    if existing.capabilities.is_deny() {
        return;
    }
    if new.capabilities.is_deny() {
        existing.capabilities = Capabilities::DENY;
        existing.allowed_parameters.clear();
        existing.denied_parameters.clear();
        return;
    }
    existing.capabilities |= new.capabilities;
    // The smaller of two set values wins for both bounds.
    if new.max_wrapping_ttl > 0 && (existing.max_wrapping_ttl == 0 || new.max_wrapping_ttl < existing.max_wrapping_ttl)
    {
        existing.max_wrapping_ttl = new.max_wrapping_ttl;
    }
    if new.min_wrapping_ttl > 0 && (existing.min_wrapping_ttl == 0 || new.min_wrapping_ttl < existing.min_wrapping_ttl)
    {
        existing.min_wrapping_ttl = new.min_wrapping_ttl;
    }
    merge_parameters(&mut existing.allowed_parameters, &new.allowed_parameters);
    merge_parameters(&mut existing.denied_parameters, &new.denied_parameters);
    for p in &new.required_parameters {
        if !existing.required_parameters.contains(p) {
            existing.required_parameters.push(p.clone());
        }
    }
    for m in &new.mfa_methods {
        if !existing.mfa_methods.contains(m) {
            existing.mfa_methods.push(m.clone());
        }
    }
}

/// An empty value list (any value) absorbs the other side; otherwise the lists are concatenated.
fn merge_parameters(existing: &mut HashMap<String, Vec<Value>>, new: &HashMap<String, Vec<Value>>) {
    for (key, values) in new {
        match existing.get_mut(key) {
            Some(current) if values.is_empty() || current.is_empty() => current.clear(),
            Some(current) => {
                let mut merged = values.clone();
                merged.append(current);
                *current = merged;
            }
            None => {
                existing.insert(key.clone(), values.clone());
            }
        }
    }
}

fn insert_or_merge(map: &mut HashMap<String, Permissions>, path: &str, perms: &Permissions) {
    match map.get_mut(path) {
        Some(existing) => merge(existing, perms),
        None => {
            map.insert(path.to_string(), perms.clone());
        }
    }
}

impl Acl {
    /// Builds the ACL of `policies` as Vault's `NewACL`: blocks for the same path (and kind)
    /// merge; `root` must stand alone. Templated paths are skipped (no identity to fill them).
    pub fn new(policies: &[Policy]) -> Result<Acl, PolicyError> {
        let mut acl = Acl {
            root: false,
            rules: Vec::new(),
            exact: HashMap::new(),
            prefix: PrefixTrie::default(),
            has_prefix_rules: false,
            prefix_paths: Vec::new(),
            segment: SegmentIndex::default(),
        };
        let mut exact: HashMap<String, Permissions> = HashMap::new();
        let mut prefix: HashMap<String, Permissions> = HashMap::new();
        let mut segment: HashMap<String, Permissions> = HashMap::new();
        for policy in policies {
            if policy.name == ROOT_POLICY_NAME {
                if policies.len() != 1 {
                    return Err(PolicyError::RootWithOthers);
                }
                acl.root = true;
            }
            for rule in policy.paths.iter().filter(|r| !r.templated) {
                let mut perms = rule.permissions.clone();
                perms.required_parameters = perms.required_parameters.iter().map(|p| p.to_lowercase()).collect();
                if rule.has_segment_wildcards {
                    // These keep their trailing `*`: Vault keys them by the full pattern.
                    insert_or_merge(&mut segment, &rule.path, &perms);
                } else if rule.is_prefix {
                    insert_or_merge(&mut prefix, &rule.path, &perms);
                } else {
                    insert_or_merge(&mut exact, &rule.path, &perms);
                }
            }
        }
        for (path, perms) in exact {
            acl.exact.insert(path, acl.rules.len() as u32);
            acl.rules.push(perms);
        }
        for (path, perms) in prefix {
            acl.prefix.insert(&path, acl.rules.len() as u32);
            acl.prefix_paths.push((path, acl.rules.len() as u32));
            acl.has_prefix_rules = true;
            acl.rules.push(perms);
        }
        let mut patterns = Vec::with_capacity(segment.len());
        for (path, perms) in segment {
            if path.is_empty() {
                continue;
            }
            patterns.push((SegmentPattern::new(&path), acl.rules.len() as u32));
            acl.rules.push(perms);
        }
        acl.segment = SegmentIndex::new(patterns);
        Ok(acl)
    }

    /// Whether this is the `root` ACL.
    pub fn is_root(&self) -> bool {
        self.root
    }

    /// Checks `op` on `path` with the request's `data` (body or query parameters), no wrapping.
    pub fn allow(&self, op: impl Into<AclOperation>, path: &str, data: &Map<String, Value>) -> Decision {
        self.allow_wrapped(op, path, data, None)
    }

    /// [`Acl::allow`] with the requested response-wrapping TTL in seconds, checked against
    /// `min_wrapping_ttl`/`max_wrapping_ttl`.
    pub fn allow_wrapped(
        &self,
        op: impl Into<AclOperation>,
        path: &str,
        data: &Map<String, Value>,
        wrap_ttl: Option<u64>,
    ) -> Decision {
        let op = op.into();
        if self.root {
            return Decision { allowed: true, sudo: true, root: true, capabilities: Capabilities::NONE };
        }
        let Some(required) = op.required_capability() else {
            return Decision { allowed: true, ..Decision::default() };
        };
        let Some(perms) = self.matching_rule(op, path) else {
            return Decision::default();
        };
        let caps = perms.capabilities;
        let mut decision =
            Decision { allowed: false, sudo: caps.contains(Capabilities::SUDO), root: false, capabilities: caps };
        if !caps.contains(required) {
            return decision;
        }
        if perms.max_wrapping_ttl > 0 && wrap_ttl.is_none_or(|ttl| ttl > perms.max_wrapping_ttl) {
            return decision;
        }
        if perms.min_wrapping_ttl > 0 && wrap_ttl.is_none_or(|ttl| ttl < perms.min_wrapping_ttl) {
            return decision;
        }
        if perms.min_wrapping_ttl != 0 && perms.max_wrapping_ttl != 0 && perms.max_wrapping_ttl < perms.min_wrapping_ttl
        {
            return decision;
        }
        decision.allowed = !op.checks_parameters() || parameters_allowed(perms, data);
        decision
    }

    /// The capabilities the ACL grants on `path`, as `sys/capabilities` reports them: `["root"]`
    /// for root, `["deny"]` when denied or nothing matches, otherwise sorted names.
    pub fn capabilities(&self, path: &str) -> Vec<String> {
        if self.root {
            return vec!["root".to_string()];
        }
        self.matching_rule(AclOperation::List, path).map(|p| p.capabilities).unwrap_or_default().names()
    }

    /// Vault's `hasMountAccess`: whether any rule grants something on the mount `mount_path`
    /// (e.g. `secret/`) or below it; decides which mounts `sys/internal/ui/mounts` shows.
    pub fn has_mount_access(&self, mount_path: &str) -> bool {
        if self.root {
            return true;
        }
        let grants = |caps: Capabilities| !caps.is_empty() && !caps.is_deny();
        if self.matching_rule(AclOperation::List, mount_path).is_some_and(|p| grants(p.capabilities)) {
            return true;
        }
        let rule_grants = |i: u32| grants(self.rules[i as usize].capabilities);
        self.exact.iter().any(|(path, &i)| path.starts_with(mount_path) && rule_grants(i))
            || self.prefix_paths.iter().any(|(path, i)| path.starts_with(mount_path) && rule_grants(*i))
            || self.segment.patterns().iter().any(|(p, i)| p.covers_mount(mount_path) && rule_grants(*i))
    }

    /// Vault's rule selection: exact, then (for lists) exact without the trailing `/`, then the
    /// most specific prefix or segment-wildcard rule.
    fn matching_rule(&self, op: AclOperation, path: &str) -> Option<&Permissions> {
        let path = path.trim_start_matches('/');
        if let Some(&i) = self.exact.get(path) {
            return Some(&self.rules[i as usize]);
        }
        if op == AclOperation::List {
            let trimmed = path.strip_suffix('/').unwrap_or(path);
            if let Some(&i) = self.exact.get(trimmed) {
                return Some(&self.rules[i as usize]);
            }
            if trimmed.len() != path.len() {
                if let Some(p) = self.non_exact(trimmed) {
                    return Some(p);
                }
            }
        }
        self.non_exact(path)
    }

    /// Vault's `CheckAllowedFromNonExactPaths`: the longest prefix rule and every matching
    /// segment rule compete; the most specific wins.
    fn non_exact(&self, path: &str) -> Option<&Permissions> {
        let mut best: Option<(MatchPriority<'_>, u32)> = None;
        if self.has_prefix_rules {
            if let Some((len, rule)) = self.prefix.longest_prefix(path) {
                if self.segment.is_empty() {
                    return Some(&self.rules[rule as usize]);
                }
                let prio = MatchPriority { first_wildcard: len, is_prefix: true, wildcards: 0, wc_path: &path[..len] };
                best = Some((prio, rule));
            }
        }
        self.segment.for_each_match(path, |pattern, rule| {
            let prio = pattern.priority();
            if best.as_ref().is_none_or(|(b, _)| prio.cmp(b).is_gt()) {
                best = Some((prio, rule));
            }
        });
        best.map(|(_, rule)| &self.rules[rule as usize])
    }
}

/// Lower-cases a parameter name without allocating when it already is.
fn lower(name: &str) -> Cow<'_, str> {
    if name.chars().any(char::is_uppercase) {
        Cow::Owned(name.to_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// The parameter half of Vault's `AllowOperation`.
fn parameters_allowed(perms: &Permissions, data: &Map<String, Value>) -> bool {
    if perms.required_parameters.iter().any(|p| !data.contains_key(p.as_str())) {
        return false;
    }
    if data.is_empty() {
        return true;
    }
    if !perms.denied_parameters.is_empty() {
        if perms.denied_parameters.contains_key("*") {
            return false;
        }
        for (name, value) in data {
            if let Some(denied) = perms.denied_parameters.get(lower(name).as_ref()) {
                if value_in_denied_list(value, denied) {
                    return false;
                }
            }
        }
    }
    if perms.allowed_parameters.is_empty() {
        return true;
    }
    let allowed_all = perms.allowed_parameters.contains_key("*");
    if allowed_all && perms.allowed_parameters.len() == 1 {
        return true;
    }
    for (name, value) in data {
        match perms.allowed_parameters.get(lower(name).as_ref()) {
            None if !allowed_all => return false,
            Some(allowed) if !value_in_allowed_list(value, allowed) => return false,
            _ => {}
        }
    }
    true
}

/// `parseutil.ParseCommaStringSlice` on a string: split on commas, trim spaces; `""` is empty.
fn comma_items(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').filter(move |_| !s.is_empty()).map(str::trim)
}

fn value_in_allowed_list(value: &Value, list: &[Value]) -> bool {
    if list.is_empty() || value_in_list(value, list) {
        return true;
    }
    match value {
        Value::Array(items) => items.iter().all(|v| value_in_list(v, list)),
        Value::String(s) => comma_items(s).all(|item| str_in_list(item, list)),
        _ => false,
    }
}

fn value_in_denied_list(value: &Value, list: &[Value]) -> bool {
    if list.is_empty() || value_in_list(value, list) {
        return true;
    }
    match value {
        Value::Array(items) => items.iter().any(|v| value_in_list(v, list)),
        Value::String(s) => comma_items(s).any(|item| str_in_list(item, list)),
        _ => false,
    }
}

fn str_in_list(value: &str, list: &[Value]) -> bool {
    list.iter().any(|el| matches!(el, Value::String(pattern) if globbed_strings_match(pattern, value)))
}

/// Vault's `valueInParameterList`: strings match with `*` globs, other values by equality.
fn value_in_list(value: &Value, list: &[Value]) -> bool {
    list.iter().any(|el| match (el, value) {
        (Value::String(pattern), Value::String(v)) => globbed_strings_match(pattern, v),
        (Value::String(_), _) => false,
        (el, v) => el == v,
    })
}
