//! The seal keeper's part in integrated storage: a joining node answers the leader's
//! challenge and unseals once the leader's data has arrived; raft leadership activates the
//! node (post_unseal) or stands it by (pre_seal, barrier open).

use super::{bad_key, open_barrier, SealConfig, SealKeeper, SealStatus, SEAL_CONFIG_PATH, STORED_ROOT_KEY_PATH};
use super::{Activate, Deactivate, SetPendingJoin, UnsealWithKek};
use crate::CoreError;
use actix::prelude::*;
use zeroize::Zeroizing;

impl SealKeeper {
    /// The threshold was reached on a joining node: answer the leader's challenge, then wait in
    /// the background for the leader's data and unseal with the same key. The reply says
    /// sealed, as Vault's does; clients poll `sys/seal-status`.
    pub(super) fn answer_join(
        &mut self,
        combined: Result<Zeroizing<Vec<u8>>, String>,
        join: crate::ha::PendingJoin,
        ctx: &mut Context<Self>,
    ) -> AtomicResponse<Self, Result<SealStatus, CoreError>> {
        let (barrier, lifecycle, me) = (self.barrier.clone(), self.lifecycle.clone(), ctx.address());
        let fut = async move {
            let kek = combined.map_err(bad_key)?;
            lifecycle.complete_join(&kek, join).await?;
            actix::spawn(async move {
                loop {
                    let physical = barrier.physical();
                    let have_keys = matches!(physical.get(STORED_ROOT_KEY_PATH).await, Ok(Some(_)))
                        && matches!(physical.get(SEAL_CONFIG_PATH).await, Ok(Some(_)));
                    if have_keys {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                match me.send(UnsealWithKek { kek }).await {
                    Ok(Ok(())) => tracing::info!("joined the raft cluster and unsealed"),
                    Ok(Err(e)) => tracing::error!(error = %e, "unsealing after the join failed"),
                    Err(_) => {}
                }
            });
            Ok::<_, CoreError>(())
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act: &mut SealKeeper, _| {
            if res.is_err() {
                // The join can be retried with a new sys/storage/raft/join.
                act.config = None;
            }
            let status = act.publish();
            res.map(|_| status)
        })))
    }
}

impl Handler<UnsealWithKek> for SealKeeper {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, msg: UnsealWithKek, _: &mut Context<Self>) -> Self::Result {
        let (barrier, lifecycle) = (self.barrier.clone(), self.lifecycle.clone());
        let fut = async move {
            let raw = barrier.physical().get(SEAL_CONFIG_PATH).await?;
            let config = raw.map(|r| serde_json::from_slice::<SealConfig>(&r)).transpose()?;
            let info = open_barrier(&barrier, lifecycle.as_ref(), &msg.kek).await?;
            Ok::<_, CoreError>((config, info))
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act: &mut SealKeeper, _| {
            let (config, info) = res?;
            act.config = config.or(act.config.take());
            act.cluster = Some(info);
            act.publish();
            Ok(())
        })))
    }
}

impl Handler<SetPendingJoin> for SealKeeper {
    type Result = Result<(), CoreError>;

    fn handle(&mut self, msg: SetPendingJoin, _: &mut Context<Self>) -> Self::Result {
        if !self.barrier.is_sealed() {
            return Err(CoreError::invalid("join can't be invoked on an unsealed node"));
        }
        self.config = Some(msg.config);
        self.pending_join = Some(msg.join);
        self.reset_progress();
        self.publish();
        Ok(())
    }
}

impl Handler<Activate> for SealKeeper {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, _: Activate, _: &mut Context<Self>) -> Self::Result {
        let (barrier, lifecycle) = (self.barrier.clone(), self.lifecycle.clone());
        let fut = async move {
            if barrier.is_sealed() || lifecycle.is_active() || lifecycle.is_standby() {
                return Ok(());
            }
            lifecycle.confirm_leadership().await?;
            if let Err(e) = lifecycle.post_unseal().await {
                lifecycle.pre_seal().await;
                return Err(e);
            }
            tracing::info!("this node is now the active node");
            Ok(())
        };
        // Activation may have sealed the node (a keyring it cannot open): publish that.
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res, act: &mut SealKeeper, _| {
            act.publish();
            res
        })))
    }
}

impl Handler<Deactivate> for SealKeeper {
    type Result = AtomicResponse<Self, Result<(), CoreError>>;

    fn handle(&mut self, _: Deactivate, _: &mut Context<Self>) -> Self::Result {
        self.end_ceremonies();
        let lifecycle = self.lifecycle.clone();
        let fut = async move {
            if lifecycle.is_active() {
                lifecycle.pre_seal().await;
                tracing::info!("this node is no longer the active node; standing by");
            }
            Ok(())
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self)))
    }
}
