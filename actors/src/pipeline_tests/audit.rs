//! Audit devices at the pipeline's two seams: entries as Vault writes them, hashed secrets,
//! and failing closed.

use super::*;
use serde_json::json;

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[actix_rt::test]
async fn every_request_and_response_is_recorded_with_secrets_hashed() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/secret", json!({"type": "kv", "options": {"version": "2"}})).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let options = json!({"file_path": log.to_str().unwrap()});
    must(&core, Operation::Update, "sys/audit/file", json!({"type": "file", "options": options})).await;
    let listed = must(&core, Operation::Read, "sys/audit", json!({})).await;
    assert_eq!(listed["file/"]["type"], json!("file"));
    assert_eq!(listed["file/"]["options"], options);

    must(&core, Operation::Update, "secret/data/app", json!({"data": {"password": "hunter2"}})).await;
    must(&core, Operation::Read, "secret/data/app", json!({})).await;
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains(r#""client_token":"root""#), "{text}");

    let entries = lines(&log);
    let read = entries.last().unwrap();
    assert_eq!((read["type"].as_str(), read["request"]["path"].as_str()), (Some("response"), Some("secret/data/app")));
    assert_eq!(read["request"]["mount_type"], json!("kv"));
    // sys/audit-hash gives the hash the entries carry.
    let hash = must(&core, Operation::Update, "sys/audit-hash/file", json!({"input": "hunter2"})).await;
    assert_eq!(read["response"]["data"]["data"]["password"], hash["hash"]);
    assert!(hash["hash"].as_str().unwrap().starts_with("hmac-sha256:"));
    // The write's request entry came before its response entry.
    let write: Vec<&str> = entries
        .iter()
        .filter(|e| e["request"]["operation"] == json!("update") && e["request"]["path"] == json!("secret/data/app"))
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(write, ["request", "response"]);

    // A refused request is recorded with its error.
    let _ = call(&core, Some("nope"), Operation::Read, "secret/data/app", json!({})).await;
    let denied = lines(&log).pop().unwrap();
    assert_eq!((denied["type"].as_str(), denied["error"].as_str()), (Some("request"), Some("permission denied")));

    must(&core, Operation::Delete, "sys/audit/file", json!({})).await;
    assert!(must(&core, Operation::Read, "sys/audit", json!({})).await.is_empty());
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Update, "sys/audit-hash/file", json!({"input": "x"})).await;
    assert_eq!((status, msg.as_str()), (400, "unknown audit backend file/"));
}

#[actix_rt::test]
async fn a_request_no_device_records_is_refused_and_has_no_effect() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/secret", json!({"type": "kv", "options": {"version": "2"}})).await;
    // Every write to /dev/full fails (ENOSPC); mode 0000 leaves the device's mode alone. The
    // enable takes effect, but its own response cannot be recorded: withheld with a 500.
    let options = json!({"file_path": "/dev/full", "mode": "0000"});
    let enabled =
        call(&core, Some(ROOT), Operation::Update, "sys/audit/full", json!({"type": "file", "options": options}));
    assert_eq!(enabled.await.unwrap_err().status(), 500);
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Update, "secret/data/app", json!({"data": {"a": "b"}})).await;
    assert_eq!((status, msg.as_str()), (500, "internal error"));
    // Once the device works again (here: it is gone), the refused write is nowhere.
    core.audit.publish(Vec::new(), Vec::new());
    let (status, _) = must_fail(&core, Some(ROOT), Operation::Read, "secret/data/app", json!({})).await;
    assert_eq!(status, 404);
}

#[actix_rt::test]
async fn bad_device_options_get_vaults_texts() {
    let core = must_unsealed_core().await;
    let cases = [
        (json!({"type": "file"}), "file_path is required"),
        (json!({"type": "nope", "options": {"file_path": "stdout"}}), "unknown backend type: \"nope\""),
        (json!({"type": "file", "options": {"file_path": "stdout", "log_raw": "maybe"}}), "strconv.ParseBool: parsing \"maybe\": invalid syntax"),
        (
            json!({"type": "file", "options": {"file_path": "/nonexistent-dir/a.log"}}),
            "sanity check failed; unable to open \"/nonexistent-dir/a.log\" for writing: open /nonexistent-dir/a.log: no such file or directory",
        ),
        (json!({"type": "file", "options": {"file_path": "stdout", "format": "xml"}}), "unknown format type \"xml\""),
        (
            json!({"type": "file", "options": {"file_path": "stdout", "filter": "mount_type == kv"}}),
            "enterprise-only options supplied: invalid configuration",
        ),
        (json!({"type": "syslog", "options": {"facility": "NOPE"}}), "invalid syslog facility: NOPE"),
    ];
    for (body, want) in cases {
        let (status, msg) = must_fail(&core, Some(ROOT), Operation::Update, "sys/audit/x", body).await;
        assert_eq!((status, msg.as_str()), (400, want));
    }
    must(&core, Operation::Update, "sys/audit/out", json!({"type": "file", "options": {"file_path": "discard"}})).await;
    let (status, msg) = must_fail(
        &core,
        Some(ROOT),
        Operation::Update,
        "sys/audit/out/nested",
        json!({"type": "file", "options": {"file_path": "discard"}}),
    )
    .await;
    assert_eq!((status, msg.as_str()), (400, "path already in use"));
}

#[actix_rt::test]
async fn a_sick_device_is_degraded_and_the_healthy_one_keeps_requests_going() {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/secret", json!({"type": "kv", "options": {"version": "2"}})).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    must(
        &core,
        Operation::Update,
        "sys/audit/file",
        json!({"type": "file", "options": {"file_path": log.to_str().unwrap()}}),
    )
    .await;
    // Nothing listens there: every entry fails, and the device says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap().to_string();
    drop(closed);
    let socket = json!({"type": "socket", "options": {"address": address, "write_timeout": "200ms"}});
    must(&core, Operation::Update, "sys/audit/sock", socket).await;
    must(&core, Operation::Update, "secret/data/app", json!({"data": {"a": "b"}})).await;
    let listed = must(&core, Operation::Read, "sys/audit", json!({})).await;
    assert_eq!((listed["sock/"]["degraded"].clone(), listed["file/"]["degraded"].clone()), (json!(true), json!(false)));
    assert!(std::fs::read_to_string(&log).unwrap().contains("secret/data/app"));
    // Alone, the sick device cannot record anything: refused, within its deadline. (The
    // disable itself takes effect; its response, with only the sick device left, is withheld.)
    let disabled = call(&core, Some(ROOT), Operation::Delete, "sys/audit/file", json!({})).await;
    assert_eq!(disabled.unwrap_err().status(), 500);
    let started = std::time::Instant::now();
    let (status, _) = must_fail(&core, Some(ROOT), Operation::Read, "secret/data/app", json!({})).await;
    assert_eq!(status, 500);
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}

#[actix_rt::test]
async fn socket_options_get_vaults_texts() {
    let core = must_unsealed_core().await;
    let cases = [
        (json!({"type": "socket"}), "address is required"),
        (
            json!({"type": "socket", "options": {"address": "127.0.0.1:1", "socket_type": "sctp"}}),
            "unknown socket type \"sctp\"",
        ),
        (
            json!({"type": "socket", "options": {"address": "127.0.0.1:1", "write_timeout": "soon"}}),
            "time: invalid duration \"soon\"",
        ),
    ];
    for (body, want) in cases {
        let (status, msg) = must_fail(&core, Some(ROOT), Operation::Update, "sys/audit/s", body).await;
        assert_eq!((status, msg.as_str()), (400, want));
    }
}
