//! The active node's side of joining, as Vault's `sys/storage/raft/bootstrap/*`:
//!
//! 1. `challenge {server_id}` (unauthenticated): a random challenge encrypted with the root key,
//!    sent with the root key as stored (encrypted by the unseal key) and the seal config. Only
//!    someone holding the unseal key shares can read it.
//! 2. `answer {server_id, answer, cluster_addr, api_addr}` (unauthenticated): the decrypted
//!    challenge, compared in constant time. The node is added as a non-voter, and gets the
//!    member list and the cluster's TLS material so it can talk on the cluster port.

use super::cluster_tls::CLUSTER_TLS_PATH;
use super::Ha;
use crate::barrier::Barrier;
use crate::core::Core;
use crate::logical::FieldData;
use crate::replication::codec::PeerRecord;
use crate::replication::{raft_id_for, AddLearner, RemovePeer};
use crate::seal_keeper::{SealConfig, SEAL_CONFIG_PATH, STORED_ROOT_KEY_PATH};
use crate::{CoreError, Request, Response};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// How long a challenge stays answerable.
const CHALLENGE_TTL: Duration = Duration::from_secs(10 * 60);

/// What the `challenge` field carries (base64 of this JSON).
#[derive(Serialize, Deserialize)]
pub(crate) struct ChallengeBlob {
    /// The root key, encrypted by the unseal key, as stored at `core/hsm/barrier-unseal-keys`.
    pub root_key: String,
    /// The challenge, encrypted by the root key.
    pub challenge: String,
}

pub(crate) fn challenge_aad(server_id: &str) -> String {
    format!("raft-challenge/{server_id}")
}

fn string_field(req: &Request, key: &str) -> Result<String, CoreError> {
    match req.data.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(CoreError::invalid(format!("no {key} provided"))),
    }
}

impl Ha {
    fn challenges(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (Vec<u8>, Instant)>> {
        self.challenges.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) async fn challenge(&self, barrier: &Barrier, req: &Request) -> Result<Option<Response>, CoreError> {
        let server_id = string_field(req, "server_id")?;
        let challenge = {
            let mut map = self.challenges();
            map.retain(|_, (_, at)| at.elapsed() < CHALLENGE_TTL);
            map.entry(server_id.clone())
                .or_insert_with(|| (uuid::Uuid::new_v4().as_bytes().to_vec(), Instant::now()))
                .0
                .clone()
        };
        let physical = barrier.physical();
        let wrapped = physical
            .get(STORED_ROOT_KEY_PATH)
            .await?
            .ok_or_else(|| CoreError::internal("stored root key is missing"))?;
        let config: SealConfig = serde_json::from_slice(
            &physical.get(SEAL_CONFIG_PATH).await?.ok_or_else(|| CoreError::internal("seal config is missing"))?,
        )?;
        let root = barrier.root_key()?;
        let sealed = Barrier::seal_with(&root, &challenge_aad(&server_id), &challenge)?;
        let blob = ChallengeBlob { root_key: B64.encode(wrapped), challenge: B64.encode(sealed) };
        Ok(Some(Response::from_value(json!({
            "challenge": B64.encode(serde_json::to_vec(&blob)?),
            "seal_config": config,
        }))))
    }

    pub(crate) async fn answer(
        &self,
        barrier: &Barrier,
        req: &Request,
        d: &FieldData,
    ) -> Result<Option<Response>, CoreError> {
        let server_id = string_field(req, "server_id")?;
        let answer = B64
            .decode(string_field(req, "answer")?)
            .map_err(|_| CoreError::invalid("could not base64 decode answer"))?;
        let cluster_addr = string_field(req, "cluster_addr")?;
        let cluster_addr = super::host_port(&cluster_addr).to_string();
        let api_addr = d.str_or_default("api_addr");
        let non_voter = d.bool_or_default("non_voter");
        let expected = self.challenges().get(&server_id).map(|(c, _)| c.clone());
        let Some(expected) = expected else {
            return Err(CoreError::invalid("no expected answer for the server id provided"));
        };
        if !bool::from(expected.as_slice().ct_eq(answer.as_slice())) {
            return Err(CoreError::invalid("invalid answer given"));
        }
        self.challenges().remove(&server_id);
        let record = PeerRecord {
            raft_id: raft_id_for(&server_id),
            node_id: server_id.clone(),
            cluster_addr,
            api_addr,
            non_voter,
        };
        self.raft
            .streamer()
            .send(AddLearner { record })
            .await
            .map_err(CoreError::internal)?
            .map_err(|e| CoreError::internal(format!("failed to add peer: {e}")))?;
        tracing::info!(node_id = %server_id, non_voter, "node answered the join challenge; added as a non-voter");
        let tls = barrier.get(CLUSTER_TLS_PATH).await?.ok_or_else(|| CoreError::internal("cluster TLS is missing"))?;
        let tls: Value = serde_json::from_slice(&tls)?;
        let peers: Vec<Value> = self
            .raft
            .cluster_state()
            .peers
            .iter()
            .map(|p| json!({"id": p.node_id, "address": p.cluster_addr, "api_addr": p.api_addr}))
            .collect();
        Ok(Some(Response::from_value(json!({ "peers": peers, "tls_keyring": tls }))))
    }

    pub(crate) async fn remove_peer(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        let node_id = match req.data.get("server_id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(CoreError::invalid("no server id provided")),
        };
        let applied = self
            .raft
            .streamer()
            .send(RemovePeer { node_id: node_id.clone() })
            .await
            .map_err(CoreError::internal)?
            .map_err(|e| match e {
                crate::replication::ReplicationError::UnknownPeer(_)
                | crate::replication::ReplicationError::LastVoter => CoreError::invalid(e.to_string()),
                other => CoreError::internal(other),
            })?;
        // As Vault's: the answer waits until the removal is committed.
        match tokio::time::timeout(crate::replication::APPLY_TIMEOUT, applied).await {
            Ok(Ok(Ok(_))) => {}
            Ok(Ok(Err(e))) => return Err(CoreError::internal(e)),
            Ok(Err(_)) => return Err(CoreError::internal("the raft streamer stopped")),
            Err(_) => return Err(CoreError::internal("timed out waiting for the removal to commit")),
        }
        tracing::info!(%node_id, "removed peer from raft cluster");
        Ok(None)
    }
}

impl Core {
    pub(crate) fn ha(&self) -> Result<&Ha, CoreError> {
        self.ha.as_deref().ok_or_else(|| CoreError::invalid("raft storage is not in use"))
    }

    pub(crate) async fn raft_bootstrap_challenge(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        self.ha()?.challenge(&self.barrier, req).await
    }

    pub(crate) async fn raft_bootstrap_answer(
        &self,
        req: &Request,
        d: &FieldData,
    ) -> Result<Option<Response>, CoreError> {
        self.ha()?.answer(&self.barrier, req, d).await
    }

    pub(crate) async fn raft_remove_peer(&self, req: &Request) -> Result<Option<Response>, CoreError> {
        self.ha()?.remove_peer(req).await
    }
}
