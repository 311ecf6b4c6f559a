//! The root-key ceremonies on one durable node, as operators run them: unseal key shares and
//! root tokens encrypted to operators' PGP keys (made and opened by the real `gpg`), rekey to a
//! new share set (with backup and verification), generate-root with an OTP and with PGP, bad
//! and duplicate shares refused with Vault's texts, and kill -9 in the middle of a rekey.

use serde_json::{json, Value};
use std::time::Duration;
use strongbox_cluster_tests::cli::{row, table_rows, Cli};
use strongbox_cluster_tests::gpg::Gpg;
use strongbox_cluster_tests::http::Client;
use strongbox_cluster_tests::{Node, NodeConfig};

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default()
}

/// Enters `keys` into `sys/rekey/update` until the rekey completes; returns the last reply.
fn must_rekey_with(c: &Client, nonce: &str, keys: &[String]) -> Value {
    for key in keys {
        let r = c.must_status(200, "PUT", "sys/rekey/update", Some(&json!({"key": key, "nonce": nonce})));
        if r.json["complete"] == json!(true) {
            return r.json;
        }
    }
    panic!("the rekey did not complete with {} keys", keys.len());
}

/// Seals with `root` and checks the node opens with `new` but not with `old`.
fn must_only_open_with(node: &Node, root: &str, old: &[String], new: &[String]) {
    node.must_seal(root);
    let mut last = None;
    for key in old {
        let r = node.try_unseal_key(key).expect("sys/unseal");
        if r.status != 200 {
            last = Some(r);
            break;
        }
        assert_eq!(r.json["sealed"], json!(true), "the old shares opened the node: {}", r.text);
    }
    if let Some(r) = last {
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.text.contains("unable to retrieve stored keys"), "{}", r.text);
    }
    node.client().must_ok("PUT", "sys/unseal", Some(&json!({"reset": true})));
    node.must_unseal(new);
}

#[test]
fn shares_and_root_tokens_encrypted_to_pgp_keys_open_with_gpg() {
    let gpg = Gpg::new();
    let ops: Vec<String> = (0..3).map(|i| gpg.generate(&format!("operator{i}@example.com"), i != 1)).collect();
    let node = Node::must_start(NodeConfig::rocksdb());
    let c = node.client();

    // operator init -pgp-keys / -root-token-pgp-key, with armored key files as operators have.
    let cli = Cli::new(&node.url());
    let files: Vec<String> = ops
        .iter()
        .enumerate()
        .map(|(i, fpr)| {
            let path = cli.home().join(format!("op{i}.asc"));
            gpg.export_armored(fpr, &path);
            path.display().to_string()
        })
        .collect();
    let out = cli.must_run(&[
        "operator",
        "init",
        "-key-shares=3",
        "-key-threshold=2",
        &format!("-pgp-keys={}", files.join(",")),
        &format!("-root-token-pgp-key={}", files[0]),
        "-format=json",
    ]);
    let init = out.must_json();
    let shares: Vec<String> =
        strings(&init["unseal_keys_b64"]).iter().map(|m| gpg.decrypt_b64(m).trim().to_string()).collect();
    assert_eq!(shares.len(), 3);
    assert!(shares.iter().all(|s| s.len() == 66 && hex_ok(s)), "gpg opened hex shares: {shares:?}");
    let root = gpg.decrypt_b64(init["root_token"].as_str().expect("root token"));
    assert!(root.starts_with("hvs.") && root.len() == 28, "{root}");
    node.must_unseal(&shares[..2]);
    c.with_token(&root).must_ok("GET", "auth/token/lookup-self", None);

    // A rekey to two operators' keys, with a backup of the encrypted shares.
    let body = json!({"secret_shares": 2, "secret_threshold": 2, "backup": true,
        "pgp_keys": [gpg.public_b64(&ops[1]), gpg.public_b64(&ops[2])]});
    let started = c.must_status(200, "PUT", "sys/rekey/init", Some(&body)).json;
    assert_eq!(strings(&started["pgp_fingerprints"]), vec![ops[1].clone(), ops[2].clone()]);
    assert_eq!(started["backup"], json!(true));
    let done = must_rekey_with(&c, started["nonce"].as_str().expect("nonce"), &shares);
    assert_eq!(strings(&done["pgp_fingerprints"]), vec![ops[1].clone(), ops[2].clone()]);
    let new: Vec<String> =
        strings(&done["keys_base64"]).iter().map(|m| gpg.decrypt_b64(m).trim().to_string()).collect();
    let backup = c.with_token(&root).must_status(200, "GET", "sys/rekey/backup", None).json;
    assert_eq!(backup["data"]["nonce"], started["nonce"]);
    assert_eq!(strings(&backup["data"]["keys"][&ops[1]]), vec![strings(&done["keys"])[0].clone()]);
    must_only_open_with(&node, &root, &shares, &new);
    c.with_token(&root).must_status(204, "DELETE", "sys/rekey/backup", None);
    let gone = c.with_token(&root).must_status(400, "GET", "sys/rekey/backup", None);
    assert_eq!(gone.errors(), vec!["no backed-up keys found"]);

    // operator generate-root -init -pgp-key: the new root token opens with gpg.
    let cli = cli.token(&root);
    let out = cli.must_run(&["operator", "generate-root", "-init", &format!("-pgp-key={}", files[2])]);
    let rows = columns(&out.stdout);
    assert_eq!(row(&rows, "PGP Fingerprint"), ops[2]);
    let nonce = row(&rows, "Nonce").to_string();
    cli.must_run(&["operator", "generate-root", &format!("-nonce={nonce}"), &new[0]]);
    let out = cli.must_run(&["operator", "generate-root", &format!("-nonce={nonce}"), &new[1]]);
    let rows = columns(&out.stdout);
    assert_eq!(row(&rows, "Complete"), "true", "{}", out.stdout);
    let token = gpg.decrypt_b64(row(&rows, "Encoded Token"));
    let me = c.with_token(&token).must_status(200, "GET", "auth/token/lookup-self", None).json;
    assert_eq!(me["data"]["policies"], json!(["root"]));
    assert_eq!(me["data"]["path"], json!("auth/token/root"));
}

/// `operator generate-root` prints `Name   value` rows without a header, as Vault's does.
fn columns(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect()
}

fn hex_ok(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn otp_root_generation_and_verified_rekey_through_the_cli() {
    let node = Node::must_start(NodeConfig::rocksdb());
    let (keys, root) = node.must_init(3, 2);
    node.must_unseal(&keys);
    let cli = Cli::new(&node.url()).token(&root);

    // The OTP flow: -generate-otp, -init -otp, the shares, -decode.
    let otp = cli.must_run(&["operator", "generate-root", "-generate-otp"]).stdout;
    assert_eq!(otp.len(), 28, "{otp:?}");
    let rows = columns(&cli.must_run(&["operator", "generate-root", "-init", &format!("-otp={otp}")]).stdout);
    assert_eq!(row(&rows, "OTP Length"), "28");
    let nonce = row(&rows, "Nonce").to_string();
    cli.must_run(&["operator", "generate-root", &format!("-nonce={nonce}"), &keys[0]]);
    let again = cli.must_exit(2, &["operator", "generate-root", &format!("-nonce={nonce}"), &keys[0]]);
    assert!(again.stderr.contains("given key has already been provided during this generation operation"), "{again:?}");
    let wrong = cli.must_exit(2, &["operator", "generate-root", "-nonce=nope", &keys[1]]);
    assert!(wrong.stderr.contains("incorrect nonce supplied"), "{wrong:?}");
    let rows = columns(&cli.must_run(&["operator", "generate-root", &format!("-nonce={nonce}"), &keys[1]]).stdout);
    let encoded = row(&rows, "Encoded Token").to_string();
    let token =
        cli.must_run(&["operator", "generate-root", &format!("-decode={encoded}"), &format!("-otp={otp}")]).stdout;
    node.client().with_token(&token).must_ok("GET", "auth/token/lookup-self", None);

    // A rekey that must be verified: until then the old shares stay the valid ones.
    let out = cli.must_run(&["operator", "rekey", "-init", "-key-shares=4", "-key-threshold=3", "-verify"]);
    let nonce = row(&table_rows(&out.stdout), "Nonce").to_string();
    cli.must_run(&["operator", "rekey", &format!("-nonce={nonce}"), &keys[0]]);
    let out = cli.must_run(&["operator", "rekey", "-format=json", &format!("-nonce={nonce}"), &keys[2]]);
    let done = out.must_json();
    assert_eq!(done["verification_required"], json!(true));
    let new = strings(&done["keys"]);
    assert_eq!(new.len(), 4);
    let vnonce = done["verification_nonce"].as_str().expect("verification nonce").to_string();
    // Cancelling the verification gives a new nonce; the old one is refused.
    let restarted = node.client().must_status(200, "DELETE", "sys/rekey/verify", None).json;
    assert_ne!(restarted["nonce"].as_str(), Some(vnonce.as_str()));
    let vnonce = restarted["nonce"].as_str().expect("nonce").to_string();
    // Shares of the new set but not enough distinct ones: duplicates are refused.
    cli.must_run(&["operator", "rekey", "-verify", &format!("-nonce={vnonce}"), &new[0]]);
    let dup = cli.must_exit(2, &["operator", "rekey", "-verify", &format!("-nonce={vnonce}"), &new[0]]);
    assert!(dup.stderr.contains("given key has already been provided during this verify operation"), "{dup:?}");
    cli.must_run(&["operator", "rekey", "-verify", &format!("-nonce={vnonce}"), &new[1]]);
    let out = cli.must_run(&["operator", "rekey", "-verify", &format!("-nonce={vnonce}"), &new[3]]);
    assert!(out.stdout.contains("Rekey verification successful."), "{out:?}");
    must_only_open_with(&node, &root, &keys, &new[1..]);
    let status = node.client().must_get("sys/seal-status").json;
    assert_eq!((status["t"].clone(), status["n"].clone()), (json!(3), json!(4)));
}

#[test]
fn wrong_shares_and_cancelled_ceremonies_leave_the_old_keys_valid() {
    let node = Node::must_start(NodeConfig::rocksdb());
    let (keys, root) = node.must_init(3, 2);
    node.must_unseal(&keys);
    let other = Node::must_start(NodeConfig::inmem());
    let (foreign, _) = other.must_init(3, 2);
    let c = node.client();

    // Shares of another server combine to a key that opens nothing: refused, progress reset.
    let nonce = c
        .must_status(200, "PUT", "sys/rekey/init", Some(&json!({"secret_shares": 1, "secret_threshold": 1})))
        .json["nonce"]
        .as_str()
        .expect("nonce")
        .to_string();
    c.must_status(200, "PUT", "sys/rekey/update", Some(&json!({"key": foreign[0], "nonce": nonce})));
    // Vault answers this one with a 500.
    let r = c.must_status(500, "PUT", "sys/rekey/update", Some(&json!({"key": foreign[1], "nonce": nonce})));
    assert_eq!(
        r.errors(),
        vec!["failed to read root key: invalid key: failed to decrypt keys from storage: cipher: message authentication failed"]
    );
    let status = c.must_get("sys/rekey/init").json;
    assert_eq!((status["started"].clone(), status["progress"].clone()), (json!(true), json!(0)));
    let r = c.must_status(400, "PUT", "sys/rekey/init", Some(&json!({"secret_shares": 1, "secret_threshold": 1})));
    assert_eq!(r.errors(), vec!["rekey already in progress"]);
    let r = c.must_status(400, "PUT", "sys/rekey/update", Some(&json!({"key": "abcd", "nonce": nonce})));
    assert_eq!(r.errors(), vec!["key is shorter than minimum 16 bytes"]);
    c.must_status(200, "PUT", "sys/rekey/update", Some(&json!({"key": keys[0], "nonce": nonce})));
    c.must_status(204, "DELETE", "sys/rekey/init", None);
    assert_eq!(c.must_get("sys/rekey/init").json["started"], json!(false));
    let r = c.must_status(400, "PUT", "sys/rekey/update", Some(&json!({"key": keys[1], "nonce": nonce})));
    assert_eq!(r.errors(), vec!["no barrier rekey in progress"]);

    // The same for root generation.
    let otp = "BMjzW3wAsEzINXCM05Wbas3u9zSl";
    let r = c.must_status(400, "PUT", "sys/generate-root/attempt", Some(&json!({"otp": "short"})));
    assert_eq!(r.errors(), vec!["OTP string is wrong length"]);
    let gen = c.must_status(200, "PUT", "sys/generate-root/attempt", Some(&json!({"otp": otp}))).json;
    let gnonce = gen["nonce"].as_str().expect("nonce");
    let r = c.must_status(400, "PUT", "sys/generate-root/attempt", Some(&json!({"otp": otp})));
    assert_eq!(r.errors(), vec!["root generation already in progress"]);
    c.must_status(200, "PUT", "sys/generate-root/update", Some(&json!({"key": foreign[0], "nonce": gnonce})));
    let r = c.must_status(400, "PUT", "sys/generate-root/update", Some(&json!({"key": foreign[2], "nonce": gnonce})));
    assert_eq!(
        r.errors(),
        vec!["root generation aborted: unable to authenticate: unable to retrieve stored keys: invalid key: failed to decrypt keys from storage: cipher: message authentication failed"]
    );
    assert_eq!(c.must_get("sys/generate-root/attempt").json["progress"], json!(0));
    c.must_status(204, "DELETE", "sys/generate-root/attempt", None);
    // Generated without an OTP: the server makes one and shows it once.
    let gen = c.must_status(200, "PUT", "sys/generate-root/attempt", Some(&json!({}))).json;
    assert_eq!(gen["otp"].as_str().map(str::len), Some(28), "{gen}");
    assert_eq!(c.must_get("sys/generate-root/attempt").json["otp"], json!(""));
    node.must_seal(&root);
    node.must_unseal(&keys[1..]);
    assert_eq!(c.must_get("sys/generate-root/attempt").json["started"], json!(false), "sealing ended it");
}

/// Unseals with the first `threshold` of `keys`; whether the node opened.
fn opens_with(node: &Node, keys: &[String], threshold: usize) -> bool {
    let c = node.client();
    let _ = c.try_request("PUT", "sys/unseal", Some(&json!({"reset": true})));
    keys.iter().take(threshold).all(|k| node.try_unseal_key(k).is_ok_and(|r| r.status == 200))
        && c.must_get("sys/seal-status").json["sealed"] == json!(false)
}

/// A rekey with verification, killed while the last new share goes in (the moment the new
/// key is installed): afterwards the node opens with the new shares if the client was told
/// the rekey completed, and with one of the two sets in any case. (Without verification the
/// new shares exist only in the reply, so a reply lost to a crash would lose them: that is
/// what verification is for.)
#[test]
fn kill_during_a_rekey_leaves_the_old_or_the_new_shares_valid() {
    let mut node = Node::must_start(NodeConfig::rocksdb());
    let (mut keys, root) = node.must_init(3, 2);
    node.must_unseal(&keys);
    for (round, delay_ms) in [0u64, 1, 3, 8, 30].into_iter().enumerate() {
        let c = node.client();
        let body = json!({"secret_shares": 3, "secret_threshold": 2, "require_verification": true});
        let nonce =
            c.must_status(200, "PUT", "sys/rekey/init", Some(&body)).json["nonce"].as_str().expect("nonce").to_string();
        let done = must_rekey_with(&c, &nonce, &keys);
        let new = strings(&done["keys"]);
        let vnonce = done["verification_nonce"].as_str().expect("verification nonce").to_string();
        c.must_status(200, "PUT", "sys/rekey/verify", Some(&json!({"key": new[0], "nonce": vnonce})));
        let last = json!({"key": new[1], "nonce": vnonce});
        let url = node.url();
        let sender = std::thread::spawn(move || {
            Client::new(&url, None).with_timeout(Duration::from_secs(5)).try_request(
                "PUT",
                "sys/rekey/verify",
                Some(&last),
            )
        });
        std::thread::sleep(Duration::from_millis(delay_ms));
        node.note(&format!("test: kill -9 during rekey verification, round {round}"));
        node.kill();
        let acked = matches!(sender.join().expect("sender thread"), Ok(r) if r.json["complete"] == json!(true));
        node.restart();
        let opened_new = opens_with(&node, &new, 2);
        if acked {
            assert!(opened_new, "round {round}: an acknowledged rekey was lost\n{}", node.log());
        }
        let opened = opened_new || opens_with(&node, &keys, 2);
        assert!(opened, "round {round}: the node opens with neither share set\n{}", node.log());
        println!("round {round}: kill after {delay_ms} ms; acknowledged {acked}; new shares valid {opened_new}");
        if opened_new {
            keys = new;
        }
        node.client().with_token(&root).must_ok("GET", "auth/token/lookup-self", None);
    }
}
