//! `sys/ha-status` (the members as the active node sees them) and `sys/step-down`.

use crate::core::Core;
use crate::replication::TransferLeadership;
use crate::{CoreError, Response, VERSION};
use serde_json::{json, Value};

impl Core {
    pub(crate) async fn ha_status(&self) -> Result<Option<Response>, CoreError> {
        let Some(ha) = self.ha.as_deref() else {
            return Ok(Some(Response::from_value(json!({ "nodes": [] }))));
        };
        let state = ha.raft.cluster_state();
        let now = chrono::Utc::now();
        // A standby's last echo: when its last raft message reached this node.
        let echo = |heard: Option<std::time::Instant>| {
            let ago = chrono::Duration::from_std(heard?.elapsed()).ok()?;
            Some((now - ago).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
        };
        let nodes: Vec<Value> = state
            .peers
            .iter()
            .map(|p| {
                json!({
                    "hostname": p.node_id,
                    "api_address": p.api_addr,
                    "cluster_address": format!("https://{}", p.cluster_addr),
                    "active_node": p.leader,
                    "last_echo": if p.leader { Value::Null } else { json!(echo(p.last_heard)) },
                    "version": VERSION,
                    "upgrade_version": VERSION,
                    "redundancy_zone": "",
                    "voter": p.voter,
                })
            })
            .collect();
        Ok(Some(Response::from_value(json!({ "nodes": nodes }))))
    }

    /// Vault's step-down: the active node gives up leadership; another voter takes over.
    pub(crate) async fn step_down(&self) -> Result<Option<Response>, CoreError> {
        if let Some(ha) = self.ha.as_deref() {
            let started = ha.raft.streamer().send(TransferLeadership).await.map_err(CoreError::internal)?;
            if started {
                tracing::info!("stepping down from active duty");
            }
        }
        Ok(None)
    }
}
