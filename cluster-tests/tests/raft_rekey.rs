//! A rekey on a 3-node cluster, as operators run it through whichever node their load balancer
//! picks: the ceremony runs on the active node (a standby forwards each step), the new seal
//! config and wrapped root key replicate through raft, and afterwards every member (restarted)
//! and every joining node asks for the new shares and refuses the old ones.

use serde_json::{json, Value};
use std::net::Ipv4Addr;
use strongbox_cluster_tests::http::Client;
use strongbox_cluster_tests::{Cluster, Node, NodeConfig};

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default()
}

/// Submits the old shares on a sealed node that now needs 3: the third one makes a key that
/// opens nothing, and the attempt is refused.
fn must_refuse_old_shares(node: &Node, old: &[String]) -> Value {
    let c = node.client();
    let mut last = Value::Null;
    for key in old {
        let r = c.must_request("PUT", "sys/unseal", Some(&json!({ "key": key })));
        if r.status != 200 {
            assert_eq!(r.status, 400, "{}", r.text);
            last = r.json;
            break;
        }
        assert_eq!(r.json["sealed"], json!(true), "old shares opened the node: {}", r.text);
    }
    assert!(last["errors"][0].as_str().is_some_and(|e| e.contains("unable to retrieve stored keys")), "{last}");
    last
}

#[test]
fn a_rekey_through_a_standby_reaches_every_member_and_joining_nodes() {
    let mut c = Cluster::must_start(3);
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    c.client(leader).must_ok("POST", "sys/mounts/kv", Some(&json!({"type": "kv"})));
    c.client(leader).must_ok("PUT", "kv/before", Some(&json!({"v": 1})));

    let standby = (leader + 1) % 3;
    let other = (leader + 2) % 3;
    let s: Client = c.nodes[standby].client();
    let body = json!({"secret_shares": 5, "secret_threshold": 3});
    let nonce =
        s.must_status(200, "PUT", "sys/rekey/init", Some(&body)).json["nonce"].as_str().expect("nonce").to_string();
    // One ceremony for the cluster: every node shows the active node's attempt.
    assert_eq!(c.nodes[other].client().must_get("sys/rekey/init").json["nonce"], json!(nonce));
    s.must_status(200, "PUT", "sys/rekey/update", Some(&json!({"key": c.keys[0], "nonce": nonce})));
    let progress = c.nodes[other].client().must_get("sys/rekey/init").json;
    assert_eq!((progress["progress"].clone(), progress["required"].clone()), (json!(1), json!(2)));
    let done = c.nodes[other]
        .client()
        .must_status(200, "PUT", "sys/rekey/update", Some(&json!({"key": c.keys[1], "nonce": nonce})))
        .json;
    assert_eq!(done["complete"], json!(true), "{done}");
    let new = strings(&done["keys"]);
    assert_eq!(new.len(), 5);
    c.client(leader).must_ok("PUT", "kv/after", Some(&json!({"v": 2})));

    // Every member restarts and asks for 3 of the new shares; the old ones open nothing.
    for i in 0..3 {
        c.nodes[i].note("test: restart after the rekey");
        c.nodes[i].restart();
    }
    for i in 0..3 {
        let status = c.nodes[i].client().must_get("sys/seal-status").json;
        assert_eq!((status["t"].clone(), status["n"].clone()), (json!(3), json!(5)), "node {i}: {status}");
        must_refuse_old_shares(&c.nodes[i], &c.keys);
        c.nodes[i].must_unseal(&new[1..4]);
    }
    let (leader, _) = c.must_wait_leader_among(&[0, 1, 2]);
    for key in ["before", "after"] {
        let r = c.client(leader).must_get(&format!("kv/{key}"));
        assert_eq!(r.status, 200, "{}", r.text);
    }

    // A new node joins: the leader's challenge is sealed with the new key set.
    let joiner = Node::must_start(NodeConfig::raft().ip(Ipv4Addr::new(127, 0, 0, 4)));
    let join = json!({ "leader_api_addr": c.nodes[leader].url() });
    joiner.client().must_status(200, "POST", "sys/storage/raft/join", Some(&join));
    let status = joiner.client().must_get("sys/seal-status").json;
    assert_eq!((status["t"].clone(), status["n"].clone()), (json!(3), json!(5)), "{status}");
    let old = [c.keys[0].clone(), c.keys[1].clone(), c.keys[2].clone()];
    let refused = joiner.client().must_request("PUT", "sys/unseal", Some(&json!({ "key": old[0] })));
    assert_eq!(refused.status, 200, "{}", refused.text);
    joiner.client().must_ok("PUT", "sys/unseal", Some(&json!({ "key": old[1] })));
    let r = joiner.client().must_request("PUT", "sys/unseal", Some(&json!({ "key": old[2] })));
    assert_eq!(r.status, 400, "old shares answered the challenge: {}", r.text);
    joiner.client().must_status(200, "POST", "sys/storage/raft/join", Some(&join));
    // A joining node answers the challenge and unseals in the background, as Vault's does.
    for key in &new[2..5] {
        joiner.client().must_ok("PUT", "sys/unseal", Some(&json!({ "key": key })));
    }
    c.nodes.push(joiner);
    c.keys = new;
    c.must_wait_unsealed(3);
    c.must_wait_voters(4);
    let r = c.nodes[3].client().with_token(&c.root).must_get("kv/before");
    assert_eq!(r.status, 200, "{}", r.text);
}
