//! `strongbox server -dev` as a user meets it: a Vault client library (vaultrs) works against
//! it unchanged, tokens are checked, and the tests never write anyone's `~/.vault-token`.

use std::collections::HashMap;
use strongbox_cluster_tests::{Node, NodeConfig};
use vaultrs::api::sys::requests::EnableEngineRequest;
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};
use vaultrs::sys::ServerStatus;
use vaultrs::{kv1, kv2, sys};

const ROOT: &str = "dev-root-token";

fn vault_client(node: &Node, token: &str) -> VaultClient {
    let settings =
        VaultClientSettingsBuilder::default().address(node.url()).token(token).build().expect("vaultrs settings");
    VaultClient::new(settings).expect("vaultrs client")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn vaultrs_kv2_set_read_list_metadata_delete() {
    let node = Node::must_start_dev(ROOT);
    let client = vault_client(&node, ROOT);
    runtime().block_on(async {
        let v1 = kv2::set(&client, "secret", "app/db", &map(&[("user", "admin"), ("password", "s3cr3t")]))
            .await
            .expect("kv2 set");
        assert_eq!(v1.version, 1);
        let v2 = kv2::set(&client, "secret", "app/db", &map(&[("user", "admin"), ("password", "rotated")]))
            .await
            .expect("kv2 set again");
        assert_eq!(v2.version, 2);
        kv2::set(&client, "secret", "app/cache", &map(&[("ttl", "30")])).await.expect("kv2 set cache");

        let latest: HashMap<String, String> = kv2::read(&client, "secret", "app/db").await.expect("kv2 read");
        assert_eq!(latest, map(&[("user", "admin"), ("password", "rotated")]));
        let first: HashMap<String, String> =
            kv2::read_version(&client, "secret", "app/db", 1).await.expect("kv2 read v1");
        assert_eq!(first["password"], "s3cr3t");

        let mut keys = kv2::list(&client, "secret", "app").await.expect("kv2 list");
        keys.sort();
        assert_eq!(keys, vec!["cache".to_string(), "db".to_string()]);
        let top = kv2::list(&client, "secret", "").await.expect("kv2 list root");
        assert_eq!(top, vec!["app/".to_string()]);

        let meta = kv2::read_metadata(&client, "secret", "app/db").await.expect("kv2 metadata");
        assert_eq!(meta.current_version, 2);
        assert_eq!(meta.oldest_version, 0, "Vault reports 0 until max_versions trims");
        assert_eq!(meta.versions.len(), 2);
        assert!(!meta.created_time.is_empty());

        kv2::delete_latest(&client, "secret", "app/db").await.expect("kv2 delete latest");
        let gone: Result<HashMap<String, String>, _> = kv2::read(&client, "secret", "app/db").await;
        assert!(gone.is_err(), "the deleted latest version is still readable: {gone:?}");
        let meta = kv2::read_metadata(&client, "secret", "app/db").await.expect("metadata after delete");
        assert!(!meta.versions["2"].deletion_time.is_empty(), "version 2 has no deletion_time");
        let still: HashMap<String, String> =
            kv2::read_version(&client, "secret", "app/db", 1).await.expect("v1 after deleting v2");
        assert_eq!(still["password"], "s3cr3t");

        kv2::delete_metadata(&client, "secret", "app/db").await.expect("kv2 delete metadata");
        let keys = kv2::list(&client, "secret", "app").await.expect("kv2 list after delete");
        assert_eq!(keys, vec!["cache".to_string()]);
    });
}

#[test]
fn vaultrs_mounts_kv1_and_seal_status() {
    let node = Node::must_start_dev(ROOT);
    let client = vault_client(&node, ROOT);
    runtime().block_on(async {
        assert!(matches!(sys::status(&client).await.expect("status"), ServerStatus::OK));

        let mut opts = EnableEngineRequest::builder();
        opts.description("team secrets").options(map(&[("version", "1")]));
        sys::mount::enable(&client, "team", "kv", Some(&mut opts)).await.expect("enable kv v1 at team/");
        let mounts = sys::mount::list(&client).await.expect("list mounts");
        let team = mounts.get("team/").unwrap_or_else(|| panic!("team/ missing from {:?}", mounts.keys()));
        assert_eq!(team.mount_type, "kv");
        assert_eq!(team.description, "team secrets");
        let secret = mounts.get("secret/").expect("the dev server mounts secret/");
        assert_eq!(secret.mount_type, "kv");
        assert_eq!(secret.options.as_ref().and_then(|o| o.get("version")).map(String::as_str), Some("2"));

        kv1::set(&client, "team", "oncall", &HashMap::from([("who", "alice")])).await.expect("kv1 set");
        let got: HashMap<String, String> = kv1::get(&client, "team", "oncall").await.expect("kv1 get");
        assert_eq!(got, map(&[("who", "alice")]));

        sys::mount::disable(&client, "team").await.expect("disable team/");
        let mounts = sys::mount::list(&client).await.expect("list mounts");
        assert!(!mounts.contains_key("team/"));

        sys::seal(&client).await.expect("seal");
        assert!(matches!(sys::status(&client).await.expect("status"), ServerStatus::SEALED));
        let r = sys::unseal(&client, Some(node.dev_unseal_key()), None, None).await.expect("unseal");
        assert!(!r.sealed);
        assert!(matches!(sys::status(&client).await.expect("status"), ServerStatus::OK));
        let health = sys::health(&client).await.expect("health");
        assert!(health.initialized && !health.sealed && !health.standby);
    });
}

#[test]
fn bearer_token_works_and_a_wrong_token_is_denied() {
    let node = Node::must_start_dev(ROOT);
    let anon = node.client();
    node.dev_client().must_ok("PUT", "secret/data/bearer", Some(&serde_json::json!({"data": {"k": "v"}})));

    let bearer = format!("Bearer {ROOT}");
    let r = anon.must_raw("GET", "secret/data/bearer", &[("Authorization", bearer.as_str())], Vec::new());
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["data"]["data"]["k"], "v");

    for client in [anon.with_token("not-the-root-token"), anon.clone()] {
        let r = client.must_get("secret/data/bearer");
        assert_eq!(r.status, 403);
        assert_eq!(r.text, r#"{"errors":["permission denied"]}"#);
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    let r = anon.must_raw("GET", "secret/data/bearer", &[("Authorization", "Bearer wrong")], Vec::new());
    assert_eq!((r.status, r.text.as_str()), (403, r#"{"errors":["permission denied"]}"#));
}

#[test]
fn dev_token_file_is_written_only_when_asked() {
    let quiet = Node::must_start_dev(ROOT);
    assert!(!quiet.home_dir().join(".vault-token").exists(), "-dev-no-store-token still wrote $HOME/.vault-token");
    let storing = Node::must_start(NodeConfig::dev("stored-root").store_dev_token(true));
    let saved =
        std::fs::read_to_string(storing.home_dir().join(".vault-token")).expect("-dev saves $HOME/.vault-token");
    assert_eq!(saved.trim(), "stored-root");
    assert_eq!(storing.printed("Root Token: ").as_deref(), Some("stored-root"));
}
