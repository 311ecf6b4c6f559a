//! Audit devices over HTTP on a durable node: entries as Vault writes them, no secret or token
//! in clear, and the device table across a restart.

use serde_json::{json, Value};
use strongbox_cluster_tests::{Node, NodeConfig};

fn entries(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect()
}

#[test]
fn a_file_device_records_every_request_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let mut node = Node::must_start(NodeConfig::rocksdb());
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    let c = node.client().with_token(&root);
    c.must_ok("POST", "sys/mounts/app", Some(&json!({"type": "kv", "options": {"version": "2"}})));
    let options = json!({"file_path": log.to_str().unwrap()});
    c.must_ok("PUT", "sys/audit/file", Some(&json!({"type": "file", "options": options})));
    c.must_ok("POST", "app/data/db", Some(&json!({"data": {"pw": "s3cr3t-before"}})));
    let token = c.must_status(200, "POST", "auth/token/create", Some(&json!({"policies": ["default"]}))).json;
    let child = token["auth"]["client_token"].as_str().unwrap().to_string();

    node.note("restart with the device enabled");
    node.kill();
    node.restart();
    node.must_unseal(&keys);
    let listed = c.must_get("sys/audit").json;
    assert_eq!(listed["data"]["file/"]["options"], options, "{listed}");
    c.must_ok("POST", "app/data/db", Some(&json!({"data": {"pw": "s3cr3t-after"}})));

    let text = std::fs::read_to_string(&log).unwrap();
    for secret in ["s3cr3t-before", "s3cr3t-after", root.as_str(), child.as_str()] {
        assert!(!text.contains(secret), "{secret} is in the audit log in clear");
    }
    let all = entries(&log);
    let writes: Vec<(&str, &str)> = all
        .iter()
        .filter(|e| e["request"]["path"] == json!("app/data/db"))
        .map(|e| (e["type"].as_str().unwrap_or(""), e["request"]["operation"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(writes, [("request", "update"), ("response", "update"), ("request", "update"), ("response", "update")]);
    // The token minted before the restart is in its response entry, hashed as sys/audit-hash does.
    let hash = c.must_status(200, "POST", "sys/audit-hash/file", Some(&json!({"input": child}))).json;
    let minted =
        all.iter().find(|e| e["type"] == json!("response") && e["request"]["path"] == json!("auth/token/create"));
    assert_eq!(minted.map(|e| e["response"]["auth"]["client_token"].clone()), Some(hash["data"]["hash"].clone()));
}

#[test]
fn the_cli_enables_lists_and_disables_devices() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cli-audit.log");
    let node = Node::must_start_dev("cli-audit-root");
    let mut cli = strongbox_cluster_tests::Cli::new(&node.url());
    cli.set_token(Some("cli-audit-root"));
    let out = cli.must_exit(2, &["audit", "list"]);
    assert_eq!(out.stdout.trim(), "No audit devices are enabled.", "{out:?}");
    let out = cli.must_exit(1, &["audit", "enable"]);
    assert!(out.stderr.contains("audit type missing"), "{out:?}");
    let file_path = format!("file_path={}", log.display());
    let out = cli.must_exit(0, &["audit", "enable", "-path=team", "-description=ops log", "file", &file_path]);
    assert_eq!(out.stdout.trim(), "Success! Enabled the file audit device at: team/", "{out:?}");
    let out = cli.must_exit(2, &["audit", "enable", "-path=team", "file", &file_path]);
    assert!(out.stderr.contains("path already in use"), "{out:?}");
    let listed = cli.must_exit(0, &["audit", "list", "-format=json"]).must_json();
    assert_eq!(
        (listed["team/"]["type"].clone(), listed["team/"]["description"].clone()),
        (json!("file"), json!("ops log"))
    );
    let out = cli.must_exit(0, &["audit", "list"]);
    assert!(
        out.stdout.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["team/", "file", "ops", "log"]),
        "{out:?}"
    );
    let out = cli.must_exit(0, &["audit", "disable", "team"]);
    assert_eq!(out.stdout.trim(), "Success! Disabled audit device (if it was enabled) at: team/", "{out:?}");
    assert!(entries(&log).iter().any(|e| e["request"]["path"] == json!("sys/audit/team")), "the disable is recorded");
}

#[test]
fn configured_request_headers_are_logged_and_hmacd_as_configured() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("headers.log");
    let node = Node::must_start_dev("headers-root");
    let c = node.client().with_token("headers-root");
    c.must_ok("PUT", "sys/audit/file", Some(&json!({"type": "file", "options": {"file_path": log.to_str().unwrap()}})));
    c.must_ok("PUT", "sys/config/auditing/request-headers/X-Request-Tag", Some(&json!({"hmac": false})));
    c.must_ok("PUT", "sys/config/auditing/request-headers/X-Api-Key", Some(&json!({"hmac": true})));
    let listed = c.must_get("sys/config/auditing/request-headers").json;
    assert_eq!(
        listed["data"]["headers"],
        json!({"x-api-key": {"hmac": true}, "x-request-tag": {"hmac": false}}),
        "{listed}"
    );
    assert_eq!(
        c.must_get("sys/config/auditing/request-headers/x-request-tag").json["data"],
        json!({"x-request-tag": {"hmac": false}})
    );
    let missing = c.must_status(400, "GET", "sys/config/auditing/request-headers/x-nope", None);
    assert_eq!(missing.errors(), ["Could not find header in config"]);

    let headers = [("X-Request-Tag", "deploy-42"), ("X-Api-Key", "k3y-in-clear"), ("X-Other", "unlisted")];
    let resp = c.must_raw("GET", "sys/mounts", &headers, Vec::new());
    assert_eq!(resp.status, 200);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("k3y-in-clear") && !text.contains("unlisted"), "{text}");
    let hash = c.must_status(200, "POST", "sys/audit-hash/file", Some(&json!({"input": "k3y-in-clear"}))).json;
    let logged = entries(&log)
        .into_iter()
        .find(|e| e["request"]["path"] == json!("sys/mounts") && e["type"] == json!("request"))
        .expect("the request entry");
    assert_eq!(
        logged["request"]["headers"],
        json!({"x-api-key": [hash["data"]["hash"]], "x-request-tag": ["deploy-42"]})
    );

    c.must_ok("DELETE", "sys/config/auditing/request-headers/x-api-key", None);
    let listed = c.must_get("sys/config/auditing/request-headers").json;
    assert_eq!(listed["data"]["headers"], json!({"x-request-tag": {"hmac": false}}));
}

/// A syslog device delivers one datagram per entry to the syslog socket (here a socket the
/// test binds, named by `STRONGBOX_SYSLOG_SOCKET`); a jsonx device writes JSONx; SIGHUP makes
/// a file device reopen its path after a rotation.
#[test]
fn syslog_and_jsonx_devices_and_sighup_reopen() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("log");
    let daemon = UnixDatagram::bind(&sock).unwrap();
    daemon.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    let node = Node::must_start(NodeConfig::rocksdb().env("STRONGBOX_SYSLOG_SOCKET", sock.to_str().unwrap()));
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    let c = node.client().with_token(&root);
    c.must_ok("POST", "sys/mounts/app", Some(&json!({"type": "kv"})));
    let syslog = json!({"type": "syslog", "options": {"facility": "LOCAL3", "tag": "sbtest"}});
    c.must_ok("PUT", "sys/audit/sys", Some(&syslog));
    let xml = dir.path().join("audit.xml");
    let jsonx = json!({"type": "file", "options": {"file_path": xml.to_str().unwrap(), "format": "jsonx"}});
    c.must_ok("PUT", "sys/audit/x", Some(&jsonx));
    c.must_ok("PUT", "app/db", Some(&json!({"pw": "hunter2-syslog"})));

    let mut got = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while let Ok(n) = daemon.recv(&mut buf) {
        let msg = String::from_utf8_lossy(&buf[..n]).to_string();
        let done = msg.contains("\"type\":\"response\"") && msg.contains("app/db");
        got.push(msg);
        if done {
            break;
        }
    }
    let write = got.iter().find(|m| m.contains("app/db")).unwrap_or_else(|| panic!("no entry for the write: {got:?}"));
    // LOCAL3 (19) << 3 | INFO (6) = 158, then Go's local syslog framing.
    assert!(write.starts_with("<158>") && write.contains(" sbtest["), "{write}");
    let body: Value = serde_json::from_str(write.split_once("]: ").map(|(_, b)| b).unwrap_or_default()).unwrap();
    assert_eq!(body["request"]["path"], json!("app/db"));
    assert!(!got.iter().any(|m| m.contains("hunter2-syslog")), "a secret reached syslog in clear");

    let text = std::fs::read_to_string(&xml).unwrap();
    let line = text.lines().find(|l| l.contains("app/db")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.starts_with("<json:object name=\"auth\">"), "{line}");
    assert!(line.contains("<json:string name=\"path\">app/db</json:string>"), "{line}");
    assert!(!text.contains("hunter2-syslog"));

    // A rotation tool moves the file away and signals: entries go to a new file at the path.
    std::fs::rename(&xml, dir.path().join("audit.xml.1")).unwrap();
    node.hangup();
    c.must_ok("PUT", "app/db2", Some(&json!({"pw": "x"})));
    let fresh = std::fs::read_to_string(&xml).unwrap_or_default();
    assert!(fresh.contains("app/db2") && !fresh.contains("\"app/db\""), "{fresh}");
    assert!(node.log().contains("SIGHUP: reopening audit devices"));
    // Without a syslog socket the enable fails at once, as Vault's does.
    drop(daemon);
    std::fs::remove_file(&sock).unwrap();
    let r = c.must_status(400, "PUT", "sys/audit/sys2", Some(&syslog));
    assert_eq!(r.errors(), vec!["error creating syslog sink node: Unix syslog delivery error"]);
}

/// A socket device whose peer accepted the connection and then stopped reading: once the
/// kernel's buffers are full, each request waits at most the device's `write_timeout`, the
/// device is reported degraded, and the file device beside it keeps every request recorded.
#[test]
fn a_socket_peer_that_stops_reading_costs_requests_at_most_the_deadline() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    // Accepts every connection and holds it open without ever reading.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept() {
            held.push(stream);
        }
    });
    let node = Node::must_start_dev("stuck-peer-root");
    let c = node.client().with_token("stuck-peer-root");
    c.must_ok("PUT", "sys/audit/file", Some(&json!({"type": "file", "options": {"file_path": log.to_str().unwrap()}})));
    // log_raw puts each value on the wire whole, so a few dozen writes fill the buffers.
    let socket = json!({"type": "socket", "options": {"address": address, "write_timeout": "300ms", "log_raw": true}});
    c.must_ok("PUT", "sys/audit/peer", Some(&socket));
    let value = "v".repeat(256 * 1024);
    let mut slowest = Duration::ZERO;
    let mut written = 0;
    let mut degraded = false;
    while written < 200 && !degraded {
        let started = Instant::now();
        c.must_ok("PUT", &format!("secret/data/item{written}"), Some(&json!({"data": {"v": value}})));
        slowest = slowest.max(started.elapsed());
        written += 1;
        degraded = c.must_get("sys/audit").json["data"]["peer/"]["degraded"] == json!(true);
    }
    assert!(degraded, "the device never missed its deadline in {written} writes");
    // The deadline plus a request's own time; a blocked write would hold it until the peer reads.
    assert!(slowest < Duration::from_secs(3), "a request took {slowest:?}");
    // Stuck for good: more writes still answer within the deadline and are all recorded.
    for i in 0..5 {
        let started = Instant::now();
        c.must_ok("PUT", &format!("secret/data/after{i}"), Some(&json!({"data": {"v": "x"}})));
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    }
    let recorded: Vec<String> = entries(&log)
        .iter()
        .filter(|e| e["type"] == json!("response") && e["request"]["operation"] == json!("update"))
        .filter_map(|e| e["request"]["path"].as_str().map(str::to_string))
        .collect();
    for path in
        (0..written).map(|i| format!("secret/data/item{i}")).chain((0..5).map(|i| format!("secret/data/after{i}")))
    {
        assert!(recorded.contains(&path), "{path} is not in the file device's log");
    }
}
