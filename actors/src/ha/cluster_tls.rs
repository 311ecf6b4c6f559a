//! The cluster's TLS material lives in the barrier: minted by the first active node, read by
//! every member after unseal, and handed to a joining node in the answer to its challenge.

use super::Ha;
use crate::barrier::Barrier;
use crate::CoreError;
use strongbox_transport::ClusterTls;

/// The cluster port's CA, certificate and key (JSON), encrypted by the barrier.
pub(crate) const CLUSTER_TLS_PATH: &str = "core/cluster/tls";

impl Ha {
    /// The cluster's TLS material; the leader mints it if the cluster has none yet (at init).
    pub(crate) async fn cluster_tls(&self, barrier: &Barrier) -> Result<Option<ClusterTls>, CoreError> {
        if let Some(bytes) = barrier.get(CLUSTER_TLS_PATH).await? {
            return Ok(Some(serde_json::from_slice(&bytes)?));
        }
        if !self.is_leader() {
            return Ok(None);
        }
        let tls = ClusterTls::generate().map_err(CoreError::internal)?;
        barrier.put(CLUSTER_TLS_PATH, &serde_json::to_vec(&tls)?).await?;
        tracing::info!("generated the cluster's TLS certificates");
        Ok(Some(tls))
    }

    /// Opens the cluster port once the barrier is open (every member, standby or not).
    pub(crate) async fn start_transport(&self, barrier: &Barrier) -> Result<(), CoreError> {
        if self.raft.transport().is_started() {
            return Ok(());
        }
        match self.cluster_tls(barrier).await? {
            Some(tls) => self.raft.start_transport(&tls).map_err(CoreError::internal),
            None => {
                tracing::warn!("no cluster TLS material yet; the cluster port stays closed");
                Ok(())
            }
        }
    }
}
