//! Messages of the policy store actor.

use super::Policy;
use crate::CoreError;
use actix::Message;
use std::sync::Arc;

/// post_unseal: read every stored policy (creating `default` on first unseal) and publish them.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct LoadPolicies;

/// pre_seal: forget every policy.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ClearPolicies;

/// Creates or replaces a policy; `raw` is parsed (and kept byte for byte) before it is stored.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct PutPolicy {
    pub name: String,
    pub raw: String,
}

/// A policy by name (lower-cased); `root` is the built-in empty policy.
#[derive(Message)]
#[rtype(result = "Result<Option<Arc<Policy>>, CoreError>")]
pub struct GetPolicy(pub String);

/// Deletes a policy; deleting one that does not exist succeeds, as in Vault.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct DeletePolicy(pub String);

/// The names of the assignable stored policies, sorted (no `root`, no `response-wrapping`).
#[derive(Message)]
#[rtype(result = "Vec<String>")]
pub struct ListPolicies;
