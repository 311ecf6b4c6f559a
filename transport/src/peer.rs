//! Raft peer links: one outbound connection per peer, fed by a queue. The link task coalesces
//! whatever queued up into one [`RaftBatch`] per write, reconnects with a backoff when the
//! connection fails, and keeps a flag the streamer reads to report unreachable peers to raft.

use crate::connect::dial;
use crate::faults::Faults;
use crate::io::write_frame;
use crate::pb::{ClusterFrame, Kind, RaftBatch, RaftChunk};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Raft messages queued for a peer beyond which new ones are dropped (raft resends).
const QUEUE_DEPTH: usize = 4096;
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Messages larger than this (snapshots) travel as a stream of chunks of this size, so no frame
/// approaches the frame limit and the link keeps other traffic moving between chunks' writes.
pub(crate) const CHUNK_SIZE: usize = 4 * 1024 * 1024;

pub(crate) struct PeerLink {
    pub addr: String,
    tx: mpsc::Sender<Vec<u8>>,
    /// False while the link has no connection (raft hears the peer is unreachable).
    up: Arc<AtomicBool>,
}

impl PeerLink {
    pub fn spawn(
        rt: &tokio::runtime::Handle,
        from: u64,
        addr: String,
        tls: Arc<rustls::ClientConfig>,
        faults: Arc<Faults>,
    ) -> PeerLink {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let up = Arc::new(AtomicBool::new(true));
        rt.spawn(run(from, addr.clone(), tls, rx, up.clone(), faults));
        PeerLink { addr, tx, up }
    }

    /// Queues messages; false when the peer is (or just became) unreachable.
    pub fn send(&self, msgs: Vec<Vec<u8>>) -> bool {
        for m in msgs {
            if self.tx.try_send(m).is_err() {
                return false;
            }
        }
        self.up.load(Ordering::Relaxed)
    }
}

async fn run(
    from: u64,
    addr: String,
    tls: Arc<rustls::ClientConfig>,
    mut rx: mpsc::Receiver<Vec<u8>>,
    up: Arc<AtomicBool>,
    faults: Arc<Faults>,
) {
    let mut backoff = Duration::from_millis(50);
    let mut first = match rx.recv().await {
        Some(m) => m,
        None => return,
    };
    loop {
        let mut stream = match dial(&addr, tls.clone()).await {
            Ok(s) => {
                up.store(true, Ordering::Relaxed);
                backoff = Duration::from_millis(50);
                s
            }
            Err(e) => {
                tracing::debug!(%addr, error = %e, "raft peer unreachable");
                up.store(false, Ordering::Relaxed);
                // What queued meanwhile is stale: raft resends from its own progress.
                while rx.try_recv().is_ok() {}
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                match rx.recv().await {
                    Some(m) => first = m,
                    None => return,
                }
                continue;
            }
        };
        loop {
            let mut messages = vec![std::mem::take(&mut first)];
            while messages.len() < 1024 {
                match rx.try_recv() {
                    Ok(m) => messages.push(m),
                    Err(_) => break,
                }
            }
            if !faults.blocks(&addr) {
                if let Err(e) = write_messages(&mut stream, from, messages).await {
                    tracing::debug!(%addr, error = %e, "raft peer link broke");
                    up.store(false, Ordering::Relaxed);
                    break;
                }
            }
            match rx.recv().await {
                Some(m) => first = m,
                None => return,
            }
        }
        match rx.recv().await {
            Some(m) => first = m,
            None => return,
        }
    }
}

/// Writes messages in order: runs of ordinary ones as one batch, each large one as chunks.
async fn write_messages<W>(stream: &mut W, from: u64, messages: Vec<Vec<u8>>) -> Result<(), crate::io::WireError>
where
    W: tokio::io::AsyncWrite + Unpin,
{
    let mut batch = Vec::new();
    for m in messages {
        if m.len() <= CHUNK_SIZE {
            batch.push(m);
            continue;
        }
        if !batch.is_empty() {
            let frame =
                ClusterFrame { kind: Some(Kind::Raft(RaftBatch { from, messages: std::mem::take(&mut batch) })) };
            write_frame(stream, &frame).await?;
        }
        let pieces = m.len().div_ceil(CHUNK_SIZE);
        for (i, piece) in m.chunks(CHUNK_SIZE).enumerate() {
            let chunk = RaftChunk { from, data: piece.to_vec(), last: i + 1 == pieces };
            write_frame(stream, &ClusterFrame { kind: Some(Kind::RaftChunk(chunk)) }).await?;
        }
    }
    if !batch.is_empty() {
        write_frame(stream, &ClusterFrame { kind: Some(Kind::Raft(RaftBatch { from, messages: batch })) }).await?;
    }
    Ok(())
}
