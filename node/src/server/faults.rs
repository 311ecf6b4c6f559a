//! Test builds only (`--features faults`): the cluster tests partition real node processes by
//! writing `{"generation": n, "blocked": ["127.0.0.2:8201", ...]}` to the file named by
//! `STRONGBOX_FAULTS_FILE`. This node then sends nothing to those cluster addresses (`"*"`:
//! nothing to anyone, and drops what arrives) and writes `n` to `<file>.ack`, so the test
//! knows the cut is in place before it goes on.

use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use strongbox_transport::Transport;

const POLL: Duration = Duration::from_millis(20);

#[derive(Deserialize)]
struct FaultFile {
    generation: u64,
    #[serde(default)]
    blocked: Vec<String>,
}

/// Starts the watcher when `STRONGBOX_FAULTS_FILE` is set.
pub fn watch(transport: Arc<Transport>) {
    let Some(path) = std::env::var_os("STRONGBOX_FAULTS_FILE").map(PathBuf::from) else {
        return;
    };
    tracing::warn!(file = %path.display(), "fault injection enabled (test build)");
    std::thread::spawn(move || {
        let mut applied = None;
        loop {
            if let Some(f) = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<FaultFile>(&b).ok()) {
                if applied != Some(f.generation) {
                    tracing::warn!(blocked = ?f.blocked, "fault injection: cluster links cut");
                    transport.set_blocked(f.blocked);
                    let mut ack = path.clone().into_os_string();
                    ack.push(".ack");
                    let tmp = PathBuf::from(format!("{}.tmp", ack.to_string_lossy()));
                    if std::fs::write(&tmp, f.generation.to_string()).and_then(|_| std::fs::rename(&tmp, &ack)).is_ok()
                    {
                        applied = Some(f.generation);
                    }
                }
            }
            std::thread::sleep(POLL);
        }
    });
}
