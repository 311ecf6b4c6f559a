//! Vault's HTTP API on actix-web: every `/v1/...` call becomes a logical request for the core's
//! pipeline, except the seal, init and health endpoints that must answer while sealed.

mod envelope;
mod error;
mod extract;
pub mod forward;
mod logical;
mod server;
mod sys_raft;
mod sys_raw;
pub mod tls;

pub use server::{configure, ApiState, MetricsRender};
