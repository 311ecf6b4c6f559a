//! What a raft log entry and the membership record carry, encoded with prost (derive only, no
//! build script). Entries hold barrier ciphertext: raft sits below the barrier, so nothing here
//! is ever plaintext except what the barrier itself stores in clear (`core/seal-config`).
//!
//! These live in the actors crate because both the streamer (which proposes and applies them)
//! and the transport's snapshot shipping need them, while storage and transport know nothing
//! of each other (DESIGN.md): storage only sees decoded [`WriteOp`]s and opaque peer bytes.

use prost::Message;
use strongbox_storage::WriteOp;

/// The data of one normal raft entry: a batch of writes applied atomically.
#[derive(Clone, PartialEq, Message)]
pub struct EntryBatch {
    #[prost(message, repeated, tag = "1")]
    pub ops: Vec<EntryOp>,
}

/// One write: a put of `value` at `key`, or a delete when `delete` is set.
#[derive(Clone, PartialEq, Message)]
pub struct EntryOp {
    #[prost(string, tag = "1")]
    pub key: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
    #[prost(bool, tag = "3")]
    pub delete: bool,
}

/// One member of the cluster as Vault's `sys/storage/raft/configuration` shows it.
#[derive(Clone, PartialEq, Eq, Message)]
pub struct PeerRecord {
    /// raft-rs's numeric id (derived from `node_id`).
    #[prost(uint64, tag = "1")]
    pub raft_id: u64,
    /// Vault's node id (`storage "raft" { node_id }`).
    #[prost(string, tag = "2")]
    pub node_id: String,
    /// The cluster address (`cluster_addr`, host:port) peers reach it at.
    #[prost(string, tag = "3")]
    pub cluster_addr: String,
    /// The API address (`api_addr`) clients are redirected to.
    #[prost(string, tag = "4")]
    pub api_addr: String,
    /// Joined with `non_voter`: stays a non-voter, never promoted.
    #[prost(bool, tag = "5")]
    pub non_voter: bool,
}

/// Every member's record; stored beside the conf state (voter or not comes from raft's conf).
#[derive(Clone, PartialEq, Message)]
pub struct PeerSet {
    #[prost(message, repeated, tag = "1")]
    pub peers: Vec<PeerRecord>,
}

/// The data of a raft snapshot: every applied key and value, and the member records that go
/// with the snapshot's membership.
#[derive(Clone, PartialEq, Message)]
pub struct SnapshotData {
    #[prost(message, repeated, tag = "1")]
    pub kv: Vec<EntryOp>,
    #[prost(message, repeated, tag = "2")]
    pub peers: Vec<PeerRecord>,
}

pub fn encode_snapshot(kv: strongbox_storage::SnapshotData, peers: &[PeerRecord]) -> Vec<u8> {
    let kv = kv.into_iter().map(|(key, value)| EntryOp { key, value, delete: false }).collect();
    SnapshotData { kv, peers: peers.to_vec() }.encode_to_vec()
}

pub fn decode_snapshot(data: &[u8]) -> Result<(strongbox_storage::SnapshotData, Vec<PeerRecord>), DecodeError> {
    let snap = SnapshotData::decode(data)?;
    Ok((snap.kv.into_iter().map(|op| (op.key, op.value)).collect(), snap.peers))
}

#[derive(Debug, thiserror::Error)]
#[error("undecodable raft entry: {0}")]
pub struct DecodeError(#[from] prost::DecodeError);

pub fn encode_ops(ops: Vec<WriteOp>) -> Vec<u8> {
    let ops = ops
        .into_iter()
        .map(|op| match op {
            WriteOp::Put { key, value } => EntryOp { key, value, delete: false },
            WriteOp::Delete { key } => EntryOp { key, value: Vec::new(), delete: true },
        })
        .collect();
    EntryBatch { ops }.encode_to_vec()
}

pub fn decode_ops(data: &[u8]) -> Result<Vec<WriteOp>, DecodeError> {
    let batch = EntryBatch::decode(data)?;
    Ok(batch
        .ops
        .into_iter()
        .map(|op| match op.delete {
            true => WriteOp::Delete { key: op.key },
            false => WriteOp::Put { key: op.key, value: op.value },
        })
        .collect())
}

pub fn encode_peers(peers: &[PeerRecord]) -> Vec<u8> {
    PeerSet { peers: peers.to_vec() }.encode_to_vec()
}

pub fn decode_peers(data: &[u8]) -> Result<Vec<PeerRecord>, DecodeError> {
    Ok(PeerSet::decode(data)?.peers)
}

/// The context of a proposed entry: who proposed it and its sequence number there, so the
/// proposer (and only it) answers its caller when the entry is applied.
pub fn proposal_context(proposer: u64, seq: u64) -> Vec<u8> {
    let mut c = Vec::with_capacity(16);
    c.extend_from_slice(&proposer.to_be_bytes());
    c.extend_from_slice(&seq.to_be_bytes());
    c
}

pub fn parse_proposal_context(ctx: &[u8]) -> Option<(u64, u64)> {
    let (p, s) = (ctx.get(..8)?, ctx.get(8..16)?);
    Some((u64::from_be_bytes(p.try_into().ok()?), u64::from_be_bytes(s.try_into().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_round_trip_in_order() {
        let ops = vec![
            WriteOp::Put { key: "core/a".into(), value: vec![0, 1, 2] },
            WriteOp::Delete { key: "core/b".into() },
            WriteOp::Put { key: "core/c".into(), value: Vec::new() },
        ];
        assert_eq!(decode_ops(&encode_ops(ops.clone())).unwrap(), ops);
        assert!(decode_ops(&[0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn peers_and_contexts_round_trip() {
        let p = PeerRecord {
            raft_id: 9,
            node_id: "n1".into(),
            cluster_addr: "127.0.0.1:8201".into(),
            api_addr: "x".into(),
            non_voter: true,
        };
        assert_eq!(decode_peers(&encode_peers(std::slice::from_ref(&p))).unwrap(), vec![p]);
        assert_eq!(parse_proposal_context(&proposal_context(3, 77)), Some((3, 77)));
        assert_eq!(parse_proposal_context(b"short"), None);
    }
}
