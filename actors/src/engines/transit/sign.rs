//! `sign/<name>[/<algorithm>]` and the signature half of `verify/`: one item or a batch, with
//! Vault's option checks and texts. Batches answer 200 whatever failed, as Vault's do.

use super::batch::Outcome;
use super::cipher::OpError;
use super::policy::Policy;
use super::signing::{self, Options, Salt};
use super::Transit;
use crate::logical::go_base64;
use crate::logical::{FieldData, Reply};
use crate::{CoreError, Response};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The hash, marshaling, salt and RSA scheme a sign or verify request asks for.
pub(super) fn options(d: &FieldData) -> Result<(Options, bool), CoreError> {
    let hash = ["urlalgorithm", "hash_algorithm", "algorithm"]
        .iter()
        .find_map(|n| d.str(n).filter(|s| !s.is_empty()))
        .unwrap_or("sha2-256")
        .to_string();
    if signing::hash(&hash, b"").is_none() {
        return Err(CoreError::invalid(format!("invalid hash algorithm {hash:?}")));
    }
    let marshaling = d.str_or_default("marshaling_algorithm");
    let jws = match marshaling.as_str() {
        "asn1" => false,
        "jws" => true,
        other => return Err(CoreError::invalid(format!("invalid marshaling type {other:?}"))),
    };
    let salt = match d.str("salt_length") {
        Some(text) => Salt::parse(text).map_err(CoreError::invalid)?,
        None => Salt::Auto,
    };
    let rsa_algorithm = d.str_or_default("signature_algorithm");
    let prehashed = d.bool_or_default("prehashed");
    if hash == "none" && (!prehashed || rsa_algorithm != "pkcs1v15") {
        return Err(CoreError::invalid(
            "hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15",
        ));
    }
    Ok((Options { hash, jws, salt, rsa_algorithm }, prehashed))
}

/// An item's input, decoded and hashed as the key type signs it.
fn message(p: &Policy, o: &Options, prehashed: bool, item: &Value) -> Result<(Vec<u8>, Vec<u8>), OpError> {
    let input = item.get("input").and_then(Value::as_str).ok_or_else(|| OpError::User("missing input".into()))?;
    let input =
        go_base64::decode(input).map_err(|e| OpError::User(format!("unable to decode input as base64: {e}")))?;
    let input = if p.kind.hashes_signature_input() && !prehashed {
        signing::hash(&o.hash, &input).unwrap_or(input)
    } else {
        input
    };
    let context = match item.get("context").and_then(Value::as_str).filter(|c| !c.is_empty()) {
        Some(c) => go_base64::decode(c).map_err(|_| OpError::User("failed to base64-decode context".into()))?,
        None => Vec::new(),
    };
    Ok((input, context))
}

fn sign_item(p: &Policy, version: i64, o: &Options, prehashed: bool, item: &Value) -> Outcome {
    let (input, context) = message(p, o, prehashed, item)?;
    let signed = signing::sign(p, version, &context, &input, o)?;
    let mut m = Map::new();
    m.insert("signature".into(), json!(signed.signature));
    m.insert("key_version".into(), json!(if version == 0 { p.latest_version } else { version }));
    if let Some(public) = signed.public_key {
        m.insert("public_key".into(), json!(STANDARD.encode(public)));
    }
    Ok(m)
}

fn verify_item(p: &Policy, o: &Options, prehashed: bool, item: &Value) -> Outcome {
    let (input, context) = message(p, o, prehashed, item)?;
    let signature =
        item.get("signature").and_then(Value::as_str).ok_or_else(|| OpError::User("missing signature".into()))?;
    let valid = signing::verify(p, &context, &input, signature, o)?;
    Ok(Map::from_iter([("valid".to_string(), json!(valid))]))
}

/// The request's items: its `batch_input`, or one built from the top-level fields.
fn items(d: &FieldData, fields: &[&str]) -> Result<(Vec<Value>, bool), CoreError> {
    if let Some(raw) = d.list("batch_input") {
        if raw.is_empty() {
            return Err(CoreError::invalid("missing batch input to process"));
        }
        return Ok((raw.to_vec(), true));
    }
    let mut item = Map::new();
    item.insert("input".into(), json!(d.str_or_default("input")));
    for f in fields {
        if let Some(v) = d.str(f) {
            item.insert((*f).into(), json!(v));
        }
    }
    Ok((vec![Value::Object(item)], false))
}

/// A batch's results; a batch of signatures names the derived key `publickey`, as Vault does.
fn batch_answer(items: &[Value], outcomes: Vec<Outcome>, base: &[(&str, Value)]) -> Reply {
    let results: Vec<Value> = items
        .iter()
        .zip(outcomes)
        .map(|(item, outcome)| {
            let mut m: Map<String, Value> = base.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            match outcome {
                Ok(fields) => {
                    for (k, v) in fields {
                        m.insert(if k == "public_key" { "publickey".into() } else { k }, v);
                    }
                }
                Err(e) => {
                    m.insert("error".into(), json!(e.message()));
                }
            }
            let reference = item.get("reference").and_then(Value::as_str).unwrap_or_default();
            m.insert("reference".into(), json!(reference));
            Value::Object(m)
        })
        .collect();
    Ok(Some(Response::with_data(Map::from_iter([("batch_results".to_string(), Value::Array(results))]))))
}

/// Runs `op` over the items, a large batch across the runtime's threads (RSA costs ~1 ms each).
async fn run<F>(p: Arc<Policy>, items: Vec<Value>, op: F) -> (Vec<Value>, Vec<Outcome>)
where
    F: Fn(&Policy, &Value) -> Outcome + Send + Sync + Clone + 'static,
{
    const PER_TASK: usize = 16;
    if items.len() <= PER_TASK {
        let outcomes = items.iter().map(|i| op(&p, i)).collect();
        return (items, outcomes);
    }
    let items = Arc::new(items);
    let mut tasks = Vec::new();
    for start in (0..items.len()).step_by(PER_TASK) {
        let (p, items, op) = (p.clone(), items.clone(), op.clone());
        tasks.push(tokio::task::spawn_blocking(move || {
            items[start..(start + PER_TASK).min(items.len())].iter().map(|i| op(&p, i)).collect::<Vec<_>>()
        }));
    }
    let mut outcomes = Vec::with_capacity(items.len());
    for task in tasks {
        match task.await {
            Ok(part) => outcomes.extend(part),
            Err(e) => {
                outcomes.extend((0..PER_TASK).map(|_| Err(OpError::Internal(format!("batch worker failed: {e}")))))
            }
        }
    }
    outcomes.truncate(items.len());
    (Arc::try_unwrap(items).unwrap_or_else(|a| (*a).clone()), outcomes)
}

impl Transit {
    pub(super) async fn sign(&self, _: &crate::Request, d: &FieldData) -> Reply {
        let (o, prehashed) = options(d)?;
        let p = self.policy(&d.str_or_default("name")).await?;
        let p = p.ok_or_else(|| CoreError::invalid("signing key not found"))?;
        if !p.kind.supports_signing() {
            return Err(CoreError::invalid(format!("key type {} does not support signing", p.kind.name())));
        }
        let version = d.int_or_default("key_version");
        let (items, is_batch) = items(d, &["context"])?;
        let (items, outcomes) = run(p, items, move |p, item| sign_item(p, version, &o, prehashed, item)).await;
        if is_batch {
            return batch_answer(&items, outcomes, &[("key_version", json!(0))]);
        }
        super::batch::single(outcomes.into_iter().next().unwrap_or(Err(OpError::Internal("no result".into()))))
    }

    /// `verify/` with `signature`s (the caller checked every item carries one).
    pub(super) async fn verify_signatures(&self, d: &FieldData) -> Reply {
        let (o, prehashed) = options(d)?;
        let p = self.policy(&d.str_or_default("name")).await?;
        let p = p.ok_or_else(|| CoreError::invalid("signature verification key not found"))?;
        if !p.kind.supports_signing() {
            return Err(CoreError::invalid(format!("key type {} does not support verification", p.kind.name())));
        }
        let (items, is_batch) = items(d, &["signature", "context"])?;
        let (items, outcomes) = run(p, items, move |p, item| verify_item(p, &o, prehashed, item)).await;
        if is_batch {
            return batch_answer(&items, outcomes, &[("valid", json!(false))]);
        }
        super::batch::single(outcomes.into_iter().next().unwrap_or(Err(OpError::Internal("no result".into()))))
    }
}
