//! vault-benchmark's transit shapes (`target_secret_transit_{encrypt,decrypt,sign,verify}.go`):
//! transit mounted for the run, the key `test` of `--key-type` (vault-benchmark's default
//! rsa-2048), a random `payload_len`-byte input (128), and one request per operation; the
//! decrypt and verify shapes encrypt or sign that input in the setup. `--batch N` sends N items
//! in `batch_input` instead (encrypt and decrypt).

use base64::{engine::general_purpose::STANDARD, Engine};
use rand::RngCore;
use reqwest::Method;
use serde_json::{json, Value};

use crate::http::new_client;
use crate::shape::{base, json_200, leak, setup_call, Test};
use crate::Args;

const MOUNT: &str = "transit-bench";
const KEY: &str = "test";
const PAYLOAD_LEN: usize = 128;

/// Mounts transit, creates the key and returns the timed request's URL and body.
pub async fn prepare(args: &Args) -> Result<(String, &'static str), String> {
    let client = new_client().map_err(|e| e.to_string())?;
    let mount = format!("sys/mounts/{MOUNT}");
    setup_call(&client, args, Method::POST, &mount, Some(r#"{"type":"transit"}"#)).await?;
    let key = leak(json!({ "type": args.key_type }).to_string());
    setup_call(&client, args, Method::POST, &format!("{MOUNT}/keys/{KEY}"), Some(key)).await?;
    let mut payload = vec![0u8; PAYLOAD_LEN];
    rand::thread_rng().fill_bytes(&mut payload);
    let input = STANDARD.encode(&payload);
    let sign_options =
        json!({"hash_algorithm": "sha2-256", "signature_algorithm": "pss", "marshaling_algorithm": "asn1"});
    let batch = |items: Vec<Value>| json!({ "batch_input": items });
    let (op, body) = match args.test {
        Test::TransitEncrypt if args.batch > 0 => {
            ("encrypt", batch((0..args.batch).map(|_| json!({ "plaintext": input })).collect()))
        }
        Test::TransitEncrypt => ("encrypt", json!({ "plaintext": input })),
        Test::TransitDecrypt => {
            let body = leak(json!({ "plaintext": input }).to_string());
            let made = setup_call(&client, args, Method::POST, &format!("{MOUNT}/encrypt/{KEY}"), Some(body)).await?;
            let ciphertext = made["data"]["ciphertext"].as_str().ok_or("no data.ciphertext in the encrypt answer")?;
            if args.batch > 0 {
                ("decrypt", batch((0..args.batch).map(|_| json!({ "ciphertext": ciphertext })).collect()))
            } else {
                ("decrypt", json!({ "ciphertext": ciphertext }))
            }
        }
        Test::TransitSign => {
            let mut body = sign_options.clone();
            body["input"] = json!(input);
            ("sign", body)
        }
        Test::TransitVerify => {
            let mut body = sign_options.clone();
            body["input"] = json!(input);
            let request = leak(body.to_string());
            let made = setup_call(&client, args, Method::POST, &format!("{MOUNT}/sign/{KEY}"), Some(request)).await?;
            let signature = made["data"]["signature"].as_str().ok_or("no data.signature in the sign answer")?;
            body["signature"] = json!(signature);
            ("verify", body)
        }
        other => return Err(format!("{} is not a transit shape", other.name())),
    };
    eprintln!("loadgen: mounted {MOUNT}/ with the {} key {KEY}; {PAYLOAD_LEN}-byte input", args.key_type);
    Ok((format!("{}/v1/{MOUNT}/{op}/{KEY}", base(args)), leak(body.to_string())))
}

/// A success is a 200 whose data has the operation's result (every batch item's, none failed).
pub fn check(test: Test, status: u16, body: &[u8]) -> Result<(), String> {
    let resp = json_200(status, body)?;
    let field = match test {
        Test::TransitEncrypt => "ciphertext",
        Test::TransitDecrypt => "plaintext",
        Test::TransitSign => "signature",
        _ => "valid",
    };
    let good = |v: &Value| match field {
        "valid" => v["valid"] == json!(true),
        f => v[f].as_str().is_some_and(|s| !s.is_empty()) && v.get("error").is_none(),
    };
    let ok = match resp["data"]["batch_results"].as_array() {
        Some(items) => !items.is_empty() && items.iter().all(good),
        None => good(&resp["data"]),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("HTTP 200 without the expected {field}"))
    }
}
