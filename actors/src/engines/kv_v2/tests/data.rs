//! `data/:path`: read, write (with cas), soft delete, pruning, delete_version_after.

use super::*;
use chrono::{DateTime, Duration, Utc};

#[tokio::test]
async fn write_returns_version_metadata_and_read_returns_data() {
    let kv = kv().await;
    let w = write(&kv, "foo/bar", json!({"a": 1, "nested": {"b": [true, null]}})).await;
    assert_eq!(w["version"], json!(1));
    assert_eq!(w["deletion_time"], json!(""));
    assert_eq!(w["destroyed"], json!(false));
    assert_eq!(w["custom_metadata"], Value::Null);
    assert_timestamp(&w["created_time"]);
    assert_eq!(w.as_object().unwrap().len(), 5);

    let r = ok_data(&kv, GET, "data/foo/bar", json!({})).await;
    assert_eq!(r["data"], json!({"a": 1, "nested": {"b": [true, null]}}));
    assert_eq!(r["metadata"], w);

    let w2 = write(&kv, "foo/bar", json!({"a": 2})).await;
    assert_eq!(w2["version"], json!(2));
    let r = ok_data(&kv, GET, "data/foo/bar", json!({})).await;
    assert_eq!(r["data"], json!({"a": 2}));
    assert_eq!(r["metadata"]["version"], json!(2));
}

#[tokio::test]
async fn read_picks_versions_like_vault() {
    let kv = kv().await;
    write(&kv, "k", json!({"v": 1})).await;
    write(&kv, "k", json!({"v": 2})).await;
    // Query parameters arrive as strings; bodies may carry numbers.
    assert_eq!(ok_data(&kv, GET, "data/k", json!({"version": "1"})).await["data"], json!({"v": 1}));
    assert_eq!(ok_data(&kv, GET, "data/k", json!({"version": 1})).await["data"], json!({"v": 1}));
    assert_eq!(ok_data(&kv, GET, "data/k", json!({"version": "0x1"})).await["data"], json!({"v": 1}));
    // Zero, negative and empty mean the current version.
    for v in [json!("0"), json!("-1"), json!(""), json!(0)] {
        assert_eq!(ok_data(&kv, GET, "data/k", json!({ "version": v })).await["data"], json!({"v": 2}));
    }
    // Unknown versions and keys: a 404 without a body.
    assert_eq!(not_found(&kv, GET, "data/k", json!({"version": "3"})).await, (Value::Null, vec![]));
    assert_eq!(not_found(&kv, GET, "data/nope", json!({})).await, (Value::Null, vec![]));
    assert_eq!(
        err(&kv, GET, "data/k", json!({"version": "abc"})).await,
        (
            400,
            "Field validation failed: error converting input for field \"version\": '' cannot parse value as \
             'int': strconv.ParseInt: invalid syntax"
                .into()
        )
    );
    assert_eq!(err(&kv, GET, "data/k", json!({"version": "1.0"})).await.0, 400);
    assert!(err(&kv, GET, "data/k", json!({"version": "99999999999999999999"})).await.1.contains("out of range"));
}

#[tokio::test]
async fn write_validates_input() {
    let kv = kv().await;
    assert_eq!(err(&kv, PUT, "data/k", json!({})).await, (400, "no data provided".into()));
    assert_eq!(err(&kv, PUT, "data/k", json!({"x": 1})).await, (400, "no data provided".into()));
    // Create/update on data/ validates without Vault's "Field validation failed" prefix.
    assert_eq!(
        err(&kv, PUT, "data/k", json!({"data": "str"})).await,
        (
            400,
            "error converting input for field \"data\": '' expected type 'map[string]interface {}', got \
             unconvertible type 'string'"
                .into()
        )
    );
    assert_eq!(
        err(&kv, PUT, "data/k", json!({"data": {}, "options": "bad"})).await.1,
        "error converting input for field \"options\": '' expected type 'map[string]interface {}', got \
         unconvertible type 'string'"
    );
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": [1]})).await.0, 400);
    assert!(stored_meta(&kv, "k").await.is_none());

    // `data: null` and `{}` are accepted and read back as written.
    assert_eq!(ok_data(&kv, PUT, "data/k", json!({"data": null})).await["version"], json!(1));
    assert_eq!(ok_data(&kv, GET, "data/k", json!({})).await["data"], Value::Null);
    write(&kv, "k", json!({})).await;
    assert_eq!(ok_data(&kv, GET, "data/k", json!({})).await["data"], json!({}));
    // `options: null` is no options at all.
    assert_eq!(ok_data(&kv, PUT, "data/k", json!({"data": {"a": 1}, "options": null})).await["version"], json!(3));
}

#[tokio::test]
async fn unknown_parameters_are_flagged() {
    let kv = kv().await;
    let resp = ok(&kv, PUT, "data/k", json!({"data": {"a": 1}, "zeta": 1, "extra": 5})).await.unwrap();
    assert_eq!(resp.warnings, vec!["Endpoint ignored these unrecognized parameters: [extra zeta]".to_string()]);
    let resp = ok(&kv, GET, "data/k", json!({"x": "1", "version": "1"})).await.unwrap();
    assert_eq!(resp.warnings, vec!["Endpoint ignored these unrecognized parameters: [x]".to_string()]);
    let resp = ok(&kv, GET, "data/k", json!({})).await.unwrap();
    assert!(resp.warnings.is_empty());
}

#[tokio::test]
async fn check_and_set() {
    let kv = kv().await;
    let mismatch = (400, "check-and-set parameter did not match the current version".to_string());
    let parse = (400, "error parsing check-and-set parameter".to_string());
    // cas 0 creates only.
    assert_eq!(
        ok_data(&kv, PUT, "data/k", json!({"data": {"a": 1}, "options": {"cas": 0}})).await["version"],
        json!(1)
    );
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 2}, "options": {"cas": 0}})).await, mismatch);
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 2}, "options": {"cas": 2}})).await, mismatch);
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 2}, "options": {"cas": -1}})).await, mismatch);
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 2}, "options": {"cas": null}})).await, mismatch);
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 2}, "options": {"cas": "x"}})).await, parse);
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 2}, "options": {"cas": 1.0}})).await, parse);
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 2}, "options": {"cas": [1]}})).await, parse);
    assert_eq!(
        ok_data(&kv, PUT, "data/k", json!({"data": {"a": 2}, "options": {"cas": "1"}})).await["version"],
        json!(2)
    );
    // Booleans decode weakly: `true` is 1, which no longer matches version 2.
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 3}, "options": {"cas": true}})).await, mismatch);
    write(&kv, "j", json!({"a": 1})).await;
    ok(&kv, PUT, "data/j", json!({"data": {"a": 2}, "options": {"cas": true}})).await;
    assert_eq!(stored_meta(&kv, "k").await.unwrap().current_version, 2);
    assert_eq!(stored_meta(&kv, "j").await.unwrap().current_version, 2);
}

#[tokio::test]
async fn cas_required_by_mount_or_key() {
    let kv = kv().await;
    let required = (400, "check-and-set parameter required for this call".to_string());
    ok(&kv, PUT, "config", json!({"cas_required": true})).await;
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 1}})).await, required);
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 1}, "options": {}})).await, required);
    ok(&kv, PUT, "data/k", json!({"data": {"a": 1}, "options": {"cas": 0}})).await;
    ok(&kv, PUT, "config", json!({"cas_required": false})).await;
    ok(&kv, PUT, "data/k", json!({"data": {"a": 2}})).await;

    ok(&kv, PUT, "metadata/k", json!({"cas_required": true})).await;
    assert_eq!(err(&kv, PUT, "data/k", json!({"data": {"a": 3}})).await, required);
    ok(&kv, PUT, "data/k", json!({"data": {"a": 3}, "options": {"cas": 2}})).await;
    // Other keys are unaffected.
    ok(&kv, PUT, "data/other", json!({"data": {"a": 1}})).await;
}

#[tokio::test]
async fn delete_soft_deletes_the_latest_version() {
    let kv = kv().await;
    write(&kv, "k", json!({"v": 1})).await;
    write(&kv, "k", json!({"v": 2})).await;
    assert!(ok(&kv, DEL, "data/k", json!({})).await.is_none());

    // Vault: 404, with the version's metadata and `data: null` in the body.
    let (body, warnings) = not_found(&kv, GET, "data/k", json!({})).await;
    assert!(warnings.is_empty());
    assert_eq!(body["data"], Value::Null);
    assert_eq!(body["metadata"]["version"], json!(2));
    assert_eq!(body["metadata"]["destroyed"], json!(false));
    assert_timestamp(&body["metadata"]["deletion_time"]);
    // Older versions stay readable.
    assert_eq!(ok_data(&kv, GET, "data/k", json!({"version": "1"})).await["data"], json!({"v": 1}));

    // Deleting again keeps the first deletion time.
    let first = stored_meta(&kv, "k").await.unwrap().versions[&2].deletion_time;
    ok(&kv, DEL, "data/k", json!({})).await;
    assert_eq!(stored_meta(&kv, "k").await.unwrap().versions[&2].deletion_time, first);
    // Missing keys delete quietly.
    assert!(ok(&kv, DEL, "data/nope", json!({})).await.is_none());
    assert!(stored_meta(&kv, "nope").await.is_none());

    // A new write makes the key readable again.
    write(&kv, "k", json!({"v": 3})).await;
    assert_eq!(ok_data(&kv, GET, "data/k", json!({})).await["data"], json!({"v": 3}));
}

#[tokio::test]
async fn max_versions_prunes_oldest_versions_and_bodies() {
    let kv = kv().await;
    ok(&kv, PUT, "metadata/k", json!({"max_versions": 2})).await;
    for i in 1..=4 {
        write(&kv, "k", json!({ "i": i })).await;
    }
    let meta = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(meta["current_version"], json!(4));
    assert_eq!(meta["oldest_version"], json!(3));
    assert_eq!(meta["versions"].as_object().unwrap().keys().collect::<Vec<_>>(), vec!["3", "4"]);
    let id = stored_meta(&kv, "k").await.unwrap().id;
    assert_eq!(stored_versions(&kv, &id).await, vec!["3", "4"]);
    assert_eq!(not_found(&kv, GET, "data/k", json!({"version": "1"})).await, (Value::Null, vec![]));

    // Raising the limit keeps more; lowering it prunes several on the next write.
    ok(&kv, PUT, "metadata/k", json!({"max_versions": 5})).await;
    write(&kv, "k", json!({"i": 5})).await;
    assert_eq!(stored_versions(&kv, &id).await, vec!["3", "4", "5"]);
    ok(&kv, PUT, "metadata/k", json!({"max_versions": 1})).await;
    write(&kv, "k", json!({"i": 6})).await;
    assert_eq!(stored_versions(&kv, &id).await, vec!["6"]);
    assert_eq!(ok_data(&kv, GET, "metadata/k", json!({})).await["oldest_version"], json!(6));
}

#[tokio::test]
async fn mount_max_versions_and_default_of_ten() {
    let kv = kv().await;
    for i in 1..=11 {
        write(&kv, "k", json!({ "i": i })).await;
    }
    let meta = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(meta["oldest_version"], json!(2));
    assert_eq!(meta["versions"].as_object().unwrap().len(), 10);

    ok(&kv, PUT, "config", json!({"max_versions": 3})).await;
    // The larger of the mount's and the key's limit applies.
    ok(&kv, PUT, "metadata/j", json!({"max_versions": 2})).await;
    for i in 1..=5 {
        write(&kv, "j", json!({ "i": i })).await;
    }
    let meta = ok_data(&kv, GET, "metadata/j", json!({})).await;
    assert_eq!(meta["versions"].as_object().unwrap().keys().collect::<Vec<_>>(), vec!["3", "4", "5"]);
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

#[tokio::test]
async fn delete_version_after_schedules_deletion() {
    let kv = kv().await;
    ok(&kv, PUT, "metadata/k", json!({"delete_version_after": "1h"})).await;
    let w = write(&kv, "k", json!({"a": 1})).await;
    assert_eq!(time(&w["deletion_time"]) - time(&w["created_time"]), Duration::hours(1));
    // Scheduled in the future: still readable.
    assert_eq!(ok_data(&kv, GET, "data/k", json!({})).await["data"], json!({"a": 1}));

    // Once the time has passed the version reads as deleted.
    let mut meta = stored_meta(&kv, "k").await.unwrap();
    meta.versions.get_mut(&1).unwrap().deletion_time = Some(Utc::now() - Duration::seconds(1));
    put_meta(&kv, &meta).await;
    let (body, _) = not_found(&kv, GET, "data/k", json!({})).await;
    assert_eq!(body["metadata"]["version"], json!(1));

    // The mount's shorter setting wins; a negative mount setting disables deletion times.
    ok(&kv, PUT, "config", json!({"delete_version_after": "10m"})).await;
    let w = write(&kv, "k", json!({"a": 2})).await;
    assert_eq!(time(&w["deletion_time"]) - time(&w["created_time"]), Duration::minutes(10));
    ok(&kv, PUT, "config", json!({"delete_version_after": "-1s"})).await;
    assert_eq!(write(&kv, "k", json!({"a": 3})).await["deletion_time"], json!(""));
    ok(&kv, PUT, "config", json!({"delete_version_after": 0})).await;
    let w = write(&kv, "k", json!({"a": 4})).await;
    assert_eq!(time(&w["deletion_time"]) - time(&w["created_time"]), Duration::hours(1));
}

#[tokio::test]
async fn missing_version_body_is_an_internal_error() {
    let kv = kv().await;
    write(&kv, "k", json!({"a": 1})).await;
    let id = stored_meta(&kv, "k").await.unwrap().id;
    kv.engine().view.delete(&format!("{VERSIONS_PREFIX}{id}/1")).await.unwrap();
    assert_eq!(err(&kv, GET, "data/k", json!({})).await, (500, "could not find version data".into()));
}
