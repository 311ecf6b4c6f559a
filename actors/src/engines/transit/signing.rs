//! Signing and verification with a key version, as Vault's keysutil `SignWithOptions` and
//! `VerifySignatureWithOptions`: the `vault:v<N>:` prefix, ASN.1 or JWS marshaling, RSA PSS
//! (salt `auto` is the largest when signing) or PKCS#1 v1.5, derived Ed25519 keys.

use super::asym::{self, Material};
use super::cipher::OpError;
use super::policy::Policy;
use aws_lc_rs::rsa::RsaPssSaltLength;
use aws_lc_rs::signature::{self as lc, RsaEncoding, RsaParameters, RsaSignatureEncoding};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use sha2::Digest;
use std::sync::OnceLock;

/// Vault's `hash_algorithm` names (`none`: the input is the digest).
pub fn hash(algorithm: &str, input: &[u8]) -> Option<Vec<u8>> {
    Some(match algorithm {
        "none" => input.to_vec(),
        "sha1" => sha1::Sha1::digest(input).to_vec(),
        "sha2-224" => sha2::Sha224::digest(input).to_vec(),
        "sha2-256" => sha2::Sha256::digest(input).to_vec(),
        "sha2-384" => sha2::Sha384::digest(input).to_vec(),
        "sha2-512" => sha2::Sha512::digest(input).to_vec(),
        "sha3-224" => sha3::Sha3_224::digest(input).to_vec(),
        "sha3-256" => sha3::Sha3_256::digest(input).to_vec(),
        "sha3-384" => sha3::Sha3_384::digest(input).to_vec(),
        "sha3-512" => sha3::Sha3_512::digest(input).to_vec(),
        _ => return None,
    })
}

/// `salt_length`: Go's `PSSSaltLengthAuto` (0), `PSSSaltLengthEqualsHash` (-1) or a length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Salt {
    Auto,
    Hash,
    Len(usize),
}

impl Salt {
    /// Vault's `getSaltLength` texts.
    pub fn parse(text: &str) -> Result<Salt, String> {
        match text.to_ascii_lowercase().as_str() {
            "auto" | "0" => Ok(Salt::Auto),
            "hash" | "-1" => Ok(Salt::Hash),
            other => match other.parse::<i64>() {
                Ok(n) if n >= 1 => Ok(Salt::Len(usize::try_from(n).unwrap_or(usize::MAX))),
                Ok(n) => Err(format!("salt length is invalid: {n}")),
                Err(_) => Err(format!("salt length neither 'auto', 'hash', nor an int: {text}")),
            },
        }
    }

    /// Go's number for the `requested salt length %d is invalid` text.
    fn go_number(self) -> i64 {
        match self {
            Salt::Auto => 0,
            Salt::Hash => -1,
            Salt::Len(n) => i64::try_from(n).unwrap_or(i64::MAX),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub hash: String,
    pub jws: bool,
    pub salt: Salt,
    /// `signature_algorithm`: `pss` (the default) or `pkcs1v15`.
    pub rsa_algorithm: String,
}

fn user(m: impl Into<String>) -> OpError {
    OpError::User(m.into())
}

fn internal(m: impl Into<String>) -> OpError {
    OpError::Internal(m.into())
}

/// A signature and, for derived Ed25519 keys, the derived public key.
pub struct Signed {
    pub signature: String,
    pub public_key: Option<Vec<u8>>,
}

/// The digest as an ECDSA field-sized value: Go's `hashToInt` reads a short digest as an
/// integer, which left-padding keeps, and a long one from its leftmost bytes.
fn ec_prehash(digest: &[u8], len: usize) -> Vec<u8> {
    if digest.len() >= len {
        return digest[..len].to_vec();
    }
    let mut out = vec![0u8; len - digest.len()];
    out.extend_from_slice(digest);
    out
}

macro_rules! ec_sign {
    ($curve:ident, $key:expr, $digest:expr, $len:expr, $jws:expr) => {{
        let key = $key.as_ref().ok_or_else(|| user("requested version for signing does not contain a private part"))?;
        let sig: $curve::ecdsa::Signature =
            key.sign_prehash(&ec_prehash($digest, $len)).map_err(|e| internal(e.to_string()))?;
        if $jws {
            sig.to_bytes().to_vec()
        } else {
            sig.to_der().as_bytes().to_vec()
        }
    }};
}

macro_rules! ec_verify {
    ($curve:ident, $public:expr, $digest:expr, $sig:expr, $len:expr, $jws:expr) => {{
        let sig = if $jws {
            let half = $sig.len() / 2;
            let (r, s) = $sig.split_at(half);
            let fixed = |v: &[u8]| -> Option<Vec<u8>> {
                let v = &v[v.iter().position(|b| *b != 0).unwrap_or(v.len())..];
                (v.len() <= $len).then(|| ec_prehash(v, $len))
            };
            match (fixed(r), fixed(s)) {
                (Some(r), Some(s)) => $curve::ecdsa::Signature::from_slice(&[r, s].concat()).ok(),
                _ => None,
            }
        } else {
            Some($curve::ecdsa::Signature::from_der($sig).map_err(|_| user("supplied signature is invalid"))?)
        };
        Ok(sig.is_some_and(|sig| $public.verify_prehash(&ec_prehash($digest, $len), &sig).is_ok()))
    }};
}

/// The version a signature is made with, checked as Vault's `SignWithOptions`.
fn signing_version(p: &Policy, requested: i64) -> Result<i64, OpError> {
    match requested {
        0 => Ok(p.latest_version),
        v if v < 0 => Err(user("requested version for signing is negative")),
        v if v > p.latest_version => Err(user("requested version for signing is higher than the latest key version")),
        v if p.min_encryption_version > 0 && v < p.min_encryption_version => {
            Err(user("requested version for signing is less than the minimum encryption key version"))
        }
        v => Ok(v),
    }
}

/// Signs `input` (already hashed for ECDSA and RSA, unless `prehashed` made it the digest).
pub fn sign(p: &Policy, version: i64, context: &[u8], input: &[u8], o: &Options) -> Result<Signed, OpError> {
    if !p.kind.supports_signing() {
        return Err(internal(format!("message signing not supported for key type {}", p.kind.name())));
    }
    let version = signing_version(p, version)?;
    let entry = p.entry(version).ok_or_else(|| user("no such key version"))?;
    let mut public_key = None;
    let raw = match asym::material(p.kind, entry)?.as_ref() {
        Material::Ed25519(key, _) => {
            let key = if p.derived {
                let derived = asym::derived_ed25519(entry, context)?;
                public_key = Some(derived.verifying_key().to_bytes().to_vec());
                derived
            } else {
                key.clone().ok_or_else(|| user("requested version for signing does not contain a private part"))?
            };
            ed25519_dalek::Signer::sign(&key, input).to_bytes().to_vec()
        }
        Material::P256(key, _) => ec_sign!(p256, key, input, 32, o.jws),
        Material::P384(key, _) => ec_sign!(p384, key, input, 48, o.jws),
        Material::P521(key, _) => ec_sign!(p521, key, input, 66, o.jws),
        Material::Rsa(r) => {
            let key = r
                .signing
                .as_ref()
                .ok_or_else(|| user("requested version for signing does not contain a private part"))?;
            let encoding = rsa_encoding(o, r.bits)?;
            let digest = aws_lc_rs::digest::Digest::import_less_safe(input, encoding.digest_alg)
                .map_err(|_| internal("crypto/rsa: input must be hashed with given hash"))?;
            let mut sig = vec![0u8; key.public_modulus_len()];
            key.sign_digest(encoding.encoding, &digest, &mut sig).map_err(|e| internal(e.to_string()))?;
            sig
        }
    };
    let encoded = if o.jws { URL_SAFE_NO_PAD.encode(raw) } else { STANDARD.encode(raw) };
    Ok(Signed { signature: format!("{}{encoded}", p.prefix(version)), public_key })
}

/// Verifies `signature` over `input` (hashed as for `sign`).
pub fn verify(p: &Policy, context: &[u8], input: &[u8], signature: &str, o: &Options) -> Result<bool, OpError> {
    if !p.kind.supports_signing() {
        return Err(user(format!("message verification not supported for key type {}", p.kind.name())));
    }
    let prefix = p.prefix(0);
    let (head, tail) = prefix.split_once('0').unwrap_or((prefix.as_str(), ""));
    let rest = signature.strip_prefix(head).ok_or_else(|| user("invalid signature: no prefix"))?;
    let (ver, body) = rest.split_once(tail).ok_or_else(|| user("invalid signature: wrong number of fields"))?;
    let version: i64 = ver.parse().map_err(|_| user("invalid signature: version number could not be decoded"))?;
    if version > p.latest_version {
        return Err(user("invalid signature: version is too new"));
    }
    if p.min_decryption_version > 0 && version < p.min_decryption_version {
        return Err(user("ciphertext or signature version is disallowed by policy (too old)"));
    }
    let sig = if o.jws { URL_SAFE_NO_PAD.decode(body) } else { STANDARD.decode(body) }
        .map_err(|_| user("invalid base64 signature value"))?;
    let entry = p.entry(version).ok_or_else(|| user("no such key version"))?;
    match asym::material(p.kind, entry)?.as_ref() {
        Material::Ed25519(_, public) => {
            let public = if p.derived { asym::derived_ed25519(entry, context)?.verifying_key() } else { *public };
            let Ok(sig) = ed25519_dalek::Signature::from_slice(&sig) else { return Ok(false) };
            Ok(ed25519_dalek::Verifier::verify(&public, input, &sig).is_ok())
        }
        Material::P256(_, public) => ec_verify!(p256, public, input, &sig[..], 32, o.jws),
        Material::P384(_, public) => ec_verify!(p384, public, input, &sig[..], 48, o.jws),
        Material::P521(_, public) => ec_verify!(p521, public, input, &sig[..], 66, o.jws),
        Material::Rsa(r) => {
            let candidates = rsa_verifiers(o, r.bits)?;
            let Ok(digest) = aws_lc_rs::digest::Digest::import_less_safe(input, candidates.0) else {
                return Ok(false);
            };
            Ok(candidates
                .1
                .iter()
                .any(|params| lc::UnparsedPublicKey::new(*params, &r.spki).verify_digest(&digest, &sig).is_ok()))
        }
    }
}

struct Encoding {
    encoding: &'static RsaSignatureEncoding,
    digest_alg: &'static aws_lc_rs::digest::Algorithm,
}

/// The RSA hashes this server signs with (aws-lc-rs offers RSA signatures over SHA-2 256, 384
/// and 512 only; Vault also takes SHA-1, SHA-224, SHA-3 and `none`).
fn rsa_hash(o: &Options) -> Result<(usize, &'static aws_lc_rs::digest::Algorithm), OpError> {
    match o.hash.as_str() {
        "sha2-256" => Ok((0, &aws_lc_rs::digest::SHA256)),
        "sha2-384" => Ok((1, &aws_lc_rs::digest::SHA384)),
        "sha2-512" => Ok((2, &aws_lc_rs::digest::SHA512)),
        other => Err(user(format!("hash algorithm {other} is not supported for RSA keys by this server"))),
    }
}

/// The largest PSS salt for a key of `bits` (Go's `maxRSAPSSSaltLength`).
fn max_salt(bits: usize, hash_len: usize) -> usize {
    bits.saturating_sub(1).div_ceil(8).saturating_sub(2 + hash_len)
}

/// Salt lengths 1..=MAX_SALT as `'static` encodings (aws-lc-rs takes them by `'static` reference).
const MAX_SALT: usize = 1024;

fn custom_encodings() -> &'static [Vec<RsaSignatureEncoding>; 3] {
    static TABLE: OnceLock<[Vec<RsaSignatureEncoding>; 3]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let make = |base: fn() -> RsaSignatureEncoding| {
            (0..=MAX_SALT).map(|n| base().with_pss_salt_length(RsaPssSaltLength::Custom(n as u16))).collect()
        };
        [make(|| lc::RSA_PSS_SHA256), make(|| lc::RSA_PSS_SHA384), make(|| lc::RSA_PSS_SHA512)]
    })
}

fn custom_params() -> &'static [Vec<RsaParameters>; 3] {
    static TABLE: OnceLock<[Vec<RsaParameters>; 3]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let make = |base: fn() -> RsaParameters| {
            (0..=MAX_SALT).map(|n| base().with_pss_salt_length(RsaPssSaltLength::Custom(n as u16))).collect()
        };
        [
            make(|| lc::RSA_PSS_2048_8192_SHA256),
            make(|| lc::RSA_PSS_2048_8192_SHA384),
            make(|| lc::RSA_PSS_2048_8192_SHA512),
        ]
    })
}

fn pss_len(o: &Options, bits: usize, digest_alg: &aws_lc_rs::digest::Algorithm) -> Result<usize, OpError> {
    let hash_len = digest_alg.output_len();
    let max = max_salt(bits, hash_len);
    let len = match o.salt {
        Salt::Auto => max,
        Salt::Hash => hash_len,
        Salt::Len(n) => n,
    };
    if len > max || len > MAX_SALT {
        return Err(user(format!("requested salt length {} is invalid", o.salt.go_number())));
    }
    Ok(len)
}

fn rsa_encoding(o: &Options, bits: usize) -> Result<Encoding, OpError> {
    let (i, digest_alg) = rsa_hash(o)?;
    let encoding: &'static RsaSignatureEncoding = match o.rsa_algorithm.as_str() {
        "" | "pss" => &custom_encodings()[i][pss_len(o, bits, digest_alg)?],
        "pkcs1v15" => [&lc::RSA_PKCS1_SHA256, &lc::RSA_PKCS1_SHA384, &lc::RSA_PKCS1_SHA512][i],
        other => return Err(internal(format!("unsupported rsa signature algorithm {other}"))),
    };
    let _: &dyn RsaEncoding = encoding;
    Ok(Encoding { encoding, digest_alg })
}

/// The parameters a signature may match: with salt `auto`, Go's verifier finds any salt
/// length; the largest (Go's and this server's signing default) and the hash's length are tried.
fn rsa_verifiers(
    o: &Options,
    bits: usize,
) -> Result<(&'static aws_lc_rs::digest::Algorithm, Vec<&'static RsaParameters>), OpError> {
    let (i, digest_alg) = rsa_hash(o)?;
    let table = &custom_params()[i];
    let params = match o.rsa_algorithm.as_str() {
        "" | "pss" if o.salt == Salt::Auto => {
            let max = pss_len(o, bits, digest_alg)?;
            vec![&table[max], &table[digest_alg.output_len()]]
        }
        "" | "pss" => vec![&table[pss_len(o, bits, digest_alg)?]],
        "pkcs1v15" => {
            vec![[&lc::RSA_PKCS1_2048_8192_SHA256, &lc::RSA_PKCS1_2048_8192_SHA384, &lc::RSA_PKCS1_2048_8192_SHA512][i]]
        }
        other => return Err(internal(format!("unsupported rsa signature algorithm {other}"))),
    };
    Ok((digest_alg, params))
}

#[cfg(test)]
mod tests {
    use super::super::policy::KeyType;
    use super::*;

    fn key(kind: KeyType) -> Policy {
        let mut p = Policy { name: "k".into(), kind, ..Default::default() };
        p.add_version(chrono::Utc::now()).unwrap();
        p
    }

    fn opts(hash: &str, jws: bool, salt: Salt, alg: &str) -> Options {
        Options { hash: hash.into(), jws, salt, rsa_algorithm: alg.into() }
    }

    #[test]
    fn every_signing_type_round_trips_and_rejects_other_input() {
        for kind in [KeyType::Ed25519, KeyType::EcdsaP256, KeyType::EcdsaP384, KeyType::EcdsaP521, KeyType::Rsa2048] {
            let p = key(kind);
            for (jws, salt, alg) in
                [(false, Salt::Auto, "pss"), (true, Salt::Hash, "pkcs1v15"), (false, Salt::Len(7), "")]
            {
                let o = opts("sha2-256", jws, salt, alg);
                let digest =
                    if kind == KeyType::Ed25519 { b"message".to_vec() } else { hash("sha2-256", b"message").unwrap() };
                let s = sign(&p, 0, b"", &digest, &o).unwrap();
                assert!(s.signature.starts_with("vault:v1:"), "{}", s.signature);
                assert!(verify(&p, b"", &digest, &s.signature, &o).unwrap(), "{kind:?} {jws} {salt:?}");
                let other =
                    if kind == KeyType::Ed25519 { b"other".to_vec() } else { hash("sha2-256", b"other").unwrap() };
                assert!(!verify(&p, b"", &other, &s.signature, &o).unwrap(), "{kind:?}");
            }
        }
    }

    #[test]
    fn salt_lengths_and_hashes_are_checked_as_vault_does() {
        assert_eq!(Salt::parse("-2"), Err("salt length is invalid: -2".into()));
        assert_eq!(Salt::parse("foobar"), Err("salt length neither 'auto', 'hash', nor an int: foobar".into()));
        assert_eq!(
            (Salt::parse("0"), Salt::parse("-1"), Salt::parse("5")),
            (Ok(Salt::Auto), Ok(Salt::Hash), Ok(Salt::Len(5)))
        );
        let p = key(KeyType::Rsa2048);
        let digest = hash("sha2-256", b"m").unwrap();
        let too_long = sign(&p, 0, b"", &digest, &opts("sha2-256", false, Salt::Len(223), "pss"));
        assert_eq!(too_long.err(), Some(OpError::User("requested salt length 223 is invalid".into())));
        assert!(sign(&p, 0, b"", &digest, &opts("sha2-256", false, Salt::Len(222), "pss")).is_ok());
        // A PSS signature with the largest salt verifies with `auto` and with its length.
        let s = sign(&p, 0, b"", &digest, &opts("sha2-256", false, Salt::Auto, "pss")).unwrap();
        assert!(verify(&p, b"", &digest, &s.signature, &opts("sha2-256", false, Salt::Len(222), "pss")).unwrap());
        assert!(!verify(&p, b"", &digest, &s.signature, &opts("sha2-256", false, Salt::Hash, "pss")).unwrap());
    }

    #[test]
    fn derived_ed25519_signs_per_context_and_returns_the_public_key() {
        let mut p = Policy { name: "k".into(), kind: KeyType::Ed25519, derived: true, kdf: 1, ..Default::default() };
        p.add_version(chrono::Utc::now()).unwrap();
        let o = opts("sha2-256", false, Salt::Auto, "");
        let a = sign(&p, 0, b"ctx-a", b"m", &o).unwrap();
        let b = sign(&p, 0, b"ctx-b", b"m", &o).unwrap();
        assert_ne!(a.public_key, b.public_key);
        assert!(verify(&p, b"ctx-a", b"m", &a.signature, &o).unwrap());
        assert!(!verify(&p, b"ctx-b", b"m", &a.signature, &o).unwrap());
    }
}
