//! Transit over HTTP on a real node, checked against a second implementation (ring, not the
//! server's RustCrypto): ciphertext the server makes opens with the exported key, ciphertext
//! made outside opens on the server, and convergent encryption's ciphertext is predicted from
//! the key and the context alone, as Vault's keysutil derives it.

use base64::{engine::general_purpose::STANDARD, Engine};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305};
use serde_json::json;
use strongbox_cluster_tests::Node;

fn algorithm(kind: &str) -> &'static ring::aead::Algorithm {
    match kind {
        "aes128-gcm96" => &AES_128_GCM,
        "aes256-gcm96" => &AES_256_GCM,
        _ => &CHACHA20_POLY1305,
    }
}

fn open(kind: &str, key: &[u8], sealed: &[u8], aad: &[u8]) -> Vec<u8> {
    let key = LessSafeKey::new(UnboundKey::new(algorithm(kind), key).unwrap());
    let (nonce, rest) = sealed.split_at(12);
    let mut buf = rest.to_vec();
    let plain = key.open_in_place(Nonce::try_assume_unique_for_key(nonce).unwrap(), Aad::from(aad), &mut buf).unwrap();
    plain.to_vec()
}

fn seal(kind: &str, key: &[u8], nonce: [u8; 12], msg: &[u8]) -> Vec<u8> {
    let key = LessSafeKey::new(UnboundKey::new(algorithm(kind), key).unwrap());
    let mut buf = msg.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf).unwrap();
    [nonce.to_vec(), buf].concat()
}

#[test]
fn ciphertext_moves_between_the_server_and_an_independent_implementation() {
    let node = Node::must_start_dev("transit-root");
    let c = node.client().with_token("transit-root");
    c.must_ok("POST", "sys/mounts/transit", Some(&json!({"type": "transit"})));
    for kind in ["aes128-gcm96", "aes256-gcm96", "chacha20-poly1305"] {
        let name = format!("k-{kind}");
        c.must_ok("POST", &format!("transit/keys/{name}"), Some(&json!({"type": kind, "exportable": true})));
        let exported = c.must_get(&format!("transit/export/encryption-key/{name}/1")).json;
        let key = STANDARD.decode(exported["data"]["keys"]["1"].as_str().unwrap()).unwrap();

        let body = json!({"plaintext": STANDARD.encode("from the server"), "associated_data": STANDARD.encode("ad")});
        let ct = c.must_status(200, "POST", &format!("transit/encrypt/{name}"), Some(&body)).json;
        let ct = ct["data"]["ciphertext"].as_str().unwrap().to_string();
        let sealed = STANDARD.decode(ct.strip_prefix("vault:v1:").unwrap()).unwrap();
        assert_eq!(open(kind, &key, &sealed, b"ad"), b"from the server", "{kind}");

        let outside = seal(kind, &key, [7; 12], b"from outside");
        let body = json!({"ciphertext": format!("vault:v1:{}", STANDARD.encode(outside))});
        let opened = c.must_status(200, "POST", &format!("transit/decrypt/{name}"), Some(&body)).json;
        assert_eq!(opened["data"]["plaintext"], json!(STANDARD.encode("from outside")), "{kind}");
    }
}

#[test]
fn convergent_ciphertext_is_predicted_from_the_key_and_context() {
    let node = Node::must_start_dev("convergent-root");
    let c = node.client().with_token("convergent-root");
    c.must_ok("POST", "sys/mounts/transit", Some(&json!({"type": "transit"})));
    let create = json!({"derived": true, "convergent_encryption": true, "exportable": true});
    c.must_ok("POST", "transit/keys/conv", Some(&create));
    let exported = c.must_get("transit/export/encryption-key/conv").json;
    let key = STANDARD.decode(exported["data"]["keys"]["1"].as_str().unwrap()).unwrap();

    let (context, plaintext) = (b"tenant-42", b"card 4111");
    // keysutil (convergent version 3): HKDF-SHA256(key, no salt, info=context) gives the AES key
    // and an HMAC key; the nonce is HMAC-SHA256(hmac key, plaintext), first 12 bytes.
    let mut derived = [0u8; 64];
    let salt = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, &[]);
    let info = [&context[..]];
    struct Len(usize);
    impl ring::hkdf::KeyType for Len {
        fn len(&self) -> usize {
            self.0
        }
    }
    salt.extract(&key).expand(&info, Len(64)).unwrap().fill(&mut derived).unwrap();
    let tag = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &derived[32..]), plaintext);
    let nonce: [u8; 12] = tag.as_ref()[..12].try_into().unwrap();
    let expected = format!("vault:v1:{}", STANDARD.encode(seal("aes256-gcm96", &derived[..32], nonce, plaintext)));

    let body = json!({"plaintext": STANDARD.encode(plaintext), "context": STANDARD.encode(context)});
    let got = c.must_status(200, "POST", "transit/encrypt/conv", Some(&body)).json;
    assert_eq!(got["data"]["ciphertext"], json!(expected));
}

#[test]
fn cache_config_bounds_the_key_cache_and_keys_stay_usable() {
    let node = Node::must_start_dev("cache-root");
    let c = node.client().with_token("cache-root");
    c.must_ok("POST", "sys/mounts/transit", Some(&json!({"type": "transit"})));
    assert_eq!(c.must_get("transit/cache-config").json["data"], json!({"size": 0}));
    let r = c.must_request("POST", "transit/cache-config", Some(&json!({"size": 5})));
    assert_eq!(
        (r.status, r.json["errors"][0].clone()),
        (400, json!("size must be 0 or a value greater or equal to 10"))
    );
    let r = c.must_ok("POST", "transit/cache-config", Some(&json!({"size": 10})));
    assert_eq!(r.json["data"], json!({"size": 10}));
    assert_eq!(c.must_get("transit/cache-config").json["data"], json!({"size": 10}));
    // More keys than the cache holds: each still encrypts and decrypts (evicted keys reload).
    let mut sealed = Vec::new();
    for i in 0..25 {
        let body = json!({"plaintext": STANDARD.encode(format!("secret {i}"))});
        let r = c.must_status(200, "POST", &format!("transit/encrypt/k{i}"), Some(&body));
        sealed.push(r.json["data"]["ciphertext"].clone());
    }
    for (i, ciphertext) in sealed.iter().enumerate() {
        let r =
            c.must_status(200, "POST", &format!("transit/decrypt/k{i}"), Some(&json!({ "ciphertext": ciphertext })));
        assert_eq!(r.json["data"]["plaintext"], json!(STANDARD.encode(format!("secret {i}"))));
    }
}
