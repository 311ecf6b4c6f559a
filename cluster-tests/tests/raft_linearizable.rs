//! Linearizability of a register workload under faults: clients read and write a few keys
//! through every node of a 3-node cluster while the test partitions the active node away,
//! heals, kills the active node with -9 and restarts it, and freezes a standby. Every history
//! must have one real-time-consistent order in which each read sees the latest write
//! (`linearizability::check_register`): no stale read from a deposed leader, no lost or
//! resurrected write.

use rand::Rng;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use strongbox_cluster_tests::linearizability::{check_register, Kind, Op};
use strongbox_cluster_tests::{Client, Cluster};

const CLIENTS: usize = 5;
const KEYS: usize = 3;

type History = Arc<Mutex<BTreeMap<usize, Vec<Op>>>>;

/// One client: random reads and writes of random keys through random nodes until `stop`.
fn client(id: usize, nodes: Vec<Client>, start: Instant, stop: Arc<AtomicBool>, history: History) {
    let mut rng = rand::thread_rng();
    let mut n = 0u64;
    let now = || start.elapsed().as_nanos() as u64;
    while !stop.load(Ordering::Relaxed) {
        let key = rng.gen_range(0..KEYS);
        let node = &nodes[rng.gen_range(0..nodes.len())];
        let path = format!("reg/k{key}");
        let call = now();
        let op = if rng.gen_bool(0.5) {
            n += 1;
            let value = format!("c{id}-{n}");
            let r = node.try_request("PUT", &path, Some(&json!({ "v": value })));
            let ok = matches!(&r, Ok(r) if r.status == 204);
            Op { client: id, call, ret: ok.then(now), kind: Kind::Write(value) }
        } else {
            let (ret, seen) = match node.try_request("GET", &path, None) {
                Ok(r) if r.status == 200 => (Some(now()), r.json["data"]["v"].as_str().map(str::to_string)),
                Ok(r) if r.status == 404 && r.errors().is_empty() => (Some(now()), None),
                _ => (None, None),
            };
            Op { client: id, call, ret, kind: Kind::Read(seen) }
        };
        if op.ret.is_none() {
            // Nodes that are down or cut off answer at once; do not spin on them.
            std::thread::sleep(Duration::from_millis(20));
        }
        history.lock().unwrap().entry(key).or_default().push(op);
    }
}

fn settle(what: &str, secs: u64) {
    println!("nemesis: {what}");
    std::thread::sleep(Duration::from_secs(secs));
}

#[test]
fn register_histories_stay_linearizable_under_partitions_kills_and_pauses() {
    let mut c = Cluster::must_start(3);
    let all = [0, 1, 2];
    let (leader, _) = c.must_wait_leader_among(&all);
    c.client(leader).must_ok("POST", "sys/mounts/reg", Some(&json!({"type": "kv"})));

    let start = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let history: History = Arc::default();
    let nodes: Vec<Client> = all.iter().map(|i| c.client(*i).with_timeout(Duration::from_secs(5))).collect();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|id| {
            let (nodes, stop, history) = (nodes.clone(), stop.clone(), history.clone());
            std::thread::spawn(move || client(id, nodes, start, stop, history))
        })
        .collect();

    settle("none", 3);
    // The active node alone on one side: the others elect a new one and go on.
    let (leader, _) = c.must_wait_leader_among(&all);
    let others: Vec<usize> = all.iter().copied().filter(|i| *i != leader).collect();
    c.nodes[leader].note("test: partitioned away from the others");
    c.partition(&[&others]);
    c.must_wait_leader_among(&others);
    settle("active node partitioned away", 3);
    c.heal();
    settle("healed", 3);

    let (leader, _) = c.must_wait_leader_among(&all);
    c.nodes[leader].note("test: kill -9");
    c.nodes[leader].kill();
    let others: Vec<usize> = all.iter().copied().filter(|i| *i != leader).collect();
    c.must_wait_leader_among(&others);
    settle("active node killed", 2);
    c.nodes[leader].restart();
    c.must_unseal(leader);
    settle("killed node back", 3);

    let (leader, _) = c.must_wait_leader_among(&all);
    let frozen = (leader + 1) % 3;
    c.nodes[frozen].pause();
    settle("a standby frozen", 2);
    c.nodes[frozen].resume();
    settle("standby thawed", 2);

    stop.store(true, Ordering::Relaxed);
    for t in clients {
        t.join().unwrap();
    }
    let history = history.lock().unwrap();
    let mut completed = 0;
    for (key, ops) in history.iter() {
        let done = ops.iter().filter(|o| o.ret.is_some()).count();
        let reads = ops.iter().filter(|o| o.ret.is_some() && matches!(o.kind, Kind::Read(_))).count();
        println!("key k{key}: {} operations, {done} completed ({reads} reads)", ops.len());
        completed += done;
        if let Err(e) = check_register(ops) {
            panic!("key k{key}: {e}");
        }
    }
    assert!(completed >= 200, "too few operations completed to mean anything: {completed}");
}
