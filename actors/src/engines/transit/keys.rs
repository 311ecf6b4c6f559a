//! `keys/`: create, read, list, delete, `config`, `rotate` and `trim`, with Vault's checks in
//! Vault's order and its texts.

use super::asym;
use super::policy::{KeyEntry, KeyType, Policy, KDF_HKDF_SHA256};
use super::{store, Transit};
use crate::logical::{FieldData, Reply};
use crate::{CoreError, Request, Response};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Map, Value};

const HOUR: i64 = 3600;

fn name(d: &FieldData) -> String {
    d.str_or_default("name")
}

/// The body of a key read (Vault's `formatKeyPolicy` for the types this server makes).
pub(super) fn key_body(p: &Policy, context: &[u8]) -> Response {
    let mut m = Map::new();
    let t = p.kind;
    for (k, v) in [
        ("name", json!(p.name)),
        ("type", json!(t.name())),
        ("derived", json!(p.derived)),
        ("deletion_allowed", json!(p.deletion_allowed)),
        ("min_available_version", json!(p.min_available_version)),
        ("min_decryption_version", json!(p.min_decryption_version)),
        ("min_encryption_version", json!(p.min_encryption_version)),
        ("latest_version", json!(p.latest_version)),
        ("exportable", json!(p.exportable)),
        ("allow_plaintext_backup", json!(p.allow_plaintext_backup)),
        ("supports_encryption", json!(t.supports_encryption())),
        ("supports_decryption", json!(t.supports_encryption())),
        ("supports_derivation", json!(t.supports_derivation())),
        ("supports_signing", json!(t.supports_signing())),
        ("auto_rotate_period", json!(p.auto_rotate_seconds())),
        ("imported_key", json!(p.imported)),
    ] {
        m.insert(k.into(), v);
    }
    if p.key_size != 0 {
        m.insert("key_size".into(), json!(p.key_size));
    }
    if p.imported {
        m.insert("imported_key_allow_rotation".into(), json!(p.allow_imported_key_rotation));
    }
    if let Some(b) = &p.backup_info {
        m.insert("backup_info".into(), json!(b));
    }
    if let Some(r) = &p.restore_info {
        m.insert("restore_info".into(), json!(r));
    }
    if p.derived {
        let kdf = if p.kdf == KDF_HKDF_SHA256 { "hkdf_sha256" } else { "hmac-sha256-counter" };
        m.insert("kdf".into(), json!(kdf));
        if p.kdf != KDF_HKDF_SHA256 {
            m.insert("kdf_mode".into(), json!("hmac-sha256-counter"));
        }
        m.insert("convergent_encryption".into(), json!(p.convergent_encryption));
        if p.convergent_encryption {
            m.insert("convergent_encryption_version".into(), json!(p.convergent_version));
        }
    }
    if t.is_aead() {
        let versions: Map<String, Value> = p.keys.iter().map(|(v, e)| (v.clone(), json!(e.creation_time))).collect();
        m.insert("keys".into(), Value::Object(versions));
    } else if t.supports_signing() {
        let versions: Map<String, Value> =
            p.keys.iter().map(|(v, e)| (v.clone(), public_version(p, e, context))).collect();
        m.insert("keys".into(), Value::Object(versions));
    }
    Response::with_data(m)
}

/// An asymmetric version as a key read shows it: its public key, curve or size, creation time.
fn public_version(p: &Policy, e: &KeyEntry, context: &[u8]) -> Value {
    let name = match p.kind {
        KeyType::EcdsaP256 => "P-256",
        KeyType::EcdsaP384 => "P-384",
        KeyType::EcdsaP521 => "P-521",
        t => t.name(),
    };
    let public_key = match p.kind {
        KeyType::Ed25519 if p.derived && context.is_empty() => String::new(),
        KeyType::Ed25519 if p.derived => {
            asym::derived_ed25519(e, context).map(|k| STANDARD.encode(k.verifying_key().as_bytes())).unwrap_or_default()
        }
        t => asym::public_key_text(t, e).unwrap_or_default(),
    };
    json!({
        "name": name,
        "public_key": public_key,
        "certificate_chain": "",
        "creation_time": if e.time.starts_with("0001-") {
            crate::token_store::rfc3339_nano(chrono::DateTime::from_timestamp(e.creation_time, 0).unwrap_or_default())
        } else {
            e.time.clone()
        },
    })
}

/// Vault's checks on a new key's settings (`pathPolicyWrite` and the lock manager).
pub(super) fn new_policy(
    name: &str,
    kind: &str,
    derived: bool,
    convergent: bool,
    key_size: i64,
) -> Result<Policy, CoreError> {
    if !derived && convergent {
        return Err(CoreError::invalid("convergent encryption requires derivation to be enabled"));
    }
    let t = KeyType::from_name(kind).ok_or_else(|| CoreError::invalid(format!("unknown key type {kind}")))?;
    if key_size != 0 {
        if t != KeyType::Hmac {
            return Err(CoreError::invalid(format!("key_size is not valid for algorithm {}", t.name())));
        }
        if !(32..=512).contains(&key_size) {
            return Err(CoreError::invalid(format!("invalid key_size {key_size}")));
        }
    }
    // Only the AEAD types and Ed25519 derive keys; Ed25519 is never convergent.
    let fixed = t == KeyType::Hmac || t.is_rsa() || (t.supports_signing() && t != KeyType::Ed25519);
    let unsupported = |m: String| Err(CoreError::internal(m).listed());
    if t == KeyType::Ed25519 && convergent {
        return unsupported("convergent encryption not supported for keys of type ed25519".into());
    }
    if fixed && (derived || convergent) {
        return unsupported(format!(
            "key derivation and convergent encryption not supported for keys of type {}",
            t.name()
        ));
    }
    if t == KeyType::ManagedKey {
        return Err(CoreError::invalid(format!("unknown key type {kind}")));
    }
    let mut p = Policy { name: name.to_string(), kind: t, derived, key_size, ..Default::default() };
    if derived {
        p.kdf = KDF_HKDF_SHA256;
        if convergent {
            (p.convergent_encryption, p.convergent_version) = (true, -1);
        }
    }
    Ok(p)
}

impl Transit {
    pub(super) async fn list_keys(&self, _: &Request, _: &FieldData) -> Reply {
        let names = store::list(&self.view).await?;
        if names.is_empty() {
            return Err(CoreError::NotFound);
        }
        Ok(Some(Response::list(names)))
    }

    pub(super) async fn create_key(&self, _: &Request, d: &FieldData) -> Reply {
        let name = name(d);
        let period = d.int_or_default("auto_rotate_period");
        if period != 0 && period < HOUR {
            return Err(CoreError::invalid("auto rotate period must be 0 to disable or at least an hour"));
        }
        let mut p = new_policy(
            &name,
            &d.str_or_default("type"),
            d.bool_or_default("derived"),
            d.bool_or_default("convergent_encryption"),
            d.int_or_default("key_size"),
        )?;
        let _guard = self.lock(&name).await;
        // An existing key is left as it is and returned, as Vault does.
        if let Some(existing) = self.policy(&name).await? {
            return Ok(Some(key_body(&existing, b"")));
        }
        p.exportable = d.bool_or_default("exportable");
        p.allow_plaintext_backup = d.bool_or_default("allow_plaintext_backup");
        p.set_auto_rotate_seconds(period);
        let p = self.add_version(p).await?;
        let saved = self.save(p).await?;
        Ok(Some(key_body(&saved, b"")))
    }

    pub(super) async fn read_key(&self, _: &Request, d: &FieldData) -> Reply {
        match self.policy(&name(d)).await? {
            Some(p) => {
                let context = crate::logical::go_base64::decode(&d.str_or_default("context"))
                    .map_err(|_| CoreError::invalid("failed to base64-decode context"))?;
                Ok(Some(key_body(&p, &context)))
            }
            None => Ok(None),
        }
    }

    pub(super) async fn delete_key(&self, _: &Request, d: &FieldData) -> Reply {
        let name = name(d);
        let _guard = self.lock(&name).await;
        let why = match store::load(&self.view, &name).await? {
            None => "could not delete key; not found".to_string(),
            Some(p) if !p.deletion_allowed => "deletion is not allowed for this key".to_string(),
            Some(_) => {
                store::delete(&self.view, &name).await?;
                self.forget(&name);
                return Ok(None);
            }
        };
        Err(CoreError::invalid(format!("error deleting policy {name}: {why}")))
    }

    pub(super) async fn rotate_key(&self, _: &Request, d: &FieldData) -> Reply {
        let name = name(d);
        let _guard = self.lock(&name).await;
        let p = store::load(&self.view, &name).await?.ok_or_else(|| CoreError::invalid("key not found"))?;
        if p.imported && !p.allow_imported_key_rotation {
            return Err(
                CoreError::internal(format!("imported key {name} does not allow rotation within Vault")).listed()
            );
        }
        let mut p = self.add_version(p).await?;
        p.imported = false;
        let saved = self.save(p).await?;
        Ok(Some(key_body(&saved, b"")))
    }

    pub(super) async fn configure_key(&self, _: &Request, d: &FieldData) -> Reply {
        let name = name(d);
        let _guard = self.lock(&name).await;
        let Some(mut p) = store::load(&self.view, &name).await? else {
            return Err(CoreError::invalid(format!("no existing key named {name} could be found")));
        };
        let before = serde_json::to_vec(&p)?;
        let mut warning = None;
        if let Some(v) = d.int("min_decryption_version") {
            if v < 0 {
                return Err(CoreError::invalid("min decryption version cannot be negative"));
            }
            let v = if v == 0 {
                warning = Some("since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1");
                1
            } else {
                v
            };
            if v != p.min_decryption_version && v > p.latest_version {
                return Err(CoreError::invalid(format!(
                    "cannot set min decryption version of {v}, latest key version is {}",
                    p.latest_version
                )));
            }
            p.min_decryption_version = v;
        }
        if let Some(v) = d.int("min_encryption_version") {
            if v < 0 {
                return Err(CoreError::invalid("min encryption version cannot be negative"));
            }
            if v != p.min_encryption_version && v > p.latest_version {
                return Err(CoreError::invalid(format!(
                    "cannot set min encryption version of {v}, latest key version is {}",
                    p.latest_version
                )));
            }
            p.min_encryption_version = v;
        }
        if p.min_encryption_version > 0 && p.min_encryption_version < p.min_decryption_version {
            return Err(CoreError::invalid(format!("cannot set min encryption/decryption values; min encryption version of {} must be greater than or equal to min decryption version of {}", p.min_encryption_version, p.min_decryption_version)));
        }
        if let Some(b) = d.bool("deletion_allowed") {
            p.deletion_allowed = b;
        }
        // These two only ever turn on.
        p.exportable |= d.bool("exportable").unwrap_or(false);
        p.allow_plaintext_backup |= d.bool("allow_plaintext_backup").unwrap_or(false);
        if let Some(period) = d.int("auto_rotate_period") {
            if period != 0 && period < HOUR {
                return Err(CoreError::invalid("auto rotate period must be 0 to disable or at least an hour"));
            }
            p.set_auto_rotate_seconds(period);
        }
        let p = if serde_json::to_vec(&p)? == before {
            std::sync::Arc::new(p)
        } else {
            if p.min_available_version > p.min_encryption_version {
                return Err(CoreError::invalid("min encryption version should not be less than min available version"));
            }
            if p.min_available_version > p.min_decryption_version {
                return Err(CoreError::invalid("min decryption version should not be less then min available version"));
            }
            self.save(p).await?
        };
        let body = key_body(&p, b"");
        Ok(Some(match warning {
            Some(w) => body.warn(w),
            None => body,
        }))
    }

    pub(super) async fn trim_key(&self, _: &Request, d: &FieldData) -> Reply {
        let name = name(d);
        let _guard = self.lock(&name).await;
        let mut p = store::load(&self.view, &name).await?.ok_or_else(|| CoreError::invalid("invalid key name"))?;
        let v = d.int("min_available_version").ok_or_else(|| CoreError::invalid("missing min_available_version"))?;
        let refuse = |m: &str| Err(CoreError::invalid(m));
        if v < p.min_available_version {
            return refuse("minimum available version cannot be decremented");
        }
        if p.min_encryption_version == 0 {
            return refuse("minimum available version cannot be set when minimum encryption version is not set");
        }
        if p.min_decryption_version == 0 {
            return refuse("minimum available version cannot be set when minimum decryption version is not set");
        }
        if v > p.min_encryption_version {
            return refuse("minimum available version cannot be greater than minmum encryption version");
        }
        if v > p.min_decryption_version {
            return refuse("minimum available version cannot be greater than minimum decryption version");
        }
        if v < 0 {
            return refuse("minimum available version cannot be negative");
        }
        if v == 0 {
            return refuse("minimum available version should be positive");
        }
        p.min_available_version = v;
        let saved = self.save(p).await?;
        Ok(Some(key_body(&saved, b"")))
    }
}
