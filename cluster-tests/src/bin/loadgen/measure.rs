//! The timed phase: closed-loop workers sending a shape's request until the deadline, and what
//! they measured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use crate::http::{new_client, send};
use crate::shape::Shape;

/// What the workers measured.
#[derive(Default)]
pub struct Stats {
    pub requests: u64,
    /// Transport failures and responses the shape does not accept.
    pub errors: u64,
    pub first_error: Option<String>,
    /// Latency of every completed request (errors included), in microseconds.
    pub latencies_us: Vec<u32>,
}

impl Stats {
    fn error(&mut self, message: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message());
        }
    }

    fn merge(&mut self, other: Stats) {
        self.requests += other.requests;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies_us.extend(other.latencies_us);
    }

    /// The q-quantile (0..=1) of the latencies, in milliseconds; sorts them first.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        self.latencies_us.sort_unstable();
        let rank = (q * self.latencies_us.len() as f64).ceil() as usize;
        let idx = rank.clamp(1, self.latencies_us.len()) - 1;
        self.latencies_us[idx] as f64 / 1000.0
    }
}

/// Runs `clients` workers for `duration`; returns what they measured and the elapsed seconds.
pub async fn run(shape: Shape, clients: usize, duration: Duration) -> (Stats, f64) {
    let shape = Arc::new(shape);
    let start = Instant::now();
    let deadline = start + duration;
    let handles: Vec<_> = (0..clients).map(|_| tokio::spawn(worker(shape.clone(), deadline))).collect();
    let mut total = Stats::default();
    for h in handles {
        match h.await {
            Ok(s) => total.merge(s),
            Err(e) => total.error(|| e.to_string()),
        }
    }
    (total, start.elapsed().as_secs_f64())
}

/// One client: its own keep-alive connection, the next request as soon as the previous completed.
async fn worker(shape: Arc<Shape>, deadline: Instant) -> Stats {
    let mut stats = Stats::default();
    let client = match new_client() {
        Ok(c) => c,
        Err(e) => {
            stats.error(|| e.to_string());
            return stats;
        }
    };
    // StdRng, unlike ThreadRng, is Send: the worker future holds it across awaits.
    let mut rng = rand::rngs::StdRng::from_entropy();
    while Instant::now() < deadline {
        let url = &shape.urls[rng.gen_range(0..shape.urls.len())];
        let start = Instant::now();
        let result = send(&client, shape.method.clone(), url, &shape.token, shape.body).await;
        let micros = start.elapsed().as_micros().min(u32::MAX as u128) as u32;
        stats.requests += 1;
        match result {
            Ok((status, body)) => {
                stats.latencies_us.push(micros);
                if let Err(e) = shape.check(status, body.as_ref()) {
                    stats.error(|| format!("{e} ({} {url})", shape.method));
                }
            }
            Err(e) => stats.error(|| e),
        }
    }
    stats
}
