//! OpenPGP encryption of unseal key shares and root tokens to operators' public keys (Vault's
//! `helper/pgpkeys`): each key is base64 of a binary public key (`gpg --export <id> | base64`),
//! each message a binary OpenPGP message (PKESK v3 + SEIPD v1, AES-256) that `gpg -d` opens.
//! Only encryption happens here; the server never holds a private key.

use crate::CoreError;
use base64::Engine;
use pgp::composed::{Deserializable, MessageBuilder, SignedPublicKey};
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::types::KeyDetails;

/// A parsed recipient: its primary key's fingerprint (lowercase hex, as Vault shows it) and the
/// key material.
pub struct Recipient {
    pub fingerprint: String,
    key: SignedPublicKey,
}

/// Parses Vault's base64 public keys, with Vault's error texts.
pub fn recipients(keys: &[String]) -> Result<Vec<Recipient>, CoreError> {
    keys.iter().map(|k| parse(k)).collect()
}

fn parse(encoded: &str) -> Result<Recipient, CoreError> {
    if encoded.starts_with("keybase:") {
        return Err(CoreError::invalid(
            "error fetching keybase public keys: keybase lookups need outbound network access, which this server does not use; pass the base64 of the exported public key instead",
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| CoreError::invalid(format!("error decoding given PGP key: {e}")))?;
    let key = SignedPublicKey::from_bytes(bytes.as_slice())
        .map_err(|e| CoreError::invalid(format!("error parsing given PGP key: {e}")))?;
    Ok(Recipient { fingerprint: format!("{:x}", key.fingerprint()), key })
}

/// The fingerprints of Vault's base64 public keys.
pub fn fingerprints(keys: &[String]) -> Result<Vec<String>, CoreError> {
    Ok(recipients(keys)?.into_iter().map(|r| r.fingerprint).collect())
}

impl Recipient {
    /// One OpenPGP message holding `plain`, readable only with this recipient's secret key.
    pub fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, CoreError> {
        let failed = |e: pgp::errors::Error| CoreError::internal(format!("error encrypting PGP message: {e}"));
        let mut rng = rand::thread_rng();
        let mut builder =
            MessageBuilder::from_bytes("", plain.to_vec()).seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
        // The first valid encryption subkey, as gpg picks; a key without one (an RSA primary
        // key made for both uses) is its own encryption key.
        let subkey = self.key.public_subkeys.iter().find(|sub| {
            sub.key.algorithm().can_encrypt()
                && sub.signatures.iter().any(|s| {
                    let flags = s.key_flags();
                    flags.encrypt_comms() || flags.encrypt_storage()
                })
        });
        match subkey {
            Some(sub) => builder.encrypt_to_key(&mut rng, sub).map_err(failed)?,
            None if self.key.primary_key.algorithm().can_encrypt() => {
                builder.encrypt_to_key(&mut rng, &self.key).map_err(failed)?
            }
            None => return Err(CoreError::invalid(format!("PGP key {} has no encryption key", self.fingerprint))),
        };
        builder.to_vec(&mut rng).map_err(failed)
    }
}

/// Vault's `EncryptShares`: item i is encrypted to key i; returns the fingerprints and messages.
pub fn encrypt_each(items: &[&[u8]], keys: &[String]) -> Result<(Vec<String>, Vec<Vec<u8>>), CoreError> {
    if items.len() != keys.len() {
        return Err(CoreError::invalid("mismatch between number items to encrypt and number of PGP keys"));
    }
    let recipients = recipients(keys)?;
    let messages = recipients.iter().zip(items).map(|(r, item)| r.encrypt(item)).collect::<Result<Vec<_>, _>>()?;
    Ok((recipients.into_iter().map(|r| r.fingerprint).collect(), messages))
}

/// The CLI's `-pgp-keys` files (Vault's `pgpkeys.ReadPGPFile`): an armored key, base64 of a
/// binary key, or a binary key, returned as base64 of the binary key the API takes.
pub fn key_file_to_base64(contents: &[u8]) -> Result<String, CoreError> {
    use pgp::ser::Serialize;
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = String::from_utf8_lossy(contents);
    let trimmed = text.trim();
    if trimmed.starts_with("-----BEGIN") {
        let (key, _) = SignedPublicKey::from_armor_single(std::io::Cursor::new(trimmed.as_bytes()))
            .map_err(|e| CoreError::invalid(format!("error parsing given PGP key: {e}")))?;
        let bytes = key.to_bytes().map_err(|e| CoreError::invalid(format!("error serializing PGP key: {e}")))?;
        return Ok(b64.encode(bytes));
    }
    if !trimmed.is_empty() && b64.decode(trimmed).is_ok() {
        return Ok(trimmed.to_string());
    }
    Ok(b64.encode(contents))
}
