//! The core of a Strongbox node: the actors that own seal state, the keyring, the mount table
//! and tokens; the request pipeline that walks every request through them; and the engines.
//! See the project's DESIGN.md for the map.

pub mod audit;
pub mod auth;
pub mod authorize;
pub mod barrier;
mod builtin;
pub mod core;
pub mod duration;
pub mod engines;
mod error;
pub mod expiration;
pub mod ha;
pub mod logical;
mod login;
pub mod mount_table;
pub mod pgp;
mod pipeline;
pub mod policy_store;
pub mod replication;
mod request;
mod response;
pub mod seal_keeper;
mod secret_string;
pub mod sync;
mod system;
pub mod token_store;
mod wrapping;

#[cfg(test)]
mod pipeline_tests;
#[cfg(test)]
mod test_support;

pub use error::CoreError;
pub use request::{Operation, Request};
pub use response::{Auth, Login, Response, Secret, WrapInfo};
pub use secret_string::SecretString;

/// The version this node reports in `sys/seal-status` and `sys/health`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Reported as `build_date`; a fixed value keeps builds reproducible.
pub const BUILD_DATE: &str = "2026-11-28T00:00:00Z";

pub use crate::core::{Core, CoreConfig};
pub use system::mount_json;
