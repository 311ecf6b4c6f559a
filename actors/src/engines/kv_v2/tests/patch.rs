//! PATCH on `data/` and `metadata/`.

use super::*;

#[tokio::test]
async fn data_patch_merges_into_a_new_version() {
    let kv = kv().await;
    write(&kv, "k", json!({"a": 1, "b": {"x": 1, "y": 2}, "c": "keep"})).await;
    let resp = ok_data(&kv, PATCH, "data/k", json!({"data": {"a": null, "b": {"y": null, "z": 3}, "d": [1]}})).await;
    assert_eq!(resp["version"], json!(2));
    assert_eq!(resp["deletion_time"], json!(""));
    assert_eq!(resp["custom_metadata"], Value::Null);
    let r = ok_data(&kv, GET, "data/k", json!({})).await;
    assert_eq!(r["data"], json!({"b": {"x": 1, "z": 3}, "c": "keep", "d": [1]}));
    // The old version is untouched.
    let r = ok_data(&kv, GET, "data/k", json!({"version": "1"})).await;
    assert_eq!(r["data"], json!({"a": 1, "b": {"x": 1, "y": 2}, "c": "keep"}));
    // An empty patch still makes a version.
    assert_eq!(ok_data(&kv, PATCH, "data/k", json!({"data": {}})).await["version"], json!(3));
}

#[tokio::test]
async fn data_patch_errors() {
    let kv = kv().await;
    assert_eq!(not_found(&kv, PATCH, "data/nope", json!({"data": {"a": 1}})).await, (Value::Null, vec![]));
    write(&kv, "k", json!({"a": 1})).await;
    assert_eq!(err(&kv, PATCH, "data/k", json!({"x": 1})).await, (400, "no data provided".into()));
    // PATCH validates with Vault's prefix.
    assert_eq!(
        err(&kv, PATCH, "data/k", json!({"data": "s"})).await.1,
        "Field validation failed: error converting input for field \"data\": '' expected type \
         'map[string]interface {}', got unconvertible type 'string'"
    );
    assert_eq!(
        err(&kv, PATCH, "data/k", json!({"data": {"a": 2}, "options": {"cas": 0}})).await.1,
        "check-and-set parameter did not match the current version"
    );
    assert_eq!(
        err(&kv, PATCH, "data/k", json!({"data": {"a": 2}, "options": {"cas": "zz"}})).await.1,
        "error parsing check-and-set parameter"
    );
    ok(&kv, PATCH, "data/k", json!({"data": {"a": 2}, "options": {"cas": 1}})).await;
    ok(&kv, PUT, "metadata/k", json!({"cas_required": true})).await;
    assert_eq!(
        err(&kv, PATCH, "data/k", json!({"data": {"a": 3}})).await.1,
        "check-and-set parameter required for this call"
    );

    // A deleted current version: 404 with the flat version metadata.
    ok(&kv, DEL, "data/k", json!({})).await;
    let (body, _) = not_found(&kv, PATCH, "data/k", json!({"data": {"a": 4}, "options": {"cas": 2}})).await;
    assert_eq!(body["version"], json!(2));
    assert_timestamp(&body["deletion_time"]);
    assert_eq!(body["destroyed"], json!(false));
    // Metadata-only keys have no current version.
    ok(&kv, PUT, "metadata/empty", json!({"max_versions": 3})).await;
    assert_eq!(not_found(&kv, PATCH, "data/empty", json!({"data": {"a": 1}})).await, (Value::Null, vec![]));
}

#[tokio::test]
async fn data_patch_with_null() {
    let kv = kv().await;
    write(&kv, "k", json!({"a": 1})).await;
    // A null patch replaces the document with null, as Vault's merge does...
    ok(&kv, PATCH, "data/k", json!({"data": null})).await;
    assert_eq!(ok_data(&kv, GET, "data/k", json!({})).await["data"], Value::Null);
    // ...after which Vault's patch helper fails with an internal error.
    assert_eq!(err(&kv, PATCH, "data/k", json!({"data": {"a": 1}})).await, (500, "resource does not exist".into()));
}

#[tokio::test]
async fn metadata_patch_replaces_settings_and_merges_custom_metadata() {
    let kv = kv().await;
    write(&kv, "k", json!({"a": 1})).await;
    let before = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert!(ok(&kv, PATCH, "metadata/k", json!({"max_versions": 3, "custom_metadata": {"a": "1", "b": 2}}))
        .await
        .is_none());
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(m["max_versions"], json!(3));
    assert_eq!(m["custom_metadata"], json!({"a": "1", "b": "2"}));
    // Vault's metadata patch leaves updated_time alone.
    assert_eq!(m["updated_time"], before["updated_time"]);

    ok(&kv, PATCH, "metadata/k", json!({"custom_metadata": {"a": null, "c": "3"}, "delete_version_after": "2h"})).await;
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(m["custom_metadata"], json!({"b": "2", "c": "3"}));
    assert_eq!(m["delete_version_after"], json!("2h0m0s"));
    assert_eq!(m["max_versions"], json!(3));

    // Zero clears delete_version_after; null clears custom_metadata.
    ok(&kv, PATCH, "metadata/k", json!({"delete_version_after": "0s", "cas_required": true})).await;
    ok(&kv, PATCH, "metadata/k", json!({"custom_metadata": null})).await;
    let m = ok_data(&kv, GET, "metadata/k", json!({})).await;
    assert_eq!(m["delete_version_after"], json!("0s"));
    assert_eq!(m["cas_required"], json!(true));
    assert_eq!(m["custom_metadata"], Value::Null);
    // Fields Vault manages are not patchable.
    ok(&kv, PATCH, "metadata/k", json!({"current_version": 100, "versions": {}})).await;
    assert_eq!(ok_data(&kv, GET, "metadata/k", json!({})).await["current_version"], json!(1));
}

#[tokio::test]
async fn metadata_patch_errors_and_warnings() {
    let kv = kv().await;
    assert_eq!(not_found(&kv, PATCH, "metadata/nope", json!({"max_versions": 1})).await, (Value::Null, vec![]));
    write(&kv, "k", json!({"a": 1})).await;
    assert_eq!(
        err(&kv, PATCH, "metadata/k", json!({"max_versions": "x"})).await.1,
        "Field validation failed: error converting input for field \"max_versions\": '' cannot parse value as \
         'int': strconv.ParseInt: invalid syntax"
    );
    assert_eq!(
        err(&kv, PATCH, "metadata/k", json!({"custom_metadata": {"a": ""}})).await.1,
        "1 error occurred:\n\t* custom_metadata validation failed: length of value for key \"a\" is 0 but must be \
         0 < len(value) <= 512\n\n"
    );
    assert_eq!(
        err(&kv, PATCH, "metadata/k", json!({"custom_metadata": {"a": {"b": 1}}})).await.1,
        "custom_metadata validation failed: '' expected type 'string', got unconvertible type 'map[string]interface {}'"
    );
    ok(&kv, PUT, "config", json!({"cas_required": true})).await;
    let resp = ok(&kv, PATCH, "metadata/k", json!({"cas_required": false})).await.unwrap();
    assert_eq!(
        resp.warnings,
        vec![
            "\"cas_required\" set to false, but is mandated by backend config. This value will be ignored.".to_string()
        ]
    );
    assert!(resp.data.is_none());
}
