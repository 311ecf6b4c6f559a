//! A partition that leaves the active node in the minority (2 of 5 members): the majority
//! elects a new active node and takes writes; the minority cannot elect, never acknowledges a
//! write and never serves a read that the majority's writes made stale; after the partition
//! heals, every node has every acknowledged write and none of the refused ones.

use serde_json::json;
use std::time::{Duration, Instant};
use strongbox_cluster_tests::cluster::ELECTION_DEADLINE;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::Cluster;

#[test]
fn the_minority_side_cannot_elect_write_or_read_stale_data_and_heals() {
    let c = Cluster::must_start(5);
    let all: Vec<usize> = (0..5).collect();
    let (old, _) = c.must_wait_leader_among(&all);
    c.client(old).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    c.client(old).must_ok("PUT", "kv/register", Some(&json!({"v": "before"})));

    let minority = [old, (old + 1) % 5];
    let majority: Vec<usize> = all.iter().copied().filter(|i| !minority.contains(i)).collect();
    c.nodes[old].note("test: partitioned into the minority");
    let cut = Instant::now();
    c.partition(&[&minority, &majority]);

    // The majority elects and writes; the old active node cannot have seen that write.
    let (new, _) = c.must_wait_leader_among(&majority);
    println!("new active node {new} after {:?}", cut.elapsed());
    must_wait_for("a write on the majority side", ELECTION_DEADLINE, || {
        let r = c.client(new).try_request("PUT", "kv/register", Some(&json!({"v": "during"})))?;
        (r.status == 204).then_some(()).ok_or(r.text)
    });

    // The old active node steps down once it misses its quorum (check_quorum, within two
    // election timeouts; its lease ended before that). From then on, for a while, nothing on
    // the minority side claims to be active, answers with data or takes a write.
    must_wait_for("the old active node to step down", ELECTION_DEADLINE, || {
        // Until then it may still think it is active, but it must not serve the stale value.
        let r = c.client(old).with_timeout(Duration::from_secs(10)).try_request("GET", "kv/register", None)?;
        assert!(r.status != 200, "the deposed active node served a stale read: {}", r.text);
        let h = c.nodes[old].client().try_request("GET", "sys/health", None)?;
        (h.status != 200).then_some(()).ok_or(h.text)
    });
    let watch_until = Instant::now() + Duration::from_secs(4);
    let mut refused = 0;
    while Instant::now() < watch_until {
        for &i in &minority {
            let client = c.client(i).with_timeout(Duration::from_secs(10));
            let asked = Instant::now();
            let read = client.try_request("GET", "kv/register", None);
            if let Ok(r) = &read {
                assert!(r.status >= 300, "node {i} (minority) answered a read with {}: {}", r.status, r.text);
            }
            let write = client.try_request("PUT", "kv/minority-write", Some(&json!({"v": i})));
            if let Ok(r) = &write {
                assert!(r.status >= 300, "node {i} (minority) acknowledged a write: {} {}", r.status, r.text);
                assert!(r.text.contains("errors") || r.status == 307, "Vault's error format: {}", r.text);
            }
            assert!(asked.elapsed() < Duration::from_secs(12), "an answer took {:?}", asked.elapsed());
            refused += 1;
            let h = c.nodes[i].client().try_request("GET", "sys/health", None);
            assert!(!matches!(&h, Ok(h) if h.status == 200), "node {i} (minority) claims to be active");
        }
    }
    assert!(refused > 0);

    c.heal();
    c.must_wait_voters(5);
    for &i in &all {
        must_wait_for(&format!("node {i} to serve the majority's write"), ELECTION_DEADLINE, || {
            let r = c.client(i).try_request("GET", "kv/register", None)?;
            (r.json["data"]["v"] == json!("during")).then_some(()).ok_or(r.text)
        });
        let r = c.client(i).must_request("GET", "kv/minority-write", None);
        assert_eq!(r.status, 404, "a write the minority refused exists after healing: {}", r.text);
    }
    c.client(old).must_ok("PUT", "kv/after", Some(&json!({"v": "after"})));
}
