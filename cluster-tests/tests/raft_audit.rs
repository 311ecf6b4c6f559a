//! Audit devices on a 3-node cluster: the device table is replicated, so after `kill -9` of the
//! active node the new active node keeps recording, and every acknowledged write is in the log.

use serde_json::json;
use std::time::Duration;
use strongbox_cluster_tests::wait::must_wait_for;
use strongbox_cluster_tests::Cluster;

#[test]
fn every_acknowledged_write_is_in_the_audit_log_across_a_leader_kill() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cluster-audit.log");
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let first = c.client(leader);
    first.must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    first.must_ok(
        "PUT",
        "sys/audit/file",
        Some(&json!({"type": "file", "options": {"file_path": log.to_str().unwrap()}})),
    );

    let mut acked = Vec::new();
    let mut write = |client: &strongbox_cluster_tests::Client, key: String| {
        if let Ok(r) = client.try_request("PUT", &format!("kv/{key}"), Some(&json!({"secret": format!("v-{key}")}))) {
            if r.status == 204 {
                acked.push(key);
            }
        }
    };
    for n in 0..20 {
        write(&first, format!("before-{n}"));
    }
    c.nodes[leader].note("test: kill -9 of the active node with an audit device");
    c.nodes[leader].kill();
    let others: Vec<usize> = (0..3).filter(|i| *i != leader).collect();
    let (new_leader, _) = c.must_wait_leader_among(&others);
    let next = c.client(new_leader);
    must_wait_for("the new active node serves", Duration::from_secs(30), || {
        let listed = next.try_request("GET", "sys/audit", None).map_err(|e| e.to_string())?;
        (listed.status == 200 && listed.json["data"]["file/"]["type"] == json!("file"))
            .then_some(())
            .ok_or(format!("sys/audit answered {}: {}", listed.status, listed.text))
    });
    for n in 0..20 {
        write(&next, format!("after-{n}"));
    }
    assert!(acked.len() >= 30, "too few writes were acknowledged: {}", acked.len());

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("v-before-") && !text.contains("v-after-"), "a secret is in the log in clear");
    let logged: Vec<serde_json::Value> = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    for key in &acked {
        let path = json!(format!("kv/{key}"));
        let recorded = logged.iter().any(|e| e["type"] == json!("response") && e["request"]["path"] == path);
        assert!(recorded, "the acknowledged write {key} has no response entry");
    }
}
