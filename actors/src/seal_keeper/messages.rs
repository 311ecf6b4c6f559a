//! Messages of the seal keeper.

use super::SealStatus;
use crate::CoreError;
use actix::Message;
use zeroize::Zeroizing;

/// `sys/init`: split a new unseal key; leaves the node sealed, as Vault does.
#[derive(Message)]
#[rtype(result = "Result<InitResult, CoreError>")]
pub struct Init {
    pub secret_shares: u8,
    pub secret_threshold: u8,
    /// Fixes the root token's value (`-dev-root-token-id`).
    pub root_token_id: Option<String>,
    /// Base64 public keys: share i is returned encrypted to key i (`pgp_keys`).
    pub pgp_keys: Vec<String>,
    /// The root token is returned encrypted to this key (`root_token_pgp_key`).
    pub root_token_pgp_key: String,
}

pub struct InitResult {
    pub keys: Vec<Zeroizing<Vec<u8>>>,
    pub root_token: String,
}

/// Never prints the key shares or the root token.
impl std::fmt::Debug for InitResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitResult").field("keys", &self.keys.len()).field("root_token", &"<redacted>").finish()
    }
}

/// `sys/unseal`: one key part, or a reset of the progress.
#[derive(Message)]
#[rtype(result = "Result<SealStatus, CoreError>")]
pub struct SubmitUnsealKey {
    pub key: Option<Zeroizing<Vec<u8>>>,
    pub reset: bool,
}

/// `sys/seal`: run pre_seal and drop the keys.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct Seal;

/// Startup: read the seal config to learn whether the node is initialized.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct LoadSealConfig;

/// `sys/storage/raft/join` fetched the leader's challenge: the node now reports the leader's
/// seal config and answers the challenge once enough key shares are entered.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct SetPendingJoin {
    pub config: super::SealConfig,
    pub join: crate::ha::PendingJoin,
}

/// This node became the raft leader: run the post_unseal steps (it is unsealed already).
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct Activate;

/// This node is no longer the raft leader: run the pre_seal steps and stay unsealed.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub struct Deactivate;

/// Internal: a joined node's data arrived; unseal with the key the operator entered earlier.
#[derive(Message)]
#[rtype(result = "Result<(), CoreError>")]
pub(crate) struct UnsealWithKek {
    pub kek: Zeroizing<Vec<u8>>,
}

/// `sys/generate-root/attempt` and `sys/generate-root/update`; replies with Vault's status body
/// (`Null` for a cancel).
#[derive(Message)]
#[rtype(result = "Result<serde_json::Value, CoreError>")]
pub enum GenerateRoot {
    Status,
    /// Neither given: the server makes the OTP and returns it once.
    Start {
        otp: String,
        pgp_key: String,
    },
    Update {
        key: Zeroizing<Vec<u8>>,
        nonce: String,
    },
    Cancel,
}

/// `sys/rekey/init`, `sys/rekey/update` and `sys/rekey/verify`; replies with Vault's bodies
/// (`Null` for a cancel).
#[derive(Message)]
#[rtype(result = "Result<serde_json::Value, CoreError>")]
pub enum Rekey {
    Status,
    Start(RekeyRequest),
    Update { key: Zeroizing<Vec<u8>>, nonce: String },
    Cancel { nonce: Option<String> },
    VerifyStatus,
    Verify { key: Zeroizing<Vec<u8>>, nonce: String },
    VerifyRestart,
}

pub struct RekeyRequest {
    pub secret_shares: u8,
    pub secret_threshold: u8,
    pub pgp_keys: Vec<String>,
    pub backup: bool,
    pub require_verification: bool,
}
