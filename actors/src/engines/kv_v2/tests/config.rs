//! `config`: mount-wide settings.

use super::*;

#[tokio::test]
async fn defaults_and_updates() {
    let kv = kv().await;
    let defaults = json!({"max_versions": 0, "cas_required": false, "delete_version_after": "0s"});
    assert_eq!(ok_data(&kv, GET, "config", json!({})).await, defaults);
    // No known field: nothing is written.
    assert!(ok(&kv, PUT, "config", json!({"x": 1})).await.is_none());
    assert!(kv.engine().view.get("config").await.unwrap().is_none());

    assert!(ok(&kv, PUT, "config", json!({"max_versions": 5, "cas_required": true, "delete_version_after": "1h30m"}))
        .await
        .is_none());
    assert_eq!(
        ok_data(&kv, GET, "config", json!({})).await,
        json!({"max_versions": 5, "cas_required": true, "delete_version_after": "1h30m0s"})
    );
    // Fields not sent keep their value.
    ok(&kv, PUT, "config", json!({"cas_required": "false"})).await;
    assert_eq!(ok_data(&kv, GET, "config", json!({})).await["max_versions"], json!(5));
    // Any negative duration disables deletion times; zero resets.
    ok(&kv, PUT, "config", json!({"delete_version_after": "-5m"})).await;
    assert_eq!(ok_data(&kv, GET, "config", json!({})).await["delete_version_after"], json!("-1s"));
    ok(&kv, PUT, "config", json!({"delete_version_after": 0})).await;
    assert_eq!(ok_data(&kv, GET, "config", json!({})).await["delete_version_after"], json!("0s"));
    ok(&kv, PUT, "config", json!({"max_versions": -2})).await;
    assert_eq!(ok_data(&kv, GET, "config", json!({})).await["max_versions"], json!(4_294_967_294u32));
    let resp = ok(&kv, GET, "config", json!({"x": "1"})).await.unwrap();
    assert_eq!(resp.warnings, vec!["Endpoint ignored these unrecognized parameters: [x]".to_string()]);
}

#[tokio::test]
async fn refuses_bad_input_and_operations() {
    let kv = kv().await;
    let pre = "Field validation failed: error converting input for field";
    assert_eq!(
        err(&kv, PUT, "config", json!({"max_versions": "x"})).await,
        (400, format!("{pre} \"max_versions\": '' cannot parse value as 'int': strconv.ParseInt: invalid syntax"))
    );
    assert_eq!(
        err(&kv, PUT, "config", json!({"cas_required": "maybe"})).await.1,
        format!("{pre} \"cas_required\": '' cannot parse value as 'bool': strconv.ParseBool: invalid syntax")
    );
    assert_eq!(
        err(&kv, PUT, "config", json!({"delete_version_after": "abc"})).await.1,
        format!("{pre} \"delete_version_after\": time: invalid duration \"abc\"")
    );
    assert_eq!(err(&kv, DEL, "config", json!({})).await, (405, "unsupported operation".into()));
    assert_eq!(err(&kv, PATCH, "config", json!({})).await.0, 405);
    // LIST turns `config` into `config/`, which only the catch-all matches.
    let (_, warnings) = not_found(&kv, LIST, "config", json!({})).await;
    assert!(warnings[0].ends_with("use 'vault kv list' for this operation."));
}
