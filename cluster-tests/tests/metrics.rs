//! `sys/metrics?format=prometheus`: needs a token, and counts the requests a user made.

use serde_json::json;
use strongbox_cluster_tests::{Client, Node};

const ROOT: &str = "metrics-root";

fn scrape(c: &Client) -> String {
    let r = c.must_get("sys/metrics?format=prometheus");
    assert_eq!(r.status, 200, "{}", r.text);
    let ct = r.header("content-type").unwrap_or("");
    assert!(ct.starts_with("text/plain"), "Prometheus exposition is text/plain, got {ct:?}");
    r.text
}

/// The value of the `strongbox_http_requests_total` sample whose labels include all of
/// `labels` (0 when there is none).
fn requests_total(text: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with("strongbox_http_requests_total{"))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn metrics_count_requests_by_method_and_code() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    for i in 0..3 {
        c.must_ok("POST", &format!("secret/data/m{i}"), Some(&json!({"data": {"i": i}})));
    }
    for _ in 0..7 {
        assert_eq!(c.must_get("secret/data/absent").status, 404);
    }
    for _ in 0..2 {
        assert_eq!(node.client().with_token("wrong").must_get("secret/data/m0").status, 403);
    }

    let text = scrape(&c);
    assert!(text.contains("# TYPE strongbox_http_requests_total counter"), "no request counter in:\n{text}");
    let writes = requests_total(&text, &["class=\"logical\"", "method=\"POST\"", "code=\"200\""]);
    let misses = requests_total(&text, &["class=\"logical\"", "method=\"GET\"", "code=\"404\""]);
    let denied = requests_total(&text, &["class=\"logical\"", "method=\"GET\"", "code=\"403\""]);
    assert_eq!(writes, 3.0, "writes counted\n{text}");
    assert_eq!(misses, 7.0, "404s counted\n{text}");
    assert_eq!(denied, 2.0, "403s counted\n{text}");

    // Counters move with traffic.
    for i in 0..5 {
        c.must_ok("POST", &format!("secret/data/n{i}"), Some(&json!({"data": {"i": i}})));
    }
    let after = requests_total(&scrape(&c), &["class=\"logical\"", "method=\"POST\"", "code=\"200\""]);
    assert_eq!(after - writes, 5.0, "5 more writes, counter went {writes} -> {after}");
}

#[test]
fn metrics_need_a_token() {
    let node = Node::must_start_dev(ROOT);
    for client in [node.client(), node.client().with_token("not-a-token")] {
        let r = client.must_get("sys/metrics?format=prometheus");
        assert_eq!((r.status, r.text.as_str()), (403, r#"{"errors":["permission denied"]}"#));
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let bearer = format!("Bearer {ROOT}");
    let r = node.client().must_raw(
        "GET",
        "sys/metrics?format=prometheus",
        &[("Authorization", bearer.as_str())],
        Vec::new(),
    );
    assert_eq!(r.status, 200);
}
