//! Forwarding client: a standby's connection to the active node's cluster port, carrying many
//! requests at once. Each request gets an id; a reader task hands each response to its waiter.
//! A broken connection fails its waiters and is replaced on the next request.

use crate::connect::dial;
use crate::io::{write_frame, FrameReader, WireError};
use crate::pb::{ClusterFrame, ForwardRequest, ForwardResponse, Kind};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How long a forwarded request may take (Vault's default max_request_duration is 90 s).
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(90);

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("error forwarding to the active node: {0}")]
    Connect(#[from] WireError),
    #[error("the connection to the active node closed before it answered")]
    Lost,
    #[error("the active node did not answer in time")]
    Timeout,
}

type Waiters = Arc<Mutex<HashMap<u64, oneshot::Sender<ForwardResponse>>>>;

pub(crate) struct ForwardConn {
    tx: mpsc::Sender<ForwardRequest>,
    waiters: Waiters,
    alive: Arc<AtomicBool>,
    next_id: AtomicU64,
}

fn lock(w: &Waiters) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<ForwardResponse>>> {
    w.lock().unwrap_or_else(|p| p.into_inner())
}

impl ForwardConn {
    pub async fn open(addr: &str, tls: Arc<rustls::ClientConfig>) -> Result<Arc<ForwardConn>, ForwardError> {
        let stream = dial(addr, tls).await?;
        let (read, mut write) = tokio::io::split(stream);
        let (tx, mut rx) = mpsc::channel::<ForwardRequest>(1024);
        let waiters: Waiters = Arc::default();
        let alive = Arc::new(AtomicBool::new(true));
        let writer_alive = alive.clone();
        tokio::spawn(async move {
            while let Some(req) = rx.recv().await {
                let frame = ClusterFrame { kind: Some(Kind::ForwardRequest(req)) };
                if write_frame(&mut write, &frame).await.is_err() {
                    writer_alive.store(false, Ordering::Relaxed);
                    break;
                }
            }
        });
        let (reader_waiters, reader_alive) = (waiters.clone(), alive.clone());
        tokio::spawn(async move {
            let mut reader = FrameReader::new(read);
            while let Ok(frame) = reader.next().await {
                if let Some(Kind::ForwardResponse(resp)) = frame.kind {
                    if let Some(w) = lock(&reader_waiters).remove(&resp.id) {
                        let _ = w.send(resp);
                    }
                }
            }
            reader_alive.store(false, Ordering::Relaxed);
            // Dropping the senders wakes every waiter with `Lost`.
            lock(&reader_waiters).clear();
        });
        Ok(Arc::new(ForwardConn { tx, waiters, alive, next_id: AtomicU64::new(1) }))
    }

    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Relaxed)
    }

    pub async fn call(&self, mut req: ForwardRequest) -> Result<ForwardResponse, ForwardError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        req.id = id;
        let (done, answer) = oneshot::channel();
        lock(&self.waiters).insert(id, done);
        if self.tx.send(req).await.is_err() {
            lock(&self.waiters).remove(&id);
            return Err(ForwardError::Lost);
        }
        match tokio::time::timeout(FORWARD_TIMEOUT, answer).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(_)) => Err(ForwardError::Lost),
            Err(_) => {
                lock(&self.waiters).remove(&id);
                Err(ForwardError::Timeout)
            }
        }
    }
}
