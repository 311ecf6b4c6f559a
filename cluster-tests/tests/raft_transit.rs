//! Transit on a 3-node raft cluster: a key made and used through one node, rotated through
//! another and used through the third; after the active node is killed, the new active node
//! decrypts and verifies everything the old one made (key versions live in the replicated,
//! encrypted log, not in the cache of the node that made them).

use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::json;
use strongbox_cluster_tests::Cluster;

#[test]
fn encrypt_on_one_node_rotate_on_another_decrypt_on_a_third_and_after_failover() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    let (a, b, d) = (leader, (leader + 1) % 3, (leader + 2) % 3);

    c.client(b).must_ok("POST", "sys/mounts/transit", Some(&json!({"type": "transit"})));
    c.client(a).must_ok("POST", "transit/keys/orders", Some(&json!({"type": "aes256-gcm96"})));
    c.client(b).must_ok("POST", "transit/keys/signer", Some(&json!({"type": "ed25519"})));
    let plain = STANDARD.encode("order 1234");
    let body = json!({ "plaintext": plain });
    let v1 = c.client(a).must_ok("POST", "transit/encrypt/orders", Some(&body)).json["data"]["ciphertext"].clone();
    assert!(v1.as_str().unwrap().starts_with("vault:v1:"), "{v1}");

    let rotated = c.client(b).must_ok("POST", "transit/keys/orders/rotate", None).json;
    assert_eq!(rotated["data"]["latest_version"], json!(2), "{rotated}");

    let opened = c.client(d).must_ok("POST", "transit/decrypt/orders", Some(&json!({ "ciphertext": v1 }))).json;
    assert_eq!(opened["data"]["plaintext"], json!(plain));
    let v2 = c.client(d).must_ok("POST", "transit/encrypt/orders", Some(&body)).json["data"]["ciphertext"].clone();
    assert!(v2.as_str().unwrap().starts_with("vault:v2:"), "{v2}");
    let signature = c.client(d).must_ok("POST", "transit/sign/signer", Some(&json!({ "input": plain }))).json["data"]
        ["signature"]
        .clone();

    // The active node dies; a survivor takes over with every key version.
    c.nodes[leader].kill();
    let (new_leader, _) = c.must_wait_leader_among(&[b, d]);
    c.must_wait_active(new_leader);
    for node in [b, d] {
        let client = c.client(node);
        for ciphertext in [&v1, &v2] {
            let opened = client.must_ok("POST", "transit/decrypt/orders", Some(&json!({ "ciphertext": ciphertext })));
            assert_eq!(opened.json["data"]["plaintext"], json!(plain), "node {node}: {}", opened.text);
        }
        let verified =
            client.must_ok("POST", "transit/verify/signer", Some(&json!({ "input": plain, "signature": signature })));
        assert_eq!(verified.json["data"]["valid"], json!(true), "node {node}: {}", verified.text);
        let read = client.must_get("transit/keys/orders").json;
        assert_eq!(read["data"]["latest_version"], json!(2), "node {node}: {read}");
    }
}
