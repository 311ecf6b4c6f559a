//! Encryption and decryption with a key version, byte for byte as Vault's keysutil:
//! `vault:v<N>:` + base64(nonce ‖ ciphertext ‖ tag), HKDF-SHA256 derived keys, convergent
//! nonces from an HMAC of the plaintext. Key material lives in `Zeroizing` buffers.

use super::policy::{KeyType, Policy, KDF_HKDF_SHA256};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

const NONCE: usize = 12;

/// Vault's two error kinds: a user error answers 400 with its text, an internal one 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    User(String),
    Internal(String),
}

impl OpError {
    fn user(m: impl Into<String>) -> Self {
        OpError::User(m.into())
    }

    pub fn message(&self) -> &str {
        match self {
            OpError::User(m) | OpError::Internal(m) => m,
        }
    }
}

/// The key of `version`, derived with `context` when the key is derived (Vault's `GetKey`).
fn version_key(p: &Policy, context: &[u8], version: i64, len: usize) -> Result<Zeroizing<Vec<u8>>, OpError> {
    if !p.derived {
        let entry = p.entry(version).ok_or_else(|| OpError::user("no such key version"))?;
        return Ok(Zeroizing::new(entry.key.as_deref().unwrap_or_default().to_vec()));
    }
    if !p.kind.supports_derivation() {
        return Err(OpError::user(format!("derivation not supported for key type {}", p.kind.name())));
    }
    if p.keys.is_empty() {
        return Err(OpError::Internal("unable to access the key; no key versions found".into()));
    }
    if version <= 0 || version > p.latest_version {
        return Err(OpError::user("invalid key version"));
    }
    if context.is_empty() {
        return Err(OpError::user("missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key"));
    }
    let entry = p.entry(version).ok_or_else(|| OpError::user("no such key version"))?;
    let ikm = entry.key.as_deref().unwrap_or_default();
    if p.kdf == KDF_HKDF_SHA256 {
        let mut out = Zeroizing::new(vec![0u8; len]);
        hkdf::Hkdf::<Sha256>::new(None, ikm)
            .expand(context, &mut out)
            .map_err(|e| OpError::Internal(format!("error reading derived key: {e}")))?;
        Ok(out)
    } else {
        Ok(counter_mode(ikm, context))
    }
}

/// NIST SP 800-108 counter mode with HMAC-SHA256, 256 bits (keys derived before Vault 0.6).
fn counter_mode(key: &[u8], context: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut input = Vec::with_capacity(context.len() + 8);
    input.extend_from_slice(&0u32.to_be_bytes());
    input.extend_from_slice(context);
    input.extend_from_slice(&256u32.to_be_bytes());
    Zeroizing::new(hmac_sha256(key, &input).to_vec())
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

fn seal(kind: KeyType, key: &[u8], nonce: &[u8], msg: &[u8], aad: &[u8]) -> Result<Vec<u8>, OpError> {
    let payload = Payload { msg, aad };
    let bad_key = |_| OpError::Internal("invalid key length".into());
    let out = match kind {
        KeyType::Aes128Gcm96 => Aes128Gcm::new_from_slice(key).map_err(bad_key)?.encrypt(nonce.into(), payload),
        KeyType::Aes256Gcm96 => Aes256Gcm::new_from_slice(key).map_err(bad_key)?.encrypt(nonce.into(), payload),
        KeyType::ChaCha20Poly1305 => {
            ChaCha20Poly1305::new_from_slice(key).map_err(bad_key)?.encrypt(nonce.into(), payload)
        }
        t => return Err(OpError::user(format!("message encryption not supported for key type {}", t.name()))),
    };
    out.map_err(|_| OpError::Internal("encryption failed".into()))
}

fn open(kind: KeyType, key: &[u8], nonce: &[u8], sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, OpError> {
    let payload = Payload { msg: sealed, aad };
    let bad_key = |_| OpError::Internal("invalid key length".into());
    match kind {
        KeyType::Aes128Gcm96 => Aes128Gcm::new_from_slice(key)
            .map_err(bad_key)?
            .decrypt(nonce.into(), payload)
            .map_err(|_| OpError::user("cipher: message authentication failed")),
        KeyType::Aes256Gcm96 => Aes256Gcm::new_from_slice(key)
            .map_err(bad_key)?
            .decrypt(nonce.into(), payload)
            .map_err(|_| OpError::user("cipher: message authentication failed")),
        KeyType::ChaCha20Poly1305 => ChaCha20Poly1305::new_from_slice(key)
            .map_err(bad_key)?
            .decrypt(nonce.into(), payload)
            .map_err(|_| OpError::user("chacha20poly1305: message authentication failed")),
        t => Err(OpError::user(format!("message decryption not supported for key type {}", t.name()))),
    }
}

/// Encrypts `plaintext` with `version` (0: the latest); returns the ciphertext string.
pub fn encrypt(p: &Policy, version: i64, context: &[u8], plaintext: &[u8], aad: &[u8]) -> Result<String, OpError> {
    if !p.kind.is_aead() && !p.kind.is_rsa() {
        return Err(OpError::user(format!("message encryption not supported for key type {}", p.kind.name())));
    }
    let version = match version {
        0 => p.latest_version,
        v if v < 0 => return Err(OpError::user("requested version for encryption is negative")),
        v if v > p.latest_version => {
            return Err(OpError::user("requested version for encryption is higher than the latest key version"))
        }
        v if v < p.min_encryption_version => {
            return Err(OpError::user(
                "requested version for encryption is less than the minimum encryption key version",
            ))
        }
        v => v,
    };
    if p.kind.is_rsa() {
        // RSA-OAEP with SHA-256; no context, nonce or associated data.
        let entry = p.entry(version).ok_or_else(|| OpError::user("no such key version"))?;
        let sealed = super::asym::rsa_encrypt(p.kind, entry, plaintext)?;
        return Ok(format!("{}{}", p.prefix(version), STANDARD.encode(sealed)));
    }
    let convergent = p.convergent_version_of(version);
    let enc_len = p.kind.key_len();
    let extra = if convergent > 2 { 32 } else { 0 };
    let key = version_key(p, context, version, enc_len + extra)?;
    if key.len() < enc_len + extra {
        return Err(OpError::Internal("could not derive key, length too small".into()));
    }
    let nonce = match convergent {
        0 => {
            let mut n = vec![0u8; NONCE];
            rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut n);
            n
        }
        3.. => hmac_sha256(&key[enc_len..enc_len + 32], plaintext)[..NONCE].to_vec(),
        2 => hmac_sha256(context, plaintext)[..NONCE].to_vec(),
        v => return Err(OpError::Internal(format!("unhandled convergent version {v}"))),
    };
    let mut out = nonce.clone();
    out.extend_from_slice(&seal(p.kind, &key[..enc_len], &nonce, plaintext, aad)?);
    Ok(format!("{}{}", p.prefix(version), STANDARD.encode(out)))
}

/// The version a ciphertext (or HMAC) names after `vault:v`, checked against the policy.
pub fn parse_version(p: &Policy, value: &str) -> Result<(i64, String), OpError> {
    let rest = value.strip_prefix("vault:v").ok_or_else(|| OpError::user("invalid ciphertext: no prefix"))?;
    let (ver, body) =
        rest.split_once(':').ok_or_else(|| OpError::user("invalid ciphertext: wrong number of fields"))?;
    let version =
        go_atoi(ver).ok_or_else(|| OpError::user("invalid ciphertext: version number could not be decoded"))?;
    let version = if version == 0 { 1 } else { version };
    if version > p.latest_version {
        return Err(OpError::user("invalid ciphertext: version is too new"));
    }
    if p.min_decryption_version > 0 && version < p.min_decryption_version {
        return Err(OpError::user("ciphertext or signature version is disallowed by policy (too old)"));
    }
    Ok((version, body.to_string()))
}

/// Go's `strconv.Atoi`: an optional sign, then decimal digits.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Decrypts a `vault:v<N>:` ciphertext into the plaintext's bytes.
pub fn decrypt(p: &Policy, context: &[u8], value: &str, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpError> {
    if !p.kind.is_aead() && !p.kind.is_rsa() {
        return Err(OpError::user(format!("message decryption not supported for key type {}", p.kind.name())));
    }
    let (version, body) = parse_version(p, value)?;
    if p.kind.is_rsa() {
        let sealed = STANDARD.decode(body).map_err(|_| OpError::user("invalid ciphertext: could not decode base64"))?;
        let entry = p.entry(version).ok_or_else(|| OpError::user("no such key version"))?;
        return super::asym::rsa_decrypt(p.kind, entry, &sealed);
    }
    if p.convergent_version_of(version) == 1 {
        return Err(OpError::user("invalid convergent nonce supplied"));
    }
    let sealed = STANDARD.decode(body).map_err(|_| OpError::user("invalid ciphertext: could not decode base64"))?;
    let enc_len = p.kind.key_len();
    let key = version_key(p, context, version, enc_len)?;
    if key.len() < enc_len {
        return Err(OpError::Internal("could not derive enc key, length not correct".into()));
    }
    if sealed.len() < NONCE {
        return Err(OpError::user("invalid ciphertext length"));
    }
    let (nonce, rest) = sealed.split_at(NONCE);
    Ok(Zeroizing::new(open(p.kind, &key[..enc_len], nonce, rest, aad)?))
}

/// The HMAC key of `version` (Vault's `HMACKey`): each version has its own, apart from the
/// encryption key.
pub fn version_hmac_key(p: &Policy, version: i64) -> Result<&[u8], OpError> {
    if version < 0 {
        return Err(OpError::user("key version does not exist (cannot be negative)"));
    }
    if version > p.latest_version {
        return Err(OpError::user(format!("key version does not exist; latest key version is {}", p.latest_version)));
    }
    let entry = p.entry(version).ok_or_else(|| OpError::user("no such key version"))?;
    entry
        .hmac_key
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| OpError::user("no HMAC key exists for that key version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: KeyType, derived: bool, convergent: bool) -> Policy {
        let mut p = Policy { name: "k".into(), kind, derived, ..Default::default() };
        if derived {
            p.kdf = KDF_HKDF_SHA256;
        }
        if convergent {
            (p.convergent_encryption, p.convergent_version) = (true, -1);
        }
        p.add_version(chrono::Utc::now()).unwrap();
        p
    }

    #[test]
    fn every_aead_type_round_trips_and_tampering_fails() {
        for kind in [KeyType::Aes128Gcm96, KeyType::Aes256Gcm96, KeyType::ChaCha20Poly1305] {
            let p = key(kind, false, false);
            let ct = encrypt(&p, 0, b"", b"hello", b"aad").unwrap();
            assert!(ct.starts_with("vault:v1:"), "{ct}");
            assert_eq!(&decrypt(&p, b"", &ct, b"aad").unwrap()[..], b"hello");
            assert!(
                matches!(decrypt(&p, b"", &ct, b"other"), Err(OpError::User(m)) if m.ends_with("message authentication failed"))
            );
        }
    }

    #[test]
    fn aes_gcm_matches_an_independent_open() {
        // The layout is nonce ‖ ciphertext ‖ tag under the version's raw key (what Vault's export gives).
        let p = key(KeyType::Aes256Gcm96, false, false);
        let ct = encrypt(&p, 0, b"", b"payload", b"").unwrap();
        let raw = STANDARD.decode(ct.trim_start_matches("vault:v1:")).unwrap();
        let cipher = Aes256Gcm::new_from_slice(p.entry(1).unwrap().key.as_deref().unwrap()).unwrap();
        let opened = cipher.decrypt(raw[..12].into(), &raw[12..]).unwrap();
        assert_eq!(opened, b"payload");
    }

    #[test]
    fn convergent_encryption_is_deterministic_per_context() {
        let p = key(KeyType::Aes256Gcm96, true, true);
        let a = encrypt(&p, 0, b"ctx1", b"same", b"").unwrap();
        assert_eq!(a, encrypt(&p, 0, b"ctx1", b"same", b"").unwrap());
        assert_ne!(a, encrypt(&p, 0, b"ctx2", b"same", b"").unwrap());
        assert_eq!(&decrypt(&p, b"ctx1", &a, b"").unwrap()[..], b"same");
        assert!(decrypt(&p, b"ctx2", &a, b"").is_err());
        assert!(matches!(encrypt(&p, 0, b"", b"x", b""), Err(OpError::User(m)) if m.starts_with("missing 'context'")));
    }

    #[test]
    fn bad_ciphertexts_get_vaults_errors() {
        let p = key(KeyType::Aes256Gcm96, false, false);
        let cases = [
            ("nope", "invalid ciphertext: no prefix"),
            ("vault:v1", "invalid ciphertext: wrong number of fields"),
            ("vault:vx:AAAA", "invalid ciphertext: version number could not be decoded"),
            ("vault:v2:AAAA", "invalid ciphertext: version is too new"),
            ("vault:v1:!!", "invalid ciphertext: could not decode base64"),
            ("vault:v1:AAAA", "invalid ciphertext length"),
            ("vault:v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "cipher: message authentication failed"),
        ];
        for (ct, want) in cases {
            assert_eq!(decrypt(&p, b"", ct, b"").unwrap_err(), OpError::User(want.into()), "{ct}");
        }
    }
}
