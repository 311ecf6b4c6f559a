//! What the cluster port delivers to this node: raft batches go to the streamer's mailbox;
//! forwarded client requests go to the API's handler (set once the HTTP side is up), and get a
//! 503 in Vault's error format until then.

use super::messages::Step;
use super::streamer::ReplicationStreamer;
use actix::Addr;
use std::sync::{Arc, OnceLock};
use strongbox_transport::{BoxFuture, ForwardRequest, ForwardResponse, Inbound, RaftBatch};

/// Runs a forwarded request through this node's API and returns its response.
pub type ForwardHandler = Arc<dyn Fn(ForwardRequest) -> BoxFuture<ForwardResponse> + Send + Sync>;

#[derive(Default)]
pub(crate) struct ClusterInbound {
    streamer: OnceLock<Addr<ReplicationStreamer>>,
    forward: OnceLock<ForwardHandler>,
}

impl ClusterInbound {
    pub fn set_streamer(&self, addr: Addr<ReplicationStreamer>) {
        let _ = self.streamer.set(addr);
    }

    pub fn set_forward(&self, handler: ForwardHandler) {
        let _ = self.forward.set(handler);
    }
}

impl Inbound for ClusterInbound {
    fn raft(&self, batch: RaftBatch) {
        if let Some(s) = self.streamer.get() {
            s.do_send(Step { from: batch.from, messages: batch.messages });
        }
    }

    fn forward(&self, req: ForwardRequest) -> BoxFuture<ForwardResponse> {
        match self.forward.get() {
            Some(h) => h(req),
            None => {
                let id = req.id;
                Box::pin(async move {
                    ForwardResponse {
                        id,
                        status: 503,
                        headers: vec![strongbox_transport::Header {
                            name: "content-type".into(),
                            value: b"application/json".to_vec(),
                        }],
                        body: br#"{"errors":["local node is not ready to serve forwarded requests"]}"#.to_vec(),
                    }
                })
            }
        }
    }
}
