//! The transit engine through the pipeline: keys, encrypt/decrypt/rewrap with rotation and
//! version limits, batches with per-item errors, upsert under the ACL, HMACs, hashes, data
//! keys, and Vault's texts for bad input.

use super::{call, must, must_fail, must_token_with, must_unsealed_core, ROOT};
use crate::{CoreError, Operation};
use serde_json::{json, Value};

const HELLO: &str = "aGVsbG8="; // "hello"

async fn transit() -> std::sync::Arc<crate::core::Core> {
    let core = must_unsealed_core().await;
    must(&core, Operation::Update, "sys/mounts/transit", json!({"type": "transit"})).await;
    core
}

#[actix_rt::test]
async fn keys_encrypt_rotate_rewrap_and_version_limits() {
    let core = transit().await;
    let key = must(&core, Operation::Update, "transit/keys/app", json!({})).await;
    assert_eq!((key["type"].clone(), key["latest_version"].clone()), (json!("aes256-gcm96"), json!(1)));
    assert_eq!(key["keys"].as_object().map(|k| k.len()), Some(1));
    assert_eq!((key["supports_encryption"].clone(), key["supports_signing"].clone()), (json!(true), json!(false)));
    let listed = must(&core, Operation::List, "transit/keys", json!({})).await;
    assert_eq!(listed["keys"], json!(["app"]));

    let v1 = must(&core, Operation::Update, "transit/encrypt/app", json!({"plaintext": HELLO})).await;
    let v1 = v1["ciphertext"].as_str().unwrap().to_string();
    assert!(v1.starts_with("vault:v1:"), "{v1}");
    let rotated = must(&core, Operation::Update, "transit/keys/app/rotate", json!({})).await;
    assert_eq!(rotated["latest_version"], json!(2));
    let plain = must(&core, Operation::Update, "transit/decrypt/app", json!({"ciphertext": v1})).await;
    assert_eq!(plain["plaintext"], json!(HELLO));
    let rewrapped = must(&core, Operation::Update, "transit/rewrap/app", json!({"ciphertext": v1})).await;
    let v2 = rewrapped["ciphertext"].as_str().unwrap().to_string();
    assert!(v2.starts_with("vault:v2:") && rewrapped["key_version"] == json!(2), "{rewrapped:?}");

    let config = json!({"min_decryption_version": 2});
    let configured = must(&core, Operation::Update, "transit/keys/app/config", config).await;
    assert_eq!(configured["keys"].as_object().map(|k| k.keys().cloned().collect::<Vec<_>>()), Some(vec!["2".into()]));
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Update, "transit/decrypt/app", json!({"ciphertext": v1})).await;
    assert_eq!((status, msg.as_str()), (400, "ciphertext or signature version is disallowed by policy (too old)"));
    // Lowering it again brings version 1 back from the archive.
    must(&core, Operation::Update, "transit/keys/app/config", json!({"min_decryption_version": 1})).await;
    let plain = must(&core, Operation::Update, "transit/decrypt/app", json!({"ciphertext": v1})).await;
    assert_eq!(plain["plaintext"], json!(HELLO));

    let (status, msg) = must_fail(&core, Some(ROOT), Operation::Delete, "transit/keys/app", json!({})).await;
    assert_eq!((status, msg.as_str()), (400, "error deleting policy app: deletion is not allowed for this key"));
    must(&core, Operation::Update, "transit/keys/app/config", json!({"deletion_allowed": true})).await;
    must(&core, Operation::Delete, "transit/keys/app", json!({})).await;
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Update, "transit/decrypt/app", json!({"ciphertext": v2})).await;
    assert_eq!((status, msg.as_str()), (400, "encryption key not found"));
}

#[actix_rt::test]
async fn bad_input_gets_vaults_texts() {
    let core = transit().await;
    must(&core, Operation::Update, "transit/keys/k", json!({})).await;
    let cases = [
        ("transit/encrypt/k", json!({}), "missing plaintext to encrypt"),
        ("transit/encrypt/k", json!({"plaintext": "YQ"}), "illegal base64 data at input byte 0"),
        ("transit/decrypt/k", json!({"ciphertext": "vault:v1:AAAA"}), "invalid ciphertext length"),
        ("transit/decrypt/k", json!({"ciphertext": "nope"}), "invalid ciphertext: no prefix"),
        ("transit/decrypt/k", json!({"ciphertext": "vault:v9:AAAA"}), "invalid ciphertext: version is too new"),
        ("transit/keys/x", json!({"type": "aes512"}), "unknown key type aes512"),
        (
            "transit/keys/x",
            json!({"convergent_encryption": true}),
            "convergent encryption requires derivation to be enabled",
        ),
        (
            "transit/keys/x",
            json!({"auto_rotate_period": "10m"}),
            "auto rotate period must be 0 to disable or at least an hour",
        ),
        (
            "transit/keys/k/config",
            json!({"min_decryption_version": 5}),
            "cannot set min decryption version of 5, latest key version is 1",
        ),
        (
            "transit/keys/k/trim",
            json!({"min_available_version": 1}),
            "minimum available version cannot be set when minimum encryption version is not set",
        ),
        ("transit/hash/md5", json!({"input": HELLO}), "unsupported algorithm md5"),
        ("transit/random/0", json!({}), "\"bytes\" cannot be less than 1"),
        ("transit/datakey/other/k", json!({}), "Invalid path, must be 'plaintext' or 'wrapped'"),
    ];
    for (path, body, want) in cases {
        let (status, msg) = must_fail(&core, Some(ROOT), Operation::Update, path, body.clone()).await;
        assert_eq!((status, msg.as_str()), (400, want), "{path} {body}");
    }
    // Another key's ciphertext does not open.
    must(&core, Operation::Update, "transit/keys/other", json!({})).await;
    let ct = must(&core, Operation::Update, "transit/encrypt/other", json!({"plaintext": HELLO})).await;
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Update, "transit/decrypt/k", json!({"ciphertext": ct["ciphertext"]}))
            .await;
    assert_eq!((status, msg.as_str()), (400, "cipher: message authentication failed"));
}

#[actix_rt::test]
async fn batches_answer_per_item_and_fail_as_vault_does() {
    let core = transit().await;
    let items = json!([{"plaintext": HELLO, "reference": "a"}, {"plaintext": "!!", "reference": "b"}]);
    let body = json!({"batch_input": items});
    let err = call(&core, Some(ROOT), Operation::Update, "transit/encrypt/b", body.clone()).await.unwrap_err();
    let CoreError::WithStatus(400, resp) = err else { panic!("{err:?}") };
    let results = resp.data.unwrap()["batch_results"].clone();
    assert!(results[0]["ciphertext"].as_str().unwrap().starts_with("vault:v1:"));
    assert_eq!(results[1], json!({"error": "illegal base64 data at input byte 0", "reference": "b"}));
    let body = json!({"batch_input": items, "partial_failure_response_code": 207});
    let err = call(&core, Some(ROOT), Operation::Update, "transit/encrypt/b", body).await.unwrap_err();
    assert!(matches!(err, CoreError::WithStatus(207, _)), "{err:?}");
    // A batch of 200 (split across threads) comes back in order.
    let many: Vec<Value> = (0..200).map(|i| json!({"plaintext": base64_of(&i.to_string())})).collect();
    let enc = must(&core, Operation::Update, "transit/encrypt/b", json!({"batch_input": many})).await;
    let cts: Vec<Value> =
        enc["batch_results"].as_array().unwrap().iter().map(|r| json!({"ciphertext": r["ciphertext"]})).collect();
    let dec = must(&core, Operation::Update, "transit/decrypt/b", json!({"batch_input": cts})).await;
    let plains: Vec<Value> = dec["batch_results"].as_array().unwrap().iter().map(|r| r["plaintext"].clone()).collect();
    assert_eq!(plains, (0..200).map(|i| json!(base64_of(&i.to_string()))).collect::<Vec<_>>());
}

fn base64_of(s: &str) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, s)
}

#[actix_rt::test]
async fn encrypt_creates_a_missing_key_only_with_create_capability() {
    let core = transit().await;
    let update_only = must_token_with(&core, "upd", r#"path "transit/encrypt/*" { capabilities = ["update"] }"#).await;
    let (status, _) =
        must_fail(&core, Some(&update_only), Operation::Update, "transit/encrypt/new", json!({"plaintext": HELLO}))
            .await;
    assert_eq!(status, 403);
    let creator =
        must_token_with(&core, "crt", r#"path "transit/encrypt/*" { capabilities = ["create", "update"] }"#).await;
    let body = json!({"plaintext": HELLO, "context": base64_of("tenant-1"), "convergent_encryption": true, "type": "chacha20-poly1305"});
    let first =
        call(&core, Some(&creator), Operation::Update, "transit/encrypt/new", body.clone()).await.unwrap().unwrap();
    let again = call(&core, Some(&update_only), Operation::Update, "transit/encrypt/new", body).await.unwrap().unwrap();
    assert_eq!(
        first.data.unwrap()["ciphertext"],
        again.data.unwrap()["ciphertext"],
        "convergent: same input, same ciphertext"
    );
    let key = must(&core, Operation::Read, "transit/keys/new", json!({})).await;
    assert_eq!(
        (key["type"].clone(), key["derived"].clone(), key["convergent_encryption_version"].clone(), key["kdf"].clone()),
        (json!("chacha20-poly1305"), json!(true), json!(-1), json!("hkdf_sha256"))
    );
    must(&core, Operation::Update, "transit/config/keys", json!({"disable_upsert": true})).await;
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Update, "transit/encrypt/other", json!({"plaintext": HELLO})).await;
    assert_eq!((status, msg.as_str()), (400, "encryption key not found"));
}

#[actix_rt::test]
async fn hmacs_hashes_datakeys_and_random_bytes() {
    let core = transit().await;
    must(&core, Operation::Update, "transit/keys/h", json!({})).await;
    let mac = must(&core, Operation::Update, "transit/hmac/h/sha2-512", json!({"input": HELLO})).await;
    let mac = mac["hmac"].as_str().unwrap().to_string();
    assert!(mac.starts_with("vault:v1:"));
    let ok = must(&core, Operation::Update, "transit/verify/h/sha2-512", json!({"input": HELLO, "hmac": mac})).await;
    assert_eq!(ok["valid"], json!(true));
    let bad = must(&core, Operation::Update, "transit/verify/h/sha2-512", json!({"input": "Ymll", "hmac": mac})).await;
    assert_eq!(bad["valid"], json!(false));
    let sum = must(&core, Operation::Update, "transit/hash", json!({"input": HELLO})).await;
    assert_eq!(sum["sum"], json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
    let dk = must(&core, Operation::Update, "transit/datakey/plaintext/h", json!({"bits": 512})).await;
    let opened = must(&core, Operation::Update, "transit/decrypt/h", json!({"ciphertext": dk["ciphertext"]})).await;
    assert_eq!(opened["plaintext"], dk["plaintext"]);
    let key =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, dk["plaintext"].as_str().unwrap()).unwrap();
    assert_eq!(key.len(), 64);
    let random = must(&core, Operation::Update, "transit/random/16", json!({"format": "hex"})).await;
    assert_eq!(random["random_bytes"].as_str().map(str::len), Some(32));
}

#[actix_rt::test]
async fn backup_restore_and_export_carry_the_key_material() {
    let core = transit().await;
    must(&core, Operation::Update, "transit/keys/src", json!({})).await;
    let ct = must(&core, Operation::Update, "transit/encrypt/src", json!({"plaintext": HELLO})).await;
    let (status, msg) = must_fail(&core, Some(ROOT), Operation::Read, "transit/backup/src", json!({})).await;
    assert_eq!((status, msg.as_str()), (500, "1 error occurred:\n\t* exporting is disallowed on the policy\n\n"));
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Read, "transit/export/encryption-key/src", json!({})).await;
    assert_eq!((status, msg.as_str()), (400, "private key material is not exportable"));
    let config = json!({"exportable": true, "allow_plaintext_backup": true});
    must(&core, Operation::Update, "transit/keys/src/config", config).await;
    let backup = must(&core, Operation::Read, "transit/backup/src", json!({})).await["backup"].clone();
    let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, backup.as_str().unwrap()).unwrap();
    assert_eq!(decoded.last(), Some(&b'\n'), "Go's encoder ends the JSON with a newline");
    let doc: Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(
        (doc["policy"]["name"].clone(), doc["archived_keys"]["keys"].as_array().map(Vec::len)),
        (json!("src"), Some(2))
    );

    must(&core, Operation::Update, "transit/restore/copy", json!({"backup": backup})).await;
    let opened = must(&core, Operation::Update, "transit/decrypt/copy", json!({"ciphertext": ct["ciphertext"]})).await;
    assert_eq!(opened["plaintext"], json!(HELLO));
    let copy = must(&core, Operation::Read, "transit/keys/copy", json!({})).await;
    assert_eq!(copy["restore_info"]["version"], json!(1));
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Update, "transit/restore/copy", json!({"backup": backup})).await;
    assert_eq!((status, msg.as_str()), (500, "1 error occurred:\n\t* key \"copy\" already exists\n\n"));
    must(&core, Operation::Update, "transit/restore/copy", json!({"backup": backup, "force": true})).await;
    let (status, msg) = must_fail(&core, Some(ROOT), Operation::Update, "transit/restore", json!({})).await;
    assert_eq!((status, msg.as_str()), (400, "'backup' must be supplied"));

    let both = must(&core, Operation::Read, "transit/export/encryption-key/src", json!({})).await;
    let one = must(&core, Operation::Read, "transit/export/encryption-key/src/latest", json!({})).await;
    assert_eq!(
        (both["keys"]["1"].clone(), one["keys"]["1"].clone()),
        (one["keys"]["1"].clone(), both["keys"]["1"].clone())
    );
    let mac = must(&core, Operation::Read, "transit/export/hmac-key/src/v1", json!({})).await;
    assert_ne!(mac["keys"]["1"], both["keys"]["1"], "each version has an HMAC key apart from its encryption key");
    let (status, msg) =
        must_fail(&core, Some(ROOT), Operation::Read, "transit/export/signing-key/src", json!({})).await;
    assert_eq!((status, msg.as_str()), (400, "signing not supported for the key"));
}
