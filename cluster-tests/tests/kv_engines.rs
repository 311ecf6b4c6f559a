//! KV v1 and KV v2 over real HTTP, as a Vault client sees them: versions, check-and-set,
//! soft delete, undelete, destroy, metadata, JSON merge patch, and the 404s.

use serde_json::{json, Value};
use strongbox_cluster_tests::{Client, Node, Resp};

const ROOT: &str = "kv-root";

fn mount(c: &Client, path: &str, version: &str) {
    c.must_ok("POST", &format!("sys/mounts/{path}"), Some(&json!({"type": "kv", "options": {"version": version}})));
}

fn write(c: &Client, path: &str, body: Value) -> Resp {
    c.must_status(200, "POST", path, Some(&body))
}

#[test]
fn kv1_put_get_list_delete() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    mount(&c, "kv1", "1");

    let empty = c.must_list("kv1/");
    assert_eq!((empty.status, empty.text.as_str()), (404, r#"{"errors":[]}"#), "LIST of an empty mount");
    assert_eq!(c.must_get("kv1/missing").status, 404);

    assert_eq!(c.must_put("kv1/app/one", &json!({"user": "a", "n": 1})).status, 204);
    assert_eq!(c.must_put("kv1/app/two", &json!({"user": "b"})).status, 204);
    assert_eq!(c.must_put("kv1/top", &json!({"x": true})).status, 204);

    let r = c.must_status(200, "GET", "kv1/app/one", None);
    assert_eq!(r.json["data"], json!({"user": "a", "n": 1}));
    assert_eq!(r.header("content-type"), Some("application/json"));

    // A write replaces the whole secret: KV v1 has no merge.
    c.must_ok("PUT", "kv1/app/one", Some(&json!({"only": "this"})));
    assert_eq!(c.must_get("kv1/app/one").json["data"], json!({"only": "this"}));

    let mut keys = c.must_status(200, "LIST", "kv1/", None).json["data"]["keys"].clone();
    keys.as_array_mut().unwrap().sort_by_key(|k| k.to_string());
    assert_eq!(keys, json!(["app/", "top"]));
    assert_eq!(c.must_get("kv1/app?list=true").json["data"]["keys"], json!(["one", "two"]));

    assert_eq!(c.must_delete("kv1/app/one").status, 204);
    assert_eq!(c.must_get("kv1/app/one").status, 404);
    assert_eq!(c.must_list("kv1/app/").json["data"]["keys"], json!(["two"]));
}

#[test]
fn kv2_versions_and_check_and_set() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();

    let v1 = write(&c, "secret/data/app", json!({"data": {"pw": "one"}}));
    assert_eq!(v1.json["data"]["version"], 1);
    assert_eq!(v1.json["data"]["destroyed"], false);
    let v2 = write(&c, "secret/data/app", json!({"data": {"pw": "two"}, "options": {"cas": 1}}));
    assert_eq!(v2.json["data"]["version"], 2);

    for cas in [0, 1, 5] {
        let r = c.must_post("secret/data/app", &json!({"data": {"pw": "x"}, "options": {"cas": cas}}));
        assert_eq!(r.status, 400, "cas {cas}: {}", r.text);
        assert_eq!(r.errors(), vec!["check-and-set parameter did not match the current version".to_string()]);
    }
    // cas 0 creates only when the key does not exist.
    assert_eq!(
        write(&c, "secret/data/fresh", json!({"data": {"a": 1}, "options": {"cas": 0}})).json["data"]["version"],
        1
    );

    let latest = c.must_status(200, "GET", "secret/data/app", None);
    assert_eq!(latest.json["data"]["data"], json!({"pw": "two"}));
    assert_eq!(latest.json["data"]["metadata"]["version"], 2);
    let old = c.must_status(200, "GET", "secret/data/app?version=1", None);
    assert_eq!(old.json["data"]["data"], json!({"pw": "one"}));
    assert_eq!(c.must_get("secret/data/app?version=9").status, 404);

    let r = c.must_put("secret/data/nodata", &json!({"pw": "outside data"}));
    assert_eq!((r.status, r.errors()), (400, vec!["no data provided".to_string()]));

    // cas_required and max_versions in the key's metadata.
    assert_eq!(c.must_post("secret/metadata/strict", &json!({"cas_required": true, "max_versions": 2})).status, 204);
    let r = c.must_post("secret/data/strict", &json!({"data": {"a": 1}}));
    assert_eq!((r.status, r.errors()), (400, vec!["check-and-set parameter required for this call".to_string()]));
    for (cas, n) in [(0, 1), (1, 2), (2, 3)] {
        let r = write(&c, "secret/data/strict", json!({"data": {"n": n}, "options": {"cas": cas}}));
        assert_eq!(r.json["data"]["version"], n);
    }
    let meta = c.must_status(200, "GET", "secret/metadata/strict", None).json["data"].clone();
    assert_eq!((meta["current_version"].clone(), meta["oldest_version"].clone()), (json!(3), json!(2)), "{meta}");
    assert_eq!(meta["max_versions"], 2);
    assert_eq!(meta["cas_required"], true);
    let mut versions: Vec<&String> = meta["versions"].as_object().unwrap().keys().collect();
    versions.sort();
    assert_eq!(versions, vec!["2", "3"], "max_versions keeps the two newest");
    assert_eq!(c.must_get("secret/data/strict?version=1").status, 404);
}

#[test]
fn kv2_delete_undelete_destroy() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    for n in 1..=3 {
        write(&c, "secret/data/life", json!({"data": {"n": n}}));
    }

    assert_eq!(c.must_delete("secret/data/life").status, 204);
    let r = c.must_get("secret/data/life");
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json["data"]["data"], Value::Null, "a deleted version's data is null: {}", r.text);
    assert_eq!(r.json["data"]["metadata"]["version"], 3, "the 404 still carries the metadata: {}", r.text);
    assert_ne!(r.json["data"]["metadata"]["deletion_time"], "", "{}", r.text);
    assert_eq!(r.json["data"]["metadata"]["destroyed"], false);
    assert_eq!(c.must_get("secret/data/life?version=2").json["data"]["data"], json!({"n": 2}));

    assert_eq!(c.must_post("secret/undelete/life", &json!({"versions": [3]})).status, 204);
    let r = c.must_status(200, "GET", "secret/data/life", None);
    assert_eq!(
        (r.json["data"]["data"].clone(), r.json["data"]["metadata"]["deletion_time"].clone()),
        (json!({"n": 3}), json!(""))
    );

    assert_eq!(c.must_post("secret/delete/life", &json!({"versions": [1, 2]})).status, 204);
    assert_eq!(c.must_get("secret/data/life?version=1").status, 404);
    assert_eq!(c.must_get("secret/data/life?version=3").status, 200);

    assert_eq!(c.must_put("secret/destroy/life", &json!({"versions": [2]})).status, 204);
    let r = c.must_get("secret/data/life?version=2");
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(r.json["data"]["metadata"]["destroyed"], true, "{}", r.text);
    // A destroyed version cannot be undeleted; a deleted one can.
    assert_eq!(c.must_post("secret/undelete/life", &json!({"versions": [1, 2]})).status, 204);
    assert_eq!(c.must_get("secret/data/life?version=1").json["data"]["data"], json!({"n": 1}));
    assert_eq!(c.must_get("secret/data/life?version=2").status, 404);

    let meta = c.must_status(200, "GET", "secret/metadata/life", None).json["data"].clone();
    assert_eq!(meta["current_version"], 3);
    assert_eq!(meta["versions"]["2"]["destroyed"], true);
    assert_eq!(meta["versions"]["1"]["deletion_time"], "");

    let r = c.must_post("secret/delete/life", &json!({}));
    assert_eq!(r.status, 400, "delete without versions: {}", r.text);

    assert_eq!(c.must_delete("secret/metadata/life").status, 204);
    assert_eq!(c.must_get("secret/metadata/life").status, 404);
    assert_eq!(c.must_get("secret/data/life?version=1").status, 404);
}

#[test]
fn kv2_metadata_list_and_custom_metadata() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    let empty = c.must_list("secret/metadata/");
    assert_eq!((empty.status, empty.text.as_str()), (404, r#"{"errors":[]}"#), "LIST of an empty KV v2 mount");

    for path in ["team/a", "team/b", "team/sub/c", "solo"] {
        write(&c, &format!("secret/data/{path}"), json!({"data": {"p": path}}));
    }
    let mut keys: Vec<String> =
        serde_json::from_value(c.must_status(200, "LIST", "secret/metadata/", None).json["data"]["keys"].clone())
            .unwrap();
    keys.sort();
    assert_eq!(keys, vec!["solo", "team/"]);
    let mut keys: Vec<String> =
        serde_json::from_value(c.must_get("secret/metadata/team?list=true").json["data"]["keys"].clone()).unwrap();
    keys.sort();
    assert_eq!(keys, vec!["a", "b", "sub/"]);
    assert_eq!(c.must_list("secret/metadata/nothing/").status, 404);

    let r = c.must_post("secret/metadata/solo", &json!({"custom_metadata": {"owner": "ops", "tier": "1"}}));
    assert_eq!(r.status, 204, "{}", r.text);
    let meta = c.must_get("secret/metadata/solo").json["data"].clone();
    assert_eq!(meta["custom_metadata"], json!({"owner": "ops", "tier": "1"}));
    // The version's metadata echoes the key's custom metadata.
    assert_eq!(
        c.must_get("secret/data/solo").json["data"]["metadata"]["custom_metadata"],
        json!({"owner": "ops", "tier": "1"})
    );

    let r = c.must_post("secret/metadata/solo", &json!({"max_versions": "many"}));
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.errors().iter().any(|e| e.contains("max_versions")), "{}", r.text);
}

#[test]
fn kv2_patch_merges_with_merge_patch_content_type() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    write(&c, "secret/data/cfg", json!({"data": {"host": "db", "port": 5432, "opts": {"ssl": true, "pool": 5}}}));

    let r = c.must_patch(
        "secret/data/cfg",
        &json!({"data": {"port": 6432, "host": null, "opts": {"pool": 10}, "new": "yes"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["data"]["version"], 2);
    let got = c.must_get("secret/data/cfg").json["data"]["data"].clone();
    assert_eq!(got, json!({"port": 6432, "opts": {"ssl": true, "pool": 10}, "new": "yes"}));

    // PATCH honours cas too.
    let r = c.must_patch("secret/data/cfg", &json!({"data": {"x": 1}, "options": {"cas": 1}}));
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(c.must_get("secret/data/cfg").json["data"]["metadata"]["version"], 2);

    // Not a JSON merge patch: refused, nothing written.
    let body = json!({"data": {"x": 1}}).to_string().into_bytes();
    let r = c.must_raw("PATCH", "secret/data/cfg", &[("Content-Type", "application/json")], body);
    assert_eq!(r.status, 415, "{}", r.text);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(c.must_get("secret/data/cfg").json["data"]["metadata"]["version"], 2);

    // Nothing to patch: 404.
    assert_eq!(c.must_patch("secret/data/absent", &json!({"data": {"x": 1}})).status, 404);
    // A deleted latest version cannot be patched either.
    c.must_delete("secret/data/cfg");
    assert_eq!(c.must_patch("secret/data/cfg", &json!({"data": {"x": 1}})).status, 404);
}

#[test]
fn kv2_mount_config_and_subkeys() {
    let node = Node::must_start_dev(ROOT);
    let c = node.dev_client();
    mount(&c, "kv2", "2");
    assert_eq!(c.must_post("kv2/config", &json!({"max_versions": 3, "cas_required": false})).status, 204);
    assert_eq!(c.must_status(200, "GET", "kv2/config", None).json["data"]["max_versions"], 3);
    for n in 1..=5 {
        write(&c, "kv2/data/k", json!({"data": {"n": n, "nested": {"a": 1, "b": {"c": 2}}}}));
    }
    let meta = c.must_get("kv2/metadata/k").json["data"].clone();
    assert_eq!((meta["current_version"].clone(), meta["oldest_version"].clone()), (json!(5), json!(3)), "{meta}");
    let sub = c.must_status(200, "GET", "kv2/subkeys/k", None);
    assert_eq!(
        sub.json["data"]["subkeys"],
        json!({"n": null, "nested": {"a": null, "b": {"c": null}}}),
        "{}",
        sub.text
    );
    // The mount's secrets stay apart from secret/'s.
    assert_eq!(c.must_get("secret/data/k").status, 404);
}
