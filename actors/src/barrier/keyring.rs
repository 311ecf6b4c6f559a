//! The keyring: every barrier key by term, plus the root key that encrypts the keyring itself.
//! Keys are zeroized on drop; the persisted form is JSON with base64 keys (as Vault's).

use super::aes_gcm::{cipher_for, CipherError};
use aes_gcm::Aes256Gcm;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use zeroize::Zeroizing;

pub const KEY_SIZE: usize = 32;

pub struct TermKey {
    pub term: u32,
    key: Zeroizing<Vec<u8>>,
    pub cipher: Aes256Gcm,
    pub install_time: DateTime<Utc>,
    pub encryptions: AtomicU64,
}

impl TermKey {
    fn new(term: u32, key: Zeroizing<Vec<u8>>, install_time: DateTime<Utc>) -> Result<Self, CipherError> {
        Ok(TermKey { term, cipher: cipher_for(&key)?, key, install_time, encryptions: AtomicU64::new(0) })
    }
}

pub struct Keyring {
    root_key: Zeroizing<Vec<u8>>,
    /// The newest term: every new write uses it.
    active: TermKey,
    /// Older terms, kept to read values written before a rotation.
    previous: BTreeMap<u32, TermKey>,
}

/// Random key material that is wiped when dropped.
pub fn random_key() -> Zeroizing<Vec<u8>> {
    use rand::RngCore;
    let mut k = Zeroizing::new(vec![0u8; KEY_SIZE]);
    rand::rngs::OsRng.fill_bytes(&mut k);
    k
}

/// Hex HMAC-SHA256 of `value` under `key`: how salted identifiers (token IDs, accessors, role
/// IDs) and approle's secret ID hashes reach storage keys.
pub fn hmac_hex(key: &[u8], value: &str) -> Result<String, crate::CoreError> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).map_err(crate::CoreError::internal)?;
    mac.update(value.as_bytes());
    // encode_to_slice: hex::encode builds its String a char at a time, and audit entries hash
    // every string they carry.
    let mut out = [0u8; 64];
    hex::encode_to_slice(mac.finalize().into_bytes(), &mut out).map_err(crate::CoreError::internal)?;
    std::str::from_utf8(&out).map(str::to_string).map_err(crate::CoreError::internal)
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    #[serde(rename = "Term")]
    term: u32,
    #[serde(rename = "Version")]
    version: u32,
    #[serde(rename = "Value")]
    value: String,
    #[serde(rename = "InstallTime")]
    install_time: DateTime<Utc>,
    #[serde(rename = "Encryptions", default)]
    encryptions: u64,
}

#[derive(Serialize, Deserialize)]
struct StoredKeyring {
    #[serde(rename = "MasterKey")]
    root_key: String,
    #[serde(rename = "Keys")]
    keys: Vec<StoredKey>,
}

impl Keyring {
    /// A fresh keyring with one barrier key at term 1.
    pub fn new(root_key: Zeroizing<Vec<u8>>) -> Result<Self, CipherError> {
        let active = TermKey::new(1, random_key(), Utc::now())?;
        Ok(Keyring { root_key, active, previous: BTreeMap::new() })
    }

    pub fn root_key(&self) -> &[u8] {
        &self.root_key
    }

    pub fn active(&self) -> &TermKey {
        &self.active
    }

    pub fn term(&self, term: u32) -> Option<&TermKey> {
        if term == self.active.term {
            Some(&self.active)
        } else {
            self.previous.get(&term)
        }
    }

    fn all(&self) -> impl Iterator<Item = &TermKey> {
        self.previous.values().chain(std::iter::once(&self.active))
    }

    /// A copy of this keyring with a new key at the next term (copy-on-write rotation).
    pub fn rotated(&self) -> Result<Keyring, CipherError> {
        let next = self.active.term + 1;
        let mut previous = BTreeMap::new();
        for k in self.all() {
            let copy = TermKey::new(k.term, k.key.clone(), k.install_time)?;
            copy.encryptions.store(k.encryptions.load(Ordering::Relaxed), Ordering::Relaxed);
            previous.insert(k.term, copy);
        }
        let active = TermKey::new(next, random_key(), Utc::now())?;
        Ok(Keyring { root_key: self.root_key.clone(), active, previous })
    }

    pub fn serialize(&self) -> Result<Zeroizing<Vec<u8>>, CipherError> {
        let stored = StoredKeyring {
            root_key: B64.encode(&*self.root_key),
            keys: self
                .all()
                .map(|k| StoredKey {
                    term: k.term,
                    version: 1,
                    value: B64.encode(&*k.key),
                    install_time: k.install_time,
                    encryptions: k.encryptions.load(Ordering::Relaxed),
                })
                .collect(),
        };
        serde_json::to_vec(&stored).map(Zeroizing::new).map_err(|_| CipherError::Encoding)
    }

    pub fn deserialize(bytes: &[u8]) -> Result<Keyring, CipherError> {
        let stored: StoredKeyring = serde_json::from_slice(bytes).map_err(|_| CipherError::Authentication)?;
        let decode = |s: &str| B64.decode(s).map(Zeroizing::new).map_err(|_| CipherError::KeyLength);
        let mut keys = BTreeMap::new();
        for k in &stored.keys {
            let key = TermKey::new(k.term, decode(&k.value)?, k.install_time)?;
            key.encryptions.store(k.encryptions, Ordering::Relaxed);
            keys.insert(k.term, key);
        }
        let active = keys.pop_last().map(|(_, k)| k).ok_or(CipherError::KeyLength)?;
        Ok(Keyring { root_key: decode(&stored.root_key)?, active, previous: keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_hex_is_lowercase_hex_hmac_sha256() {
        // Python: hmac.new(b"k", b"v", hashlib.sha256).hexdigest()
        assert_eq!(hmac_hex(b"k", "v").unwrap(), "c5d4be1992d50d3b41f9a21292fc67a28a1486fc64a0517d37f9af847e0732de");
    }

    #[test]
    fn rotation_adds_a_term_and_serialization_round_trips() {
        let ring = Keyring::new(random_key()).unwrap();
        assert_eq!(ring.active().term, 1);
        let ring2 = ring.rotated().unwrap();
        assert_eq!(ring2.active().term, 2);
        assert!(ring2.term(1).is_some());
        let back = Keyring::deserialize(&ring2.serialize().unwrap()).unwrap();
        assert_eq!(back.active().term, 2);
        assert_eq!(back.root_key(), ring.root_key());
    }
}
