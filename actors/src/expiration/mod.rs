//! The expiration manager (Vault's `vault/expiration.go`): a lease for every secret issued
//! with a TTL and for every token, renewal within the mount's and the system's max TTL,
//! revocation through whatever issued the lease when it expires or is revoked, retries with
//! backoff and irrevocable leases when revocation keeps failing.
//!
//! The logic is the plain struct [`Expiration`] (storage, locks, schedule; one file per job);
//! [`ExpirationManager`] is the thin mailbox around it that owns the timer loop and the
//! background restore. Handlers never run lease work inside the mailbox: each answers with a
//! future, so a slow engine never holds up other lease requests. The token store reaches the
//! same `Expiration` directly through its lease hook ([`crate::token_store::TokenLeases`]).
//!
//! Timers run only while this node is active: `Restore` starts them (and loads the leases
//! lazily), `Stop` drops them; both bump a generation so stale work is void.

mod lease;
mod leases;
mod messages;
mod query;
mod register;
mod renew;
mod restore;
mod revoke;
mod run;
mod step;
mod tidy;
mod timers;

#[cfg(test)]
mod tests;

pub use lease::{secret_lease_id, token_lease_id, LeaseAuth, LeaseEntry, SecretLease};
pub use leases::Expiration;
pub use messages::*;
pub use query::{IrrevocableLease, MAX_IRREVOCABLE_LEASES, MAX_IRREVOCABLE_WARNING};
pub use register::{NewSecretLease, Registered};
pub use restore::RestoreReport;
pub(crate) use revoke::revoke_error;
pub use tidy::TidyReport;

use actix::prelude::*;
use std::sync::Arc;
use tokio::task::JoinHandle;

pub struct ExpirationManager {
    leases: Arc<Expiration>,
    timers: Option<JoinHandle<()>>,
    restore: Option<JoinHandle<()>>,
}

impl ExpirationManager {
    pub fn new(leases: Arc<Expiration>) -> Self {
        ExpirationManager { leases, timers: None, restore: None }
    }

    fn abort_tasks(&mut self) {
        for task in [self.timers.take(), self.restore.take()].into_iter().flatten() {
            task.abort();
        }
    }
}

impl Actor for ExpirationManager {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.leases.stop();
        self.abort_tasks();
    }
}

/// A handler that runs `$body` with the shared `Expiration` outside the mailbox.
macro_rules! delegate {
    ($msg:ty, $out:ty, |$l:ident, $m:ident| $body:expr) => {
        impl Handler<$msg> for ExpirationManager {
            type Result = ResponseFuture<$out>;

            fn handle(&mut self, $m: $msg, _: &mut Context<Self>) -> Self::Result {
                let $l = self.leases.clone();
                Box::pin(async move { $body })
            }
        }
    };
}

delegate!(Register, Result<Registered, crate::CoreError>, |l, m| l.register_secret(&m.token, m.lease).await);
delegate!(Renew, Result<Option<crate::Response>, crate::CoreError>, |l, m| l.renew(&m.lease_id, m.increment).await);
delegate!(Revoke, Result<(), crate::CoreError>, |l, m| if m.sync {
    l.revoke(&m.lease_id, false).await
} else {
    l.lazy_revoke(&m.lease_id).await
});
delegate!(RevokePrefix, Result<(), crate::CoreError>, |l, m| l.revoke_prefix(&m.prefix, m.force, m.sync).await);
delegate!(Lookup, Result<Option<LeaseEntry>, crate::CoreError>, |l, m| l.lookup(&m.lease_id).await);
delegate!(ListLeases, Result<Vec<String>, crate::CoreError>, |l, m| l.list_prefix(&m.prefix).await);

impl Handler<Restore> for ExpirationManager {
    type Result = u64;

    fn handle(&mut self, _: Restore, _: &mut Context<Self>) -> u64 {
        self.abort_tasks();
        let generation = self.leases.activate();
        self.timers = Some(tokio::spawn(self.leases.clone().run_timers(generation)));
        let leases = self.leases.clone();
        self.restore = Some(tokio::spawn(async move {
            if let Err(e) = leases.restore(generation).await {
                tracing::error!(error = %e, "error restoring leases");
            }
        }));
        generation
    }
}

impl Handler<Stop> for ExpirationManager {
    type Result = ();

    fn handle(&mut self, _: Stop, _: &mut Context<Self>) {
        self.leases.stop();
        self.abort_tasks();
    }
}

impl Handler<Tidy> for ExpirationManager {
    type Result = bool;

    fn handle(&mut self, _: Tidy, _: &mut Context<Self>) -> bool {
        self.leases.start_tidy()
    }
}

impl Handler<ListIrrevocable> for ExpirationManager {
    type Result = MessageResult<ListIrrevocable>;

    fn handle(&mut self, msg: ListIrrevocable, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.leases.irrevocable(msg.limit))
    }
}

impl Handler<CountIrrevocable> for ExpirationManager {
    type Result = MessageResult<CountIrrevocable>;

    fn handle(&mut self, _: CountIrrevocable, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.leases.irrevocable_counts())
    }
}
