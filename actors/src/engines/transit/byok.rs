//! Bring your own key, as Vault's transit: `wrapping_key` publishes the mount's RSA-4096
//! wrapping key (made on first read, stored as the key `import/wrapping-key`); `keys/<name>/import`
//! and `import_version` take key material wrapped as `RSA-OAEP(ephemeral AES-256 key) ‖
//! AES-KWP(key)` (CKM_RSA_AES_KEY_WRAP), or a PEM public key.

use super::import;
use super::keys::new_policy;
use super::policy::{random_bytes, KeyBytes, KeyEntry, KeyType, Policy};
use super::{asym, Transit};
use crate::logical::{FieldData, Reply};
use crate::{CoreError, Request, Response};
use aws_lc_rs::key_wrap::{AesKek, KeyWrapPadded, AES_256};
use aws_lc_rs::rsa::OaepAlgorithm;
use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Map};
use std::sync::Arc;
use zeroize::Zeroizing;

const WRAPPING_KEY: &str = "import/wrapping-key";
/// An RSA-4096 ciphertext: the wrapped ephemeral key's length.
const WRAPPED_KEY_LEN: usize = 512;

fn plain_error(m: impl std::fmt::Display) -> CoreError {
    CoreError::internal(m).listed()
}

/// `hash_function`: the OAEP hash the client wrapped the ephemeral key with.
fn oaep(name: &str) -> Result<&'static OaepAlgorithm, CoreError> {
    match name.to_ascii_uppercase().as_str() {
        "SHA1" => Ok(&aws_lc_rs::rsa::OAEP_SHA1_MGF1SHA1),
        "SHA256" => Ok(&aws_lc_rs::rsa::OAEP_SHA256_MGF1SHA256),
        "SHA384" => Ok(&aws_lc_rs::rsa::OAEP_SHA384_MGF1SHA384),
        "SHA512" => Ok(&aws_lc_rs::rsa::OAEP_SHA512_MGF1SHA512),
        // aws-lc-rs has no OAEP over SHA-224; Vault takes it.
        "SHA224" => Err(CoreError::invalid("hash function SHA224 is not supported by this server")),
        _ => Err(CoreError::invalid(format!("unknown hash function: {name}"))),
    }
}

/// A fresh version from imported material, with its own HMAC key (an HMAC key's is itself).
fn imported_entry(
    kind: KeyType,
    key: &[u8],
    private: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<KeyEntry, CoreError> {
    let mut e = import::entry(kind, key, private).map_err(plain_error)?;
    if kind != KeyType::Hmac {
        e.hmac_key = Some(KeyBytes(random_bytes(32)));
    }
    e.time = crate::token_store::rfc3339_nano(now);
    e.creation_time = now.timestamp();
    Ok(e)
}

fn push_version(p: &mut Policy, e: KeyEntry) {
    if p.kind == KeyType::Hmac {
        p.key_size = e.key.as_ref().map_or(0, |k| k.len() as i64);
    }
    p.latest_version += 1;
    p.keys.insert(p.latest_version.to_string(), e);
    if p.min_decryption_version == 0 {
        p.min_decryption_version = 1;
    }
}

impl Transit {
    /// The mount's wrapping key, made on first use.
    async fn wrapping_policy(&self) -> Result<Arc<Policy>, CoreError> {
        if let Some(p) = self.policy(WRAPPING_KEY).await? {
            return Ok(p);
        }
        let _guard = self.lock(WRAPPING_KEY).await;
        if let Some(p) = self.policy(WRAPPING_KEY).await? {
            return Ok(p);
        }
        let p = Policy { name: WRAPPING_KEY.into(), kind: KeyType::Rsa4096, ..Default::default() };
        let p = self.add_version(p).await?;
        self.save(p).await
    }

    pub(super) async fn read_wrapping_key(&self, _: &Request, _: &FieldData) -> Reply {
        let p = self.wrapping_policy().await?;
        let entry = p.entry(p.latest_version).ok_or_else(|| CoreError::internal("the wrapping key has no version"))?;
        let public = asym::export(p.kind, entry, "public-key").map_err(|e| CoreError::internal(e.message()))?;
        Ok(Some(Response::with_data(Map::from_iter([("public_key".to_string(), json!(public))]))))
    }

    /// The key material of an import request: unwrapped `ciphertext`, or `public_key`.
    async fn material(&self, d: &FieldData, kind: KeyType) -> Result<(Zeroizing<Vec<u8>>, bool), CoreError> {
        if !d.has("ciphertext") {
            if !import::public_import_supported(kind) {
                return Err(plain_error("provided type does not support public_key import"));
            }
            return Ok((Zeroizing::new(d.str_or_default("public_key").into_bytes()), false));
        }
        let algorithm = oaep(&d.str_or_default("hash_function"))?;
        let wrapped = STANDARD.decode(d.str_or_default("ciphertext")).map_err(plain_error)?;
        if wrapped.len() <= WRAPPED_KEY_LEN {
            return Err(plain_error("provided ciphertext is too short"));
        }
        let (wrapped_key, wrapped_target) = wrapped.split_at(WRAPPED_KEY_LEN);
        let p = self.wrapping_policy().await?;
        let entry = p.entry(p.latest_version).ok_or_else(|| CoreError::internal("the wrapping key has no version"))?;
        let ephemeral = asym::rsa_oaep_decrypt(p.kind, entry, algorithm, wrapped_key)
            .map_err(|_| plain_error("crypto/rsa: decryption error"))?;
        if ephemeral.len() != 32 {
            return Err(plain_error("expected ephemeral AES key to be 256-bit"));
        }
        let kek = AesKek::new(&AES_256, &ephemeral).map_err(plain_error)?;
        let mut out = Zeroizing::new(vec![0u8; wrapped_target.len()]);
        let n = kek.unwrap_with_padding(wrapped_target, &mut out).map_err(|_| plain_error("kwp: unwrap failed"))?.len();
        out.truncate(n);
        Ok((out, true))
    }

    pub(super) async fn import_key(&self, _: &Request, d: &FieldData) -> Reply {
        let name = d.str_or_default("name");
        if d.has("convergent_encryption") {
            return Err(plain_error("import cannot be used on keys with convergent encryption enabled"));
        }
        let period = d.int_or_default("auto_rotate_period");
        let allow_rotation = d.bool_or_default("allow_rotation");
        if period > 0 && !allow_rotation {
            return Err(plain_error("allow_rotation must be set to true if auto-rotation is enabled"));
        }
        let kind_name = d.str_or_default("type").to_ascii_lowercase();
        let kind = KeyType::from_name(&kind_name)
            .filter(|t| *t != KeyType::ManagedKey)
            .ok_or_else(|| CoreError::invalid(format!("unknown key type: {kind_name}")))?;
        let derived = d.bool_or_default("derived");
        let mut p = new_policy(&name, kind.name(), derived, false, 0)?;
        if self.policy(&name).await?.is_some() {
            return Err(plain_error(
                "the import path cannot be used with an existing key; use import-version to rotate an existing imported key",
            ));
        }
        let (key, private) = self.material(d, kind).await?;
        if kind == KeyType::Ed25519 && derived && !private {
            return Err(plain_error("unable to import only public key for derived Ed25519 key: imported key should not be an Ed25519 key pair but is instead an HKDF key"));
        }
        let entry = imported_entry(kind, &key, private, self.clock.now())?;
        let _guard = self.lock(&name).await;
        if self.policy(&name).await?.is_some() {
            return Err(plain_error("key already exists"));
        }
        p.exportable = d.bool_or_default("exportable");
        p.allow_plaintext_backup = d.bool_or_default("allow_plaintext_backup");
        p.set_auto_rotate_seconds(period);
        p.allow_imported_key_rotation = allow_rotation;
        p.imported = true;
        push_version(&mut p, entry);
        self.save(p).await?;
        Ok(None)
    }

    pub(super) async fn import_key_version(&self, _: &Request, d: &FieldData) -> Reply {
        let name = d.str_or_default("name");
        let Some(current) = self.policy(&name).await? else {
            return Err(plain_error(format!(
                "no key found with name {name}; to import a new key, use the import/ endpoint"
            )));
        };
        if !current.imported {
            return Err(plain_error("the import_version endpoint can only be used with an imported key"));
        }
        if current.convergent_encryption {
            return Err(plain_error("import_version cannot be used on keys with convergent encryption enabled"));
        }
        let (key, private) = self.material(d, current.kind).await?;
        let entry = imported_entry(current.kind, &key, private, self.clock.now())?;
        let _guard = self.lock(&name).await;
        let mut p = super::store::load(&self.view, &name).await?.ok_or_else(|| plain_error("key not found"))?;
        let kind = p.kind;
        // A version may be named (a public-only version gets its private half), and a private key
        // whose public half is the latest version's fills that version in.
        let target = match d.int("version") {
            Some(v) => {
                let existing = p.entry(v).ok_or_else(|| plain_error("invalid key version"))?;
                if !import::public_import_supported(kind) {
                    return Err(plain_error("provided type does not support importing key versions"));
                }
                let missing_private = existing.rsa_key.is_none() && existing.ec_d.is_none() && existing.key.is_none();
                if !missing_private {
                    return Err(plain_error("private key imported, key version cannot be updated"));
                }
                if !private {
                    return Err(plain_error(
                        "cannot add a public key to a key version that already has a public key set",
                    ));
                }
                Some(v)
            }
            None => {
                let latest = p.entry(p.latest_version);
                let fills = latest.is_some_and(|l| {
                    private
                        && l.rsa_key.is_none()
                        && l.ec_d.is_none()
                        && l.key.is_none()
                        && import::same_public(kind, l, &entry)
                });
                fills.then_some(p.latest_version)
            }
        };
        match target {
            Some(v) => {
                let existing = p.entry(v).ok_or_else(|| plain_error("invalid key version"))?;
                if !import::same_public(kind, existing, &entry) {
                    return Err(plain_error("cannot import key, key pair does not match"));
                }
                let mut filled = entry;
                filled.time = existing.time.clone();
                filled.creation_time = existing.creation_time;
                filled.hmac_key = existing.hmac_key.clone();
                p.keys.insert(v.to_string(), filled);
            }
            None => push_version(&mut p, entry),
        }
        self.save(p).await?;
        Ok(None)
    }
}
