//! The system backend: `sys/` paths that go through the logical pipeline, declared as a
//! framework table in [`paths`]. The seal, init and health endpoints that must answer while
//! sealed live in the api crate.

mod audit;
mod auth;
mod capabilities;
mod ceremonies;
mod fields;
mod keys;
mod leases;
mod mounts;
mod openapi;
mod paths;
mod policies;

use crate::core::Core;
use crate::logical::Table;
use crate::CoreError;
use std::sync::LazyLock;

pub use mounts::mount_json;

/// The system backend's table, compiled once.
pub(crate) fn table() -> Result<&'static Table<Core>, CoreError> {
    static TABLE: LazyLock<Result<Table<Core>, CoreError>> =
        LazyLock::new(|| Table::new(paths::paths(), paths::special(), paths::HELP));
    TABLE.as_ref().map_err(|e| CoreError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_compiles() {
        assert!(super::table().is_ok());
    }
}
