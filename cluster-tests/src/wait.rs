//! Polling with a deadline: the only way tests wait. A fixed sleep is never an assertion.

use std::time::{Duration, Instant};

/// How long a node may take to start or settle on a loaded two-core machine.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

const POLL: Duration = Duration::from_millis(50);

/// Calls `probe` until it returns `Ok`, and returns that; after `deadline`, the last `Err`.
pub fn wait_for<T>(deadline: Duration, mut probe: impl FnMut() -> Result<T, String>) -> Result<T, String> {
    let start = Instant::now();
    let mut pause = POLL;
    loop {
        match probe() {
            Ok(v) => return Ok(v),
            Err(e) if start.elapsed() >= deadline => return Err(format!("after {deadline:?}: {e}")),
            Err(_) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(500));
            }
        }
    }
}

/// [`wait_for`], panicking with `what` and the last error at the deadline.
pub fn must_wait_for<T>(what: &str, deadline: Duration, probe: impl FnMut() -> Result<T, String>) -> T {
    wait_for(deadline, probe).unwrap_or_else(|e| panic!("waiting for {what}: {e}"))
}
