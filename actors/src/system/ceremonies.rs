//! `sys/generate-root/*` and `sys/rekey/*` (Vault's `http/sys_generate_root.go`,
//! `http/sys_rekey.go`): unauthenticated, answered with Vault's bare JSON bodies, served by the
//! active node (a standby forwards them like any request) and audited like any request, with
//! the key shares in them HMAC'd. The ceremonies themselves run in the seal keeper.

use crate::core::Core;
use crate::handler;
use crate::logical::{Display, Field, FieldData, FieldType, Op, PathDef, Reply};
use crate::seal_keeper::rekey::BACKUP_PATH;
use crate::seal_keeper::{shamir, GenerateRoot, Rekey, RekeyRequest};
use crate::{CoreError, Request, Response};
use base64::Engine;
use serde_json::{json, Value};
use zeroize::Zeroizing;

const ROOT_GEN_START: &[Field] = &[
    Field::new(
        "otp",
        FieldType::String,
        "Specifies a base62 one-time password of otp_length characters the root token is XOR'd with.",
    ),
    Field::new("pgp_key", FieldType::String, "Specifies a base64-encoded PGP public key."),
];
const ROOT_GEN_UPDATE: &[Field] = &[
    Field::new("key", FieldType::String, "Specifies a single unseal key share."),
    Field::new("nonce", FieldType::String, "Specifies the nonce of the attempt."),
];
const REKEY_START: &[Field] = &[
    Field::new("secret_shares", FieldType::Int, "Specifies the number of shares to split the unseal key into."),
    Field::new("secret_threshold", FieldType::Int, "Specifies the number of shares required to reconstruct the unseal key. This must be less than or equal secret_shares."),
    Field::new("pgp_keys", FieldType::CommaStrings, "Specifies an array of PGP public keys used to encrypt the output unseal keys. Ordering is preserved. The keys must be base64-encoded from their original binary representation. The size of this array must be the same as secret_shares."),
    Field::new("backup", FieldType::Bool, "Specifies if using PGP-encrypted keys, whether Vault should also store a plaintext backup of the PGP-encrypted keys."),
    Field::new("require_verification", FieldType::Bool, "Turns on verification functionality"),
    Field::new("stored_shares", FieldType::Int, "Ignored: a Shamir seal stores no shares."),
];
const REKEY_UPDATE: &[Field] = &[
    Field::new("key", FieldType::String, "Specifies a single unseal key share."),
    Field::new("nonce", FieldType::String, "Specifies the nonce of the rekey attempt."),
];
const REKEY_VERIFY: &[Field] = &[
    Field::new("key", FieldType::String, "Specifies a single unseal share key from the new set of shares."),
    Field::new("nonce", FieldType::String, "Specifies the nonce of the rekey verification operation."),
];
const DECODE_TOKEN: &[Field] = &[
    Field::new(
        "encoded_token",
        FieldType::String,
        "Specifies the encoded token (result from generate-root-token call).",
    ),
    Field::new("otp", FieldType::String, "Specifies the otp code used for decoding."),
];
const TOKEN_GEN_HELP: &str = "Reads status, initializes, or cancels a root token generation process.";
const REKEY_CANCEL: &[Field] = &[Field::new("nonce", FieldType::String, "The nonce of the rekey attempt to cancel.")];

/// A body sent as Vault's raw handlers send it; a cancel answers 204.
fn bare(v: Value) -> Reply {
    match v {
        Value::Null => Ok(None),
        v => Ok(Some(Response { raw: Some(v), ..Default::default() })),
    }
}

/// Vault's rule for a key part: hex when it decodes to a plausible part, base64 otherwise.
fn key_part(d: &FieldData) -> Result<Zeroizing<Vec<u8>>, CoreError> {
    let key = Zeroizing::new(d.str_or_default("key"));
    if key.is_empty() {
        return Err(CoreError::invalid("'key' must be specified in request body as JSON"));
    }
    if let Ok(k) = hex::decode(key.as_str()) {
        if (shamir::MIN_KEY_SIZE..=shamir::MAX_KEY_SIZE).contains(&k.len()) {
            return Ok(Zeroizing::new(k));
        }
    }
    base64::engine::general_purpose::STANDARD
        .decode(key.as_str())
        .map(Zeroizing::new)
        .map_err(|_| CoreError::invalid("'key' must be a valid hex or base64 string"))
}

async fn root_gen_status(core: &Core, _: &Request, _: &FieldData) -> Reply {
    bare(core.generate_root(GenerateRoot::Status).await?)
}

async fn root_gen_start(core: &Core, _: &Request, d: &FieldData) -> Reply {
    let step = GenerateRoot::Start { otp: d.str_or_default("otp"), pgp_key: d.str_or_default("pgp_key") };
    bare(core.generate_root(step).await?)
}

async fn root_gen_cancel(core: &Core, _: &Request, _: &FieldData) -> Reply {
    bare(core.generate_root(GenerateRoot::Cancel).await?)
}

async fn root_gen_update(core: &Core, _: &Request, d: &FieldData) -> Reply {
    let step = GenerateRoot::Update { key: key_part(d)?, nonce: d.str_or_default("nonce") };
    bare(core.generate_root(step).await?)
}

/// OpenBao's authenticated `sys/generate-root-token/*` (what the `bao` CLI calls since 2.5):
/// the same ceremony behind a sudo token, answered in the data envelope.
fn enveloped(v: Value, keys: &[&str]) -> Reply {
    let started = v["started"] == json!(true);
    let mut data = serde_json::Map::new();
    for k in keys {
        if !started && matches!(*k, "nonce" | "pgp_fingerprint") {
            continue;
        }
        data.insert((*k).to_string(), v[*k].clone());
    }
    Ok(Some(Response::with_data(data)))
}

const STATUS_KEYS: &[&str] =
    &["started", "complete", "progress", "required", "otp", "otp_length", "nonce", "pgp_fingerprint"];

async fn token_gen_status(core: &Core, _: &Request, _: &FieldData) -> Reply {
    enveloped(core.generate_root(GenerateRoot::Status).await?, STATUS_KEYS)
}

async fn token_gen_start(core: &Core, _: &Request, d: &FieldData) -> Reply {
    let step = GenerateRoot::Start { otp: d.str_or_default("otp"), pgp_key: d.str_or_default("pgp_key") };
    enveloped(core.generate_root(step).await?, STATUS_KEYS)
}

async fn token_gen_update(core: &Core, _: &Request, d: &FieldData) -> Reply {
    if d.str_or_default("nonce").is_empty() {
        return Err(CoreError::invalid("nonce is required"));
    }
    if d.str_or_default("key").is_empty() {
        return Err(CoreError::invalid("key is required"));
    }
    let step = GenerateRoot::Update { key: key_part(d)?, nonce: d.str_or_default("nonce") };
    let v = core.generate_root(step).await?;
    enveloped(v, &["started", "complete", "progress", "required", "nonce", "encoded_token", "pgp_fingerprint"])
}

/// `sys/decode-token`: the OTP decoding `operator generate-root -decode` does locally.
async fn decode_token(_: &Core, _: &Request, d: &FieldData) -> Reply {
    let (encoded, otp) = (d.str_or_default("encoded_token"), d.str_or_default("otp"));
    if encoded.is_empty() || otp.is_empty() {
        return Err(CoreError::invalid("provided 'encoded_token' or 'otp' is empty"));
    }
    let token = crate::seal_keeper::generate_root::decode_token(&encoded, &otp).map_err(CoreError::invalid)?;
    Ok(Some(Response::from_value(json!({ "token": token.as_str() }))))
}

/// Shares and threshold as Vault's seal config validation words them.
fn count(d: &FieldData, name: &str, what: &str) -> Result<u8, CoreError> {
    match d.int_or_default(name) {
        n if n > 255 => {
            Err(CoreError::internal(format!("invalid rekey seal configuration: {what} must be less than 256")))
        }
        n => Ok(u8::try_from(n.max(0)).unwrap_or(0)),
    }
}

async fn rekey_status(core: &Core, _: &Request, _: &FieldData) -> Reply {
    bare(core.rekey(Rekey::Status).await?)
}

async fn rekey_start(core: &Core, _: &Request, d: &FieldData) -> Reply {
    let req = RekeyRequest {
        secret_shares: count(d, "secret_shares", "shares")?,
        secret_threshold: count(d, "secret_threshold", "threshold")?,
        pgp_keys: d.strings("pgp_keys").map(<[String]>::to_vec).unwrap_or_default(),
        backup: d.bool_or_default("backup"),
        require_verification: d.bool_or_default("require_verification"),
    };
    bare(core.rekey(Rekey::Start(req)).await?)
}

async fn rekey_cancel(core: &Core, _: &Request, d: &FieldData) -> Reply {
    bare(core.rekey(Rekey::Cancel { nonce: Some(d.str_or_default("nonce")) }).await?)
}

async fn rekey_update(core: &Core, _: &Request, d: &FieldData) -> Reply {
    bare(core.rekey(Rekey::Update { key: key_part(d)?, nonce: d.str_or_default("nonce") }).await?)
}

async fn verify_status(core: &Core, _: &Request, _: &FieldData) -> Reply {
    bare(core.rekey(Rekey::VerifyStatus).await?)
}

async fn verify_update(core: &Core, _: &Request, d: &FieldData) -> Reply {
    bare(core.rekey(Rekey::Verify { key: key_part(d)?, nonce: d.str_or_default("nonce") }).await?)
}

async fn verify_restart(core: &Core, _: &Request, _: &FieldData) -> Reply {
    bare(core.rekey(Rekey::VerifyRestart).await?)
}

/// `sys/rekey/backup`: the PGP-encrypted shares a rekey with `backup` kept (outside the
/// barrier, as Vault keeps them).
async fn backup_read(core: &Core, _: &Request, _: &FieldData) -> Reply {
    let Some(raw) = core.barrier.physical().get(BACKUP_PATH).await? else {
        return Err(CoreError::invalid("no backed-up keys found"));
    };
    let stored: Value =
        serde_json::from_slice(&raw).map_err(|e| CoreError::internal(format!("error decoding backup keys: {e}")))?;
    Ok(Some(Response::from_value(json!({ "nonce": stored["Nonce"], "keys": stored["Keys"] }))))
}

async fn backup_delete(core: &Core, _: &Request, _: &FieldData) -> Reply {
    core.barrier.physical().delete(BACKUP_PATH).await?;
    Ok(None)
}

/// A Shamir seal has no recovery keys: no backup of them exists.
async fn recovery_backup_read(_: &Core, _: &Request, _: &FieldData) -> Reply {
    Err(CoreError::invalid("no backed-up keys found"))
}

async fn recovery_backup_delete(_: &Core, _: &Request, _: &FieldData) -> Reply {
    Ok(None)
}

async fn recovery_rekey(_: &Core, _: &Request, _: &FieldData) -> Reply {
    Err(CoreError::invalid("recovery rekeying not supported"))
}

const ATTEMPT_HELP: &str = "Reads, generates, or deletes a root token regeneration process.";
const REKEY_HELP: &str =
    "Reads, starts or cancels a rekey attempt: new unseal key shares from a threshold of the current ones.";

fn root_gen_attempt(path: &'static str, suffix: &'static str, read_suffix: &'static str) -> PathDef<Core> {
    PathDef::new(path)
        .display(Display::ids("root-token-generation", ""))
        .op_display(Op::Read, Display::verb("", "read", read_suffix))
        .op_display(Op::Update, Display::verb("", "initialize", suffix))
        .op_display(Op::Delete, Display::verb("", "cancel", suffix))
        .fields(&[ROOT_GEN_START])
        .read(handler!(root_gen_status))
        .update(handler!(root_gen_start))
        .delete(handler!(root_gen_cancel))
        .help(ATTEMPT_HELP, ATTEMPT_HELP)
}

/// The table entries; all but the backups are in the sys table's `unauthenticated` list.
pub(super) fn paths() -> Vec<PathDef<Core>> {
    let recovery = |p: &'static str| {
        PathDef::new(p)
            .unpublished()
            .fields(&[REKEY_UPDATE])
            .read(handler!(recovery_rekey))
            .update(handler!(recovery_rekey))
            .delete(handler!(recovery_rekey))
            .help("Recovery keys: not used by a Shamir seal.", "Recovery keys: not used by a Shamir seal.")
    };
    vec![
        root_gen_attempt("generate-root", "2", "progress2"),
        root_gen_attempt("generate-root/attempt", "", "progress"),
        PathDef::new("generate-root/update")
            .display(Display::verb("root-token-generation", "update", ""))
            .fields(&[ROOT_GEN_UPDATE])
            .update(handler!(root_gen_update))
            .help("Enter a single unseal key share to progress the root generation attempt.", "If the threshold number of unseal key shares is reached, Vault will complete the root generation and issue the new token. Otherwise, this API must be called multiple times until that threshold is met. The attempt nonce must be provided with each call."),
        PathDef::new("rekey/init")
            .display(Display::ids("rekey-attempt", ""))
            .op_display(Op::Read, Display::verb("", "read", "progress"))
            .op_display(Op::Update, Display::verb("", "initialize", ""))
            .op_display(Op::Delete, Display::verb("", "cancel", ""))
            .fields(&[REKEY_START, REKEY_CANCEL])
            .read(handler!(rekey_status))
            .update(handler!(rekey_start))
            .delete(handler!(rekey_cancel))
            .help(REKEY_HELP, REKEY_HELP),
        PathDef::new("rekey/update")
            .display(Display::verb("rekey-attempt", "update", ""))
            .fields(&[REKEY_UPDATE])
            .update(handler!(rekey_update))
            .help("Enter a single unseal key share to progress the rekey of the Vault.", "If the threshold number of unseal key shares is reached, Vault will complete the rekey. Otherwise, this API must be called multiple times until that threshold is met. The rekey nonce operation must be provided with each call."),
        PathDef::new("rekey/verify")
            .display(Display::ids("rekey-verification", ""))
            .op_display(Op::Read, Display::verb("", "read", "progress"))
            .op_display(Op::Update, Display::verb("", "update", ""))
            .op_display(Op::Delete, Display::verb("", "cancel", ""))
            .fields(&[REKEY_VERIFY])
            .read(handler!(verify_status))
            .update(handler!(verify_update))
            .delete(handler!(verify_restart))
            .help("Read, start over or progress the verification of a rekey's new shares.", "With require_verification, the new shares take effect only once a threshold of them is entered here; a cancel restarts the verification with a new nonce."),
        PathDef::new("rekey/backup")
            .display(Display::ids("rekey", ""))
            .op_display(Op::Read, Display::verb("", "read", "backup-key"))
            .op_display(Op::Delete, Display::verb("", "delete", "backup-key"))
            .read(handler!(backup_read))
            .delete(handler!(backup_delete))
            .help("Allows fetching or deleting the backup of the rotated unseal keys.", "Allows fetching or deleting the backup of the rotated unseal keys."),
        PathDef::new("rekey/recovery-key-backup")
            .display(Display::ids("rekey", ""))
            .op_display(Op::Read, Display::verb("", "read", "backup-recovery-key"))
            .op_display(Op::Delete, Display::verb("", "delete", "backup-recovery-key"))
            .read(handler!(recovery_backup_read))
            .delete(handler!(recovery_backup_delete))
            .help("Allows fetching or deleting the backup of the rotated recovery keys.", "Allows fetching or deleting the backup of the rotated recovery keys."),
        // OpenBao names all three operations "generate-root-token", which makes its document
        // invalid (operation ids must be unique); the POST keeps the name, the others get their own.
        PathDef::new("generate-root-token/attempt")
            .display(Display::verb("", "generate", "root-token"))
            .op_display(Op::Read, Display::verb("", "read-generation-attempt", "root-token"))
            .op_display(Op::Delete, Display::verb("", "cancel-generation-attempt", "root-token"))
            .fields(&[ROOT_GEN_START])
            .read(handler!(token_gen_status))
            .update(handler!(token_gen_start))
            .delete(handler!(root_gen_cancel))
            .help(TOKEN_GEN_HELP, "OpenBao's authenticated form of sys/generate-root/attempt: the same ceremony, for a token with sudo on this path."),
        PathDef::new("generate-root-token/update")
            .display(Display::verb("", "update-generation-attempt", "root-token"))
            .fields(&[ROOT_GEN_UPDATE])
            .update(handler!(token_gen_update))
            .help(TOKEN_GEN_HELP, "OpenBao's authenticated form of sys/generate-root/update."),
        PathDef::new("decode-token")
            .display(Display::verb("", "decode", "root-token"))
            .fields(&[DECODE_TOKEN])
            .update(handler!(decode_token))
            .help("Decodes an encoded root token with its OTP.", "Decodes the encoded token a root token generation returned, with the OTP it was started with."),
        recovery("rekey-recovery-key/init"),
        recovery("rekey-recovery-key/update"),
        recovery("rekey-recovery-key/verify"),
    ]
}
