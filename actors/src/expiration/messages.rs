//! Messages of the expiration manager actor (DESIGN.md: `Register`, `Renew`, `Revoke`,
//! `RevokePrefix`, `Restore`, `Tidy`, and the reads behind `sys/leases`).

use super::lease::LeaseEntry;
use super::query::IrrevocableLease;
use super::register::{NewSecretLease, Registered};
use crate::token_store::TokenEntry;
use crate::{CoreError, Response};
use actix::Message;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Request path step 7: lease a secret an engine issued to `token`.
#[derive(Message)]
#[rtype(result = "Result<Registered, CoreError>")]
pub struct Register {
    pub token: Arc<TokenEntry>,
    pub lease: NewSecretLease,
}

/// `sys/leases/renew`: `increment` seconds, 0 for the engine's choice.
#[derive(Message)]
#[rtype(result = "Result<Option<Response>, CoreError>")]
pub struct Renew {
    pub lease_id: String,
    pub increment: u64,
}

/// `sys/leases/revoke`: now (`sync`), or marked expired for the timers to revoke.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct Revoke {
    pub lease_id: String,
    pub sync: bool,
}

/// `sys/leases/revoke-prefix` and, with `force`, `sys/leases/revoke-force`; mount disable and
/// remount revoke their mount's leases with it.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct RevokePrefix {
    pub prefix: String,
    pub force: bool,
    pub sync: bool,
}

/// `sys/leases/lookup`.
#[derive(Message)]
#[rtype(result = "Result<Option<LeaseEntry>, CoreError>")]
pub struct Lookup {
    pub lease_id: String,
}

/// `LIST sys/leases/lookup/<prefix>`.
#[derive(Message)]
#[rtype(result = "Result<Vec<String>, CoreError>")]
pub struct ListLeases {
    pub prefix: String,
}

/// post_unseal on the active node (and taking over leadership): start the timers and restore
/// the leases in the background. Answers with the new generation at once.
#[derive(Message)]
#[rtype(result = "u64")]
pub struct Restore;

/// pre_seal and loss of leadership: stop the timers and forget the schedule.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stop;

/// `sys/leases/tidy`: `false` when a tidy is already running.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct Tidy;

/// `sys/leases?type=irrevocable`: at most `limit` leases (`None`: all).
#[derive(Message)]
#[rtype(result = "(Vec<IrrevocableLease>, Option<&'static str>)")]
pub struct ListIrrevocable {
    pub limit: Option<usize>,
}

/// `sys/leases/count?type=irrevocable`: the total and the count per mount accessor.
#[derive(Message)]
#[rtype(result = "(usize, BTreeMap<String, usize>)")]
pub struct CountIrrevocable;
