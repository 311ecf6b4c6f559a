//! `sys/generate-root`: a new root token from a quorum of unseal key holders (Vault's
//! `vault/generate_root.go`). The token leaves the server only encrypted: XOR'd with the
//! operator's one-time password, or encrypted to a PGP key. State lives in memory on the
//! active node; sealing or losing leadership drops it, as in Vault.

use super::ceremony::{authenticate, bad_request, new_nonce, part_size_error, NotTheKey, Parts};
use super::{GenerateRoot, SealKeeper};
use crate::CoreError;
use actix::prelude::*;
use base64::Engine;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::{json, Value};
use zeroize::Zeroizing;

/// A root token is `hvs.` and 24 characters; the OTP must be as long (Vault's `otp_length`).
pub const OTP_LENGTH: usize = 28;

pub(super) struct RootGeneration {
    nonce: String,
    otp: Option<Zeroizing<String>>,
    pgp_key: Option<String>,
    pgp_fingerprint: String,
    parts: Parts,
}

/// Vault's `roottoken.EncodeToken`: base64 (unpadded) of token XOR OTP.
pub fn encode_token(token: &str, otp: &str) -> Result<String, CoreError> {
    if token.len() != otp.len() {
        return Err(CoreError::internal(format!(
            "xor of root token failed: length of byte slices is not equivalent: {} != {}",
            otp.len(),
            token.len()
        )));
    }
    let xored: Zeroizing<Vec<u8>> = Zeroizing::new(otp.bytes().zip(token.bytes()).map(|(a, b)| a ^ b).collect());
    Ok(base64::engine::general_purpose::STANDARD_NO_PAD.encode(xored.as_slice()))
}

/// The reverse, as `operator generate-root -decode` does.
pub fn decode_token(encoded: &str, otp: &str) -> Result<Zeroizing<String>, String> {
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .map_err(|e| format!("error decoding base64'd token: {e}"))?;
    if bytes.len() != otp.len() {
        return Err(format!(
            "xor of root token failed: length of byte slices is not equivalent: {} != {}",
            otp.len(),
            bytes.len()
        ));
    }
    let plain: Vec<u8> = otp.bytes().zip(bytes).map(|(a, b)| a ^ b).collect();
    String::from_utf8(plain).map(Zeroizing::new).map_err(|_| "decoded token is not valid UTF-8".to_string())
}

pub fn random_otp() -> String {
    rand::rngs::OsRng.sample_iter(&Alphanumeric).take(OTP_LENGTH).map(char::from).collect()
}

impl SealKeeper {
    fn root_gen_status(&self, otp: &str) -> Value {
        let g = self.root_gen.as_ref();
        json!({
            "nonce": g.map(|g| g.nonce.as_str()).unwrap_or(""),
            "started": g.is_some(),
            "progress": g.map_or(0, |g| g.parts.len()),
            "required": self.config.as_ref().map_or(0, |c| c.secret_threshold),
            "complete": false,
            "encoded_token": "",
            "encoded_root_token": "",
            "pgp_fingerprint": g.map(|g| g.pgp_fingerprint.as_str()).unwrap_or(""),
            "otp": otp,
            "otp_length": OTP_LENGTH,
        })
    }

    fn start_root_gen(&mut self, otp: String, pgp_key: String) -> Result<Value, CoreError> {
        let (otp, generated) = match (otp.is_empty(), pgp_key.is_empty()) {
            (true, true) => (random_otp(), true),
            _ => (otp, false),
        };
        let mut gen = RootGeneration {
            nonce: new_nonce(),
            otp: None,
            pgp_key: None,
            pgp_fingerprint: String::new(),
            parts: Parts::default(),
        };
        if !otp.is_empty() {
            if otp.len() != OTP_LENGTH {
                return Err(bad_request("OTP string is wrong length"));
            }
            gen.otp = Some(Zeroizing::new(otp.clone()));
        } else {
            let fingerprints = crate::pgp::fingerprints(std::slice::from_ref(&pgp_key))
                .map_err(|e| bad_request(format!("error parsing PGP key: {e}")))?;
            gen.pgp_fingerprint = fingerprints.into_iter().next().unwrap_or_default();
            gen.pgp_key = Some(pgp_key);
        }
        if self.root_gen.is_some() {
            return Err(bad_request("root generation already in progress"));
        }
        tracing::info!(nonce = %gen.nonce, "root generation initialized");
        self.root_gen = Some(gen);
        Ok(self.root_gen_status(if generated { &otp } else { "" }))
    }

    /// The update's reply while parts are still missing (Vault's shape: no OTP length).
    fn root_gen_progress(&self, nonce: &str) -> Value {
        let mut v = self.root_gen_status("");
        v["nonce"] = json!(nonce);
        v["otp_length"] = json!(0);
        v
    }
}

impl Handler<GenerateRoot> for SealKeeper {
    type Result = AtomicResponse<Self, Result<Value, CoreError>>;

    fn handle(&mut self, msg: GenerateRoot, _: &mut Context<Self>) -> Self::Result {
        let ready = |r| AtomicResponse::new(Box::pin(actix::fut::ready(r)));
        let Some(threshold) = self.config.as_ref().map(|c| c.secret_threshold) else {
            return ready(Err(bad_request("server is not yet initialized")));
        };
        let (key, nonce) = match msg {
            GenerateRoot::Status => return ready(Ok(self.root_gen_status(""))),
            GenerateRoot::Start { otp, pgp_key } => return ready(self.start_root_gen(otp, pgp_key)),
            GenerateRoot::Cancel => {
                self.root_gen = None;
                return ready(Ok(Value::Null));
            }
            GenerateRoot::Update { key, nonce } => (key, nonce),
        };
        if let Some(why) = part_size_error(&key) {
            return ready(Err(bad_request(format!("invalid key: {why}"))));
        }
        let Some(gen) = self.root_gen.as_mut() else {
            return ready(Err(bad_request("no root generation in progress")));
        };
        if nonce != gen.nonce {
            return ready(Err(bad_request(format!(
                "incorrect nonce supplied; nonce for this root generation operation is {:?}",
                gen.nonce
            ))));
        }
        if gen.parts.contains(&key) {
            return ready(Err(bad_request("given key has already been provided during this generation operation")));
        }
        gen.parts.push(key);
        if gen.parts.len() < threshold as usize {
            return ready(Ok(self.root_gen_progress(&nonce)));
        }
        let combined = gen.parts.take_combined(threshold);
        let (otp, pgp_key, fingerprint) = (gen.otp.clone(), gen.pgp_key.clone(), gen.pgp_fingerprint.clone());
        let (barrier, lifecycle) = (self.barrier.clone(), self.lifecycle.clone());
        let fut = async move {
            let kek = combined.map_err(|e| bad_request(format!("failed to compute root key: {e}")))?;
            authenticate(&barrier, &kek).await.map_err(|e| {
                bad_request(match e {
                    NotTheKey::Undecryptable(m) => {
                        format!("root generation aborted: unable to authenticate: unable to retrieve stored keys: {m}")
                    }
                    NotTheKey::Mismatch(m) => format!("root generation aborted: {m}"),
                })
            })?;
            let token = Zeroizing::new(lifecycle.create_root_token(None).await?);
            let encoded = match (otp, pgp_key) {
                (Some(otp), _) => encode_token(&token, &otp)?,
                (None, Some(key)) => {
                    let (_, messages) = crate::pgp::encrypt_each(&[token.as_bytes()], &[key])?;
                    let message = messages.into_iter().next().unwrap_or_default();
                    base64::engine::general_purpose::STANDARD.encode(message)
                }
                (None, None) => return Err(CoreError::internal("unreachable condition")),
            };
            Ok(json!({
                "nonce": nonce,
                "started": true,
                "progress": threshold,
                "required": threshold,
                "complete": true,
                "encoded_token": encoded,
                "encoded_root_token": encoded,
                "pgp_fingerprint": fingerprint,
                "otp": "",
                "otp_length": 0,
            }))
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(|res: Result<Value, CoreError>, act, _| {
            if res.is_ok() {
                tracing::info!("root generation finished");
                act.root_gen = None;
            }
            res
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otp_encoding_round_trips_and_matches_vault() {
        let otp = random_otp();
        let token = "hvs.abcdefghijklmnopqrstuvwx";
        assert_eq!(token.len(), OTP_LENGTH);
        let encoded = encode_token(token, &otp).unwrap();
        assert!(!encoded.contains('='), "Vault uses unpadded base64");
        assert_eq!(decode_token(&encoded, &otp).unwrap().as_str(), token);
        assert!(encode_token("short", &otp).is_err());
    }
}
