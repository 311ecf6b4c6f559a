//! `sys/storage/raft/autopilot/{state,configuration}`: Vault's autopilot view of the cluster.
//! The configuration is kept in the barrier; the state is computed from the leader's raft
//! progress and when each member was last heard from. Promotion of caught-up non-voters is
//! done by the replication streamer, the removal of dead servers by `autopilot_cleanup.rs`.

use crate::barrier::Barrier;
use crate::core::Core;
use crate::duration::format_duration;
use crate::logical::{Field, FieldData, FieldType};
use crate::replication::SetStabilization;
use crate::{CoreError, Response, VERSION};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::time::Duration;

/// The autopilot settings, as stored.
const AUTOPILOT_CONFIG_PATH: &str = "core/raft/autopilot/configuration";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(super) struct AutopilotConfig {
    pub(super) cleanup_dead_servers: bool,
    last_contact_threshold: u64,
    pub(super) dead_server_last_contact_threshold: u64,
    max_trailing_logs: u64,
    pub(super) min_quorum: u64,
    server_stabilization_time: u64,
    disable_upgrade_migration: bool,
}

impl Default for AutopilotConfig {
    fn default() -> Self {
        AutopilotConfig {
            cleanup_dead_servers: false,
            last_contact_threshold: 10,
            dead_server_last_contact_threshold: 24 * 3600,
            max_trailing_logs: 1000,
            min_quorum: 0,
            server_stabilization_time: 10,
            disable_upgrade_migration: false,
        }
    }
}

/// Go's `Duration.String()` at millisecond precision: `250ms`, `1.5s`.
fn go_duration_ms(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let secs = format!("{}.{:03}", ms / 1000, ms % 1000);
    format!("{}s", secs.trim_end_matches('0').trim_end_matches('.'))
}

/// The fields of `sys/storage/raft/autopilot/configuration`, as Vault declares them.
pub(crate) const AUTOPILOT_FIELDS: &[Field] = &[
    Field::new("cleanup_dead_servers", FieldType::Bool, "Controls whether to remove dead servers from the Raft peer list periodically or when a new server joins."),
    Field::new("last_contact_threshold", FieldType::Duration, "Limit on the amount of time a server can go without leader contact before being considered unhealthy."),
    Field::new("dead_server_last_contact_threshold", FieldType::Duration, "Limit on the amount of time a server can go without leader contact before being considered failed. This takes effect only when cleanup_dead_servers is set."),
    Field::new("max_trailing_logs", FieldType::Int, "Amount of entries in the Raft Log that a server can be behind before being considered unhealthy."),
    Field::new("min_quorum", FieldType::Int, "Minimum number of servers allowed in a cluster before autopilot can prune dead servers. This should at least be 3."),
    Field::new("server_stabilization_time", FieldType::Duration, "Minimum amount of time a server must be in a stable, healthy state before it can be added to the cluster."),
    Field::new("disable_upgrade_migration", FieldType::Bool, "Whether or not to perform automated version upgrades."),
];

impl AutopilotConfig {
    fn to_json(&self) -> Value {
        json!({
            "cleanup_dead_servers": self.cleanup_dead_servers,
            "last_contact_threshold": format_duration(self.last_contact_threshold),
            "dead_server_last_contact_threshold": format_duration(self.dead_server_last_contact_threshold),
            "max_trailing_logs": self.max_trailing_logs,
            "min_quorum": self.min_quorum,
            "server_stabilization_time": format_duration(self.server_stabilization_time),
            "disable_upgrade_migration": self.disable_upgrade_migration,
        })
    }

    /// Applies the fields a request sent (decoded by the framework against [`AUTOPILOT_FIELDS`]).
    fn update(&mut self, d: &FieldData) -> Result<(), CoreError> {
        if let Some(v) = d.bool("cleanup_dead_servers") {
            self.cleanup_dead_servers = v;
        }
        if let Some(v) = d.bool("disable_upgrade_migration") {
            self.disable_upgrade_migration = v;
        }
        for (key, target) in [("max_trailing_logs", &mut self.max_trailing_logs), ("min_quorum", &mut self.min_quorum)]
        {
            if let Some(n) = d.int(key) {
                *target = u64::try_from(n)
                    .map_err(|_| CoreError::invalid(format!("{key} must be a non-negative integer")))?;
            }
        }
        let durations = [
            ("last_contact_threshold", &mut self.last_contact_threshold),
            ("dead_server_last_contact_threshold", &mut self.dead_server_last_contact_threshold),
            ("server_stabilization_time", &mut self.server_stabilization_time),
        ];
        for (key, target) in durations {
            if let Some(secs) = d.seconds(key) {
                *target = secs;
            }
        }
        if self.cleanup_dead_servers && self.min_quorum < 3 {
            return Err(CoreError::invalid(
                "min_quorum must be set when cleanup_dead_servers is set and it should at least be 3",
            ));
        }
        if self.dead_server_last_contact_threshold < 60 {
            return Err(CoreError::invalid("dead_server_last_contact_threshold should not be lower than 1m"));
        }
        Ok(())
    }
}

impl AutopilotConfig {
    pub(super) fn stabilization(&self) -> Duration {
        Duration::from_secs(self.server_stabilization_time)
    }

    /// The stored settings, or Vault's defaults when none were ever written.
    pub(super) async fn load(barrier: &Barrier) -> Result<AutopilotConfig, CoreError> {
        Ok(match barrier.get(AUTOPILOT_CONFIG_PATH).await? {
            Some(b) => serde_json::from_slice(&b)?,
            None => AutopilotConfig::default(),
        })
    }
}

impl Core {
    async fn autopilot_config(&self) -> Result<AutopilotConfig, CoreError> {
        AutopilotConfig::load(&self.barrier).await
    }

    pub(crate) async fn autopilot_config_read(&self) -> Result<Option<Response>, CoreError> {
        self.ha()?;
        Ok(Some(Response::from_value(self.autopilot_config().await?.to_json())))
    }

    pub(crate) async fn autopilot_config_write(&self, d: &FieldData) -> Result<Option<Response>, CoreError> {
        self.ha()?;
        let mut config = self.autopilot_config().await?;
        config.update(d)?;
        self.barrier.put(AUTOPILOT_CONFIG_PATH, &serde_json::to_vec(&config)?).await?;
        let _ = self.ha()?.raft.streamer().send(SetStabilization(config.stabilization())).await;
        Ok(None)
    }

    pub(crate) async fn autopilot_state(&self) -> Result<Option<Response>, CoreError> {
        let ha = self.ha()?;
        let config = self.autopilot_config().await?;
        let state = ha.raft.cluster_state();
        let threshold = Duration::from_secs(config.last_contact_threshold);
        let leader_index = state.peers.iter().find(|p| p.leader).map_or(0, |p| p.matched);
        let mut servers = Map::new();
        let mut voters = Vec::new();
        let mut healthy_voters = 0u64;
        for p in &state.peers {
            let me = p.raft_id == state.raft_id;
            let contact = if me { Some(Duration::ZERO) } else { p.last_heard.map(|t| t.elapsed()) };
            let healthy = contact.is_some_and(|c| c <= threshold)
                && leader_index.saturating_sub(p.matched) <= config.max_trailing_logs;
            if p.voter {
                voters.push(json!(p.node_id));
                healthy_voters += u64::from(healthy);
            }
            let status = if p.leader {
                "leader"
            } else if p.voter {
                "voter"
            } else {
                "non-voter"
            };
            servers.insert(
                p.node_id.clone(),
                json!({
                    "id": p.node_id,
                    "name": p.node_id,
                    "address": p.cluster_addr,
                    "node_status": if contact.is_some() { "alive" } else { "unknown" },
                    "last_contact": contact.map(go_duration_ms).unwrap_or_else(|| "0s".into()),
                    "last_term": state.term,
                    "last_index": p.matched,
                    "healthy": healthy,
                    "status": status,
                    "node_type": "voter",
                    "version": VERSION,
                    "meta": {},
                }),
            );
        }
        let quorum = voters.len() as u64 / 2 + 1;
        let failure_tolerance = healthy_voters.saturating_sub(quorum);
        let leader = state.leader().map(|l| l.node_id.clone()).unwrap_or_default();
        Ok(Some(Response::from_value(json!({
            "healthy": healthy_voters >= quorum && healthy_voters == voters.len() as u64,
            "failure_tolerance": failure_tolerance,
            "optimistic_failure_tolerance": failure_tolerance,
            "leader": leader,
            "voters": voters,
            "servers": servers,
        }))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(go_duration_ms(Duration::from_millis(250)), "250ms");
        assert_eq!(go_duration_ms(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn config_updates_are_validated() {
        let mut c = AutopilotConfig::default();
        let data = |v: Value| FieldData::decode(v.as_object().unwrap(), &[AUTOPILOT_FIELDS]);
        c.update(&data(json!({"last_contact_threshold": "5s", "max_trailing_logs": "10"})).unwrap()).unwrap();
        assert_eq!((c.last_contact_threshold, c.max_trailing_logs), (5, 10));
        assert!(c.clone().update(&data(json!({"cleanup_dead_servers": "true"})).unwrap()).is_err(), "min_quorum");
        let ok = data(json!({"cleanup_dead_servers": "true", "min_quorum": 3})).unwrap();
        assert!(c.clone().update(&ok).is_ok());
        assert!(c.clone().update(&data(json!({"dead_server_last_contact_threshold": "10s"})).unwrap()).is_err());
        assert!(data(json!({"last_contact_threshold": "soon"})).is_err());
        assert!(c.update(&data(json!({"min_quorum": -1})).unwrap()).is_err());
    }
}
