//! Follows raft leadership: the leader becomes the active node (the seal keeper runs the
//! post_unseal steps), a node that lost leadership steps back to standby (pre_seal steps, the
//! barrier stays open). Both go through the seal keeper's mailbox, so they never interleave
//! with a seal or an unseal. It also tells the replication streamer when the barrier seals or
//! unseals, so a sealed node does not keep raft leadership. Leadership and the seal are watched
//! (the streamer publishes each new cluster state, the barrier each seal and unseal).

use super::Ha;
use crate::barrier::Barrier;
use crate::replication::SetSealed;
use crate::seal_keeper::{Activate, Deactivate, SealKeeper};
use actix::Addr;
use std::sync::Arc;
use std::time::Duration;

/// How soon a failed activation or step-back is tried again.
const RETRY_INTERVAL: Duration = Duration::from_millis(100);
/// A safety net: the state is looked at again at least this often even without a change.
const RECHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Runs whenever leadership changes in the streamer's published state or the barrier seals or
/// unseals (both are watch channels), and once a second besides as a safety net.
pub(crate) fn watch_leadership(ha: Arc<Ha>, barrier: Arc<Barrier>, seal: Addr<SealKeeper>) {
    actix::spawn(async move {
        let mut cluster = ha.raft.watch_state();
        let mut sealed_rx = barrier.watch_sealed();
        let mut told_sealed = None;
        loop {
            let sealed = barrier.is_sealed();
            if told_sealed != Some(sealed) {
                // A sealed leader hands leadership over (Vault's sealed node leaves raft).
                ha.raft.streamer().do_send(SetSealed(sealed));
                told_sealed = Some(sealed);
            }
            let (leader, active) = (ha.is_leader(), ha.is_active());
            let outcome = match (sealed, leader, active) {
                (false, true, false) => Some(seal.send(Activate).await),
                (false, false, true) => Some(seal.send(Deactivate).await),
                _ => None,
            };
            match outcome {
                None | Some(Ok(Ok(()))) => {}
                Some(Ok(Err(e))) => {
                    tracing::warn!(error = %e, "changing HA state failed; retrying");
                    tokio::time::sleep(RETRY_INTERVAL).await;
                    continue;
                }
                Some(Err(_)) => return, // the seal keeper is gone: the node is shutting down
            }
            tokio::select! {
                changed = cluster.changed() => if changed.is_err() { return },
                changed = sealed_rx.changed() => if changed.is_err() { return },
                _ = tokio::time::sleep(RECHECK_INTERVAL) => {}
            }
        }
    });
}
