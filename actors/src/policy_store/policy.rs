//! ACL policy documents: parsing HCL or JSON text into [`Policy`] with Vault's validation and error
//! messages (vault/policy.go `ParseACLPolicy`).

use std::collections::HashMap;

use hcl::edit::structure::{Body, Structure};
use hcl::edit::Span;
use hcl::{Expression, ObjectKey};
use serde_json::{Map, Number, Value};

use super::capability::Capabilities;
use crate::duration::parse_duration_value;

/// The name of the built-in policy that grants everything.
pub const ROOT_POLICY_NAME: &str = "root";
/// The name of the policy every token gets unless created with `no_default_policy`.
pub const DEFAULT_POLICY_NAME: &str = "default";
/// The name of the fixed policy of response-wrapping tokens.
pub const RESPONSE_WRAPPING_POLICY_NAME: &str = "response-wrapping";

/// The `default` policy, byte for byte as Vault ships it (vault/policy_store.go `defaultPolicy`).
pub const DEFAULT_POLICY: &str = "
# Allow tokens to look up their own properties
path \"auth/token/lookup-self\" {
    capabilities = [\"read\"]
}

# Allow tokens to renew themselves
path \"auth/token/renew-self\" {
    capabilities = [\"update\"]
}

# Allow tokens to revoke themselves
path \"auth/token/revoke-self\" {
    capabilities = [\"update\"]
}

# Allow a token to look up its own capabilities on a path
path \"sys/capabilities-self\" {
    capabilities = [\"update\"]
}

# Allow a token to look up its own entity by id or name
path \"identity/entity/id/{{identity.entity.id}}\" {
  capabilities = [\"read\"]
}
path \"identity/entity/name/{{identity.entity.name}}\" {
  capabilities = [\"read\"]
}


# Allow a token to look up its resultant ACL from all policies. This is useful
# for UIs. It is an internal path because the format may change at any time
# based on how the internal ACL features and capabilities change.
path \"sys/internal/ui/resultant-acl\" {
    capabilities = [\"read\"]
}

# Allow a token to renew a lease via lease_id in the request body; old path for
# old clients, new path for newer
path \"sys/renew\" {
    capabilities = [\"update\"]
}
path \"sys/leases/renew\" {
    capabilities = [\"update\"]
}

# Allow looking up lease properties. This requires knowing the lease ID ahead
# of time and does not divulge any sensitive information.
path \"sys/leases/lookup\" {
    capabilities = [\"update\"]
}

# Allow a token to manage its own cubbyhole
path \"cubbyhole/*\" {
    capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path \"sys/wrapping/wrap\" {
    capabilities = [\"update\"]
}

# Allow a token to look up the creation time and TTL of a given
# response-wrapping token
path \"sys/wrapping/lookup\" {
    capabilities = [\"update\"]
}

# Allow a token to unwrap a response-wrapping token. This is a convenience to
# avoid client token swapping since this is also part of the response wrapping
# policy.
path \"sys/wrapping/unwrap\" {
    capabilities = [\"update\"]
}

# Allow general purpose tools
path \"sys/tools/hash\" {
    capabilities = [\"update\"]
}
path \"sys/tools/hash/*\" {
    capabilities = [\"update\"]
}

# Allow checking the status of a Control Group request if the user has the
# accessor
path \"sys/control-group/request\" {
    capabilities = [\"update\"]
}

# Allow a token to make requests to the Authorization Endpoint for OIDC providers.
path \"identity/oidc/provider/+/authorize\" {
\tcapabilities = [\"read\", \"update\"]
}
";

/// The `response-wrapping` policy (vault/policy_store.go `responseWrappingPolicy`).
pub const RESPONSE_WRAPPING_POLICY: &str = "
path \"cubbyhole/response\" {
    capabilities = [\"create\", \"read\"]
}

path \"sys/wrapping/unwrap\" {
    capabilities = [\"update\"]
}
";

/// A policy could not be parsed or an ACL could not be built. The messages are Vault's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Anything wrong with the policy text; rendered as `failed to parse policy: ...`.
    #[error("failed to parse policy: {0}")]
    Parse(String),
    /// `root` may only be used on its own.
    #[error("other policies present along with root")]
    RootWithOthers,
}

/// What one `path` block grants once its capabilities and options are decoded
/// (Vault's `ACLPermissions`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Permissions {
    pub capabilities: Capabilities,
    /// Seconds; 0 = unset.
    pub min_wrapping_ttl: u64,
    /// Seconds; 0 = unset.
    pub max_wrapping_ttl: u64,
    /// Lower-cased parameter name → allowed values (empty list = any value).
    pub allowed_parameters: HashMap<String, Vec<Value>>,
    /// Lower-cased parameter name → denied values (empty list = any value).
    pub denied_parameters: HashMap<String, Vec<Value>>,
    pub required_parameters: Vec<String>,
    pub mfa_methods: Vec<String>,
}

/// One `path "..." { ... }` block (Vault's `PathRules`).
#[derive(Debug, Clone, PartialEq)]
pub struct PathRules {
    /// The path without a leading `/`, and without the trailing `*` when `is_prefix`.
    pub path: String,
    /// A trailing-`*` glob without segment wildcards.
    pub is_prefix: bool,
    /// Contains `+` segments; such paths keep their trailing `*`.
    pub has_segment_wildcards: bool,
    /// Contains identity templating (`{{...}}`); only usable once templating is applied.
    pub templated: bool,
    /// The capabilities as written (after the legacy `policy` mapping; just `deny` if denied).
    pub capabilities: Vec<String>,
    pub permissions: Permissions,
}

/// A parsed ACL policy. `raw` keeps the text exactly as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub name: String,
    pub raw: String,
    pub paths: Vec<PathRules>,
    /// Some path uses identity templating.
    pub templated: bool,
}

impl Policy {
    /// Parses policy text (HCL, or JSON when it starts with `{`) as Vault's `ParseACLPolicy`.
    pub fn parse(name: impl Into<String>, raw: impl Into<String>) -> Result<Policy, PolicyError> {
        let raw = raw.into();
        let items =
            if raw.trim_start().starts_with('{') { raw_paths_from_json(&raw)? } else { raw_paths_from_hcl(&raw)? };
        let mut paths = Vec::with_capacity(items.len());
        for item in items {
            paths.push(compile_path(item)?);
        }
        let templated = paths.iter().any(|p| p.templated);
        Ok(Policy { name: name.into(), raw, paths, templated })
    }

    /// The built-in `root` policy: no text, no paths; an ACL holding it allows everything.
    pub fn root() -> Policy {
        Policy { name: ROOT_POLICY_NAME.to_string(), raw: String::new(), paths: Vec::new(), templated: false }
    }

    /// The built-in `default` policy.
    pub fn default_policy() -> Result<Policy, PolicyError> {
        Policy::parse(DEFAULT_POLICY_NAME, DEFAULT_POLICY)
    }

    /// The built-in `response-wrapping` policy.
    pub fn response_wrapping() -> Result<Policy, PolicyError> {
        Policy::parse(RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY)
    }
}

/// One key of a `path` block before decoding.
struct RawAttr {
    key: String,
    line: Option<usize>,
    value: Value,
}

/// One `path` block before decoding.
struct RawPath {
    key: String,
    attrs: Vec<RawAttr>,
}

fn parse_err(msg: impl Into<String>) -> PolicyError {
    PolicyError::Parse(msg.into())
}

use crate::logical::go::multierror;

fn invalid_key(key: &str, line: Option<usize>) -> String {
    match line {
        Some(line) => format!("invalid key {key:?} on line {line}"),
        None => format!("invalid key {key:?}"),
    }
}

fn line_of(raw: &str, offset: Option<std::ops::Range<usize>>) -> Option<usize> {
    let start = offset?.start;
    Some(raw.as_bytes().get(..start)?.iter().filter(|b| **b == b'\n').count() + 1)
}

fn raw_paths_from_hcl(raw: &str) -> Result<Vec<RawPath>, PolicyError> {
    let body: Body = raw.parse().map_err(|e: hcl::edit::parser::Error| {
        parse_err(format!("At {}:{}: {}", e.location().line(), e.location().column(), e.message()))
    })?;
    let mut invalid = Vec::new();
    let mut paths = Vec::new();
    for structure in body {
        let (key, line) = match &structure {
            Structure::Attribute(a) => (a.key.as_str().to_string(), line_of(raw, a.key.span())),
            Structure::Block(b) => (b.ident.as_str().to_string(), line_of(raw, b.ident.span())),
        };
        match (key.as_str(), structure) {
            ("name", _) => {}
            ("path", Structure::Block(block)) => {
                let [label] = block.labels.as_slice() else {
                    return Err(parse_err(format!("path block on line {} needs exactly one label", line.unwrap_or(0))));
                };
                let key = label.as_str().to_string();
                let mut attrs = Vec::new();
                for inner in block.body {
                    let (k, l, value) = match inner {
                        Structure::Attribute(a) => {
                            let l = line_of(raw, a.key.span());
                            (a.key.as_str().to_string(), l, expr_to_json(Expression::from(a.value))?)
                        }
                        Structure::Block(b) => {
                            let l = line_of(raw, b.ident.span());
                            (b.ident.as_str().to_string(), l, body_to_json(b.body)?)
                        }
                    };
                    attrs.push(RawAttr { key: k, line: l, value });
                }
                paths.push(RawPath { key, attrs });
            }
            ("path", Structure::Attribute(attr)) => {
                paths.extend(raw_paths_from_value(expr_to_json(Expression::from(attr.value))?)?);
            }
            (other, _) => invalid.push(invalid_key(other, line)),
        }
    }
    if !invalid.is_empty() {
        return Err(parse_err(multierror(&invalid)));
    }
    Ok(paths)
}

fn body_to_json(body: Body) -> Result<Value, PolicyError> {
    let mut map = Map::new();
    for s in body {
        match s {
            Structure::Attribute(a) => {
                map.insert(a.key.as_str().to_string(), expr_to_json(Expression::from(a.value))?);
            }
            Structure::Block(b) => {
                map.insert(b.ident.as_str().to_string(), body_to_json(b.body)?);
            }
        }
    }
    Ok(Value::Object(map))
}

fn expr_to_json(expr: Expression) -> Result<Value, PolicyError> {
    Ok(match expr {
        Expression::Null => Value::Null,
        Expression::Bool(b) => Value::Bool(b),
        Expression::Number(n) => {
            let num = if let Some(i) = n.as_i64() {
                Number::from(i)
            } else if let Some(u) = n.as_u64() {
                Number::from(u)
            } else {
                n.as_f64().and_then(Number::from_f64).ok_or_else(|| parse_err(format!("invalid number {n}")))?
            };
            Value::Number(num)
        }
        Expression::String(s) => Value::String(s),
        Expression::TemplateExpr(t) => match *t {
            hcl::TemplateExpr::QuotedString(s) => Value::String(s),
            hcl::TemplateExpr::Heredoc(h) => Value::String(h.template),
        },
        Expression::Array(items) => Value::Array(items.into_iter().map(expr_to_json).collect::<Result<_, _>>()?),
        Expression::Object(obj) => {
            let mut map = Map::new();
            for (k, v) in obj {
                let key = match k {
                    ObjectKey::Identifier(id) => id.to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s,
                    ObjectKey::Expression(Expression::TemplateExpr(t)) => t.to_string().trim_matches('"').to_string(),
                    other => return Err(parse_err(format!("unsupported object key {other:?}"))),
                };
                map.insert(key, expr_to_json(v)?);
            }
            Value::Object(map)
        }
        Expression::Parenthesis(inner) => expr_to_json(*inner)?,
        other => return Err(parse_err(format!("unsupported expression {other}"))),
    })
}

fn raw_paths_from_json(raw: &str) -> Result<Vec<RawPath>, PolicyError> {
    let value: Value =
        serde_json::from_str(raw).map_err(|e| parse_err(format!("At {}:{}: {}", e.line(), e.column(), e)))?;
    let Value::Object(top) = value else {
        return Err(parse_err("does not contain a root object"));
    };
    let invalid: Vec<String> =
        top.keys().filter(|k| *k != "name" && *k != "path").map(|k| invalid_key(k, None)).collect();
    if !invalid.is_empty() {
        return Err(parse_err(multierror(&invalid)));
    }
    match top.get("path") {
        Some(v) => raw_paths_from_value(v.clone()),
        None => Ok(Vec::new()),
    }
}

/// `path` given as an object (`{"secret/*": {...}}`) or a list of such objects.
fn raw_paths_from_value(value: Value) -> Result<Vec<RawPath>, PolicyError> {
    let objects = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    let mut out = Vec::new();
    for obj in objects {
        let Value::Object(map) = obj else {
            return Err(parse_err("path: expected an object of path rules"));
        };
        for (key, rules) in map {
            let rule_objects = match rules {
                Value::Array(items) => items,
                other => vec![other],
            };
            for rules in rule_objects {
                let Value::Object(rules) = rules else {
                    return Err(parse_err(format!("path {key:?}: expected an object")));
                };
                let attrs = rules.into_iter().map(|(k, v)| RawAttr { key: k, line: None, value: v }).collect();
                out.push(RawPath { key: key.clone(), attrs });
            }
        }
    }
    Ok(out)
}

const VALID_PATH_KEYS: [&str; 10] = [
    "comment",
    "policy",
    "capabilities",
    "allowed_parameters",
    "denied_parameters",
    "required_parameters",
    "min_wrapping_ttl",
    "max_wrapping_ttl",
    "mfa_methods",
    "control_group",
];

fn string_list(key: &str, field: &str, value: &Value) -> Result<Vec<String>, PolicyError> {
    let bad = || parse_err(format!("path {key:?}: {field}: expected a list of strings"));
    match value {
        Value::Array(items) => {
            items.iter().map(|v| v.as_str().map(str::to_string).ok_or_else(bad)).collect::<Result<_, _>>()
        }
        Value::String(s) => Ok(vec![s.clone()]),
        _ => Err(bad()),
    }
}

fn parameter_map(
    key: &str,
    field: &str,
    path: &str,
    value: &Value,
) -> Result<HashMap<String, Vec<Value>>, PolicyError> {
    let Value::Object(map) = value else {
        return Err(parse_err(format!("path {key:?}: {field}: expected a map of lists")));
    };
    let mut out = HashMap::with_capacity(map.len());
    for (name, values) in map {
        let values = match values {
            Value::Array(items) => items.clone(),
            Value::Null => Vec::new(),
            other => vec![other.clone()],
        };
        validate_parameter(name, true).map_err(|e| parse_err(format!("path {path:?}: {field}: {e}")))?;
        out.insert(name.to_lowercase(), values);
    }
    Ok(out)
}

/// Vault's `validateParameter`: wildcard keys must be `*` or a JSON pointer ending in `/*`.
fn validate_parameter(key: &str, wildcard_permitted: bool) -> Result<(), String> {
    if key.contains('*') {
        if !wildcard_permitted {
            return Err(format!("parameter key {key:?}: wildcard is not permitted here"));
        }
        let tail_ok = key.starts_with('/') && key.ends_with("/*") && !key[..key.len() - 2].contains('*');
        if key != "*" && !tail_ok {
            return Err(format!("parameter key {key:?} cannot contain non-tail wildcards"));
        }
    }
    Ok(())
}

fn compile_path(item: RawPath) -> Result<PathRules, PolicyError> {
    let key = item.key;
    let invalid: Vec<String> = item
        .attrs
        .iter()
        .filter(|a| !VALID_PATH_KEYS.contains(&a.key.as_str()))
        .map(|a| format!("path {key:?}: {}", invalid_key(&a.key, a.line)))
        .collect();
    if !invalid.is_empty() {
        return Err(parse_err(multierror(&invalid)));
    }
    let get = |name: &str| item.attrs.iter().rev().find(|a| a.key == name).map(|a| &a.value);

    let mut path = key.strip_prefix('/').unwrap_or(&key).to_string();
    if path.contains("+*") {
        return Err(parse_err(format!("path {path:?}: invalid use of wildcards ('+*' is forbidden)")));
    }
    let has_segment_wildcards = path == "+" || path.contains("/+") || path.starts_with("+/");
    let mut is_prefix = false;
    if path.ends_with('*') && !has_segment_wildcards {
        path.pop();
        is_prefix = true;
    }
    let templated = path.contains("{{");

    let mut capabilities = match get("capabilities") {
        Some(v) => string_list(&key, "capabilities", v)?,
        None => Vec::new(),
    };
    if let Some(v) = get("policy") {
        let legacy = v.as_str().ok_or_else(|| parse_err(format!("path {key:?}: policy: expected a string")))?;
        match legacy {
            "deny" => capabilities = vec!["deny".to_string()],
            "read" => capabilities.extend(["read", "list"].map(String::from)),
            "write" => capabilities.extend(["create", "read", "update", "delete", "list"].map(String::from)),
            "sudo" => capabilities.extend(["create", "read", "update", "delete", "list", "sudo"].map(String::from)),
            "" => {}
            other => return Err(parse_err(format!("path {key:?}: invalid policy {other:?}"))),
        }
    }

    let mut perms = Permissions::default();
    for cap in &capabilities {
        match Capabilities::from_name(cap) {
            Some(c) if c == Capabilities::DENY => {
                // Deny stands alone; nothing else in the block is even looked at.
                perms.capabilities = Capabilities::DENY;
                let capabilities = vec!["deny".to_string()];
                return Ok(PathRules {
                    path,
                    is_prefix,
                    has_segment_wildcards,
                    templated,
                    capabilities,
                    permissions: perms,
                });
            }
            Some(c) => perms.capabilities |= c,
            None => return Err(parse_err(format!("path {key:?}: invalid capability {cap:?}"))),
        }
    }

    if let Some(v) = get("allowed_parameters") {
        perms.allowed_parameters = parameter_map(&key, "allowed_parameters", &path, v)?;
    }
    if let Some(v) = get("denied_parameters") {
        perms.denied_parameters = parameter_map(&key, "denied_parameters", &path, v)?;
    }
    if let Some(v) = get("min_wrapping_ttl") {
        perms.min_wrapping_ttl =
            parse_duration_value(v).map_err(|e| parse_err(format!("error parsing min_wrapping_ttl: {e}")))?;
    }
    if let Some(v) = get("max_wrapping_ttl") {
        perms.max_wrapping_ttl =
            parse_duration_value(v).map_err(|e| parse_err(format!("error parsing max_wrapping_ttl: {e}")))?;
    }
    if let Some(v) = get("mfa_methods") {
        perms.mfa_methods = string_list(&key, "mfa_methods", v)?;
    }
    if perms.min_wrapping_ttl != 0 && perms.max_wrapping_ttl != 0 && perms.max_wrapping_ttl < perms.min_wrapping_ttl {
        return Err(parse_err("max_wrapping_ttl cannot be less than min_wrapping_ttl"));
    }
    if let Some(v) = get("required_parameters") {
        let required = string_list(&key, "required_parameters", v)?;
        for p in &required {
            validate_parameter(p, false).map_err(|e| parse_err(format!("path {path:?}: required_parameters: {e}")))?;
        }
        perms.required_parameters = required;
    }
    Ok(PathRules { path, is_prefix, has_segment_wildcards, templated, capabilities, permissions: perms })
}
