//! `delete/`, `undelete/`, `destroy/` and `subkeys/`.

use super::*;
use chrono::{DateTime, Utc};

async fn three_versions(kv: &Kv, key: &str) {
    for i in 1..=3 {
        write(kv, key, json!({ "i": i })).await;
    }
}

#[tokio::test]
async fn delete_and_undelete_versions() {
    let kv = kv().await;
    three_versions(&kv, "k").await;
    assert!(ok(&kv, PUT, "delete/k", json!({"versions": [1, 2]})).await.is_none());
    let (body, _) = not_found(&kv, GET, "data/k", json!({"version": "1"})).await;
    assert_timestamp(&body["metadata"]["deletion_time"]);
    not_found(&kv, GET, "data/k", json!({"version": "2"})).await;
    assert_eq!(ok_data(&kv, GET, "data/k", json!({})).await["data"], json!({"i": 3}));

    // A comma list in a string, as the CLI sends it; unknown versions are skipped.
    assert!(ok(&kv, PUT, "undelete/k", json!({"versions": "1,2,99"})).await.is_none());
    for v in ["1", "2"] {
        let r = ok_data(&kv, GET, "data/k", json!({ "version": v })).await;
        assert_eq!(r["metadata"]["deletion_time"], json!(""));
    }
    // Single values and numeric strings in arrays work too.
    ok(&kv, PUT, "delete/k", json!({"versions": 3})).await;
    not_found(&kv, GET, "data/k", json!({})).await;
    ok(&kv, PUT, "undelete/k", json!({"versions": ["3"]})).await;
    ok_data(&kv, GET, "data/k", json!({})).await;
}

#[tokio::test]
async fn undelete_reschedules_with_delete_version_after() {
    let kv = kv().await;
    ok(&kv, PUT, "metadata/k", json!({"delete_version_after": "2h"})).await;
    write(&kv, "k", json!({"a": 1})).await;
    ok(&kv, PUT, "delete/k", json!({"versions": [1]})).await;
    not_found(&kv, GET, "data/k", json!({})).await;
    ok(&kv, PUT, "undelete/k", json!({"versions": [1]})).await;
    let r = ok_data(&kv, GET, "data/k", json!({})).await;
    let when = DateTime::parse_from_rfc3339(r["metadata"]["deletion_time"].as_str().unwrap()).unwrap();
    let left = when.with_timezone(&Utc) - Utc::now();
    assert!(left > chrono::Duration::minutes(119) && left <= chrono::Duration::hours(2));
}

#[tokio::test]
async fn destroy_removes_bodies_for_good() {
    let kv = kv().await;
    three_versions(&kv, "k").await;
    let id = stored_meta(&kv, "k").await.unwrap().id;
    assert!(ok(&kv, PUT, "destroy/k", json!({"versions": [1, 99]})).await.is_none());
    assert_eq!(stored_versions(&kv, &id).await, vec!["2", "3"]);
    let (body, _) = not_found(&kv, GET, "data/k", json!({"version": "1"})).await;
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["metadata"]["destroyed"], json!(true));
    assert_eq!(body["metadata"]["deletion_time"], json!(""));
    // Destroyed versions cannot be undeleted or deleted.
    ok(&kv, PUT, "undelete/k", json!({"versions": [1]})).await;
    ok(&kv, PUT, "delete/k", json!({"versions": [1]})).await;
    let meta = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(
        meta["versions"]["1"],
        json!({"created_time": meta["versions"]["1"]["created_time"], "deletion_time": "", "destroyed": true})
    );
    // Destroying the current version makes data DELETE a no-op.
    ok(&kv, PUT, "destroy/k", json!({"versions": "3"})).await;
    ok(&kv, DEL, "data/k", json!({})).await;
    assert_eq!(stored_meta(&kv, "k").await.unwrap().versions[&3].deletion_time, None);
}

#[tokio::test]
async fn version_lists_are_validated() {
    let kv = kv().await;
    write(&kv, "k", json!({"a": 1})).await;
    for body in [json!({}), json!({"versions": []}), json!({"versions": ""}), json!({"versions": null})] {
        assert_eq!(err(&kv, PUT, "delete/k", body.clone()).await, (400, "No version number provided".into()));
        assert_eq!(err(&kv, PUT, "undelete/k", body.clone()).await, (400, "No version number provided".into()));
        assert_eq!(err(&kv, PUT, "destroy/k", body).await, (400, "no version number provided".into()));
    }
    assert_eq!(
        err(&kv, PUT, "delete/k", json!({"versions": "x"})).await.1,
        "Field validation failed: error converting input for field \"versions\": decoding failed due to the \
         following error(s):\n\n'[0]' cannot parse value as 'int': strconv.ParseInt: invalid syntax"
    );
    assert_eq!(
        err(&kv, PUT, "destroy/k", json!({"versions": [[1]]})).await.1,
        "Field validation failed: error converting input for field \"versions\": decoding failed due to the \
         following error(s):\n\n'[0]' expected type 'int', got unconvertible type '[]interface {}'"
    );
    // Negative numbers name no version.
    ok(&kv, PUT, "delete/k", json!({"versions": [-1]})).await;
    ok_data(&kv, GET, "data/k", json!({})).await;
    // Missing keys are fine.
    for p in ["delete/nope", "undelete/nope", "destroy/nope"] {
        assert!(ok(&kv, PUT, p, json!({"versions": [1]})).await.is_none());
    }
    assert!(stored_meta(&kv, "nope").await.is_none());
    // Only writes are served on these paths.
    for p in ["delete/k", "undelete/k", "destroy/k"] {
        assert_eq!(err(&kv, GET, p, json!({})).await, (405, "unsupported operation".into()));
        assert_eq!(err(&kv, DEL, p, json!({})).await.0, 405);
        assert_eq!(err(&kv, PATCH, p, json!({})).await.0, 405);
    }
}

#[tokio::test]
async fn subkeys_strip_values() {
    let kv = kv().await;
    write(&kv, "k", json!({"a": [1, 2], "b": {"c": {"d": 1}, "e": {}}, "f": null})).await;
    write(&kv, "k", json!({"z": {"y": 1}})).await;
    let r = ok_data(&kv, GET, "subkeys/k", json!({})).await;
    assert_eq!(r["subkeys"], json!({"z": {"y": null}}));
    assert_eq!(r["metadata"]["version"], json!(2));
    let r = ok_data(&kv, GET, "subkeys/k", json!({"version": "1"})).await;
    assert_eq!(r["subkeys"], json!({"a": null, "b": {"c": {"d": null}, "e": null}, "f": null}));
    let r = ok_data(&kv, GET, "subkeys/k", json!({"version": "1", "depth": "2"})).await;
    assert_eq!(r["subkeys"], json!({"a": null, "b": {"c": null, "e": null}, "f": null}));
    let r = ok_data(&kv, GET, "subkeys/k", json!({"version": "1", "depth": "1"})).await;
    assert_eq!(r["subkeys"], json!({"a": null, "b": null, "f": null}));
    assert_eq!(
        err(&kv, GET, "subkeys/k", json!({"depth": "x"})).await.1,
        "Field validation failed: error converting input for field \"depth\": '' cannot parse value as 'int': \
         strconv.ParseInt: invalid syntax"
    );
    assert_eq!(not_found(&kv, GET, "subkeys/k", json!({"version": "9"})).await, (Value::Null, vec![]));
    assert_eq!(not_found(&kv, GET, "subkeys/nope", json!({})).await, (Value::Null, vec![]));

    // Deleted: 404 with the metadata and `subkeys: null`.
    ok(&kv, DEL, "data/k", json!({})).await;
    let (body, _) = not_found(&kv, GET, "subkeys/k", json!({})).await;
    assert_eq!(body["subkeys"], Value::Null);
    assert_eq!(body["metadata"]["version"], json!(2));

    ok(&kv, PUT, "data/n", json!({"data": null})).await;
    assert_eq!(ok_data(&kv, GET, "subkeys/n", json!({})).await["subkeys"], Value::Null);
    assert_eq!(err(&kv, PUT, "subkeys/n", json!({})).await.0, 405);
}
