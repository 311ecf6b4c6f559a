//! Vault's barrier ciphertext layout: 4-byte big-endian key term, a version byte, a 12-byte
//! nonce, then AES-256-GCM ciphertext and tag. Version 2 binds the storage path as AAD, so a
//! value copied to another path fails to decrypt.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use rand::RngCore;

const TERM_SIZE: usize = 4;
const NONCE_SIZE: usize = 12;
/// Version byte for ciphertext whose AAD is the storage path.
const VERSION_PATH_AAD: u8 = 2;
const HEADER_SIZE: usize = TERM_SIZE + 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CipherError {
    #[error("ciphertext too short")]
    TooShort,
    #[error("unsupported barrier version {0}")]
    Version(u8),
    #[error("cipher: message authentication failed")]
    Authentication,
    #[error("invalid key length")]
    KeyLength,
    #[error("encryption failed")]
    Encryption,
    #[error("failed to encode the keyring")]
    Encoding,
}

pub fn cipher_for(key: &[u8]) -> Result<Aes256Gcm, CipherError> {
    Aes256Gcm::new_from_slice(key).map_err(|_| CipherError::KeyLength)
}

/// Encrypts `plaintext` stored at `path` under key `term`.
/// Fails only for inputs over AES-GCM's limit (64 GiB); an empty ciphertext is never written.
pub fn seal(cipher: &Aes256Gcm, term: u32, path: &str, plaintext: &[u8]) -> Result<Vec<u8>, CipherError> {
    let mut nonce = [0u8; NONCE_SIZE];
    rand::thread_rng().fill_bytes(&mut nonce);
    let payload = Payload { msg: plaintext, aad: path.as_bytes() };
    let ct = cipher.encrypt(Nonce::from_slice(&nonce), payload).map_err(|_| CipherError::Encryption)?;
    let mut out = Vec::with_capacity(HEADER_SIZE + NONCE_SIZE + ct.len());
    out.extend_from_slice(&term.to_be_bytes());
    out.push(VERSION_PATH_AAD);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// The key term a ciphertext was written with.
pub fn term_of(ciphertext: &[u8]) -> Result<u32, CipherError> {
    let head: [u8; TERM_SIZE] =
        ciphertext.get(..TERM_SIZE).and_then(|s| s.try_into().ok()).ok_or(CipherError::TooShort)?;
    Ok(u32::from_be_bytes(head))
}

/// Decrypts a value written by [`seal`] at the same `path`.
pub fn open(cipher: &Aes256Gcm, path: &str, ciphertext: &[u8]) -> Result<Vec<u8>, CipherError> {
    if ciphertext.len() < HEADER_SIZE + NONCE_SIZE {
        return Err(CipherError::TooShort);
    }
    let version = ciphertext[TERM_SIZE];
    if version != VERSION_PATH_AAD {
        return Err(CipherError::Version(version));
    }
    let nonce = &ciphertext[HEADER_SIZE..HEADER_SIZE + NONCE_SIZE];
    let payload = Payload { msg: &ciphertext[HEADER_SIZE + NONCE_SIZE..], aad: path.as_bytes() };
    cipher.decrypt(Nonce::from_slice(nonce), payload).map_err(|_| CipherError::Authentication)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_layout() {
        let c = cipher_for(&[7u8; 32]).unwrap();
        let ct = seal(&c, 3, "logical/x", b"hello").unwrap();
        assert_eq!(&ct[..4], &3u32.to_be_bytes());
        assert_eq!(ct[4], 2);
        assert_eq!(ct.len(), 4 + 1 + 12 + 5 + 16);
        assert_eq!(term_of(&ct).unwrap(), 3);
        assert_eq!(open(&c, "logical/x", &ct).unwrap(), b"hello");
    }

    #[test]
    fn path_is_bound_and_tampering_fails() {
        let c = cipher_for(&[7u8; 32]).unwrap();
        let mut ct = seal(&c, 1, "a", b"secret").unwrap();
        assert_eq!(open(&c, "b", &ct), Err(CipherError::Authentication));
        let last = ct.len() - 1;
        ct[last] ^= 1;
        assert_eq!(open(&c, "a", &ct), Err(CipherError::Authentication));
        assert_eq!(open(&c, "a", &ct[..10]), Err(CipherError::TooShort));
    }

    #[test]
    fn wrong_key_fails() {
        let a = cipher_for(&[1u8; 32]).unwrap();
        let b = cipher_for(&[2u8; 32]).unwrap();
        let ct = seal(&a, 1, "p", b"x").unwrap();
        assert_eq!(open(&b, "p", &ct), Err(CipherError::Authentication));
    }
}
