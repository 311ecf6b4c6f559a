//! `sys/rekey`: new unseal key shares from a quorum of the current ones (Vault's
//! `vault/rekey.go` for a Shamir seal). The unseal key (KEK) is replaced; the root key it wraps
//! stays, so the keyring and every replica's data are untouched. The new seal config and the
//! newly wrapped root key are written in one atomic batch: a crash leaves either the old or the
//! new shares valid, never neither. Optional PGP encryption of the shares, a backup of the
//! encrypted shares, and verification with the new shares before they take effect.

use super::ceremony::{authenticate, bad_request, new_nonce, part_size_error, NotTheKey, Parts};
use super::{shamir, validate, Rekey, RekeyRequest, SealConfig, SealKeeper, SEAL_CONFIG_PATH, STORED_ROOT_KEY_PATH};
use crate::barrier::{random_key, Barrier};
use crate::CoreError;
use actix::prelude::*;
use base64::Engine;
use serde_json::{json, Value};
use strongbox_storage::WriteOp;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// PGP-encrypted shares kept by a rekey with `backup`, outside the barrier as Vault keeps them.
pub const BACKUP_PATH: &str = "core/unseal-keys-backup";

pub(super) struct RekeyAttempt {
    nonce: String,
    config: SealConfig,
    pgp_keys: Vec<String>,
    pgp_fingerprints: Vec<String>,
    backup: bool,
    verification_required: bool,
    parts: Parts,
    verification: Option<Verification>,
}

/// The new unseal key, held back until a threshold of its shares comes back.
struct Verification {
    nonce: String,
    kek: Zeroizing<Vec<u8>>,
    parts: Parts,
}

impl SealKeeper {
    fn rekey_status(&self) -> Value {
        let r = self.rekey.as_ref();
        let mut v = json!({
            "nonce": r.map(|r| r.nonce.as_str()).unwrap_or(""),
            "started": r.is_some(),
            "t": r.map_or(0, |r| r.config.secret_threshold),
            "n": r.map_or(0, |r| r.config.secret_shares),
            "progress": r.map_or(0, |r| r.parts.len()),
            "required": self.config.as_ref().map_or(0, |c| c.secret_threshold),
            "pgp_fingerprints": r.filter(|r| !r.pgp_fingerprints.is_empty()).map(|r| json!(r.pgp_fingerprints)),
            "backup": r.is_some_and(|r| r.backup),
            "verification_required": r.is_some_and(|r| r.verification_required),
        });
        if let Some(ver) = r.and_then(|r| r.verification.as_ref()) {
            v["verification_nonce"] = json!(ver.nonce);
        }
        v
    }

    fn verify_status(&self) -> Result<Value, CoreError> {
        let r = self.rekey.as_ref().ok_or_else(|| bad_request("no rekey configuration found"))?;
        let ver = r.verification.as_ref();
        Ok(json!({
            "nonce": ver.map(|v| v.nonce.as_str()).unwrap_or(""),
            "started": ver.is_some(),
            "t": r.config.secret_threshold,
            "n": r.config.secret_shares,
            "progress": ver.map_or(0, |v| v.parts.len()),
        }))
    }

    fn start_rekey(&mut self, req: RekeyRequest) -> Result<Value, CoreError> {
        if req.backup && req.pgp_keys.is_empty() {
            return Err(bad_request(
                "cannot request a backup of the new keys without providing PGP keys for encryption",
            ));
        }
        if !req.pgp_keys.is_empty() && req.pgp_keys.len() != req.secret_shares as usize {
            return Err(bad_request("incorrect number of PGP keys for rekey"));
        }
        if req.secret_threshold > req.secret_shares {
            return Err(bad_request("provided threshold greater than the total shares"));
        }
        validate(req.secret_shares, req.secret_threshold).map_err(|e| {
            let why = e.to_string().replace("invalid seal configuration: ", "");
            CoreError::internal(format!("invalid rekey seal configuration: {why}"))
        })?;
        let pgp_fingerprints = crate::pgp::fingerprints(&req.pgp_keys)
            .map_err(|e| CoreError::internal(format!("invalid rekey seal configuration: {e}")))?;
        if self.rekey.is_some() {
            return Err(bad_request("rekey already in progress"));
        }
        let attempt = RekeyAttempt {
            nonce: new_nonce(),
            config: SealConfig {
                kind: "shamir".into(),
                secret_shares: req.secret_shares,
                secret_threshold: req.secret_threshold,
            },
            pgp_keys: req.pgp_keys,
            pgp_fingerprints,
            backup: req.backup,
            verification_required: req.require_verification,
            parts: Parts::default(),
            verification: None,
        };
        tracing::info!(nonce = %attempt.nonce, shares = req.secret_shares, threshold = req.secret_threshold,
            verification_required = req.require_verification, backup = req.backup, "rekey initialized");
        self.rekey = Some(attempt);
        Ok(self.rekey_status())
    }

    fn cancel_rekey(&mut self, nonce: Option<String>) -> Result<Value, CoreError> {
        if let (Some(r), Some(n)) = (&self.rekey, nonce.filter(|n| !n.is_empty())) {
            if r.nonce != n {
                return Err(bad_request("invalid request"));
            }
        }
        self.rekey = None;
        Ok(Value::Null)
    }

    fn restart_verification(&mut self) -> Result<Value, CoreError> {
        if let Some(ver) = self.rekey.as_mut().and_then(|r| r.verification.as_mut()) {
            ver.parts = Parts::default();
            ver.nonce = new_nonce();
        }
        self.verify_status()
    }
}

type Reply = AtomicResponse<SealKeeper, Result<Value, CoreError>>;

fn ready(r: Result<Value, CoreError>) -> Reply {
    AtomicResponse::new(Box::pin(actix::fut::ready(r)))
}

impl Handler<Rekey> for SealKeeper {
    type Result = Reply;

    fn handle(&mut self, msg: Rekey, _: &mut Context<Self>) -> Reply {
        if self.config.is_none() {
            return ready(Err(bad_request("server is not yet initialized")));
        }
        match msg {
            Rekey::Status => ready(Ok(self.rekey_status())),
            Rekey::Start(req) => ready(self.start_rekey(req)),
            Rekey::Cancel { nonce } => ready(self.cancel_rekey(nonce)),
            Rekey::VerifyStatus => ready(self.verify_status()),
            Rekey::VerifyRestart => ready(self.restart_verification()),
            Rekey::Update { key, nonce } => self.rekey_update(key, nonce),
            Rekey::Verify { key, nonce } => self.rekey_verify(key, nonce),
        }
    }
}

/// The new shares as the client sees them: hex of each share, or of its PGP message.
struct NewShares {
    shares: Vec<Zeroizing<Vec<u8>>>,
    fingerprints: Vec<String>,
}

impl SealKeeper {
    fn rekey_update(&mut self, key: Zeroizing<Vec<u8>>, nonce: String) -> Reply {
        if let Some(why) = part_size_error(&key) {
            return ready(Err(bad_request(why)));
        }
        let threshold = self.config.as_ref().map_or(0, |c| c.secret_threshold);
        let Some(r) = self.rekey.as_mut() else {
            return ready(Err(bad_request("no barrier rekey in progress")));
        };
        if let Some(ver) = &r.verification {
            return ready(Err(bad_request(format!(
                "rekey operation already finished; verification must be performed; nonce for the verification operation is {:?}",
                ver.nonce
            ))));
        }
        if nonce != r.nonce {
            return ready(Err(bad_request(format!(
                "incorrect nonce supplied; nonce for this rekey operation is {:?}",
                r.nonce
            ))));
        }
        if r.parts.contains(&key) {
            return ready(Err(bad_request("given key has already been provided during this generation operation")));
        }
        r.parts.push(key);
        if r.parts.len() < threshold as usize {
            return ready(Ok(self.rekey_status()));
        }
        let combined = r.parts.take_combined(threshold);
        let (config, pgp_keys, backup, verify) =
            (r.config.clone(), r.pgp_keys.clone(), r.backup, r.verification_required);
        let rekey_nonce = r.nonce.clone();
        let (barrier, installed) = (self.barrier.clone(), config.clone());
        let fut = async move {
            let kek = combined.map_err(|e| CoreError::internal(format!("failed to compute root key: {e}")))?;
            // Vault's codes: shares that open nothing are a 500, a wrong root key a 400.
            authenticate(&barrier, &kek).await.map_err(|e| match e {
                NotTheKey::Undecryptable(m) => CoreError::internal(format!("failed to read root key: {m}")),
                NotTheKey::Mismatch(m) => bad_request(m),
            })?;
            let new_kek = random_key();
            let out = split_and_encrypt(&new_kek, &config, &pgp_keys)?;
            if backup {
                store_backup(&barrier, &rekey_nonce, &out).await?;
            }
            if !verify {
                perform_rekey(&barrier, &new_kek, &config).await?;
            }
            Ok::<_, CoreError>((new_kek, out))
        };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act: &mut SealKeeper, _| {
            let (new_kek, out) = res?;
            let mut reply = json!({
                "nonce": nonce,
                "complete": true,
                "keys": out.shares.iter().map(|k| hex::encode(k.as_slice())).collect::<Vec<_>>(),
                "keys_base64": out.shares.iter().map(|k| base64::engine::general_purpose::STANDARD.encode(k.as_slice())).collect::<Vec<_>>(),
                "pgp_fingerprints": if out.fingerprints.is_empty() { Value::Null } else { json!(out.fingerprints) },
                "backup": backup,
                "verification_required": verify,
            });
            match act.rekey.as_mut() {
                Some(r) if verify => {
                    let ver = Verification { nonce: new_nonce(), kek: new_kek, parts: Parts::default() };
                    reply["verification_nonce"] = json!(ver.nonce);
                    r.verification = Some(ver);
                }
                _ => act.finish_rekey(installed),
            }
            Ok(reply)
        })))
    }

    fn rekey_verify(&mut self, key: Zeroizing<Vec<u8>>, nonce: String) -> Reply {
        if let Some(why) = part_size_error(&key) {
            return ready(Err(bad_request(why)));
        }
        let Some(r) = self.rekey.as_mut() else {
            return ready(Err(bad_request("no rekey in progress")));
        };
        let threshold = r.config.secret_threshold;
        let config = r.config.clone();
        let Some(ver) = r.verification.as_mut() else {
            return ready(Err(bad_request("no rekey verification in progress")));
        };
        if nonce != ver.nonce {
            return ready(Err(bad_request(format!(
                "incorrect nonce supplied; nonce for this verify operation is {:?}",
                ver.nonce
            ))));
        }
        if ver.parts.contains(&key) {
            return ready(Err(bad_request("given key has already been provided during this verify operation")));
        }
        ver.parts.push(key);
        if ver.parts.len() < threshold as usize {
            return ready(self.verify_status());
        }
        let combined = ver.parts.take_combined(threshold);
        let matches = combined.as_ref().is_ok_and(|k| bool::from(k.as_slice().ct_eq(ver.kek.as_slice())));
        if !matches {
            ver.nonce = new_nonce();
            return ready(Err(match combined {
                Err(e) => CoreError::internal(format!("failed to compute key for verification: {e}")),
                Ok(_) => bad_request("rekey verification failed; incorrect key shares supplied"),
            }));
        }
        let (new_kek, ver_nonce, barrier) = (ver.kek.clone(), ver.nonce.clone(), self.barrier.clone());
        let fut = async move { perform_rekey(&barrier, &new_kek, &config).await.map(|_| config) };
        AtomicResponse::new(Box::pin(fut.into_actor(self).map(move |res, act: &mut SealKeeper, _| match res {
            Ok(config) => {
                act.finish_rekey(config);
                Ok(json!({ "nonce": ver_nonce, "complete": true }))
            }
            Err(e) => {
                if let Some(ver) = act.rekey.as_mut().and_then(|r| r.verification.as_mut()) {
                    ver.nonce = new_nonce();
                }
                Err(CoreError::internal(format!("failed to perform rekey: {e}")))
            }
        })))
    }

    fn finish_rekey(&mut self, config: SealConfig) {
        tracing::info!(shares = config.secret_shares, threshold = config.secret_threshold, "security barrier rekeyed");
        self.config = Some(config);
        self.rekey = None;
        self.publish();
    }
}

fn split_and_encrypt(kek: &[u8], config: &SealConfig, pgp_keys: &[String]) -> Result<NewShares, CoreError> {
    let shares = shamir::split(kek, config.secret_shares, config.secret_threshold);
    if pgp_keys.is_empty() {
        return Ok(NewShares { shares, fingerprints: Vec::new() });
    }
    // Vault encrypts the hex form of each share: `gpg -d` prints what `operator unseal` takes.
    let hexed: Vec<Zeroizing<String>> = shares.iter().map(|s| Zeroizing::new(hex::encode(s.as_slice()))).collect();
    let items: Vec<&[u8]> = hexed.iter().map(|h| h.as_bytes()).collect();
    let (fingerprints, messages) = crate::pgp::encrypt_each(&items, pgp_keys)
        .map_err(|e| CoreError::internal(format!("failed to encrypt shares: {e}")))?;
    Ok(NewShares { shares: messages.into_iter().map(Zeroizing::new).collect(), fingerprints })
}

/// Vault's `RekeyBackup` JSON (Go field names): the encrypted shares by key fingerprint.
async fn store_backup(barrier: &Barrier, nonce: &str, out: &NewShares) -> Result<(), CoreError> {
    let mut keys = serde_json::Map::new();
    for (fp, share) in out.fingerprints.iter().zip(&out.shares) {
        let list = keys.entry(fp.clone()).or_insert_with(|| json!([]));
        if let Value::Array(a) = list {
            a.push(json!(hex::encode(share.as_slice())));
        }
    }
    let body = serde_json::to_vec(&json!({ "Nonce": nonce, "Keys": keys }))?;
    barrier
        .physical()
        .put(BACKUP_PATH, body)
        .await
        .map_err(|e| CoreError::internal(format!("failed to save unseal key backup: {e}")))
}

/// Wraps the running root key with the new unseal key and installs it with the new config, in
/// one atomic write (replicated through raft on integrated storage).
async fn perform_rekey(barrier: &Barrier, new_kek: &[u8], config: &SealConfig) -> Result<(), CoreError> {
    let root = barrier.root_key()?;
    let wrapped = Barrier::seal_with(new_kek, STORED_ROOT_KEY_PATH, &root)?;
    let ops = vec![
        WriteOp::Put { key: SEAL_CONFIG_PATH.into(), value: serde_json::to_vec(config)? },
        WriteOp::Put { key: STORED_ROOT_KEY_PATH.into(), value: wrapped },
    ];
    barrier.physical().batch(ops).await.map_err(|e| CoreError::internal(format!("failed to store keys: {e}")))
}
