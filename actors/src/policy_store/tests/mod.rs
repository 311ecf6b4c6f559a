//! Vault's documented policy behaviour as tables: parsing and validation in `parse`, matching,
//! precedence, merging, parameters and wrapping in `acl`.

mod acl;
mod parse;
mod store;

use super::{Acl, Policy};

/// Parses a policy or panics.
pub(super) fn must_policy(name: &str, text: &str) -> Policy {
    Policy::parse(name, text).unwrap_or_else(|e| panic!("policy {name}: {e}"))
}

/// Builds the ACL of the given policy texts or panics.
pub(super) fn must_acl(texts: &[&str]) -> Acl {
    let policies: Vec<Policy> = texts.iter().enumerate().map(|(i, t)| must_policy(&format!("p{i}"), t)).collect();
    Acl::new(&policies).unwrap()
}

/// Parses a JSON object literal into request data.
pub(super) fn data(json: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(json).unwrap() {
        serde_json::Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}
