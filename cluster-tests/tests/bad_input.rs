//! Hostile and clumsy clients: malformed JSON, wrong types, unknown paths, oversized bodies,
//! odd methods and a flood of garbage. Every error is a JSON `{"errors":[...]}` with Vault's
//! status, and the node keeps serving.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;
use strongbox_cluster_tests::{Client, Node, NodeConfig, Resp};

const ROOT: &str = "bad-input-root";

/// Asserts a Vault error response: `status`, `Content-Type: application/json` exactly, and a
/// JSON body with an `errors` array of strings.
fn assert_error(r: &Resp, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"), "{what}: Content-Type");
    let errors = r.json["errors"].as_array().unwrap_or_else(|| panic!("{what}: no errors array: {:?}", r.text));
    assert!(errors.iter().all(Value::is_string), "{what}: {}", r.text);
}

fn raw_json(c: &Client, method: &str, path: &str, body: &str) -> Resp {
    c.must_raw(method, path, &[("Content-Type", "application/json")], body.as_bytes().to_vec())
}

#[test]
fn malformed_json_is_400_with_a_json_error() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    let bodies = ["{bad", "{\"data\":", "[1,2]", "\"a string\"", "42", "{\"a\":1}}", "\u{1}\u{2}"];
    let targets = [
        ("POST", "secret/data/x"),
        ("POST", "sys/mounts/new"),
        ("PUT", "sys/init"),
        ("PUT", "sys/unseal"),
        ("PUT", "sys/seal"),
    ];
    for (method, path) in targets {
        for body in bodies {
            let r = raw_json(&c, method, path, body);
            assert_error(&r, 400, &format!("{method} {path} {body:?}"));
            assert!(!r.errors().is_empty(), "{method} {path} {body:?}: the error says nothing");
        }
    }
    // Nothing was written or mounted by any of it.
    assert_eq!(c.must_get("secret/data/x").status, 404);
    assert!(c.must_get("sys/mounts").json["data"].get("new/").is_none());
}

#[test]
fn wrong_field_types_are_400() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_ok("POST", "secret/data/typed", Some(&json!({"data": {"a": 1}})));
    let cases = [
        ("POST", "sys/mounts/t1", json!({"type": ["kv"]})),
        ("POST", "sys/mounts/t2", json!({"type": "kv", "options": "version=2"})),
        ("POST", "sys/mounts/t3", json!({"type": "kv", "config": {"default_lease_ttl": "forever"}})),
        ("POST", "sys/mounts/t4", json!({"type": "kv", "local": "sometimes"})),
        ("POST", "secret/data/typed", json!({"data": "not an object"})),
        ("POST", "secret/data/typed", json!({"data": {"a": 2}, "options": {"cas": "abc"}})),
        ("POST", "secret/metadata/typed", json!({"max_versions": "many"})),
        ("POST", "secret/undelete/typed", json!({"versions": "first"})),
        ("PUT", "sys/init", json!({"secret_shares": "five", "secret_threshold": 3})),
    ];
    for (method, path, body) in cases {
        let r = c.must_request(method, path, Some(&body));
        assert_error(&r, 400, &format!("{method} {path} {body}"));
    }
    assert_error(&c.must_get("secret/data/typed?version=abc"), 400, "version=abc");
    // The secret is untouched and no mount appeared.
    let r = c.must_get("secret/data/typed");
    assert_eq!(
        (r.json["data"]["data"].clone(), r.json["data"]["metadata"]["version"].clone()),
        (json!({"a": 1}), json!(1))
    );
    let mounts = c.must_get("sys/mounts").json["data"].clone();
    for m in ["t1/", "t2/", "t3/", "t4/"] {
        assert!(mounts.get(m).is_none(), "{m} was mounted from a bad request");
    }
}

#[test]
fn unknown_paths_are_404() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    let r = c.must_get("nope/foo");
    assert_error(&r, 404, "GET nope/foo");
    assert!(r.errors().iter().any(|e| e.contains("no handler for route")), "{}", r.text);
    assert_error(&c.must_put("nope/foo", &json!({"a": 1})), 404, "PUT nope/foo");
    assert_error(&c.must_get("sys/no-such-endpoint"), 404, "GET sys/no-such-endpoint");
    assert_eq!(c.must_get("secret/no-such-kv2-path/x").status, 404);
    for url in ["/", "/v2/secret/data/x", "/v1"] {
        let r = reqwest::blocking::get(format!("{}{url}", node.url())).expect("request");
        assert_eq!(r.status().as_u16(), 404, "GET {url}");
    }
}

#[test]
fn body_over_max_request_size_is_413() {
    const LIMIT: usize = 4096;
    let node = Node::must_start(NodeConfig::inmem().max_request_size(LIMIT as i64));
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    let c = node.client().with_token(&root);
    c.must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv", "options": {"version": "1"}})));

    let fits = json!({"v": "a".repeat(LIMIT - 100)}).to_string();
    assert_eq!(raw_json(&c, "PUT", "kv/fits", &fits).status, 204);
    let big = json!({"v": "a".repeat(LIMIT * 4)}).to_string();
    for (method, path) in [("PUT", "kv/big"), ("PUT", "sys/init"), ("PUT", "sys/unseal"), ("POST", "sys/mounts/other")]
    {
        let r = raw_json(&c, method, path, &big);
        assert_error(&r, 413, &format!("{method} {path} with {} bytes", big.len()));
    }
    // Without a Content-Length (chunked), the limit still holds.
    let chunked = reqwest::blocking::Body::new(std::io::Cursor::new(big.clone().into_bytes()));
    let r = reqwest::blocking::Client::new()
        .put(format!("{}/v1/kv/chunked", node.url()))
        .header("X-Vault-Token", &root)
        .body(chunked)
        .send()
        .expect("chunked request");
    assert_eq!(r.status().as_u16(), 413);

    assert_eq!(c.must_get("kv/big").status, 404);
    assert_eq!(c.must_get("kv/chunked").status, 404);
    assert_eq!(c.must_get("kv/fits").json["data"]["v"].as_str().map(str::len), Some(LIMIT - 100));
    assert_eq!(c.must_get("sys/health").status, 200);
}

#[test]
fn list_and_odd_methods() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_ok("POST", "secret/data/dir/a", Some(&json!({"data": {"x": 1}})));
    let listed = c.must_status(200, "LIST", "secret/metadata/dir", None).json["data"]["keys"].clone();
    assert_eq!(listed, json!(["a"]));
    assert_eq!(c.must_get("secret/metadata/dir/?list=true").json["data"]["keys"], listed);
    assert_error(&c.must_list("secret/metadata/empty/"), 404, "LIST of nothing");

    for method in ["FOO", "OPTIONS", "HEAD"] {
        let r = c.must_request(method, "secret/data/dir/a", None);
        assert_eq!(r.status, 405, "{method}: {}", r.text);
    }
    assert_error(&c.must_request("FOO", "secret/data/dir/a", None), 405, "FOO");
    assert_error(&c.must_list("sys/mounts"), 405, "LIST sys/mounts");
    // After all that, the secret is intact.
    assert_eq!(c.must_get("secret/data/dir/a").json["data"]["data"], json!({"x": 1}));
}

#[test]
fn wrong_method_on_raw_sys_endpoints_is_a_json_405() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    for (method, path) in
        [("DELETE", "sys/health"), ("POST", "sys/seal-status"), ("GET", "sys/unseal"), ("DELETE", "sys/init")]
    {
        let r = c.must_request(method, path, None);
        assert_error(&r, 405, &format!("{method} {path}"));
    }
}

#[test]
fn unseal_requests_are_validated_on_an_unsealed_node() {
    let node = Node::must_start_dev(ROOT);
    let c = node.client();
    let r = c.must_put("sys/unseal", &json!({}));
    assert_error(&r, 400, "PUT sys/unseal {}");
    assert_eq!(r.errors(), vec!["'key' must be specified in request body as JSON, or 'reset' set to true".to_string()]);
    let r = c.must_put("sys/unseal", &json!({"reset": true}));
    assert_error(&r, 400, "reset while unsealed");
    assert_eq!(r.errors(), vec!["vault is unsealed".to_string()]);
    // A key of the wrong JSON type is a bad request, sealed or not.
    assert_error(&c.must_put("sys/unseal", &json!({"key": 5})), 400, "PUT sys/unseal {\"key\":5}");
}

#[test]
fn delete_on_the_mount_table_itself_is_405() {
    let node = Node::must_start_dev(ROOT);
    let r = node.dev_client().must_request("DELETE", "sys/mounts", None);
    assert_error(&r, 405, "DELETE sys/mounts");
}

/// Sends `bytes` on a fresh connection, half-closes it, and reads whatever comes back (bounded).
fn send_raw(node: &Node, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let Ok(mut s) = TcpStream::connect_timeout(&node.addr().into(), Duration::from_secs(5)) else {
        return out;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
    let _ = s.write_all(bytes);
    let _ = s.shutdown(Shutdown::Write);
    let _ = s.take(1 << 20).read_to_end(&mut out);
    out
}

/// A deterministic stream of junk: no randomness means a failure can be replayed.
struct Junk(u64);

impl Junk {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// Between 1 and `max` junk bytes.
    fn bytes_upto(&mut self, max: u64) -> Vec<u8> {
        let n = 1 + self.next() % max;
        self.bytes(n as usize)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn garbage_request(junk: &mut Junk, token: &str) -> Vec<u8> {
    let methods = ["GET", "PUT", "POST", "DELETE", "LIST", "PATCH", "G\u{0}T", "PRI", "FOO"];
    let paths = [
        "/v1/secret/data/x",
        "/v1/sys/init",
        "/v1/sys/unseal",
        "/v1/sys/mounts/zz",
        "/v1/%ff%00",
        "/../../etc",
        "*",
        "/v1/sys/health",
    ];
    match junk.next() % 7 {
        0 => junk.bytes_upto(2048),
        1 => format!("{} {} HTTP/1.1\r\nHost: x\r\n", junk.pick(&methods), junk.pick(&paths)).into_bytes(),
        2 => {
            let body = junk.bytes_upto(512);
            let mut req = format!(
                "{} {} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                junk.pick(&methods),
                junk.pick(&paths),
                body.len()
            )
            .into_bytes();
            req.extend(body);
            req
        }
        3 => b"POST /v1/secret/data/x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n{\"data\":".to_vec(),
        4 => format!("GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "h".repeat(100_000)).into_bytes(),
        5 => b"POST /v1/secret/data/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{{{\r\n".to_vec(),
        _ => {
            let mut req = b"GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ".to_vec();
            req.extend(junk.bytes(40));
            req.extend(b"\r\n\r\n");
            req
        }
    }
}

#[test]
fn a_flood_of_garbage_never_kills_the_node() {
    const THREADS: u64 = 4;
    const PER_THREAD: usize = 150;
    let mut node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    c.must_ok("POST", "secret/data/survivor", Some(&json!({"data": {"alive": true}})));

    std::thread::scope(|s| {
        for t in 0..THREADS {
            let node = &node;
            let c = c.clone();
            s.spawn(move || {
                let mut junk = Junk(0x9E37_79B9_7F4A_7C15 ^ (t + 1));
                for i in 0..PER_THREAD {
                    if i % 3 == 0 {
                        // Well-formed HTTP with nonsense in it.
                        let path = format!("secret/data/{}", junk.pick(&["x", "..", "%2e%2e/sys", "a//b", "\u{263a}"]));
                        let body = junk.bytes(64);
                        let _ = c.try_raw(
                            junk.pick(&["PUT", "PATCH", "LIST", "DELETE"]),
                            &path,
                            &[("Content-Type", "application/json")],
                            body,
                        );
                    } else {
                        send_raw(node, &garbage_request(&mut junk, ROOT));
                    }
                }
            });
        }
    });

    assert!(node.is_running(), "the node died under garbage");
    assert_eq!(c.must_get("sys/health").status, 200);
    assert_eq!(c.must_get("secret/data/survivor").json["data"]["data"], json!({"alive": true}));
    c.must_ok("POST", "secret/data/after", Some(&json!({"data": {"ok": 1}})));
    assert_eq!(c.must_get("secret/data/after").json["data"]["data"], json!({"ok": 1}));
    assert!(!node.log().contains("panicked"), "the node logged a panic");
}

#[test]
fn half_open_connections_do_not_starve_real_clients() {
    let mut node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    // Fifty clients that send half a request and then go quiet.
    let idle: Vec<TcpStream> = (0..50)
        .filter_map(|_| {
            let mut s = TcpStream::connect_timeout(&node.addr().into(), Duration::from_secs(5)).ok()?;
            s.write_all(b"POST /v1/secret/data/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{").ok()?;
            Some(s)
        })
        .collect();
    assert!(idle.len() >= 40, "could only open {} connections", idle.len());
    for _ in 0..20 {
        assert_eq!(c.must_get("sys/health").status, 200);
    }
    c.must_ok("POST", "secret/data/fast", Some(&json!({"data": {"a": 1}})));
    drop(idle);
    assert!(node.is_running());
    assert_eq!(c.must_get("secret/data/slow").status, 404, "a half-sent body was written");
}
