//! Transit's asymmetric keys over HTTP, checked against implementations apart from the
//! server's: ring for Ed25519 and ECDSA P-256/P-384, the `openssl` command for P-521 and RSA
//! (PSS, PKCS#1 v1.5, OAEP-SHA-256). Each way: what the server signs or encrypts is checked
//! outside with the exported or published key, and what is made outside passes on the server.

use base64::{engine::general_purpose::STANDARD, Engine};
use ring::signature::{self as sig, KeyPair};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use strongbox_cluster_tests::{Client, Node};

const MESSAGE: &[u8] = b"the message to sign";

fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

fn setup(root: &str) -> (Node, Client) {
    let node = Node::must_start_dev(root);
    let c = node.client().with_token(root);
    c.must_ok("POST", "sys/mounts/transit", Some(&json!({"type": "transit"})));
    (node, c)
}

fn create(c: &Client, name: &str, kind: &str) -> Value {
    c.must_ok("POST", &format!("transit/keys/{name}"), Some(&json!({"type": kind, "exportable": true})));
    c.must_get(&format!("transit/keys/{name}")).json
}

fn server_sign(c: &Client, name: &str, extra: Value) -> Vec<u8> {
    let mut body = json!({"input": STANDARD.encode(MESSAGE)});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let r = c.must_status(200, "POST", &format!("transit/sign/{name}"), Some(&body)).json;
    let s = r["data"]["signature"].as_str().unwrap();
    STANDARD.decode(s.strip_prefix("vault:v1:").unwrap()).unwrap()
}

fn server_verifies(c: &Client, name: &str, signature: &[u8], extra: Value) -> bool {
    let mut body =
        json!({"input": STANDARD.encode(MESSAGE), "signature": format!("vault:v1:{}", STANDARD.encode(signature))});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let r = c.must_status(200, "POST", &format!("transit/verify/{name}"), Some(&body)).json;
    r["data"]["valid"].as_bool().unwrap()
}

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
fn ed25519_and_ecdsa_signatures_verify_with_ring_both_ways() {
    let (_node, c) = setup("sign-root");
    let rng = ring::rand::SystemRandom::new();

    let read = create(&c, "ed", "ed25519");
    let public = STANDARD.decode(read["data"]["keys"]["1"]["public_key"].as_str().unwrap()).unwrap();
    let signature = server_sign(&c, "ed", json!({}));
    sig::UnparsedPublicKey::new(&sig::ED25519, &public).verify(MESSAGE, &signature).expect("ring verifies");
    let exported = c.must_get("transit/export/signing-key/ed/1").json;
    let private = STANDARD.decode(exported["data"]["keys"]["1"].as_str().unwrap()).unwrap();
    let pair = sig::Ed25519KeyPair::from_seed_and_public_key(&private[..32], &private[32..]).unwrap();
    assert_eq!(pair.public_key().as_ref(), &public[..]);
    assert!(server_verifies(&c, "ed", pair.sign(MESSAGE).as_ref(), json!({})));
    assert!(!server_verifies(&c, "ed", pair.sign(b"another message").as_ref(), json!({})));

    let curves: [(&str, &str, &sig::EcdsaVerificationAlgorithm, &sig::EcdsaSigningAlgorithm, &str); 2] = [
        ("ecdsa-p256", "P-256", &sig::ECDSA_P256_SHA256_ASN1, &sig::ECDSA_P256_SHA256_FIXED_SIGNING, "sha2-256"),
        ("ecdsa-p384", "P-384", &sig::ECDSA_P384_SHA384_ASN1, &sig::ECDSA_P384_SHA384_FIXED_SIGNING, "sha2-384"),
    ];
    for (kind, curve, verify_alg, sign_alg, hash) in curves {
        let read = create(&c, kind, kind);
        assert_eq!(read["data"]["keys"]["1"]["name"], json!(curve));
        let spki = pem_der(read["data"]["keys"]["1"]["public_key"].as_str().unwrap());
        let point_len = if kind == "ecdsa-p256" { 65 } else { 97 };
        let point = &spki[spki.len() - point_len..];
        let signature = server_sign(&c, kind, json!({"hash_algorithm": hash}));
        sig::UnparsedPublicKey::new(verify_alg, point).verify(MESSAGE, &signature).expect("ring verifies");

        // JWS marshaling is r ‖ s in URL-safe base64, what ring's FIXED signatures are.
        let exported = c.must_get(&format!("transit/export/signing-key/{kind}/1")).json;
        let sec1 = exported["data"]["keys"]["1"].as_str().unwrap();
        assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"), "{sec1}");
        let sec1 = pem_der(sec1);
        // SEC1 ECPrivateKey: the scalar is the OCTET STRING after the version (INTEGER 1).
        let at = sec1.windows(4).position(|w| w == [2, 1, 1, 4]).unwrap() + 4;
        let scalar = &sec1[at + 1..at + 1 + usize::from(sec1[at])];
        let pair = sig::EcdsaKeyPair::from_private_key_and_public_key(sign_alg, scalar, point, &rng).unwrap();
        let outside = pair.sign(&rng, MESSAGE).unwrap();
        let body = json!({
            "input": STANDARD.encode(MESSAGE),
            "signature": format!("vault:v1:{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(outside.as_ref())),
            "marshaling_algorithm": "jws",
            "hash_algorithm": hash,
        });
        let r = c.must_status(200, "POST", &format!("transit/verify/{kind}"), Some(&body)).json;
        assert_eq!(r["data"]["valid"], json!(true), "{kind}");
    }
}

#[test]
fn rsa_and_p521_interoperate_with_openssl() {
    let (_node, c) = setup("rsa-root");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("msg"), MESSAGE).unwrap();

    let read = create(&c, "rsa", "rsa-2048");
    assert_eq!(read["data"]["keys"]["1"]["name"], json!("rsa-2048"));
    std::fs::write(d.join("pub.pem"), read["data"]["keys"]["1"]["public_key"].as_str().unwrap()).unwrap();
    let exported = c.must_get("transit/export/signing-key/rsa/1").json;
    let private = exported["data"]["keys"]["1"].as_str().unwrap();
    assert!(private.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{private}");
    std::fs::write(d.join("key.pem"), private).unwrap();

    // The server's PSS signature (salt `auto`: the largest) and PKCS#1 v1.5 signature.
    std::fs::write(d.join("pss.sig"), server_sign(&c, "rsa", json!({}))).unwrap();
    openssl(
        d,
        &[
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:auto",
            "-signature",
            "pss.sig",
            "msg",
        ],
    );
    std::fs::write(
        d.join("v15.sig"),
        server_sign(&c, "rsa", json!({"signature_algorithm": "pkcs1v15", "hash_algorithm": "sha2-512"})),
    )
    .unwrap();
    openssl(d, &["dgst", "-sha512", "-verify", "pub.pem", "-signature", "v15.sig", "msg"]);

    // openssl's signatures verify on the server: PSS with the largest salt, and with the hash's.
    for (saltlen, salt_field) in [("max", "auto"), ("digest", "hash")] {
        let signature = openssl(
            d,
            &[
                "dgst",
                "-sha256",
                "-sign",
                "key.pem",
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                &format!("rsa_pss_saltlen:{saltlen}"),
                "msg",
            ],
        );
        assert!(server_verifies(&c, "rsa", &signature, json!({"salt_length": salt_field})), "{saltlen}");
    }
    let signature = openssl(d, &["dgst", "-sha384", "-sign", "key.pem", "msg"]);
    assert!(server_verifies(
        &c,
        "rsa",
        &signature,
        json!({"signature_algorithm": "pkcs1v15", "hash_algorithm": "sha2-384"})
    ));
    assert!(!server_verifies(
        &c,
        "rsa",
        &signature,
        json!({"signature_algorithm": "pkcs1v15", "hash_algorithm": "sha2-256"})
    ));

    // RSA-OAEP with SHA-256 both ways.
    let body = json!({"plaintext": STANDARD.encode("sealed by the server")});
    let ct = c.must_status(200, "POST", "transit/encrypt/rsa", Some(&body)).json;
    let ct = STANDARD.decode(ct["data"]["ciphertext"].as_str().unwrap().strip_prefix("vault:v1:").unwrap()).unwrap();
    std::fs::write(d.join("ct.bin"), ct).unwrap();
    let oaep =
        ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"];
    let plain = openssl(d, &[&["pkeyutl", "-decrypt", "-inkey", "key.pem", "-in", "ct.bin"][..], &oaep[..]].concat());
    assert_eq!(plain, b"sealed by the server");
    std::fs::write(d.join("plain"), b"sealed by openssl").unwrap();
    let sealed =
        openssl(d, &[&["pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "plain"][..], &oaep[..]].concat());
    let body = json!({"ciphertext": format!("vault:v1:{}", STANDARD.encode(sealed))});
    let r = c.must_status(200, "POST", "transit/decrypt/rsa", Some(&body)).json;
    assert_eq!(r["data"]["plaintext"], json!(STANDARD.encode("sealed by openssl")));

    // P-521 (ring has no P-521): the server's signature verifies with openssl, and the reverse.
    let read = create(&c, "p521", "ecdsa-p521");
    std::fs::write(d.join("p521.pem"), read["data"]["keys"]["1"]["public_key"].as_str().unwrap()).unwrap();
    std::fs::write(d.join("p521.sig"), server_sign(&c, "p521", json!({"hash_algorithm": "sha2-512"}))).unwrap();
    openssl(d, &["dgst", "-sha512", "-verify", "p521.pem", "-signature", "p521.sig", "msg"]);
    let exported = c.must_get("transit/export/signing-key/p521/1").json;
    std::fs::write(d.join("p521-key.pem"), exported["data"]["keys"]["1"].as_str().unwrap()).unwrap();
    let signature = openssl(d, &["dgst", "-sha256", "-sign", "p521-key.pem", "msg"]);
    assert!(server_verifies(&c, "p521", &signature, json!({})));
}

#[test]
fn bad_signing_requests_get_vaults_answers() {
    let (_node, c) = setup("bad-sign-root");
    c.must_ok("POST", "transit/keys/aes", Some(&json!({})));
    create(&c, "ed", "ed25519");
    let input = STANDARD.encode(MESSAGE);
    let cases = [
        ("transit/sign/aes", json!({"input": input}), "key type aes256-gcm96 does not support signing"),
        ("transit/sign/missing", json!({"input": input}), "signing key not found"),
        ("transit/sign/ed", json!({"input": input, "hash_algorithm": "md5"}), "invalid hash algorithm \"md5\""),
        (
            "transit/sign/ed",
            json!({"input": "%%%"}),
            "unable to decode input as base64: illegal base64 data at input byte 0",
        ),
        ("transit/sign/ed", json!({"input": input, "salt_length": "-2"}), "salt length is invalid: -2"),
        (
            "transit/sign/ed",
            json!({"input": input, "key_version": 2}),
            "requested version for signing is higher than the latest key version",
        ),
        ("transit/verify/ed", json!({"input": input, "signature": "nope"}), "invalid signature: no prefix"),
        (
            "transit/verify/ed",
            json!({"input": input, "signature": "vault:v9:AAAA"}),
            "invalid signature: version is too new",
        ),
        (
            "transit/verify/aes",
            json!({"input": input, "signature": "vault:v1:AAAA"}),
            "key type aes256-gcm96 does not support verification",
        ),
        (
            "transit/keys/conv-ed",
            json!({"type": "ed25519", "derived": true, "convergent_encryption": true}),
            "1 error occurred:\n\t* convergent encryption not supported for keys of type ed25519\n\n",
        ),
    ];
    for (path, body, want) in cases {
        let r = c.must_request("POST", path, Some(&body));
        assert!(r.status == 400 || r.status == 500, "{path}: {}", r.status);
        assert_eq!(r.json["errors"][0], json!(want), "{path} {body}");
    }
    // A wrong signature is `valid: false`, not an error; a batch keeps going past a bad item.
    assert!(!server_verifies(&c, "ed", &[0u8; 64], json!({})));
    let batch = json!({"batch_input": [{"input": input, "reference": "a"}, {"input": "%%%", "reference": "b"}]});
    let r = c.must_status(200, "POST", "transit/sign/ed", Some(&batch)).json;
    let results = r["data"]["batch_results"].as_array().unwrap();
    assert!(results[0]["signature"].as_str().unwrap().starts_with("vault:v1:"));
    assert_eq!((results[0]["reference"].clone(), results[1]["reference"].clone()), (json!("a"), json!("b")));
    assert!(results[1]["error"].as_str().unwrap().starts_with("unable to decode input as base64"));
}
