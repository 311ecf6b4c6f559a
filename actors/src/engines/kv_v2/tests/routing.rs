//! Paths outside the API, folders, and operations a path does not serve.

use super::*;

const HINT: &str = "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API \
                    endpoints to use. If using the Vault CLI, use 'vault kv";

#[tokio::test]
async fn invalid_paths_answer_404_with_a_cli_hint() {
    let kv = kv().await;
    write(&kv, "k", json!({"a": 1})).await;
    let cases = [
        (GET, "bogus", "get"),
        (GET, "k", "get"),
        (GET, "data", "get"),
        (GET, "data/", "get"),
        (GET, "data/k/", "get"),
        (GET, "config/", "get"),
        (GET, "", "get"),
        (PUT, "bogus", "put"),
        (PUT, "data", "put"),
        (DEL, "bogus", "delete"),
        (LIST, "", "list"),
        (LIST, "data/k", "list"),
        (LIST, "bogus", "list"),
    ];
    for (op, path, sub) in cases {
        let (data, warnings) = not_found(&kv, op, path, json!({})).await;
        assert_eq!(data, Value::Null, "{op:?} {path}");
        assert_eq!(warnings, vec![format!("{HINT} {sub}' for this operation.")], "{op:?} {path}");
    }
    // The catch-all has no PATCH handler.
    assert_eq!(err(&kv, PATCH, "bogus", json!({})).await, (405, "unsupported operation".into()));
}

#[tokio::test]
async fn dot_dot_segments_are_refused() {
    let kv = kv().await;
    assert_eq!(err(&kv, PUT, "data/a/../b", json!({"data": {}})).await.0, 400);
    assert_eq!(err(&kv, GET, "metadata/..", json!({})).await.0, 400);
}

#[tokio::test]
async fn data_serves_no_list_and_keys_keep_slashes() {
    let kv = kv().await;
    write(&kv, "a/b/c", json!({"x": 1})).await;
    write(&kv, "a/b", json!({"x": 2})).await;
    write(&kv, "a//d", json!({"x": 3})).await;
    assert_eq!(ok_data(&kv, GET, "data/a/b/c", json!({})).await["data"], json!({"x": 1}));
    assert_eq!(ok_data(&kv, GET, "data/a/b", json!({})).await["data"], json!({"x": 2}));
    assert_eq!(ok_data(&kv, GET, "data/a//d", json!({})).await["data"], json!({"x": 3}));
    // Keys that look like engine folders stay ordinary keys.
    write(&kv, "versions/x", json!({"v": 1})).await;
    write(&kv, "config", json!({"c": 1})).await;
    assert_eq!(ok_data(&kv, GET, "data/config", json!({})).await["data"], json!({"c": 1}));
    assert_eq!(ok_data(&kv, GET, "config", json!({})).await["max_versions"], json!(0));
    let keys = ok(&kv, LIST, "metadata/", json!({})).await.unwrap().data.unwrap()["keys"].clone();
    assert_eq!(keys, json!(["a/", "config", "versions/"]));
}

#[tokio::test]
async fn concurrent_writes_get_distinct_versions() {
    let kv = std::sync::Arc::new(kv().await);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let kv = kv.clone();
        tasks
            .push(tokio::spawn(async move { write(&kv, "hot", json!({ "i": i })).await["version"].as_u64().unwrap() }));
    }
    let mut versions = Vec::new();
    for t in tasks {
        versions.push(t.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=20).collect::<Vec<u64>>());
    let meta = ok_data(&kv, GET, "metadata/hot", json!({})).await;
    assert_eq!(meta["current_version"], json!(20));
    assert_eq!(meta["oldest_version"], json!(11));
}
