//! Asymmetric key material: Ed25519 and ECDSA (RustCrypto) and RSA (aws-lc-rs). A version's
//! material is generated into Vault's `KeyEntry` fields (`key`/`public_key` for Ed25519,
//! `ec_x`/`ec_y`/`ec_d`, `rsa_key`) and parsed from them once per cached policy.

use super::cipher::OpError;
use super::gojson::{GoBigInt, GoRsaPrecomputed, GoRsaPrivateKey};
use super::policy::{random_bytes, KeyBytes, KeyEntry, KeyType};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    KeyPair, KeySize, OaepPrivateDecryptingKey, OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use pkcs1::der::{Decode, Encode};
use std::sync::Arc;
use zeroize::Zeroizing;

/// A version's parsed key, the private half absent for imported public keys.
pub enum Material {
    Ed25519(Option<ed25519_dalek::SigningKey>, ed25519_dalek::VerifyingKey),
    P256(Option<p256::ecdsa::SigningKey>, p256::ecdsa::VerifyingKey),
    P384(Option<p384::ecdsa::SigningKey>, p384::ecdsa::VerifyingKey),
    P521(Option<p521::ecdsa::SigningKey>, p521::ecdsa::VerifyingKey),
    Rsa(Box<RsaMaterial>),
}

pub struct RsaMaterial {
    pub signing: Option<KeyPair>,
    pub decrypting: Option<OaepPrivateDecryptingKey>,
    pub encrypting: OaepPublicEncryptingKey,
    /// X.509 SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
    /// PKCS#1 RSAPrivateKey DER, for export.
    pub pkcs1: Option<Zeroizing<Vec<u8>>>,
    pub bits: usize,
}

fn internal(m: impl std::fmt::Display) -> OpError {
    OpError::Internal(m.to_string())
}

pub fn ec_field_len(kind: KeyType) -> usize {
    match kind {
        KeyType::EcdsaP384 => 48,
        KeyType::EcdsaP521 => 66,
        _ => 32,
    }
}

/// Fills a new version's fields with fresh material of `kind`, as Vault's `RotateInMemory`.
pub fn generate(kind: KeyType, entry: &mut KeyEntry) -> Result<(), String> {
    entry.hmac_key = Some(KeyBytes(random_bytes(32)));
    let mut rng = rand::rngs::OsRng;
    match kind {
        KeyType::Ed25519 => {
            let key = ed25519_dalek::SigningKey::generate(&mut rng);
            entry.key = Some(KeyBytes(key.to_keypair_bytes().to_vec()));
            entry.public_key = STANDARD.encode(key.verifying_key().as_bytes());
        }
        KeyType::EcdsaP256 => set_ec(entry, &p256::ecdsa::SigningKey::random(&mut rng).to_bytes(), kind)?,
        KeyType::EcdsaP384 => set_ec(entry, &p384::ecdsa::SigningKey::random(&mut rng).to_bytes(), kind)?,
        KeyType::EcdsaP521 => set_ec(entry, &p521::ecdsa::SigningKey::random(&mut rng).to_bytes(), kind)?,
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
            let size = match kind {
                KeyType::Rsa3072 => KeySize::Rsa3072,
                KeyType::Rsa4096 => KeySize::Rsa4096,
                _ => KeySize::Rsa2048,
            };
            let key = PrivateDecryptingKey::generate(size).map_err(|e| format!("error generating RSA key: {e}"))?;
            let pkcs8 = key.as_der().map_err(|e| format!("error encoding RSA key: {e}"))?;
            entry.rsa_key = Some(go_rsa_from_pkcs8(pkcs8.as_ref())?);
        }
        t => return Err(format!("unsupported key type {}", t.name())),
    }
    Ok(())
}

/// `ec_d` and the public point from the private scalar, and the PEM public key.
pub fn set_ec(entry: &mut KeyEntry, d: &[u8], kind: KeyType) -> Result<(), String> {
    let len = ec_field_len(kind);
    let point = ec_public_point(kind, d).map_err(|e| e.message().to_string())?;
    entry.ec_d = Some(GoBigInt::from_bytes(d));
    entry.ec_x = Some(GoBigInt::from_bytes(&point[1..1 + len]));
    entry.ec_y = Some(GoBigInt::from_bytes(&point[1 + len..]));
    entry.public_key = ec_public_pem(kind, &point).map_err(|e| e.message().to_string())?;
    Ok(())
}

/// The uncompressed SEC1 point of private scalar `d`.
fn ec_public_point(kind: KeyType, d: &[u8]) -> Result<Vec<u8>, OpError> {
    let bad = |_| internal("invalid EC private key");
    Ok(match kind {
        KeyType::EcdsaP384 => p384::SecretKey::from_slice(d).map_err(bad)?.public_key().to_sec1_bytes().to_vec(),
        KeyType::EcdsaP521 => p521::SecretKey::from_slice(d).map_err(bad)?.public_key().to_sec1_bytes().to_vec(),
        _ => p256::SecretKey::from_slice(d).map_err(bad)?.public_key().to_sec1_bytes().to_vec(),
    })
}

/// The PKIX PEM of an uncompressed point, as Go's `pem.EncodeToMemory` writes it.
pub fn ec_public_pem(kind: KeyType, point: &[u8]) -> Result<String, OpError> {
    use pkcs8::EncodePublicKey;
    let bad = |_| internal("invalid EC public key");
    let lf = pkcs8::LineEnding::LF;
    let pem = match kind {
        KeyType::EcdsaP384 => p384::PublicKey::from_sec1_bytes(point).map_err(bad)?.to_public_key_pem(lf),
        KeyType::EcdsaP521 => p521::PublicKey::from_sec1_bytes(point).map_err(bad)?.to_public_key_pem(lf),
        _ => p256::PublicKey::from_sec1_bytes(point).map_err(bad)?.to_public_key_pem(lf),
    };
    pem.map_err(|e| internal(format!("error marshaling public key: {e}")))
}

/// Go's `rsa.PrivateKey` fields from a PKCS#8 RSA key.
fn go_rsa_from_pkcs8(der: &[u8]) -> Result<GoRsaPrivateKey, String> {
    let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(|e| format!("invalid PKCS#8 key: {e}"))?;
    go_rsa_from_pkcs1(info.private_key)
}

/// Go's `rsa.PrivateKey` fields from a PKCS#1 RSAPrivateKey.
pub fn go_rsa_from_pkcs1(der: &[u8]) -> Result<GoRsaPrivateKey, String> {
    let k = pkcs1::RsaPrivateKey::from_der(der).map_err(|e| format!("invalid RSA key: {e}"))?;
    let int = |u: pkcs1::UintRef<'_>| GoBigInt::from_bytes(u.as_bytes());
    let e = k.public_exponent.as_bytes().iter().fold(0u64, |a, b| a << 8 | u64::from(*b));
    let e = u32::try_from(e).map_err(|_| "RSA public exponent too large".to_string())?;
    Ok(GoRsaPrivateKey {
        n: int(k.modulus),
        e,
        d: int(k.private_exponent),
        primes: vec![int(k.prime1), int(k.prime2)],
        precomputed: GoRsaPrecomputed {
            dp: Some(int(k.exponent1)),
            dq: Some(int(k.exponent2)),
            qinv: Some(int(k.coefficient)),
            crt_values: Vec::new(),
        },
    })
}

/// PKCS#1 RSAPrivateKey DER of Go's key (two primes, CRT values present).
fn pkcs1_der(k: &GoRsaPrivateKey) -> Result<Zeroizing<Vec<u8>>, OpError> {
    let missing = || internal("RSA key lacks its CRT values");
    let [p, q] = k.primes.as_slice() else {
        return Err(internal("RSA keys with more than two primes are not supported"));
    };
    let pre = &k.precomputed;
    let e = GoBigInt::from_bytes(&k.e.to_be_bytes());
    let (dp, dq, qinv) = (
        pre.dp.as_ref().ok_or_else(missing)?,
        pre.dq.as_ref().ok_or_else(missing)?,
        pre.qinv.as_ref().ok_or_else(missing)?,
    );
    let key = pkcs1::RsaPrivateKey {
        modulus: uint(&k.n.0)?,
        public_exponent: uint(&e.0)?,
        private_exponent: uint(&k.d.0)?,
        prime1: uint(&p.0)?,
        prime2: uint(&q.0)?,
        exponent1: uint(&dp.0)?,
        exponent2: uint(&dq.0)?,
        coefficient: uint(&qinv.0)?,
        other_prime_infos: None,
    };
    key.to_der().map(Zeroizing::new).map_err(|e| internal(format!("error encoding RSA key: {e}")))
}

fn uint(b: &[u8]) -> Result<pkcs1::UintRef<'_>, OpError> {
    pkcs1::UintRef::new(b).map_err(|e| internal(format!("invalid RSA key: {e}")))
}

fn rsa_public_spki(n: &GoBigInt, e: u32) -> Result<Vec<u8>, OpError> {
    let e = GoBigInt::from_bytes(&e.to_be_bytes());
    let public = pkcs1::RsaPublicKey { modulus: uint(&n.0)?, public_exponent: uint(&e.0)? };
    let der = public.to_der().map_err(|e| internal(format!("error encoding RSA key: {e}")))?;
    let bits = pkcs8::der::asn1::BitStringRef::from_bytes(&der).map_err(internal)?;
    let info = pkcs8::SubjectPublicKeyInfoRef { algorithm: pkcs1::ALGORITHM_ID, subject_public_key: bits };
    info.to_der().map_err(|e| internal(format!("error encoding RSA key: {e}")))
}

fn load_rsa(entry: &KeyEntry) -> Result<RsaMaterial, OpError> {
    let rejected = |e: aws_lc_rs::error::KeyRejected| internal(format!("invalid RSA key: {e}"));
    if let Some(k) = &entry.rsa_key {
        let pkcs1 = pkcs1_der(k)?;
        let info = pkcs8::PrivateKeyInfo::new(pkcs1::ALGORITHM_ID, &pkcs1);
        let pkcs8 = Zeroizing::new(info.to_der().map_err(|e| internal(format!("error encoding RSA key: {e}")))?);
        let decrypting = PrivateDecryptingKey::from_pkcs8(&pkcs8).map_err(rejected)?;
        let public = decrypting.public_key();
        let spki = public.as_der().map_err(internal)?.as_ref().to_vec();
        let bits = decrypting.key_size_bits();
        return Ok(RsaMaterial {
            signing: Some(KeyPair::from_der(&pkcs1).map_err(rejected)?),
            decrypting: Some(OaepPrivateDecryptingKey::new(decrypting).map_err(internal)?),
            encrypting: OaepPublicEncryptingKey::new(public).map_err(internal)?,
            spki,
            pkcs1: Some(pkcs1),
            bits,
        });
    }
    let public = entry.rsa_public_key.as_ref().ok_or_else(|| internal("the key version has no RSA key"))?;
    let spki = rsa_public_spki(&public.n, public.e)?;
    let key = PublicEncryptingKey::from_der(&spki).map_err(rejected)?;
    let bits = key.key_size_bits();
    Ok(RsaMaterial {
        signing: None,
        decrypting: None,
        encrypting: OaepPublicEncryptingKey::new(key).map_err(internal)?,
        spki,
        pkcs1: None,
        bits,
    })
}

/// The point `04 ‖ x ‖ y` of a version's `ec_x`/`ec_y`.
fn ec_point(entry: &KeyEntry, len: usize) -> Result<Vec<u8>, OpError> {
    let missing = || internal("the key version has no EC public key");
    let x = entry.ec_x.as_ref().ok_or_else(missing)?.to_fixed(len).ok_or_else(missing)?;
    let y = entry.ec_y.as_ref().ok_or_else(missing)?.to_fixed(len).ok_or_else(missing)?;
    Ok([&[4u8][..], &x, &y].concat())
}

macro_rules! load_ec {
    ($curve:ident, $variant:ident, $entry:expr, $len:expr) => {{
        let bad = |_| internal("invalid EC key");
        let signing = match &$entry.ec_d {
            Some(d) => {
                let d = d.to_fixed($len).ok_or_else(|| internal("invalid EC key"))?;
                Some($curve::ecdsa::SigningKey::from_slice(&d).map_err(bad)?)
            }
            None => None,
        };
        let public = match &signing {
            Some(s) => $curve::ecdsa::VerifyingKey::from(s),
            None => $curve::ecdsa::VerifyingKey::from_sec1_bytes(&ec_point($entry, $len)?).map_err(bad)?,
        };
        Material::$variant(signing, public)
    }};
}

/// Parses a version's material (not for derived Ed25519 keys: see `derived_ed25519`).
fn load(kind: KeyType, entry: &KeyEntry) -> Result<Material, OpError> {
    Ok(match kind {
        KeyType::Ed25519 => match entry.key.as_deref().filter(|k| !k.is_empty()) {
            Some(key) => {
                let seed: [u8; 32] =
                    key.get(..32).and_then(|s| s.try_into().ok()).ok_or_else(|| internal("invalid ed25519 key"))?;
                let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
                let public = signing.verifying_key();
                Material::Ed25519(Some(signing), public)
            }
            None => {
                let raw = STANDARD.decode(entry.public_key.trim()).map_err(internal)?;
                let raw: [u8; 32] = raw.try_into().map_err(|_| internal("invalid ed25519 public key"))?;
                let public = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(internal)?;
                Material::Ed25519(None, public)
            }
        },
        KeyType::EcdsaP256 => load_ec!(p256, P256, entry, 32),
        KeyType::EcdsaP384 => load_ec!(p384, P384, entry, 48),
        KeyType::EcdsaP521 => load_ec!(p521, P521, entry, 66),
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => Material::Rsa(Box::new(load_rsa(entry)?)),
        t => return Err(internal(format!("unsupported key type {}", t.name()))),
    })
}

/// The version's material, parsed on first use and kept with the cached policy.
pub fn material(kind: KeyType, entry: &KeyEntry) -> Result<Arc<Material>, OpError> {
    entry
        .material
        .get_or_init(|| load(kind, entry).map(Arc::new).map_err(|e| e.message().to_string()))
        .clone()
        .map_err(OpError::Internal)
}

/// A derived Ed25519 key: HKDF-SHA256 of the version's 64-byte key with the context, read as
/// the seed (Vault feeds the HKDF stream to `ed25519.GenerateKey`).
pub fn derived_ed25519(entry: &KeyEntry, context: &[u8]) -> Result<ed25519_dalek::SigningKey, OpError> {
    let ikm = entry.key.as_deref().unwrap_or_default();
    let mut seed = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<sha2::Sha256>::new(None, ikm)
        .expand(context, &mut seed[..])
        .map_err(|e| internal(format!("error generating derived key: {e}")))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

/// The `public_key` a key read shows for a version (PEM, or base64 for Ed25519).
pub fn public_key_text(kind: KeyType, entry: &KeyEntry) -> Result<String, OpError> {
    match material(kind, entry)?.as_ref() {
        Material::Rsa(r) => Ok(pem("PUBLIC KEY", &r.spki)),
        _ => Ok(entry.public_key.clone()),
    }
}

/// Go's `pem.EncodeToMemory`: 64-character lines, a final newline.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// `export/signing-key|encryption-key|public-key` for an asymmetric version, as Vault's
/// `getExportKey` formats it (no `format` parameter: Vault's default encodings).
pub fn export(kind: KeyType, entry: &KeyEntry, export_type: &str) -> Result<String, OpError> {
    if export_type == "certificate-chain" {
        return Err(internal("selected key version does not have a certificate chain imported"));
    }
    let m = material(kind, entry)?;
    // SEC1 with the curve's OID and the public point, as Go's `MarshalECPrivateKey`.
    let ec_private = |d: &GoBigInt, len: usize| -> Result<String, OpError> {
        let d = d.to_fixed(len).ok_or_else(|| internal("invalid EC key"))?;
        let oid = match kind {
            KeyType::EcdsaP384 => "1.3.132.0.34",
            KeyType::EcdsaP521 => "1.3.132.0.35",
            _ => "1.2.840.10045.3.1.7",
        };
        let oid = sec1::der::asn1::ObjectIdentifier::new(oid).map_err(internal)?;
        let point = ec_point(entry, len)?;
        let key = sec1::EcPrivateKey {
            private_key: &d,
            parameters: Some(sec1::EcParameters::NamedCurve(oid)),
            public_key: Some(&point),
        };
        let der = Zeroizing::new(sec1::der::Encode::to_der(&key).map_err(internal)?);
        Ok(pem("EC PRIVATE KEY", &der).trim().to_string())
    };
    match (m.as_ref(), export_type) {
        (Material::Rsa(r), "public-key") => Ok(pem("PUBLIC KEY", &r.spki)),
        (Material::Rsa(r), _) => Ok(r.pkcs1.as_ref().map(|der| pem("RSA PRIVATE KEY", der)).unwrap_or_default()),
        (Material::Ed25519(..), "public-key") => Ok(entry.public_key.trim().to_string()),
        (Material::Ed25519(..), _) => Ok(STANDARD.encode(entry.key.as_deref().unwrap_or_default())),
        (_, "public-key") => Ok(entry.public_key.trim().to_string()),
        (_, _) => match &entry.ec_d {
            Some(d) => ec_private(d, ec_field_len(kind)),
            None => Ok(String::new()),
        },
    }
}

/// RSA-OAEP with SHA-256 (Vault's transit RSA encryption).
pub fn rsa_encrypt(kind: KeyType, entry: &KeyEntry, plaintext: &[u8]) -> Result<Vec<u8>, OpError> {
    let m = material(kind, entry)?;
    let Material::Rsa(r) = m.as_ref() else { return Err(internal("not an RSA key")) };
    let mut out = vec![0u8; r.encrypting.ciphertext_size()];
    let alg = &aws_lc_rs::rsa::OAEP_SHA256_MGF1SHA256;
    if plaintext.len() > r.encrypting.max_plaintext_size(alg) {
        return Err(internal("failed to RSA encrypt the plaintext: crypto/rsa: message too long for RSA key size"));
    }
    let n = r
        .encrypting
        .encrypt(alg, plaintext, &mut out, None)
        .map_err(|e| internal(format!("failed to RSA encrypt the plaintext: {e}")))?
        .len();
    out.truncate(n);
    Ok(out)
}

pub fn rsa_decrypt(kind: KeyType, entry: &KeyEntry, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpError> {
    rsa_oaep_decrypt(kind, entry, &aws_lc_rs::rsa::OAEP_SHA256_MGF1SHA256, ciphertext)
}

/// RSA-OAEP decryption with `algorithm`'s hash (BYOK unwrapping takes the client's).
pub fn rsa_oaep_decrypt(
    kind: KeyType,
    entry: &KeyEntry,
    algorithm: &'static aws_lc_rs::rsa::OaepAlgorithm,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OpError> {
    let m = material(kind, entry)?;
    let Material::Rsa(r) = m.as_ref() else { return Err(internal("not an RSA key")) };
    let key = r
        .decrypting
        .as_ref()
        .ok_or_else(|| internal("cannot decrypt ciphertext, key version does not have a private counterpart"))?;
    let mut out = Zeroizing::new(vec![0u8; key.min_output_size()]);
    let n = key
        .decrypt(algorithm, ciphertext, &mut out, None)
        .map_err(|_| internal("failed to RSA decrypt the ciphertext: crypto/rsa: decryption error"))?
        .len();
    out.truncate(n);
    Ok(out)
}
