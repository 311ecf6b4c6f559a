//! `retry_join`: an uninitialized node on integrated storage keeps trying the configured
//! leaders until one hands it a join challenge; the operator then unseals it as usual.

use crate::config::retry_join::RetryJoin;
use std::sync::Arc;
use std::time::Duration;
use strongbox_actors::ha::JoinRequest;
use strongbox_actors::Core;

/// Vault retries every couple of seconds.
const RETRY_INTERVAL: Duration = Duration::from_secs(2);

fn read(file: &Option<String>, what: &str) -> Result<Option<String>, String> {
    match file {
        None => Ok(None),
        Some(f) => std::fs::read_to_string(f).map(Some).map_err(|e| format!("reading {what} {f}: {e}")),
    }
}

fn request(target: &RetryJoin) -> Result<JoinRequest, String> {
    Ok(JoinRequest {
        leader_api_addr: target.leader_api_addr.clone(),
        leader_ca_cert: read(&target.leader_ca_cert_file, "leader_ca_cert_file")?,
        leader_client_cert: read(&target.leader_client_cert_file, "leader_client_cert_file")?,
        leader_client_key: read(&target.leader_client_key_file, "leader_client_key_file")?,
        non_voter: target.non_voter,
    })
}

pub fn spawn(core: Arc<Core>, targets: Vec<RetryJoin>) {
    if targets.is_empty() {
        return;
    }
    actix_web::rt::spawn(async move {
        loop {
            // Initialized (by init, a join, or this loop): nothing left to do.
            if core.seal_status().initialized {
                return;
            }
            for target in &targets {
                let joined = match request(target) {
                    Ok(req) => core.raft_join(req).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                match joined {
                    Ok(()) => {
                        tracing::info!(leader = %target.leader_api_addr, "retry_join: joined; waiting for unseal");
                        return;
                    }
                    Err(e) => {
                        tracing::info!(leader = %target.leader_api_addr, error = %e, "retry_join: not joined yet")
                    }
                }
            }
            tokio::time::sleep(RETRY_INTERVAL).await;
        }
    });
}
