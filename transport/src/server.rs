//! The cluster listener: accepts mutually authenticated TLS connections from members and hands
//! what arrives to the node ([`Inbound`]): raft batches to the replication streamer, forwarded
//! requests to the API (answered on the same connection, many in flight at once).

use crate::codec::{FrameError, MAX_MESSAGE_SIZE};
use crate::io::{write_frame, FrameReader, WireError};
use crate::pb::{ClusterFrame, ForwardRequest, ForwardResponse, Kind, RaftBatch};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What the node does with what members send it.
pub trait Inbound: Send + Sync + 'static {
    /// Raft messages from a peer; must not block (queue them for the streamer).
    fn raft(&self, batch: RaftBatch);
    /// A client request a standby forwarded; the answer goes back unchanged.
    fn forward(&self, req: ForwardRequest) -> BoxFuture<ForwardResponse>;
}

/// Accepts connections until the listener fails (the task is dropped with the runtime).
pub(crate) async fn serve(listener: TcpListener, acceptor: TlsAcceptor, inbound: Arc<dyn Inbound>) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cluster listener: accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let (acceptor, inbound) = (acceptor.clone(), inbound.clone());
        tokio::spawn(async move {
            if let Err(e) = connection(tcp, acceptor, inbound).await {
                tracing::debug!(%peer, error = %e, "cluster connection closed");
            }
        });
    }
}

async fn connection(tcp: TcpStream, acceptor: TlsAcceptor, inbound: Arc<dyn Inbound>) -> Result<(), WireError> {
    tcp.set_nodelay(true)?;
    let tls = acceptor.accept(tcp).await?;
    let (read, mut write) = tokio::io::split(tls);
    let (answers, mut pending) = mpsc::channel::<ForwardResponse>(256);
    let writer = tokio::spawn(async move {
        while let Some(resp) = pending.recv().await {
            let frame = ClusterFrame { kind: Some(Kind::ForwardResponse(resp)) };
            if write_frame(&mut write, &frame).await.is_err() {
                break;
            }
        }
    });
    let mut reader = FrameReader::new(read);
    // The message whose chunks are arriving (they follow each other on a link).
    let mut partial: Vec<u8> = Vec::new();
    let result = loop {
        match reader.next().await {
            Ok(ClusterFrame { kind: Some(Kind::Raft(batch)) }) => inbound.raft(batch),
            Ok(ClusterFrame { kind: Some(Kind::RaftChunk(chunk)) }) => {
                if partial.len() + chunk.data.len() > MAX_MESSAGE_SIZE {
                    break WireError::Frame(FrameError::TooLarge(partial.len() + chunk.data.len()));
                }
                partial.extend_from_slice(&chunk.data);
                if chunk.last {
                    inbound.raft(RaftBatch { from: chunk.from, messages: vec![std::mem::take(&mut partial)] });
                }
            }
            Ok(ClusterFrame { kind: Some(Kind::ForwardRequest(req)) }) => {
                let (inbound, answers) = (inbound.clone(), answers.clone());
                tokio::spawn(async move {
                    let resp = inbound.forward(req).await;
                    let _ = answers.send(resp).await;
                });
            }
            Ok(_) => {} // nothing else is sent to a listener; ignore rather than drop the link
            Err(e) => break e,
        }
    };
    // Answers still in flight have nowhere to go once the peer hung up.
    writer.abort();
    match result {
        WireError::Closed => Ok(()),
        e => Err(e),
    }
}
