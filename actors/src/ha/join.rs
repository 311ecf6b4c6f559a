//! The joining node's side (Vault's `sys/storage/raft/join`): fetch the leader's challenge and
//! seal config while sealed; once the operator has entered enough unseal key shares, decrypt
//! the challenge, send the answer, take the member list and cluster TLS from the reply, start
//! raft as an empty member, and unseal when the leader's snapshot has brought the keys.

use super::bootstrap::{challenge_aad, ChallengeBlob};
use super::Ha;
use crate::barrier::Barrier;
use crate::core::Core;
use crate::replication::codec::PeerRecord;
use crate::replication::{raft_id_for, StartJoined};
use crate::seal_keeper::{SealConfig, SetPendingJoin, STORED_ROOT_KEY_PATH};
use crate::CoreError;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};
use std::time::Duration;
use strongbox_transport::ClusterTls;

const LEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// `sys/storage/raft/join`'s parameters (and a `retry_join` stanza's).
#[derive(Debug, Clone, Default)]
pub struct JoinRequest {
    pub leader_api_addr: String,
    /// PEM of the CA that signed the leader's API certificate.
    pub leader_ca_cert: Option<String>,
    pub leader_client_cert: Option<String>,
    pub leader_client_key: Option<String>,
    pub non_voter: bool,
}

/// A join in progress: what the leader sent, waiting for the unseal key shares.
pub struct PendingJoin {
    leader_api_addr: String,
    client: reqwest::Client,
    blob: ChallengeBlob,
    non_voter: bool,
}

fn leader_client(req: &JoinRequest) -> Result<reqwest::Client, CoreError> {
    let bad = |what: &str, e: reqwest::Error| CoreError::invalid(format!("invalid {what}: {e}"));
    let mut b = reqwest::Client::builder().timeout(LEADER_TIMEOUT).use_rustls_tls();
    if let Some(ca) = &req.leader_ca_cert {
        b = b
            .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).map_err(|e| bad("leader_ca_cert", e))?);
    }
    if let (Some(cert), Some(key)) = (&req.leader_client_cert, &req.leader_client_key) {
        let pem = format!("{cert}\n{key}");
        b = b.identity(reqwest::Identity::from_pem(pem.as_bytes()).map_err(|e| bad("leader_client_cert", e))?);
    }
    b.build().map_err(|e| CoreError::internal(format!("failed to create the leader client: {e}")))
}

/// PUTs `body` to the leader's `path` and returns the envelope's `data`.
async fn call_leader(client: &reqwest::Client, base: &str, path: &str, body: Value) -> Result<Value, CoreError> {
    let url = format!("{}/v1/{path}", base.trim_end_matches('/'));
    let failed = |e: String| CoreError::internal(format!("error during raft bootstrap call to {url}: {e}"));
    let resp = client.put(&url).json(&body).send().await.map_err(|e| failed(e.to_string()))?;
    let status = resp.status();
    let body: Value = resp.json().await.map_err(|e| failed(e.to_string()))?;
    if !status.is_success() {
        let errors = body.get("errors").map(Value::to_string).unwrap_or_default();
        return Err(failed(format!("{status}: {errors}")));
    }
    Ok(body.get("data").cloned().unwrap_or(Value::Null))
}

impl Ha {
    async fn fetch_challenge(&self, req: &JoinRequest) -> Result<(SealConfig, PendingJoin), CoreError> {
        let client = leader_client(req)?;
        let server_id = self.raft.me().node_id.clone();
        let data = call_leader(
            &client,
            &req.leader_api_addr,
            "sys/storage/raft/bootstrap/challenge",
            json!({ "server_id": server_id }),
        )
        .await?;
        let challenge = data.get("challenge").and_then(Value::as_str).unwrap_or_default();
        let blob: ChallengeBlob = B64
            .decode(challenge)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| CoreError::internal("the leader's challenge is malformed"))?;
        let config: SealConfig = serde_json::from_value(data.get("seal_config").cloned().unwrap_or(Value::Null))
            .map_err(|e| CoreError::internal(format!("the leader's seal config is malformed: {e}")))?;
        let pending =
            PendingJoin { leader_api_addr: req.leader_api_addr.clone(), client, blob, non_voter: req.non_voter };
        Ok((config, pending))
    }

    /// With the unseal key: answer the challenge, take the cluster TLS, start raft empty.
    pub(crate) async fn send_answer(&self, kek: &[u8], pending: PendingJoin) -> Result<(), CoreError> {
        let invalid =
            || CoreError::invalid("unable to retrieve stored keys: invalid key: failed to decrypt the join challenge");
        let wrapped = B64.decode(&pending.blob.root_key).map_err(|_| invalid())?;
        let root = Barrier::open_with(kek, STORED_ROOT_KEY_PATH, &wrapped).map_err(|_| invalid())?;
        let me = self.raft.me().clone();
        let sealed = B64.decode(&pending.blob.challenge).map_err(|_| invalid())?;
        let answer = Barrier::open_with(&root, &challenge_aad(&me.node_id), &sealed).map_err(|_| invalid())?;
        let data = call_leader(
            &pending.client,
            &pending.leader_api_addr,
            "sys/storage/raft/bootstrap/answer",
            json!({
                "server_id": me.node_id,
                "answer": B64.encode(answer.as_slice()),
                "cluster_addr": format!("https://{}", me.cluster_addr),
                "api_addr": me.api_addr,
                "non_voter": pending.non_voter,
            }),
        )
        .await?;
        let tls: ClusterTls = serde_json::from_value(data.get("tls_keyring").cloned().unwrap_or(Value::Null))
            .map_err(|e| CoreError::internal(format!("the leader's answer has no cluster TLS: {e}")))?;
        let peers = data
            .get("peers")
            .and_then(Value::as_array)
            .map(|ps| ps.iter().filter_map(peer_record).collect())
            .unwrap_or_default();
        self.raft.start_transport(&tls).map_err(CoreError::internal)?;
        self.raft
            .streamer()
            .send(StartJoined { peers })
            .await
            .map_err(CoreError::internal)?
            .map_err(CoreError::internal)?;
        Ok(())
    }
}

/// A member as the answer lists it: `{id, address, api_addr}`.
fn peer_record(v: &Value) -> Option<PeerRecord> {
    let node_id = v.get("id")?.as_str()?.to_string();
    let address = v.get("address")?.as_str()?;
    Some(PeerRecord {
        raft_id: raft_id_for(&node_id),
        node_id,
        cluster_addr: super::host_port(address).to_string(),
        api_addr: v.get("api_addr").and_then(Value::as_str).unwrap_or_default().to_string(),
        non_voter: false,
    })
}

impl Core {
    /// `sys/storage/raft/join`: only an uninitialized, sealed node on raft storage may join.
    pub async fn raft_join(&self, req: JoinRequest) -> Result<(), CoreError> {
        let ha = self.ha()?;
        if req.leader_api_addr.is_empty() {
            return Err(CoreError::invalid("leader_api_addr is required"));
        }
        if self.seal_status().initialized || ha.raft.cluster_state().initialized {
            return Err(CoreError::invalid("join can't be invoked on an initialized cluster"));
        }
        let (config, pending) = ha.fetch_challenge(&req).await?;
        self.seal.send(SetPendingJoin { config, join: pending }).await?
    }
}
