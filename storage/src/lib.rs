//! Physical storage for a Strongbox node.
//!
//! Everything here stores opaque bytes under string keys: by the time a value reaches this crate
//! the barrier has already encrypted it (only `core/seal-config` is plaintext). Backends:
//! [`InmemBackend`] for `-dev` and tests, [`RocksBackend`] for a durable single node. For
//! integrated storage, [`RaftLogStore`] is the raft log (`impl raft::Storage`) and the applied
//! state machine on one RocksDB; the raft backend in the actors crate implements
//! [`PhysicalBackend`] on top of it.

mod error;
mod inmem;
pub mod keys;
mod list;
mod physical;
mod raft_apply;
mod raft_log;
mod raft_snapshot;
mod rocks;

pub use error::StorageError;
pub use inmem::InmemBackend;
pub use physical::{PhysicalBackend, WriteOp};
pub use raft_apply::{AppliedState, ApplyBatch};
pub use raft_log::RaftLogStore;
pub use raft_snapshot::SnapshotData;
pub use rocks::{flush_open_databases, RocksBackend};
