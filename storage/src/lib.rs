//! Physical storage for a Strongbox node.
//!
//! Everything here stores opaque bytes under string keys: by the time a value reaches this crate
//! the barrier has already encrypted it (only `core/seal-config` is plaintext). Backends:
//! [`InmemBackend`] for `-dev` and tests, [`RocksBackend`] for a durable single node. The raft
//! backend (integrated storage) implements the same [`PhysicalBackend`] trait on top of these.

mod error;
mod inmem;
pub mod keys;
mod list;
mod physical;
mod rocks;

pub use error::StorageError;
pub use inmem::InmemBackend;
pub use physical::{PhysicalBackend, WriteOp};
pub use rocks::RocksBackend;
