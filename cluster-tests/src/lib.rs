//! A harness that drives real `strongbox` processes over real HTTP, for the end-to-end tests in
//! `tests/`. Nothing here is mocked: every [`Node`] is a child process of the binary built by
//! `cargo build -p strongbox-node`, which must run before `cargo test -p strongbox-cluster-tests`
//! (or set `STRONGBOX_BIN` to a binary).
//!
//! Naming: `must_*` panics on failure, `try_*` returns a `Result`, `wait_*` has a deadline.
//!
//! One job per module:
//! - [`binary`]: where the `strongbox` executable is;
//! - [`ports`]: free TCP ports on loopback addresses (127.0.0.x, for multi-node clusters);
//! - [`config`]: the server configuration a node is started with, written as Vault-style HCL;
//! - [`http`]: a tiny blocking JSON client returning status, headers and JSON;
//! - [`node`]: one server process: start, wait until ready, kill -9, restart on the same data;
//! - [`cluster`]: a raft cluster of nodes on 127.0.0.x, formed by init, join and unseal;
//! - [`faults`]: partitions between nodes, through the fault switch of test builds;
//! - [`linearizability`]: a register linearizability checker for histories under faults;
//! - [`cli`]: runs the binary as the Vault-style CLI with an isolated `HOME`;
//! - [`gpg`]: a throwaway GnuPG home that makes operators' keys and opens PGP messages;
//! - [`wait`]: polling with a deadline.

pub mod binary;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod faults;
pub mod gpg;
pub mod http;
pub mod linearizability;
pub mod node;
pub mod ports;
pub mod wait;

pub use cli::{Cli, CliOutput};
pub use cluster::Cluster;
pub use config::{NodeConfig, Storage, TlsFiles};
pub use http::{Client, Resp};
pub use node::Node;
