//! Follows raft leadership: the leader becomes the active node (the seal keeper runs the
//! post_unseal steps), a node that lost leadership steps back to standby (pre_seal steps, the
//! barrier stays open). Both go through the seal keeper's mailbox, so they never interleave
//! with a seal or an unseal. It also tells the replication streamer when the barrier seals or
//! unseals, so a sealed node does not keep raft leadership.

use super::Ha;
use crate::barrier::Barrier;
use crate::replication::SetSealed;
use crate::seal_keeper::{Activate, Deactivate, SealKeeper};
use actix::Addr;
use std::sync::Arc;
use std::time::Duration;

/// How often leadership is checked (raft elections take seconds; this adds at most this).
const WATCH_INTERVAL: Duration = Duration::from_millis(50);

pub(crate) fn watch_leadership(ha: Arc<Ha>, barrier: Arc<Barrier>, seal: Addr<SealKeeper>) {
    actix::spawn(async move {
        let mut told_sealed = None;
        loop {
            tokio::time::sleep(WATCH_INTERVAL).await;
            let sealed = barrier.is_sealed();
            if told_sealed != Some(sealed) {
                // A sealed leader hands leadership over (Vault's sealed node leaves raft).
                ha.raft.streamer().do_send(SetSealed(sealed));
                told_sealed = Some(sealed);
            }
            if sealed {
                continue;
            }
            let (leader, active) = (ha.is_leader(), ha.is_active());
            let outcome = if leader && !active {
                seal.send(Activate).await
            } else if !leader && active {
                seal.send(Deactivate).await
            } else {
                continue;
            };
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "changing HA state failed; retrying"),
                Err(_) => return, // the seal keeper is gone: the node is shutting down
            }
        }
    });
}
