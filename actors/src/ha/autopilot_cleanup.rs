//! Autopilot's reconcile loop on the active node: it hands the stored
//! `server_stabilization_time` to the streamer (which promotes learners), and, with
//! `cleanup_dead_servers` set, removes members it has not heard from for
//! `dead_server_last_contact_threshold`, as long as at least `min_quorum` voters remain.

use super::autopilot::AutopilotConfig;
use super::Ha;
use crate::barrier::Barrier;
use crate::replication::{ClusterState, RemovePeer, SetStabilization};
use std::sync::Arc;
use std::time::Duration;

/// How often the active node looks for dead servers.
const RECONCILE_INTERVAL: Duration = Duration::from_secs(5);

pub(crate) fn clean_up_dead_servers(ha: Arc<Ha>, barrier: Arc<Barrier>) {
    actix::spawn(async move {
        loop {
            tokio::time::sleep(RECONCILE_INTERVAL).await;
            if barrier.is_sealed() || !ha.is_active() {
                continue;
            }
            let Ok(config) = AutopilotConfig::load(&barrier).await else {
                continue;
            };
            // A new active node learns the stored stabilization time here.
            let _ = ha.raft.streamer().send(SetStabilization(config.stabilization())).await;
            if !config.cleanup_dead_servers {
                continue;
            }
            let state = ha.raft.cluster_state();
            for node_id in dead_servers(&state, &config, leader_for(&state)) {
                tracing::warn!(%node_id, "autopilot: removing a dead server");
                match ha.raft.streamer().send(RemovePeer { node_id: node_id.clone() }).await {
                    Ok(Ok(applied)) => {
                        let _ = tokio::time::timeout(crate::replication::APPLY_TIMEOUT, applied).await;
                    }
                    Ok(Err(e)) => tracing::warn!(%node_id, error = %e, "autopilot: removal failed"),
                    Err(_) => return,
                }
            }
        }
    });
}

/// How long this node has led: a member it never heard from counts as silent that long.
fn leader_for(state: &ClusterState) -> Duration {
    state
        .leader_since
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .and_then(|t| (chrono::Utc::now() - t.with_timezone(&chrono::Utc)).to_std().ok())
        .unwrap_or_default()
}

/// The members to remove: silent past the threshold, never the leader itself, and voters only
/// while `min_quorum` voters would remain.
fn dead_servers(state: &ClusterState, config: &AutopilotConfig, leader_for: Duration) -> Vec<String> {
    let threshold = Duration::from_secs(config.dead_server_last_contact_threshold);
    let mut voters = state.peers.iter().filter(|p| p.voter).count() as u64;
    let mut dead = Vec::new();
    for p in state.peers.iter().filter(|p| p.raft_id != state.raft_id) {
        let silent = p.last_heard.map_or(leader_for, |t| t.elapsed());
        if silent <= threshold {
            continue;
        }
        if p.voter {
            if voters <= config.min_quorum {
                tracing::debug!(node_id = %p.node_id, "autopilot: a dead voter stays (min_quorum)");
                continue;
            }
            voters -= 1;
        }
        dead.push(p.node_id.clone());
    }
    dead
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::PeerStatus;
    use std::time::Instant;

    fn peer(id: u64, voter: bool, heard_ago: Option<u64>) -> PeerStatus {
        PeerStatus {
            raft_id: id,
            node_id: format!("n{id}"),
            voter,
            last_heard: heard_ago.map(|s| Instant::now() - Duration::from_secs(s)),
            ..Default::default()
        }
    }

    #[test]
    fn only_servers_silent_past_the_threshold_go_and_min_quorum_holds() {
        let mut config = AutopilotConfig::default();
        (config.cleanup_dead_servers, config.dead_server_last_contact_threshold, config.min_quorum) = (true, 60, 3);
        let state = ClusterState {
            raft_id: 1,
            peers: vec![
                peer(1, true, None),
                peer(2, true, Some(1)),
                peer(3, true, Some(120)),
                peer(4, true, Some(300)),
                peer(5, false, Some(300)),
            ],
            ..Default::default()
        };
        // Four voters, min_quorum 3: one dead voter may go, the other stays; the non-voter goes.
        assert_eq!(dead_servers(&state, &config, Duration::from_secs(600)), ["n3", "n5"]);
        // Never heard from: dead only once this node has led longer than the threshold.
        let state = ClusterState { raft_id: 1, peers: vec![peer(1, true, None), peer(2, false, None)], ..state };
        assert!(dead_servers(&state, &config, Duration::from_secs(10)).is_empty());
        assert_eq!(dead_servers(&state, &config, Duration::from_secs(61)), ["n2"]);
    }
}
