//! `metadata/:path`: read, write, list, delete.

use super::*;

#[tokio::test]
async fn read_reports_every_field() {
    let kv = kv().await;
    let w1 = write(&kv, "k", json!({"a": 1})).await;
    let w2 = write(&kv, "k", json!({"a": 2})).await;
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    let mut keys: Vec<&String> = m.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "cas_required",
            "created_time",
            "current_version",
            "custom_metadata",
            "delete_version_after",
            "max_versions",
            "oldest_version",
            "updated_time",
            "versions"
        ]
    );
    assert_eq!(m["current_version"], json!(2));
    assert_eq!(m["oldest_version"], json!(0));
    assert_eq!(m["created_time"], w1["created_time"]);
    assert_eq!(m["updated_time"], w2["created_time"]);
    assert_eq!(m["max_versions"], json!(0));
    assert_eq!(m["cas_required"], json!(false));
    assert_eq!(m["delete_version_after"], json!("0s"));
    assert_eq!(m["custom_metadata"], Value::Null);
    assert_eq!(
        m["versions"],
        json!({
            "1": {"created_time": w1["created_time"], "deletion_time": "", "destroyed": false},
            "2": {"created_time": w2["created_time"], "deletion_time": "", "destroyed": false},
        })
    );
    assert_eq!(not_found(&kv, GET, "metadata/nope", json!({})).await, (Value::Null, vec![]));
    // `metadata/` itself names the empty key, which never exists.
    assert_eq!(not_found(&kv, GET, "metadata/", json!({})).await, (Value::Null, vec![]));
}

#[tokio::test]
async fn write_sets_settings_and_custom_metadata() {
    let kv = kv().await;
    // An empty write is a no-op that creates nothing.
    assert!(ok(&kv, PUT, "metadata/k", json!({})).await.is_none());
    assert_eq!(not_found(&kv, GET, "metadata/k", json!({})).await.0, Value::Null);

    let body = json!({"max_versions": 3, "cas_required": true, "delete_version_after": "1h",
                      "custom_metadata": {"a": "b", "n": 5, "t": true, "f": false}});
    assert!(ok(&kv, PUT, "metadata/k", body).await.is_none());
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(m["max_versions"], json!(3));
    assert_eq!(m["cas_required"], json!(true));
    assert_eq!(m["delete_version_after"], json!("1h0m0s"));
    assert_eq!(m["custom_metadata"], json!({"a": "b", "n": "5", "t": "1", "f": "0"}));
    assert_eq!(m["current_version"], json!(0));
    assert_eq!(m["versions"], json!({}));
    assert_timestamp(&m["created_time"]);
    assert_eq!(m["created_time"], m["updated_time"]);
    // A metadata-only key has no readable data.
    assert_eq!(not_found(&kv, GET, "data/k", json!({})).await, (Value::Null, vec![]));

    // Custom metadata shows up on data writes and reads.
    let w = ok_data(&kv, PUT, "data/k", json!({"data": {"x": 1}, "options": {"cas": 0}})).await;
    assert_eq!(w["custom_metadata"], json!({"a": "b", "n": "5", "t": "1", "f": "0"}));
    assert_eq!(ok_data(&kv, GET, "data/k", json!({})).await["metadata"]["custom_metadata"], w["custom_metadata"]);
    // Metadata writes keep the key's creation time; custom_metadata is replaced as a whole.
    let created = ok_data(&kv, GET, "metadata/k", json!({})).await["created_time"].clone();
    ok(&kv, PUT, "metadata/k", json!({"custom_metadata": {"only": "this"}, "delete_version_after": 90})).await;
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(m["created_time"], created);
    assert_eq!(m["custom_metadata"], json!({"only": "this"}));
    assert_eq!(m["delete_version_after"], json!("1m30s"));
    assert_eq!(m["max_versions"], json!(3));
    ok(&kv, PUT, "metadata/k", json!({"custom_metadata": null, "max_versions": null})).await;
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(m["custom_metadata"], Value::Null);
    assert_eq!(m["max_versions"], json!(0));
}

#[tokio::test]
async fn write_converts_like_vault() {
    let kv = kv().await;
    // uint32 wrap-around, numeric strings, weak booleans.
    ok(&kv, PUT, "metadata/k", json!({"max_versions": -1, "cas_required": "1"})).await;
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!((m["max_versions"].clone(), m["cas_required"].clone()), (json!(4_294_967_295u32), json!(true)));
    ok(&kv, PUT, "metadata/k", json!({"max_versions": 4_294_967_297u64, "cas_required": 0})).await;
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!((m["max_versions"].clone(), m["cas_required"].clone()), (json!(1), json!(false)));
    ok(&kv, PUT, "metadata/k", json!({"max_versions": "7"})).await;
    assert_eq!(ok_data(&kv, GET, "metadata/k", json!({})).await["max_versions"], json!(7));
}

#[tokio::test]
async fn write_refuses_bad_input() {
    let kv = kv().await;
    let cases = [
        (
            json!({"max_versions": "x"}),
            "error converting input for field \"max_versions\": '' cannot parse value as 'int': strconv.ParseInt: \
             invalid syntax",
        ),
        (
            json!({"cas_required": "x"}),
            "error converting input for field \"cas_required\": '' cannot parse value as 'bool': \
             strconv.ParseBool: invalid syntax",
        ),
        (
            json!({"delete_version_after": "-1h"}),
            "error converting input for field \"delete_version_after\": cannot provide negative value '-3600'",
        ),
        (
            json!({"delete_version_after": "abc"}),
            "error converting input for field \"delete_version_after\": time: invalid duration \"abc\"",
        ),
        (
            json!({"custom_metadata": "x"}),
            "error converting input for field \"custom_metadata\": '' expected type 'map[string]interface {}', got \
             unconvertible type 'string'",
        ),
        (
            json!({"custom_metadata": {"a": [1]}}),
            "custom_metadata validation failed: '' expected type 'string', got unconvertible type '[]interface {}'",
        ),
        (
            json!({"custom_metadata": {"a": null}}),
            "1 error occurred:\n\t* custom_metadata validation failed: length of value for key \"a\" is 0 but must \
             be 0 < len(value) <= 512\n\n",
        ),
        (
            json!({"custom_metadata": {"": "x", "k": ""}}),
            "2 errors occurred:\n\t* custom_metadata validation failed: length of key \"\" is 0 but must be 0 < \
             len(key) <= 128\n\t* custom_metadata validation failed: length of value for key \"k\" is 0 but must be \
             0 < len(value) <= 512\n\n",
        ),
        (
            json!({"custom_metadata": {"k\u{1}": "v\u{2}"}}),
            "2 errors occurred:\n\t* custom_metadata validation failed: key \"k\\x01\" (k\u{1}) contains \
             unprintable characters\n\t* custom_metadata validation failed: value for key \"k\\x01\" contains \
             unprintable characters\n\n",
        ),
    ];
    for (body, msg) in cases {
        assert_eq!(err(&kv, PUT, "metadata/k", body.clone()).await, (400, msg.to_string()), "{body}");
    }
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(513);
    let (_, msg) = err(&kv, PUT, "metadata/k", json!({"custom_metadata": { long_key.clone(): long_value }})).await;
    assert!(msg.starts_with("2 errors occurred:"), "{msg}");
    assert!(msg.contains(&format!("length of key \"{long_key}\" is 129 but must be 0 < len(key) <= 128")));
    assert!(msg.contains("is 513 but must be 0 < len(value) <= 512"));
    let many: serde_json::Map<String, Value> = (0..65).map(|i| (format!("k{i}"), json!("v"))).collect();
    assert_eq!(
        err(&kv, PUT, "metadata/k", json!({ "custom_metadata": many })).await.1,
        "1 error occurred:\n\t* custom_metadata validation failed: payload must contain at most 64 keys, provided \
         65\n\n"
    );
    let ok64: serde_json::Map<String, Value> = (0..64).map(|i| (format!("k{i}"), json!("v"))).collect();
    ok(&kv, PUT, "metadata/k", json!({ "custom_metadata": ok64 })).await;
}

#[tokio::test]
async fn write_warns_when_the_mount_mandates_cas() {
    let kv = kv().await;
    ok(&kv, PUT, "config", json!({"cas_required": true})).await;
    let resp = ok(&kv, PUT, "metadata/k", json!({"cas_required": false, "junk": 1})).await.unwrap();
    assert_eq!(
        resp.warnings,
        vec![
            "\"cas_required\" set to false, but is mandated by backend config. This value will be ignored.".to_string(),
            "Endpoint ignored these unrecognized parameters: [junk]".to_string()
        ]
    );
    // The value is stored anyway; the mount setting still applies.
    assert_eq!(ok_data(&kv, GET, "metadata/k", json!({})).await["cas_required"], json!(false));
    assert!(ok(&kv, PUT, "metadata/k", json!({"cas_required": true})).await.is_none());
}

#[tokio::test]
async fn list_shows_one_level() {
    let kv = kv().await;
    for key in ["a", "dir/b", "dir/sub/c", "dir/sub/d", "z"] {
        write(&kv, key, json!({"x": 1})).await;
    }
    ok(&kv, PUT, "metadata/meta-only", json!({"max_versions": 1})).await;
    let keys = |r: Option<Response>| r.unwrap().data.unwrap()["keys"].clone();
    let root = json!(["a", "dir/", "meta-only", "z"]);
    // The HTTP layer may or may not add the trailing slash.
    assert_eq!(keys(ok(&kv, LIST, "metadata/", json!({})).await), root);
    assert_eq!(keys(ok(&kv, LIST, "metadata", json!({})).await), root);
    assert_eq!(keys(ok(&kv, LIST, "metadata/dir", json!({})).await), json!(["b", "sub/"]));
    assert_eq!(keys(ok(&kv, LIST, "metadata/dir/sub/", json!({})).await), json!(["c", "d"]));
    // `list=true` from the query string is not an unknown parameter.
    assert!(ok(&kv, LIST, "metadata/dir", json!({"list": "true"})).await.unwrap().warnings.is_empty());
    assert_eq!(not_found(&kv, LIST, "metadata/nothing", json!({})).await, (Value::Null, vec![]));
    // A key is not a folder.
    assert_eq!(not_found(&kv, LIST, "metadata/a", json!({})).await, (Value::Null, vec![]));
    // Deleting all versions keeps the key listed; deleting metadata removes it.
    ok(&kv, DEL, "data/z", json!({})).await;
    assert_eq!(keys(ok(&kv, LIST, "metadata", json!({})).await), root);
    ok(&kv, DEL, "metadata/z", json!({})).await;
    assert_eq!(keys(ok(&kv, LIST, "metadata", json!({})).await), json!(["a", "dir/", "meta-only"]));
}

#[tokio::test]
async fn delete_removes_metadata_and_every_version() {
    let kv = kv().await;
    for i in 1..=3 {
        write(&kv, "k", json!({ "i": i })).await;
    }
    write(&kv, "k/child", json!({"c": 1})).await;
    let id = stored_meta(&kv, "k").await.unwrap().id;
    assert_eq!(stored_versions(&kv, &id).await.len(), 3);
    assert!(ok(&kv, DEL, "metadata/k", json!({})).await.is_none());
    assert!(stored_versions(&kv, &id).await.is_empty());
    assert!(stored_meta(&kv, "k").await.is_none());
    assert_eq!(not_found(&kv, GET, "metadata/k", json!({})).await.0, Value::Null);
    assert_eq!(not_found(&kv, GET, "data/k", json!({"version": "1"})).await.0, Value::Null);
    // A key below it is a different key.
    assert_eq!(ok_data(&kv, GET, "data/k/child", json!({})).await["data"], json!({"c": 1}));
    // Writing again starts over at version 1.
    assert_eq!(write(&kv, "k", json!({"new": true})).await["version"], json!(1));
    assert!(ok(&kv, DEL, "metadata/nope", json!({})).await.is_none());
    assert!(ok(&kv, DEL, "metadata/", json!({})).await.is_none());
}
