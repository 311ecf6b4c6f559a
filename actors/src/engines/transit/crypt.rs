//! `encrypt/`, `decrypt/`, `rewrap/` and `datakey/`: one item or a batch, each item with its
//! own result or error, as Vault answers them. Encrypt creates a missing key (Vault's upsert:
//! the ACL asked for `create` through the path's existence check).

use super::batch::{self, Item, Outcome};
use super::cipher::{self, OpError};
use super::keys::new_policy;
use super::policy::Policy;
use super::Transit;
use crate::logical::go_base64;
use crate::logical::{FieldData, Reply};
use crate::{CoreError, Request};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The request's items: its `batch_input`, or one item from its top-level fields.
fn items(d: &FieldData, input: &str, missing: &str) -> Result<(Vec<Item>, bool), CoreError> {
    if let Some(raw) = d.list("batch_input") {
        if raw.is_empty() {
            return Err(CoreError::invalid("missing batch input to process"));
        }
        return Ok((batch::decode(raw, input, missing)?, true));
    }
    let Some(value) = d.str(input) else {
        return Err(CoreError::invalid(missing));
    };
    let item = Item {
        input: Some(value.to_string()),
        context: d.str_or_default("context"),
        key_version: d.int_or_default("key_version"),
        associated_data: d.str_or_default("associated_data"),
        reference: String::new(),
    };
    Ok((vec![item], false))
}

fn b64(text: &str) -> Result<Vec<u8>, OpError> {
    go_base64::decode(text).map_err(OpError::User)
}

fn aad(item: &Item) -> Result<Vec<u8>, OpError> {
    go_base64::decode(&item.associated_data)
        .map_err(|e| OpError::Internal(format!("unable to get associated_data/additional_data from factory[0]: {e}")))
}

fn encrypt_item(p: &Policy, item: &Item) -> Outcome {
    let plaintext = b64(item.input.as_deref().unwrap_or_default())?;
    let context = b64(&item.context)?;
    let ciphertext = cipher::encrypt(p, item.key_version, &context, &plaintext, &aad(item)?)?;
    let version = if item.key_version == 0 { p.latest_version } else { item.key_version };
    let mut m = Map::new();
    m.insert("ciphertext".into(), json!(ciphertext));
    m.insert("key_version".into(), json!(version));
    Ok(m)
}

fn decrypt_item(p: &Policy, item: &Item) -> Outcome {
    let ciphertext = item.input.as_deref().unwrap_or_default();
    if ciphertext.is_empty() {
        return Err(OpError::User("missing ciphertext to decrypt".into()));
    }
    let context = b64(&item.context)?;
    let plaintext = cipher::decrypt(p, &context, ciphertext, &aad(item)?)?;
    let mut m = Map::new();
    m.insert("plaintext".into(), json!(STANDARD.encode(&plaintext[..])));
    Ok(m)
}

fn rewrap_item(p: &Policy, item: &Item) -> Outcome {
    let ciphertext = item.input.as_deref().unwrap_or_default();
    if ciphertext.is_empty() {
        return Err(OpError::User("missing ciphertext to decrypt".into()));
    }
    let context = b64(&item.context)?;
    let plaintext = cipher::decrypt(p, &context, ciphertext, b"")?;
    let ciphertext = cipher::encrypt(p, item.key_version, &context, &plaintext, b"")?;
    let version = if item.key_version == 0 { p.latest_version } else { item.key_version };
    let mut m = Map::new();
    m.insert("ciphertext".into(), json!(ciphertext));
    m.insert("key_version".into(), json!(version));
    Ok(m)
}

/// Runs `op` over every item; a large batch is split across the runtime's threads.
async fn run_items(p: Arc<Policy>, items: Arc<Vec<Item>>, op: fn(&Policy, &Item) -> Outcome) -> Vec<Outcome> {
    const PER_TASK: usize = 64;
    if items.len() <= PER_TASK {
        return items.iter().map(|i| op(&p, i)).collect();
    }
    let mut tasks = Vec::new();
    for start in (0..items.len()).step_by(PER_TASK) {
        let (p, items) = (p.clone(), items.clone());
        tasks.push(tokio::task::spawn_blocking(move || {
            items[start..(start + PER_TASK).min(items.len())].iter().map(|i| op(&p, i)).collect::<Vec<_>>()
        }));
    }
    let mut out = Vec::with_capacity(items.len());
    for task in tasks {
        match task.await {
            Ok(part) => out.extend(part),
            Err(e) => {
                return items.iter().map(|_| Err(OpError::Internal(format!("batch worker failed: {e}")))).collect()
            }
        }
    }
    out
}

/// A single request's outcome, or the batch's answer.
fn answer(
    items: &[Item],
    is_batch: bool,
    outcomes: Vec<Outcome>,
    always_present: Option<&str>,
    partial_failure_code: Option<i64>,
    status_on_error: bool,
) -> Reply {
    if !is_batch {
        return batch::single(outcomes.into_iter().next().unwrap_or(Err(OpError::Internal("no result".into()))));
    }
    batch::respond(items, outcomes, always_present, partial_failure_code, status_on_error)
}

fn partial_code(d: &FieldData) -> Option<i64> {
    d.int("partial_failure_response_code")
}

impl Transit {
    /// The encrypt path's existence check: a write to a missing key needs `create`.
    pub(super) async fn key_exists(&self, _: &Request, d: &FieldData) -> Result<bool, CoreError> {
        Ok(self.policy(&d.str_or_default("name")).await?.is_some())
    }

    pub(super) async fn encrypt(&self, _: &Request, d: &FieldData) -> Reply {
        self.encrypt_with(d, false).await
    }

    /// Encrypt to a key the existence check did not find (the ACL allowed `create`).
    pub(super) async fn encrypt_creating(&self, _: &Request, d: &FieldData) -> Reply {
        self.encrypt_with(d, true).await
    }

    async fn encrypt_with(&self, d: &FieldData, create: bool) -> Reply {
        let (items, is_batch) = items(d, "plaintext", "missing plaintext to encrypt")?;
        batch::check_contexts(&items)?;
        let name = d.str_or_default("name");
        let p = match self.policy(&name).await? {
            Some(p) => p,
            None if create && !self.upsert_disabled().await? => self.upsert(&name, d, &items).await?,
            None => return Err(CoreError::invalid("encryption key not found")),
        };
        let items = Arc::new(items);
        let outcomes = run_items(p, items.clone(), encrypt_item).await;
        answer(&items, is_batch, outcomes, None, partial_code(d), true)
    }

    /// Creates the key an encrypt names, with the request's `type` and `convergent_encryption`.
    async fn upsert(&self, name: &str, d: &FieldData, items: &[Item]) -> Result<Arc<Policy>, CoreError> {
        let derived = items.first().is_some_and(|i| !i.context.is_empty());
        let convergent = d.bool_or_default("convergent_encryption");
        if convergent && !derived {
            return Err(CoreError::invalid(
                "convergent encryption requires derivation to be enabled, so context is required",
            ));
        }
        let kind = d.str_or_default("type");
        if kind.starts_with("ecdsa-") || kind == "ed25519" || kind == "hmac" {
            return Err(CoreError::invalid(format!("key type {kind} not supported for this operation")));
        }
        let p = new_policy(name, &kind, derived, convergent, 0)?;
        let _guard = self.lock(name).await;
        if let Some(existing) = self.policy(name).await? {
            return Ok(existing);
        }
        let p = self.add_version(p).await?;
        self.save(p).await
    }

    pub(super) async fn decrypt(&self, _: &Request, d: &FieldData) -> Reply {
        let (items, is_batch) = items(d, "ciphertext", "missing ciphertext to decrypt")?;
        batch::check_contexts(&items)?;
        let p = self.policy(&d.str_or_default("name")).await?;
        let p = p.ok_or_else(|| CoreError::invalid("encryption key not found"))?;
        let items = Arc::new(items);
        let outcomes = run_items(p, items.clone(), decrypt_item).await;
        answer(&items, is_batch, outcomes, Some("plaintext"), partial_code(d), true)
    }

    pub(super) async fn rewrap(&self, _: &Request, d: &FieldData) -> Reply {
        let (items, is_batch) = items(d, "ciphertext", "missing ciphertext to decrypt")?;
        batch::check_contexts(&items)?;
        let p = self.policy(&d.str_or_default("name")).await?;
        let p = p.ok_or_else(|| CoreError::invalid("encryption key not found"))?;
        let items = Arc::new(items);
        let outcomes = run_items(p, items.clone(), rewrap_item).await;
        answer(&items, is_batch, outcomes, None, None, false)
    }

    /// `datakey/plaintext|wrapped/<name>`: a new random key, returned encrypted with the named
    /// key (and in clear for `plaintext`).
    pub(super) async fn datakey(&self, _: &Request, d: &FieldData) -> Reply {
        let context = go_base64::decode(&d.str_or_default("context"))
            .map_err(|_| CoreError::invalid("failed to base64-decode context"))?;
        let bits = d.int_or_default("bits");
        if ![128, 256, 512].contains(&bits) {
            return Err(CoreError::invalid("invalid bit length"));
        }
        let plaintext = match d.str_or_default("plaintext").as_str() {
            "plaintext" => true,
            "wrapped" => false,
            _ => return Err(CoreError::invalid("Invalid path, must be 'plaintext' or 'wrapped'")),
        };
        let p = self.policy(&d.str_or_default("name")).await?;
        let p = p.ok_or_else(|| CoreError::invalid("encryption key not found"))?;
        let new_key = zeroize::Zeroizing::new(super::policy::random_bytes(usize::try_from(bits / 8).unwrap_or(32)));
        let encoded = zeroize::Zeroizing::new(STANDARD.encode(&new_key[..]));
        let version = d.int_or_default("key_version");
        let ciphertext = match cipher::encrypt(&p, version, &context, &new_key, b"") {
            Ok(c) => c,
            Err(OpError::User(m)) => return Err(CoreError::invalid(m)),
            Err(OpError::Internal(m)) => return Err(CoreError::internal(m).listed()),
        };
        let mut m = Map::new();
        m.insert("ciphertext".into(), json!(ciphertext));
        m.insert("key_version".into(), json!(if version == 0 { p.latest_version } else { version }));
        if plaintext {
            m.insert("plaintext".into(), Value::String(encoded.to_string()));
        }
        Ok(Some(crate::Response::with_data(m)))
    }
}
