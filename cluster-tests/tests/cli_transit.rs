//! `strongbox transit import | import-version` and the generic commands on transit, as an
//! operator would use them: keys made by openssl are wrapped by the CLI and the server then holds
//! exactly those keys (its public key is openssl's, its export is the imported bytes).

use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::json;
use std::process::Command;
use strongbox_cluster_tests::{Cli, Node};

fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn transit_import_wraps_keys_the_server_then_holds() {
    let node = Node::must_start_dev("cli-transit-root");
    let cli = Cli::new(&node.url()).token("cli-transit-root");
    cli.must_run(&["secrets", "enable", "transit"]);
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    // An Ed25519 key from openssl, as PKCS#8, given base64 in a file (@path).
    openssl(&["genpkey", "-algorithm", "ed25519", "-outform", "DER", "-out", &file("ed.der")]);
    openssl(&["pkey", "-inform", "DER", "-in", &file("ed.der"), "-pubout", "-outform", "DER", "-out", &file("ed.pub")]);
    std::fs::write(file("ed.b64"), STANDARD.encode(std::fs::read(file("ed.der")).unwrap())).unwrap();
    let out = cli.must_run(&["transit", "import", "transit/keys/ed", &format!("@{}", file("ed.b64")), "type=ed25519"]);
    assert_eq!(
        out.stdout,
        "Retrieving wrapping key.\nWrapping source key with ephemeral key.\nEncrypting ephemeral key with wrapping key.\nSubmitting wrapped key.\nSuccess!\n"
    );
    let read = cli.must_run(&["read", "-format=json", "transit/keys/ed"]).must_json();
    let spki = std::fs::read(file("ed.pub")).unwrap();
    assert_eq!(read["data"]["keys"]["1"]["public_key"], json!(STANDARD.encode(&spki[spki.len() - 32..])));
    assert_eq!(read["data"]["imported_key"], json!(true));

    // AES keys given inline; a second version through import-version.
    let (v1, v2) = ([7u8; 32], [9u8; 32]);
    let args = ["transit", "import", "transit/keys/aes", &STANDARD.encode(v1), "type=aes256-gcm96", "exportable=true"];
    cli.must_run(&args);
    cli.must_run(&["transit", "import-version", "transit/keys/aes", &STANDARD.encode(v2)]);
    let exported = cli.must_run(&["read", "-format=json", "transit/export/encryption-key/aes"]).must_json();
    assert_eq!(exported["data"]["keys"], json!({"1": STANDARD.encode(v1), "2": STANDARD.encode(v2)}));

    // Vault's generic commands on transit.
    let plaintext = STANDARD.encode("from the cli");
    let ct = cli.must_run(&["write", "-field=ciphertext", "transit/encrypt/aes", &format!("plaintext={plaintext}")]);
    assert!(ct.stdout.starts_with("vault:v2:"), "{}", ct.stdout);
    let pt = cli.must_run(&[
        "write",
        "-field=plaintext",
        "transit/decrypt/aes",
        &format!("ciphertext={}", ct.stdout.trim()),
    ]);
    assert_eq!(pt.stdout.trim(), plaintext);

    // Bad input: a path without /keys/, and key material that is not base64.
    let bad = cli.must_exit(1, &["transit", "import", "transit/aes", "AAAA"]);
    assert!(bad.stderr.contains("expected transit path and key name in the form :path:/keys/:name:"), "{}", bad.stderr);
    let bad = cli.must_exit(1, &["transit", "import", "transit/keys/x", "%%%"]);
    assert!(bad.stderr.contains("error base64 decoding source key material"), "{}", bad.stderr);
    let bad = cli.must_exit(3, &["transit", "import", "transit/keys/aes", &STANDARD.encode(v1)]);
    assert!(bad.stderr.contains("failed to call import:"), "{}", bad.stderr);
}
