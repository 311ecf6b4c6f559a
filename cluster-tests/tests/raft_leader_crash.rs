//! `kill -9` of the active node while clients write through every node: a standby becomes the
//! active node within the election timeout, every write that was acknowledged can be read
//! back, and the killed node comes back (restart and unseal) as a standby with all the data.

use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::{Client, Cluster};

const WRITERS: usize = 4;

/// Writes `w<writer>-<n>` through the nodes in turn until told to stop; records what was acked.
fn writer(id: usize, clients: Vec<Client>, stop: Arc<AtomicBool>, acked: Arc<Mutex<Vec<(String, u64)>>>) {
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let key = format!("w{id}-{n}");
        let client = &clients[(id + n as usize) % clients.len()];
        match client.try_request("PUT", &format!("kv/{key}"), Some(&json!({ "n": n }))) {
            Ok(r) if r.status == 204 || r.status == 200 => acked.lock().unwrap().push((key, n)),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn acked_count(acked: &Mutex<Vec<(String, u64)>>) -> usize {
    acked.lock().unwrap().len()
}

#[test]
fn killing_the_active_node_loses_no_acknowledged_write() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<Client> = (0..3).map(|i| c.client(i)).collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|id| {
            let (clients, stop, acked) = (clients.clone(), stop.clone(), acked.clone());
            std::thread::spawn(move || writer(id, clients, stop, acked))
        })
        .collect();
    must_wait_for("writes before the kill", Duration::from_secs(60), || {
        (acked_count(&acked) >= 80).then_some(()).ok_or("too few".to_string())
    });

    c.nodes[leader].note("test: kill -9 of the active node");
    let killed_at = Instant::now();
    c.nodes[leader].kill();
    let others: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    let (new_leader, _) = c.must_wait_leader_among(&others);
    let failover = killed_at.elapsed();
    println!("a new active node after {failover:?}");
    assert!(failover < ELECTION_DEADLINE, "failover took {failover:?}");

    let before = acked_count(&acked);
    must_wait_for("writes after the failover", Duration::from_secs(60), || {
        (acked_count(&acked) >= before + 80).then_some(()).ok_or("too few".to_string())
    });
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer thread");
    }

    let acked = acked.lock().unwrap().clone();
    for (key, n) in &acked {
        let r = c.client(new_leader).must_get(&format!("kv/{key}"));
        assert_eq!(r.json["data"]["n"], json!(n), "acknowledged write {key} lost: {}", r.text);
    }

    // The killed node returns as a standby and serves everything, including what it missed.
    c.nodes[leader].restart();
    c.must_unseal(leader);
    assert_eq!(c.nodes[leader].client().must_get("sys/health").status, 429);
    for (key, n) in acked.iter().rev().take(50) {
        let r = c.client(leader).must_get(&format!("kv/{key}"));
        assert_eq!(r.json["data"]["n"], json!(n), "{key} via the restarted node: {}", r.text);
    }
    let target = c.nodes[new_leader].client().must_get("sys/leader").json["raft_committed_index"].as_u64();
    must_wait_for("the restarted node to catch up", Duration::from_secs(30), || {
        let l = c.nodes[leader].client().must_get("sys/leader").json;
        (l["raft_applied_index"].as_u64() >= target).then_some(()).ok_or(l.to_string())
    });
}
