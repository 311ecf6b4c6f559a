//! A transit key as Vault stores it (keysutil's `Policy` at `policy/<name>`, every version in
//! `archive/<name>`): the same JSON field names, type numbers and base64 byte strings, so a key
//! backed up from Vault restores here and the reverse.

use super::asym::Material;
use super::gojson::{GoBigInt, GoRsaPrivateKey, GoRsaPublicKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Vault's `KeyType` numbers (sdk/helper/keysutil); OpenBao numbers `hmac` 10 instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum KeyType {
    #[default]
    Aes256Gcm96,
    EcdsaP256,
    Ed25519,
    Rsa2048,
    Rsa4096,
    ChaCha20Poly1305,
    EcdsaP384,
    EcdsaP521,
    Aes128Gcm96,
    Rsa3072,
    ManagedKey,
    Hmac,
    /// A number this server does not know (a newer Vault's type).
    Other(i64),
}

const TYPES: &[(KeyType, i64, &str)] = &[
    (KeyType::Aes256Gcm96, 0, "aes256-gcm96"),
    (KeyType::EcdsaP256, 1, "ecdsa-p256"),
    (KeyType::Ed25519, 2, "ed25519"),
    (KeyType::Rsa2048, 3, "rsa-2048"),
    (KeyType::Rsa4096, 4, "rsa-4096"),
    (KeyType::ChaCha20Poly1305, 5, "chacha20-poly1305"),
    (KeyType::EcdsaP384, 6, "ecdsa-p384"),
    (KeyType::EcdsaP521, 7, "ecdsa-p521"),
    (KeyType::Aes128Gcm96, 8, "aes128-gcm96"),
    (KeyType::Rsa3072, 9, "rsa-3072"),
    (KeyType::ManagedKey, 10, "managed_key"),
    (KeyType::Hmac, 11, "hmac"),
];

impl KeyType {
    pub fn from_name(name: &str) -> Option<KeyType> {
        TYPES.iter().find(|(_, _, n)| *n == name).map(|(t, _, _)| *t)
    }

    pub fn name(self) -> &'static str {
        TYPES.iter().find(|(t, _, _)| *t == self).map_or("[unknown]", |(_, _, n)| n)
    }

    fn number(self) -> i64 {
        match self {
            KeyType::Other(n) => n,
            t => TYPES.iter().find(|(k, _, _)| *k == t).map_or(-1, |(_, n, _)| *n),
        }
    }

    fn from_number(n: i64) -> KeyType {
        TYPES.iter().find(|(_, k, _)| *k == n).map_or(KeyType::Other(n), |(t, _, _)| *t)
    }

    /// The AEAD types: encrypt, decrypt, derivation, per-version HMAC keys.
    pub fn is_aead(self) -> bool {
        matches!(self, KeyType::Aes128Gcm96 | KeyType::Aes256Gcm96 | KeyType::ChaCha20Poly1305)
    }

    pub fn supports_encryption(self) -> bool {
        self.is_aead() || matches!(self, KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 | KeyType::ManagedKey)
    }

    pub fn supports_signing(self) -> bool {
        matches!(
            self,
            KeyType::EcdsaP256
                | KeyType::EcdsaP384
                | KeyType::EcdsaP521
                | KeyType::Ed25519
                | KeyType::Rsa2048
                | KeyType::Rsa3072
                | KeyType::Rsa4096
                | KeyType::ManagedKey
        )
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096)
    }

    /// ECDSA and RSA sign a digest of the input; Ed25519 signs the input itself.
    pub fn hashes_signature_input(self) -> bool {
        self.supports_signing() && self != KeyType::Ed25519
    }

    pub fn supports_derivation(self) -> bool {
        self.is_aead() || self == KeyType::Ed25519
    }

    /// Bytes of an AEAD key.
    pub fn key_len(self) -> usize {
        if self == KeyType::Aes128Gcm96 {
            16
        } else {
            32
        }
    }
}

impl Serialize for KeyType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.number())
    }
}

impl<'de> Deserialize<'de> for KeyType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(KeyType::from_number(i64::deserialize(d)?))
    }
}

/// Go's `[]byte` in JSON: standard base64, `null` when nil.
mod b64 {
    use base64::{engine::general_purpose::STANDARD, Engine};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<super::KeyBytes>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_str(&STANDARD.encode(&bytes[..])),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<super::KeyBytes>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(text) => STANDARD.decode(text).map(|b| Some(super::KeyBytes(b))).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

/// Key bytes, wiped when dropped.
#[derive(Clone, Default, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct KeyBytes(pub Vec<u8>);

impl std::fmt::Debug for KeyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::ops::Deref for KeyBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// One version of a key.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyEntry {
    #[serde(with = "b64")]
    pub key: Option<KeyBytes>,
    #[serde(with = "b64")]
    pub hmac_key: Option<KeyBytes>,
    /// RFC 3339 with nanoseconds, as Go writes `time.Time`.
    pub time: String,
    /// ECDSA keys: the public point and the private scalar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec_x: Option<GoBigInt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec_y: Option<GoBigInt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec_d: Option<GoBigInt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsa_key: Option<GoRsaPrivateKey>,
    /// RSA keys whose private half was never imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsa_public_key: Option<GoRsaPublicKey>,
    /// PEM (ECDSA) or base64 (Ed25519) public key.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub public_key: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub convergent_version: i64,
    /// Unix seconds.
    pub creation_time: i64,
    /// The asymmetric material parsed on first use (kept while the policy is cached).
    #[serde(skip)]
    pub material: OnceLock<Result<Arc<Material>, String>>,
}

/// Go's zero `time.Time` (the archive's unused slot 0 carries it; Vault cannot parse "").
impl Default for KeyEntry {
    fn default() -> Self {
        KeyEntry {
            key: None,
            hmac_key: None,
            time: "0001-01-01T00:00:00Z".into(),
            ec_x: None,
            ec_y: None,
            ec_d: None,
            rsa_key: None,
            rsa_public_key: None,
            public_key: String::new(),
            convergent_version: 0,
            creation_time: 0,
            material: OnceLock::new(),
        }
    }
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry").field("key", &"[redacted]").field("creation_time", &self.creation_time).finish()
    }
}

/// When a key was last backed up or restored, and at which version.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct VersionTime {
    pub time: String,
    pub version: i64,
}

/// A key: its versions from `min_decryption_version` to `latest_version` and its settings.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub name: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub key_size: i64,
    /// Version number (as a string, sorted as Go sorts map keys) to key material.
    pub keys: BTreeMap<String, KeyEntry>,
    pub derived: bool,
    /// 0: NIST SP 800-108 counter mode (keys from before Vault 0.6), 1: HKDF-SHA256.
    pub kdf: i64,
    pub convergent_encryption: bool,
    pub exportable: bool,
    pub min_decryption_version: i64,
    pub min_encryption_version: i64,
    pub latest_version: i64,
    pub archive_version: i64,
    pub archive_min_version: i64,
    pub min_available_version: i64,
    pub deletion_allowed: bool,
    /// -1 for convergent keys made since Vault 0.9 (each version then carries its own).
    pub convergent_version: i64,
    #[serde(rename = "type")]
    pub kind: KeyType,
    pub backup_info: Option<VersionTime>,
    pub restore_info: Option<VersionTime>,
    pub allow_plaintext_backup: bool,
    pub version_template: String,
    pub storage_prefix: String,
    /// Nanoseconds (Go's `time.Duration`); 0 never rotates.
    pub auto_rotate_period: i64,
    #[serde(rename = "Imported")]
    pub imported: bool,
    #[serde(rename = "AllowImportedKeyRotation")]
    pub allow_imported_key_rotation: bool,
}

pub const KDF_HKDF_SHA256: i64 = 1;
const NANOS: i64 = 1_000_000_000;

impl Policy {
    pub fn entry(&self, version: i64) -> Option<&KeyEntry> {
        self.keys.get(&version.to_string())
    }

    pub fn auto_rotate_seconds(&self) -> i64 {
        self.auto_rotate_period / NANOS
    }

    pub fn set_auto_rotate_seconds(&mut self, seconds: i64) {
        self.auto_rotate_period = seconds.saturating_mul(NANOS);
    }

    /// The ciphertext prefix of `version` (`version_template`, by default `vault:v{{version}}:`).
    pub fn prefix(&self, version: i64) -> String {
        let template = if self.version_template.is_empty() { "vault:v{{version}}:" } else { &self.version_template };
        template.replace("{{version}}", &version.to_string())
    }

    /// The convergent scheme of `version`: 0 when the key is not convergent.
    pub fn convergent_version_of(&self, version: i64) -> i64 {
        if !self.convergent_encryption {
            return 0;
        }
        match self.entry(version).map(|e| e.convergent_version) {
            Some(v) if v != 0 => v,
            _ if self.convergent_version != 0 => self.convergent_version,
            _ => 1,
        }
    }

    /// Adds a fresh version with new random material (Vault's `RotateInMemory` for the types
    /// this server creates). `now` is the creation time.
    pub fn add_version(&mut self, now: chrono::DateTime<chrono::Utc>) -> Result<(), String> {
        let mut entry = KeyEntry {
            time: crate::token_store::rfc3339_nano(now),
            creation_time: now.timestamp(),
            ..Default::default()
        };
        match self.kind {
            KeyType::Hmac => {
                let size = usize::try_from(self.key_size).unwrap_or(0);
                if !(32..=512).contains(&size) {
                    return Err("invalid key size for HMAC key, must be between 32 and 512 bytes".into());
                }
                let key = KeyBytes(random_bytes(size));
                entry.hmac_key = Some(key.clone());
                entry.key = Some(key);
            }
            t if t.is_aead() => {
                entry.hmac_key = Some(KeyBytes(random_bytes(32)));
                entry.key = Some(KeyBytes(random_bytes(t.key_len())));
            }
            t => super::asym::generate(t, &mut entry)?,
        }
        if self.convergent_encryption && (self.convergent_version == -1 || self.convergent_version > 1) {
            entry.convergent_version = 3;
        }
        self.latest_version += 1;
        self.keys.insert(self.latest_version.to_string(), entry);
        if self.min_decryption_version == 0 {
            self.min_decryption_version = 1;
        }
        Ok(())
    }
}

pub fn random_bytes(n: usize) -> Vec<u8> {
    use rand::RngCore;
    let mut out = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

/// `archive/<name>`: every version from `min_available_version`, index `version - min_available_version`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Archive {
    pub keys: Vec<KeyEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_numbers_and_names_are_vaults() {
        assert_eq!(serde_json::to_string(&KeyType::Aes128Gcm96).unwrap(), "8");
        assert_eq!(serde_json::from_str::<KeyType>("11").unwrap(), KeyType::Hmac);
        assert_eq!(serde_json::from_str::<KeyType>("17").unwrap().name(), "[unknown]");
        assert_eq!(KeyType::from_name("chacha20-poly1305"), Some(KeyType::ChaCha20Poly1305));
    }

    #[test]
    fn a_new_version_serializes_as_vaults_key_entry() {
        let mut p = Policy { name: "k".into(), ..Default::default() };
        p.add_version(chrono::DateTime::from_timestamp(1_700_000_000, 5_000).unwrap()).unwrap();
        let v = serde_json::to_value(&p).unwrap();
        let entry = &v["keys"]["1"];
        assert_eq!(entry["time"], "2023-11-14T22:13:20.000005Z");
        assert_eq!(entry["creation_time"], 1_700_000_000);
        assert!(entry.get("convergent_version").is_none());
        assert_eq!(
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, entry["key"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            (v["type"].clone(), v["min_decryption_version"].clone()),
            (serde_json::json!(0), serde_json::json!(1))
        );
        assert!(v.get("Imported").is_some() && v.get("key_size").is_none());
        let back: Policy = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(back.entry(1).and_then(|e| e.key.clone()), p.entry(1).and_then(|e| e.key.clone()));
        let encoded = entry["key"].as_str().unwrap().to_string();
        assert!(!format!("{back:?}").contains(&encoded) && format!("{back:?}").contains("[redacted]"));
    }
}
