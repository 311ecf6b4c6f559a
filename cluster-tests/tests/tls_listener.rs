//! A TLS listener with a certificate made for the test: clients that trust it talk HTTPS
//! (the harness client, vaultrs, the CLI with `VAULT_CACERT`), clients that do not are refused,
//! and plain HTTP to the TLS port gets nothing useful.

use serde_json::json;
use std::path::Path;
use strongbox_cluster_tests::{Cli, Client, Node, NodeConfig, TlsFiles};
use tempfile::TempDir;
use vaultrs::client::{VaultClient, VaultClientSettingsBuilder};

/// A self-signed certificate for `localhost` and `127.0.0.1`, written as PEM files into `dir`.
fn self_signed(dir: &Path) -> TlsFiles {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("generating a certificate");
    let cert_pem = certified.cert.pem();
    let cert_file = dir.join("cert.pem");
    let key_file = dir.join("key.pem");
    std::fs::write(&cert_file, &cert_pem).expect("writing cert.pem");
    std::fs::write(&key_file, certified.signing_key.serialize_pem()).expect("writing key.pem");
    TlsFiles { cert_file, key_file, ca_pem: cert_pem.into_bytes() }
}

fn tls_node() -> (Node, TlsFiles, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir for the certificate");
    let tls = self_signed(dir.path());
    let node = Node::must_start(NodeConfig::inmem().tls(tls.clone()));
    (node, tls, dir)
}

#[test]
fn https_with_a_trusted_certificate() {
    let (node, _tls, _dir) = tls_node();
    assert!(node.url().starts_with("https://"), "{}", node.url());
    let (keys, root) = node.must_init(1, 1);
    node.must_unseal(&keys);
    let c = node.client().with_token(&root);
    c.must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv", "options": {"version": "2"}})));
    c.must_ok("POST", "kv/data/over-tls", Some(&json!({"data": {"encrypted": "in transit"}})));
    assert_eq!(c.must_get("kv/data/over-tls").json["data"]["data"], json!({"encrypted": "in transit"}));
    assert_eq!(c.must_get("sys/health").status, 200);
}

#[test]
fn untrusting_and_plaintext_clients_are_refused() {
    let (node, _tls, _dir) = tls_node();
    // Trusts only the public roots: the handshake fails, no HTTP response at all.
    let untrusting = Client::new(&node.url(), None);
    let err = untrusting.try_request("GET", "sys/health", None).expect_err("a certificate nobody signed was accepted");
    assert!(err.to_lowercase().contains("certificate") || err.contains("UnknownIssuer"), "{err}");
    // Plain HTTP to the TLS port: no successful answer.
    let plain = Client::new(&format!("http://{}", node.addr()), None);
    if let Ok(r) = plain.try_request("GET", "sys/health", None) {
        assert!(r.status >= 400, "plain HTTP got {}: {}", r.status, r.text);
    }
    // The node is unharmed.
    assert_eq!(node.client().must_get("sys/health").status, 501);
}

#[test]
fn vaultrs_and_the_cli_with_the_ca_certificate() {
    let (node, tls, _dir) = tls_node();
    let cacert = tls.cert_file.to_str().expect("utf-8 path").to_string();

    let cli = Cli::new(&node.url());
    let no_ca = cli.must_exit(1, &["status"]);
    assert!(no_ca.stderr.contains("certificate"), "{no_ca:?}");
    let with_ca = Cli::new(&node.url()).env("VAULT_CACERT", &cacert);
    let init =
        with_ca.must_exit(0, &["operator", "init", "-format=json", "-key-shares=1", "-key-threshold=1"]).must_json();
    let key = init["unseal_keys_b64"][0].as_str().expect("key").to_string();
    let root = init["root_token"].as_str().expect("root").to_string();
    with_ca.must_exit(0, &["operator", "unseal", &key]);
    let skip = Cli::new(&node.url()).env("VAULT_SKIP_VERIFY", "true");
    skip.must_exit(0, &["status"]);

    let settings = VaultClientSettingsBuilder::default()
        .address(node.url())
        .token(&root)
        .ca_certs(vec![cacert])
        .build()
        .expect("vaultrs settings");
    let client = VaultClient::new(settings).expect("vaultrs client");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let health = vaultrs::sys::health(&client).await.expect("health over TLS");
        assert!(health.initialized && !health.sealed);
        let mounts = vaultrs::sys::mount::list(&client).await.expect("mounts over TLS");
        assert!(mounts.contains_key("sys/"));
    });
}
