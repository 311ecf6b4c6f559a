//! ACL policies: parsing Vault's HCL/JSON policy documents and compiling sets of them into an
//! [`Acl`] the request path checks (DESIGN.md, "The request path", step 4).
//!
//! - [`Policy::parse`] keeps the submitted text in `raw` and applies Vault's validation:
//!   `path` blocks with `capabilities` (or the legacy `policy = "read|write|deny|sudo"`),
//!   `allowed_parameters`/`denied_parameters`/`required_parameters`, `min_wrapping_ttl`/
//!   `max_wrapping_ttl`; errors read `failed to parse policy: ...` as Vault's do.
//! - [`Acl::new`] merges the policies of a token as Vault's `NewACL` does, and indexes the rules:
//!   exact paths in a hash map, `foo/*` prefixes in a byte trie, `+` segment patterns bucketed by
//!   their first segment. [`Acl::allow`] picks the one rule Vault would (exact, else the most
//!   specific glob) and checks the capability, wrapping TTLs and parameters.
//! - [`Capabilities`] is Vault's capability bitmap; [`AclOperation`] adds `create` (an update of a
//!   path that does not exist yet) to [`crate::Operation`].
//!
//! - [`PolicyStore`] is the actor that stores named policies in the barrier at `sys/policy/<name>`
//!   and publishes a [`PolicySet`] snapshot (compiled policies) for the request path.

mod acl;
mod capability;
mod glob;
mod messages;
mod policy;
mod store;

#[cfg(test)]
mod tests;

pub use acl::{Acl, Decision};
pub use capability::{AclOperation, Capabilities};
pub use glob::globbed_strings_match;
pub use messages::*;
pub use policy::{
    PathRules, Permissions, Policy, PolicyError, DEFAULT_POLICY, DEFAULT_POLICY_NAME, RESPONSE_WRAPPING_POLICY,
    RESPONSE_WRAPPING_POLICY_NAME, ROOT_POLICY_NAME,
};
pub use store::{sanitize_name, PolicySet, PolicyStore, POLICY_PREFIX};
