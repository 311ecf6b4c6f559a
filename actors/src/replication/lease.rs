//! The leader lease: the active node answers a request only while it can prove it is still the
//! raft leader, so a leader cut off from its quorum never serves a stale read after a new
//! leader has accepted writes (Vault's active node reads its local store without such a check).
//!
//! The proof is raft's ReadIndex: a heartbeat round carrying a context that a quorum must
//! acknowledge. With `check_quorum`, a follower that acknowledged a heartbeat sent at `t`
//! votes for nobody before `t + election timeout` (it ignores vote requests while it has
//! heard from its leader within that time; a restarted follower waits an election timeout
//! before it campaigns). So the leader holds a lease until `t + LEASE_SHARE * election
//! timeout`, counted from when it *sent* the round. Requests check the lease after their reads
//! ([`LeaderLease::holds`], one atomic load); the streamer renews it on its ticks while it
//! leads, so a busy leader never waits for a round. A leadership transfer ends the lease at
//! once (the target campaigns without waiting).

use super::error::ReplicationError;
use super::node::RaftNode;
use raft::ReadState;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The part of an election timeout the lease covers (the rest absorbs tick jitter).
const LEASE_SHARE: f64 = 0.8;
/// Marks our ReadIndex contexts.
const CTX_TAG: &[u8] = b"lease:";

pub type LeaseReceiver = oneshot::Receiver<Result<(), ReplicationError>>;

/// What readers check: the instant the lease ends, as nanoseconds since `epoch` (0: none).
pub struct LeaderLease {
    epoch: Instant,
    until: AtomicU64,
}

impl Default for LeaderLease {
    fn default() -> Self {
        LeaderLease { epoch: Instant::now(), until: AtomicU64::new(0) }
    }
}

impl LeaderLease {
    pub fn holds(&self) -> bool {
        self.nanos(Instant::now()) < self.until.load(Ordering::Acquire)
    }

    fn nanos(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    fn extend_to(&self, t: Instant) {
        self.until.fetch_max(self.nanos(t), Ordering::AcqRel);
    }

    fn revoke(&self) {
        self.until.store(0, Ordering::Release);
    }

    fn remaining(&self, now: Instant) -> Duration {
        Duration::from_nanos(self.until.load(Ordering::Acquire).saturating_sub(self.nanos(now)))
    }
}

struct Probe {
    seq: u64,
    sent: Instant,
    waiters: Vec<oneshot::Sender<Result<(), ReplicationError>>>,
}

/// The streamer's side: sends ReadIndex rounds and turns their acknowledgements into lease.
pub(crate) struct LeaseKeeper {
    shared: std::sync::Arc<LeaderLease>,
    duration: Duration,
    term: u64,
    next_seq: u64,
    probes: VecDeque<Probe>,
}

impl LeaseKeeper {
    pub fn new(shared: std::sync::Arc<LeaderLease>, election_timeout: Duration) -> Self {
        LeaseKeeper {
            shared,
            duration: election_timeout.mul_f64(LEASE_SHARE),
            term: 0,
            next_seq: 1,
            probes: VecDeque::new(),
        }
    }

    fn leads(node: &RaftNode) -> bool {
        node.is_leader() && node.raw.raft.lead_transferee.is_none()
    }

    /// Asks for proof of leadership; `waiter` hears when it is there (or that it is not).
    pub fn request(&mut self, node: &mut RaftNode, waiter: Option<oneshot::Sender<Result<(), ReplicationError>>>) {
        self.follow_term(node);
        if !Self::leads(node) {
            if let Some(w) = waiter {
                let _ = w.send(Err(ReplicationError::NotLeader { leader: node.raw.raft.leader_id }));
            }
            return;
        }
        let now = Instant::now();
        // A round sent recently enough proves what the caller needs (its reads are done).
        let recent = self.probes.back_mut().filter(|p| now.duration_since(p.sent) < self.duration / 2);
        let probe = match recent {
            Some(p) => p,
            None => {
                let seq = self.next_seq;
                self.next_seq += 1;
                node.raw.read_index([CTX_TAG, &seq.to_be_bytes()].concat());
                self.probes.push_back(Probe { seq, sent: now, waiters: Vec::new() });
                self.probes.back_mut().expect("just pushed")
            }
        };
        probe.waiters.extend(waiter);
    }

    /// Renews the lease ahead of its end while this node leads (called on ticks).
    pub fn renew(&mut self, node: &mut RaftNode) {
        if Self::leads(node) && self.shared.remaining(Instant::now()) < self.duration / 2 {
            self.request(node, None);
        }
    }

    /// After a Ready round: ends the lease on a lost leadership, and turns acknowledged rounds
    /// into lease.
    pub fn after_round(&mut self, node: &mut RaftNode) {
        self.follow_term(node);
        let acked = node.take_read_states().iter().filter_map(probe_seq).max();
        if let Some(acked) = acked {
            while self.probes.front().is_some_and(|p| p.seq <= acked) {
                let Some(p) = self.probes.pop_front() else { break };
                if p.seq == acked {
                    self.shared.extend_to(p.sent + self.duration);
                }
                for w in p.waiters {
                    let _ = w.send(Ok(()));
                }
            }
        }
        // A round raft dropped (e.g. before the first commit of the term) is given up on.
        let now = Instant::now();
        while self.probes.front().is_some_and(|p| now.duration_since(p.sent) > self.duration * 3) {
            if let Some(p) = self.probes.pop_front() {
                for w in p.waiters {
                    let _ = w.send(Err(ReplicationError::Timeout));
                }
            }
        }
    }
}

impl LeaseKeeper {
    /// A lease and its rounds belong to one term of leadership: anything else ends them.
    fn follow_term(&mut self, node: &RaftNode) {
        let term = if Self::leads(node) { node.raw.raft.term } else { 0 };
        if term == self.term && term != 0 {
            return;
        }
        self.shared.revoke();
        let leader = node.raw.raft.leader_id;
        for p in self.probes.drain(..) {
            for w in p.waiters {
                let _ = w.send(Err(ReplicationError::NotLeader { leader }));
            }
        }
        self.term = term;
    }
}

fn probe_seq(rs: &ReadState) -> Option<u64> {
    let bytes = rs.request_ctx.strip_prefix(CTX_TAG)?;
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
#[path = "lease_tests.rs"]
mod tests;
