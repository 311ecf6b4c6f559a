//! Key material brought in by BYOK import, parsed into a version's `KeyEntry` as Vault's
//! keysutil does (`ImportPublicOrPrivate`, `parseFromKey`): raw bytes for the symmetric types,
//! PKCS#8 for private keys (RSA, RSA-PSS, ECDSA, Ed25519) and PEM SubjectPublicKeyInfo for
//! public keys, with Go's texts for mismatched types and sizes.

use super::asym;
use super::gojson::{GoBigInt, GoRsaPublicKey};
use super::policy::{KeyBytes, KeyEntry, KeyType};
use base64::{engine::general_purpose::STANDARD, Engine};
use pkcs1::der::Decode;

const RSA: &str = "1.2.840.113549.1.1.1";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const EC: &str = "1.2.840.10045.2.1";
const ED25519: &str = "1.3.101.112";

/// The curve OID of an ECDSA key type.
fn curve_oid(kind: KeyType) -> &'static str {
    match kind {
        KeyType::EcdsaP384 => "1.3.132.0.34",
        KeyType::EcdsaP521 => "1.3.132.0.35",
        _ => "1.2.840.10045.3.1.7",
    }
}

fn curve_name(oid: &str) -> &'static str {
    match oid {
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.2.840.10045.3.1.7" => "P-256",
        _ => "unknown",
    }
}

fn is_ec(kind: KeyType) -> bool {
    matches!(kind, KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521)
}

fn rsa_bytes(kind: KeyType) -> usize {
    match kind {
        KeyType::Rsa3072 => 384,
        KeyType::Rsa4096 => 512,
        _ => 256,
    }
}

/// Go's `%T` of the parsed key, for "invalid key type: expected <type>, got <T>".
fn mismatch(kind: KeyType, go_type: &str) -> String {
    format!("invalid key type: expected {}, got {go_type}", kind.name())
}

/// Whether `kind` takes a public key alone (Vault's `ImportPublicKeySupported`).
pub fn public_import_supported(kind: KeyType) -> bool {
    is_ec(kind) || kind.is_rsa() || kind == KeyType::Ed25519
}

/// A new version from imported material: `key` is the unwrapped private key (or raw symmetric
/// key), or the PEM public key when `private` is false.
pub fn entry(kind: KeyType, key: &[u8], private: bool) -> Result<KeyEntry, String> {
    let mut e = KeyEntry::default();
    let symmetric_len = match kind {
        KeyType::Aes128Gcm96 => Some(16..=16),
        KeyType::Aes256Gcm96 | KeyType::ChaCha20Poly1305 => Some(32..=32),
        KeyType::Hmac => Some(32..=512),
        _ => None,
    };
    if let Some(range) = symmetric_len {
        if !range.contains(&key.len()) {
            return Err(format!("invalid key size {} bytes for key type {}", key.len(), kind.name()));
        }
        e.key = Some(KeyBytes(key.to_vec()));
        if kind == KeyType::Hmac {
            e.hmac_key = Some(KeyBytes(key.to_vec()));
        }
        return Ok(e);
    }
    if private {
        private_into(&mut e, kind, key)?;
    } else {
        public_into(&mut e, kind, key)?;
    }
    Ok(e)
}

fn private_into(e: &mut KeyEntry, kind: KeyType, der: &[u8]) -> Result<(), String> {
    let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|err| format!("error parsing asymmetric key: {err}"))?;
    let oid = info.algorithm.oid.to_string();
    match oid.as_str() {
        RSA | RSA_PSS => {
            if !kind.is_rsa() {
                return Err(mismatch(kind, "*rsa.PrivateKey"));
            }
            let key = asym::go_rsa_from_pkcs1(info.private_key)?;
            let size = key.n.0.len();
            if size != rsa_bytes(kind) {
                return Err(format!("invalid key size: expected {} bytes, got {size} bytes", rsa_bytes(kind)));
            }
            e.rsa_public_key = Some(GoRsaPublicKey { n: key.n.clone(), e: key.e });
            e.rsa_key = Some(key);
        }
        EC => {
            if !is_ec(kind) {
                return Err(mismatch(kind, "*ecdsa.PrivateKey"));
            }
            let curve = info.algorithm.parameters_oid().map(|o| o.to_string()).unwrap_or_default();
            let key = sec1::EcPrivateKey::from_der(info.private_key)
                .map_err(|err| format!("error parsing asymmetric key: {err}"))?;
            if curve != curve_oid(kind) {
                let want = curve_name(curve_oid(kind));
                return Err(format!("invalid curve: expected {want}, got {}", curve_name(&curve)));
            }
            let d = GoBigInt::from_bytes(key.private_key);
            let d = d.to_fixed(asym::ec_field_len(kind)).ok_or("error parsing asymmetric key: invalid scalar")?;
            asym::set_ec(e, &d, kind)?;
        }
        ED25519 => {
            if kind != KeyType::Ed25519 {
                return Err(mismatch(kind, "ed25519.PrivateKey"));
            }
            let seed = pkcs8::der::asn1::OctetStringRef::from_der(info.private_key)
                .map_err(|err| format!("error parsing asymmetric key: {err}"))?;
            let seed: [u8; 32] = seed
                .as_bytes()
                .try_into()
                .map_err(|_| "error parsing asymmetric key: invalid ed25519 seed".to_string())?;
            let key = ed25519_dalek::SigningKey::from_bytes(&seed);
            e.key = Some(KeyBytes(key.to_keypair_bytes().to_vec()));
            e.public_key = STANDARD.encode(key.verifying_key().as_bytes());
        }
        other => {
            return Err(format!(
            "error parsing asymmetric key: x509: PKCS#8 wrapping contained private key with unknown algorithm: {other}"
        ))
        }
    }
    Ok(())
}

fn public_into(e: &mut KeyEntry, kind: KeyType, pem: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(pem);
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    let der = STANDARD.decode(body.trim()).ok().filter(|d| !d.is_empty());
    let der = der.ok_or("error parsing public key: not in PEM format")?;
    let info = pkcs8::SubjectPublicKeyInfoRef::try_from(der.as_slice())
        .map_err(|err| format!("error parsing public key: {err}"))?;
    let bits = info.subject_public_key.raw_bytes();
    match info.algorithm.oid.to_string().as_str() {
        RSA | RSA_PSS => {
            if !kind.is_rsa() {
                return Err(mismatch(kind, "*rsa.PublicKey"));
            }
            let key = pkcs1::RsaPublicKey::from_der(bits).map_err(|err| format!("error parsing public key: {err}"))?;
            let n = GoBigInt::from_bytes(key.modulus.as_bytes());
            if n.0.len() != rsa_bytes(kind) {
                return Err(format!("invalid key size: expected {} bytes, got {} bytes", rsa_bytes(kind), n.0.len()));
            }
            let exp = key.public_exponent.as_bytes().iter().fold(0u64, |a, b| a << 8 | u64::from(*b));
            let exp = u32::try_from(exp).map_err(|_| "error parsing public key: exponent too large".to_string())?;
            e.rsa_public_key = Some(GoRsaPublicKey { n, e: exp });
        }
        EC => {
            if !is_ec(kind) {
                return Err(mismatch(kind, "*ecdsa.PublicKey"));
            }
            let curve = info.algorithm.parameters_oid().map(|o| o.to_string()).unwrap_or_default();
            if curve != curve_oid(kind) {
                let want = curve_name(curve_oid(kind));
                return Err(format!("invalid curve: expected {want}, got {}", curve_name(&curve)));
            }
            let point = uncompressed(kind, bits).map_err(|err| format!("error parsing public key: {err}"))?;
            let len = asym::ec_field_len(kind);
            e.ec_x = Some(GoBigInt::from_bytes(&point[1..1 + len]));
            e.ec_y = Some(GoBigInt::from_bytes(&point[1 + len..]));
            e.public_key = asym::ec_public_pem(kind, &point).map_err(|err| err.message().to_string())?;
        }
        ED25519 => {
            if kind != KeyType::Ed25519 {
                return Err(mismatch(kind, "ed25519.PublicKey"));
            }
            if bits.len() != 32 {
                return Err("error parsing public key: invalid ed25519 key length".into());
            }
            e.public_key = STANDARD.encode(bits);
        }
        other => return Err(format!("error parsing public key: x509: unknown public key algorithm {other}")),
    }
    Ok(())
}

/// The uncompressed point of a SEC1-encoded public key (compressed points are expanded).
fn uncompressed(kind: KeyType, sec1: &[u8]) -> Result<Vec<u8>, String> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let bad = |_| "invalid EC point".to_string();
    Ok(match kind {
        KeyType::EcdsaP384 => {
            p384::PublicKey::from_sec1_bytes(sec1).map_err(bad)?.to_encoded_point(false).as_bytes().to_vec()
        }
        KeyType::EcdsaP521 => {
            p521::PublicKey::from_sec1_bytes(sec1).map_err(bad)?.to_encoded_point(false).as_bytes().to_vec()
        }
        _ => p256::PublicKey::from_sec1_bytes(sec1).map_err(bad)?.to_encoded_point(false).as_bytes().to_vec(),
    })
}

/// Whether a private version's public half is the one a public-only version holds.
pub fn same_public(kind: KeyType, public_only: &KeyEntry, private: &KeyEntry) -> bool {
    if kind.is_rsa() {
        let a = public_only.rsa_public_key.as_ref().map(|k| (k.n.clone(), k.e));
        let b = private.rsa_key.as_ref().map(|k| (k.n.clone(), k.e));
        return a.is_some() && a == b;
    }
    !public_only.public_key.is_empty() && public_only.public_key == private.public_key
}

/// The PKCS#8 DER of a key, for tests that wrap it as a client would.
#[cfg(test)]
pub fn pkcs8_of(entry: &KeyEntry, kind: KeyType) -> Vec<u8> {
    use pkcs1::der::Encode;
    use pkcs8::EncodePrivateKey;
    match kind {
        KeyType::Ed25519 => {
            let seed =
                pkcs8::der::asn1::OctetString::new(&entry.key.as_deref().unwrap()[..32]).unwrap().to_der().unwrap();
            let oid = pkcs8::ObjectIdentifier::new_unwrap(ED25519);
            let info = pkcs8::PrivateKeyInfo::new(pkcs8::AlgorithmIdentifierRef { oid, parameters: None }, &seed);
            info.to_der().unwrap()
        }
        _ => {
            let d = entry.ec_d.as_ref().unwrap().to_fixed(32).unwrap();
            p256::SecretKey::from_slice(&d).unwrap().to_pkcs8_der().unwrap().as_bytes().to_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(kind: KeyType) -> KeyEntry {
        let mut e = KeyEntry::default();
        asym::generate(kind, &mut e).unwrap();
        e
    }

    #[test]
    fn private_keys_import_from_pkcs8_and_must_match_the_type() {
        for kind in [KeyType::Ed25519, KeyType::EcdsaP256] {
            let original = generated(kind);
            let imported = entry(kind, &pkcs8_of(&original, kind), true).unwrap();
            assert_eq!(imported.public_key, original.public_key, "{kind:?}");
            assert!(same_public(kind, &original, &imported));
        }
        let p256 = pkcs8_of(&generated(KeyType::EcdsaP256), KeyType::EcdsaP256);
        assert_eq!(entry(KeyType::EcdsaP384, &p256, true).err().unwrap(), "invalid curve: expected P-384, got P-256");
        assert_eq!(
            entry(KeyType::Rsa2048, &p256, true).err().unwrap(),
            "invalid key type: expected rsa-2048, got *ecdsa.PrivateKey"
        );
        assert_eq!(
            entry(KeyType::Aes256Gcm96, &[0; 16], true).err().unwrap(),
            "invalid key size 16 bytes for key type aes256-gcm96"
        );
    }

    #[test]
    fn public_keys_import_from_pem() {
        let original = generated(KeyType::EcdsaP384);
        let imported = entry(KeyType::EcdsaP384, original.public_key.as_bytes(), false).unwrap();
        assert_eq!((imported.ec_x.clone(), imported.ec_d.is_none()), (original.ec_x.clone(), true));
        assert!(same_public(KeyType::EcdsaP384, &imported, &original));
        assert_eq!(
            entry(KeyType::EcdsaP384, b"nope", false).err().unwrap(),
            "error parsing public key: not in PEM format"
        );
    }
}
