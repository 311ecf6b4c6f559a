//! The node-to-node wire: prost messages ([`pb`]) in length-delimited frames ([`codec`]) over
//! rustls mutual TLS ([`tls`]) on the cluster port. Raft batches travel on one outbound link
//! per peer ([`peer`]); standbys forward client requests to the active node on a multiplexed
//! connection ([`forward`]); the listener ([`server`]) hands what arrives to the node.
//!
//! The transport runs on a small tokio runtime of its own, so the replication streamer (on its
//! actix arbiter) only ever queues messages, and HTTP workers only await answers.

pub mod codec;
mod connect;
pub mod faults;
pub mod forward;
pub mod io;
pub mod pb;
mod peer;
pub mod server;
pub mod tls;

pub use codec::{decode_frame, encode_frame, FrameError, MAX_FRAME_SIZE};
pub use forward::{ForwardError, FORWARD_TIMEOUT};
pub use pb::{ForwardRequest, ForwardResponse, Header, RaftBatch};
pub use server::{BoxFuture, Inbound};
pub use tls::{ClusterTls, TlsError};

use faults::Faults;
use forward::ForwardConn;
use peer::PeerLink;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot start the cluster transport runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot listen on the cluster address {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("the cluster transport has no TLS material yet (the node is sealed)")]
    NotStarted,
}

/// Shuts its runtime down without blocking, wherever the last handle is dropped.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

#[derive(Default)]
struct Links {
    client: Option<Arc<rustls::ClientConfig>>,
    listening: bool,
    peers: HashMap<u64, PeerLink>,
    forward: HashMap<String, Arc<ForwardConn>>,
}

pub struct Transport {
    _rt: Runtime,
    handle: tokio::runtime::Handle,
    me: u64,
    inbound: Arc<dyn Inbound>,
    links: Mutex<Links>,
    /// Links test builds (`faults`) cut; never set otherwise.
    faults: Arc<Faults>,
}

impl Transport {
    /// A transport for the member with raft id `me`; it listens once [`Transport::start`] gives
    /// it the cluster's TLS material.
    pub fn new(me: u64, inbound: Arc<dyn Inbound>) -> Result<Arc<Transport>, TransportError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cluster-transport")
            .enable_all()
            .build()
            .map_err(TransportError::Runtime)?;
        let handle = rt.handle().clone();
        Ok(Arc::new(Transport {
            _rt: Runtime(Some(rt)),
            handle,
            me,
            inbound,
            links: Mutex::default(),
            faults: Arc::default(),
        }))
    }

    fn links(&self) -> MutexGuard<'_, Links> {
        self.links.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Listens on `bind_addr` with `tls` (idempotent: a started transport keeps its listener).
    pub fn start(&self, bind_addr: &str, tls: &ClusterTls) -> Result<(), TransportError> {
        let mut links = self.links();
        if links.listening {
            return Ok(());
        }
        let client = tls.client_config()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config()?);
        let bind_err = |source| TransportError::Bind { addr: bind_addr.to_string(), source };
        let std_listener = std::net::TcpListener::bind(bind_addr).map_err(bind_err)?;
        std_listener.set_nonblocking(true).map_err(bind_err)?;
        let _guard = self.handle.enter();
        let listener = tokio::net::TcpListener::from_std(std_listener).map_err(bind_err)?;
        let inbound: Arc<dyn Inbound> = Arc::new(Gate { inner: self.inbound.clone(), faults: self.faults.clone() });
        self.handle.spawn(server::serve(listener, acceptor, inbound));
        tracing::info!(address = %bind_addr, "cluster listener started");
        links.client = Some(client);
        links.listening = true;
        Ok(())
    }

    pub fn is_started(&self) -> bool {
        self.links().listening
    }

    /// Queues raft messages for peer `to` at `addr`. False means the peer is unreachable (or the
    /// transport has not started): the caller reports that to raft.
    pub fn send_raft(&self, to: u64, addr: &str, msgs: Vec<Vec<u8>>) -> bool {
        let mut links = self.links();
        let Some(client) = links.client.clone() else {
            return false;
        };
        let stale = links.peers.get(&to).is_some_and(|l| l.addr != addr);
        if stale {
            links.peers.remove(&to);
        }
        let link = links
            .peers
            .entry(to)
            .or_insert_with(|| PeerLink::spawn(&self.handle, self.me, addr.to_string(), client, self.faults.clone()));
        link.send(msgs)
    }

    /// Forgets a removed member's link.
    pub fn drop_peer(&self, id: u64) {
        self.links().peers.remove(&id);
    }

    /// Sends a client request to the active node at `addr` and waits for its answer.
    pub async fn forward(&self, addr: &str, req: ForwardRequest) -> Result<ForwardResponse, ForwardError> {
        if self.faults.blocks(addr) {
            return Err(ForwardError::Lost);
        }
        let (client, existing) = {
            let links = self.links();
            let Some(client) = links.client.clone() else {
                return Err(ForwardError::Lost);
            };
            (client, links.forward.get(addr).filter(|c| c.is_alive()).cloned())
        };
        let addr = addr.to_string();
        let conn = match existing {
            Some(c) => c,
            None => {
                let opened = self.handle.spawn({
                    let addr = addr.clone();
                    async move { ForwardConn::open(&addr, client).await }
                });
                let conn = opened.await.map_err(|_| ForwardError::Lost)??;
                self.links().forward.insert(addr, conn.clone());
                conn
            }
        };
        let call = self.handle.spawn(async move { conn.call(req).await });
        call.await.map_err(|_| ForwardError::Lost)?
    }

    /// Test builds: drop everything this node sends to the members at `addrs` (cluster
    /// addresses, or [`faults::ALL_PEERS`] to also drop what arrives). Empty heals.
    #[cfg(feature = "faults")]
    pub fn set_blocked(&self, addrs: impl IntoIterator<Item = String>) {
        self.faults.set_blocked(addrs);
        let faults = &self.faults;
        self.links().forward.retain(|addr, _| !faults.blocks(addr));
    }
}

/// Drops inbound traffic while the node is cut off from everyone (test builds only).
struct Gate {
    inner: Arc<dyn Inbound>,
    faults: Arc<Faults>,
}

impl Inbound for Gate {
    fn raft(&self, batch: RaftBatch) {
        if !self.faults.isolated() {
            self.inner.raft(batch);
        }
    }

    fn forward(&self, req: ForwardRequest) -> BoxFuture<ForwardResponse> {
        if self.faults.isolated() {
            let id = req.id;
            return Box::pin(async move {
                ForwardResponse {
                    id,
                    status: 503,
                    headers: Vec::new(),
                    body: br#"{"errors":["node is isolated"]}"#.to_vec(),
                }
            });
        }
        self.inner.forward(req)
    }
}

#[cfg(test)]
mod tests;
