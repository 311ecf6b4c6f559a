//! `sys/storage/raft/snapshot`: save and restore the cluster's data.
//!
//! The archive is a gzip'd tar, laid out as Vault's raft snapshots are: `meta.json` (index,
//! term, cluster), `state.bin` (every stored key and its value: barrier ciphertext, never
//! plaintext), `SHA256SUMS` over both, and `SHA256SUMS.sealed` (the sums under the barrier). A restore verifies the sums, then that the
//! snapshot's keyring opens with this cluster's root key (else it came from another cluster
//! and needs `snapshot-force`), and replaces the data through one raft entry, so every member
//! applies it. The active node then reloads everything; after a forced restore from another
//! cluster the node seals itself: it must be unsealed with that cluster's keys.

use crate::barrier::{Barrier, KEYRING_PATH};
use crate::core::Core;
use crate::replication::{codec, RestoreSnapshot, TakeSnapshot, APPLY_TIMEOUT};
use crate::seal_keeper::{Activate, Deactivate, LoadSealConfig};
use crate::CoreError;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;

const META: &str = "meta.json";
const STATE: &str = "state.bin";
const SUMS: &str = "SHA256SUMS";
/// The sums encrypted by the barrier, as Vault adds them (its clients insist on the file).
const SEALED_SUMS: &str = "SHA256SUMS.sealed";
/// A decompressed archive larger than this is refused (a gzip bomb must not exhaust memory).
const MAX_UNPACKED: u64 = 1 << 30;

#[derive(Serialize, Deserialize)]
struct SnapshotMeta {
    version: u32,
    id: String,
    index: u64,
    term: u64,
    cluster_id: String,
}

/// An unreadable or corrupt archive: Vault answers 500 (`WriteSnapshotToTemp`'s error is
/// returned as is); only a snapshot of another cluster is the caller's mistake (400).
fn bad(msg: impl std::fmt::Display) -> CoreError {
    CoreError::internal(format!("failed to read snapshot file: {msg}"))
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn pack(files: &[(&str, &[u8])]) -> Result<Vec<u8>, CoreError> {
    let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), flate2::Compression::default()));
    for (name, body) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
        header.set_cksum();
        tar.append_data(&mut header, name, *body).map_err(CoreError::internal)?;
    }
    tar.into_inner().and_then(|gz| gz.finish()).map_err(CoreError::internal)
}

fn unpack(archive: &[u8]) -> Result<HashMap<String, Vec<u8>>, CoreError> {
    let mut files = HashMap::new();
    let mut tar = tar::Archive::new(GzDecoder::new(archive).take(MAX_UNPACKED));
    for entry in tar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let name = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).map_err(bad)?;
        files.insert(name, body);
    }
    Ok(files)
}

/// Checks `SHA256SUMS` against the other files and returns them.
fn verified(archive: &[u8]) -> Result<(SnapshotMeta, Vec<u8>), CoreError> {
    let files = unpack(archive)?;
    let get = |n: &str| files.get(n).ok_or_else(|| bad(format!("{n} is missing")));
    let sums = String::from_utf8_lossy(get(SUMS)?).into_owned();
    for name in [META, STATE] {
        let want = sums
            .lines()
            .find_map(|l| l.split_once("  ").filter(|(_, n)| *n == name).map(|(h, _)| h.to_string()))
            .ok_or_else(|| bad(format!("no checksum for {name}")))?;
        if want != sha256_hex(get(name)?) {
            return Err(CoreError::internal(format!(
                "failed to verify the snapshot: checksum mismatch for {name} (the file is corrupt or was changed)"
            )));
        }
    }
    let meta: SnapshotMeta = serde_json::from_slice(get(META)?).map_err(bad)?;
    Ok((meta, get(STATE)?.clone()))
}

impl Core {
    /// `GET sys/storage/raft/snapshot`.
    pub async fn raft_snapshot_save(&self) -> Result<Vec<u8>, CoreError> {
        let ha = self.ha()?;
        let (index, term, data) =
            ha.raft.streamer().send(TakeSnapshot).await.map_err(CoreError::internal)?.map_err(CoreError::internal)?;
        let state = codec::encode_snapshot(data, &[]);
        let cluster_id = self.seal_status().cluster_id.clone().unwrap_or_default();
        let id = format!("{term}-{index}-{}", chrono::Utc::now().timestamp_millis());
        let meta = serde_json::to_vec(&SnapshotMeta { version: 1, id, index, term, cluster_id })?;
        let sums = format!("{}  {META}\n{}  {STATE}\n", sha256_hex(&meta), sha256_hex(&state));
        let sealed = self.barrier.encrypt(SEALED_SUMS, sums.as_bytes())?;
        pack(&[(META, &meta), (STATE, &state), (SUMS, sums.as_bytes()), (SEALED_SUMS, &sealed)])
    }

    /// `POST sys/storage/raft/snapshot` (`force`: `snapshot-force`).
    pub async fn raft_snapshot_restore(&self, archive: &[u8], force: bool) -> Result<(), CoreError> {
        let ha = self.ha()?;
        let (meta, state) = verified(archive)?;
        let (data, _) = codec::decode_snapshot(&state).map_err(bad)?;
        let keyring = data.iter().find(|(k, _)| k == KEYRING_PATH).map(|(_, v)| v.as_slice());
        let root = self.barrier.root_key()?;
        let ours = keyring.is_some_and(|ct| Barrier::open_with(&root, KEYRING_PATH, ct).is_ok());
        if !ours && !force {
            return Err(CoreError::invalid(
                "failed to verify the snapshot: its keyring cannot be opened with this cluster's keys \
                 (it was taken on another cluster); use snapshot-force to restore it anyway",
            ));
        }
        let applied = ha
            .raft
            .streamer()
            .send(RestoreSnapshot { data })
            .await
            .map_err(CoreError::internal)?
            .map_err(CoreError::internal)?;
        match tokio::time::timeout(APPLY_TIMEOUT, applied).await {
            Ok(Ok(Ok(_))) => {}
            Ok(Ok(Err(e))) => return Err(CoreError::internal(e)),
            _ => return Err(CoreError::internal("timed out applying the snapshot")),
        }
        tracing::info!(index = meta.index, term = meta.term, id = %meta.id, force, "restored a raft snapshot");
        if !ours {
            // The data is another cluster's: only its keys open it (and its seal config counts).
            self.seal().await?;
            return self.seal.send(LoadSealConfig).await?;
        }
        // Mounts, policies, tokens and leases are reloaded from the restored data.
        self.seal.send(Deactivate).await??;
        self.seal.send(Activate).await?
    }
}
