//! A device's writer: one thread per device owns the sink. A request hands its line over a
//! bounded queue and waits for it at most the device's deadline; the thread writes everything
//! queued since its last write with one write (and one fsync with `fsync=true`). A slow disk or
//! a peer that stopped reading costs a request at most the deadline, never a runtime thread,
//! and a full queue is refused at once rather than waited on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Where a writer's bytes go.
pub(super) trait Sink: Send + 'static {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<()>;
    /// Drop what is open and open again on the next write (SIGHUP, for log rotation tools).
    fn reopen(&mut self) {}
}

/// Lines one write may gather.
const BATCH: usize = 1024;

struct Job {
    line: Vec<u8>,
    done: oneshot::Sender<bool>,
}

pub(super) struct Writer {
    queue: SyncSender<Job>,
    deadline: Duration,
    /// The last entry missed its deadline, was refused by a full queue or failed to write.
    degraded: AtomicBool,
    /// Set by SIGHUP; the thread reopens its sink before its next write.
    reopen: Arc<AtomicBool>,
}

impl Writer {
    pub fn start(name: &str, sink: Box<dyn Sink>, deadline: Duration, capacity: usize) -> std::io::Result<Writer> {
        let (queue, jobs) = sync_channel(capacity);
        let reopen = Arc::new(AtomicBool::new(false));
        let flag = reopen.clone();
        std::thread::Builder::new()
            .name(format!("audit-{}", name.trim_end_matches('/')))
            .spawn(move || run(jobs, sink, &flag))?;
        Ok(Writer { queue, deadline, degraded: AtomicBool::new(false), reopen })
    }

    /// Asks the writer thread to reopen its sink before it writes again.
    pub fn request_reopen(&self) {
        self.reopen.store(true, Ordering::Relaxed);
    }

    /// Writes `line`; `Err` says why the device did not record it in time.
    pub async fn write(&self, line: Vec<u8>) -> Result<(), &'static str> {
        let (done, written) = oneshot::channel();
        let outcome = match self.queue.try_send(Job { line, done }) {
            Err(TrySendError::Full(_)) => Err("queue full"),
            Err(TrySendError::Disconnected(_)) => Err("writer stopped"),
            Ok(()) => match tokio::time::timeout(self.deadline, written).await {
                Ok(Ok(true)) => Ok(()),
                Ok(_) => Err("write failed"),
                Err(_) => Err("deadline passed"),
            },
        };
        self.degraded.store(outcome.is_err(), Ordering::Relaxed);
        outcome
    }

    pub fn degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }
}

/// The writer thread: ends when the device is dropped (its queue's sender goes away).
fn run(jobs: Receiver<Job>, mut sink: Box<dyn Sink>, reopen: &AtomicBool) {
    while let Ok(first) = jobs.recv() {
        if reopen.swap(false, Ordering::Relaxed) {
            sink.reopen();
        }
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut buf = Vec::with_capacity(batch.iter().map(|j| j.line.len()).sum());
        for job in &batch {
            buf.extend_from_slice(&job.line);
        }
        let ok = match sink.write(&buf) {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "audit device write failed");
                false
            }
        };
        for job in batch {
            // A waiter past its deadline has gone; nothing to tell it.
            let _ = job.done.send(ok);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    struct Shared(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Sink for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<()> {
            self.0.lock().unwrap().push(buf.to_vec());
            Ok(())
        }
    }

    struct Stuck;

    impl Sink for Stuck {
        fn write(&mut self, _: &[u8]) -> std::io::Result<()> {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        }
    }

    #[actix_rt::test]
    async fn lines_are_written_and_confirmed() {
        let writes = Arc::new(Mutex::new(Vec::new()));
        let w = Writer::start("t", Box::new(Shared(writes.clone())), Duration::from_secs(5), 8).unwrap();
        w.write(b"a\n".to_vec()).await.unwrap();
        w.write(b"b\n".to_vec()).await.unwrap();
        assert_eq!(writes.lock().unwrap().concat(), b"a\nb\n");
        assert!(!w.degraded());
    }

    #[actix_rt::test]
    async fn a_stuck_sink_costs_the_deadline_then_the_queue_refuses_at_once() {
        let w = Writer::start("stuck", Box::new(Stuck), Duration::from_millis(50), 1).unwrap();
        let started = std::time::Instant::now();
        assert_eq!(w.write(b"a\n".to_vec()).await, Err("deadline passed"));
        assert!(w.degraded());
        // The thread is still in its write: one line fills the queue, the next is refused.
        assert_eq!(w.write(b"b\n".to_vec()).await, Err("deadline passed"));
        assert_eq!(w.write(b"c\n".to_vec()).await, Err("queue full"));
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    }
}
