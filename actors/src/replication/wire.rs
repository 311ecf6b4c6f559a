//! Between the raft node and the transport: raft messages out (a snapshot message gets the
//! applied data attached here, outside `Storage::snapshot`, as TiKV does) and raft messages in.

use super::codec;
use super::error::ReplicationError;
use super::node::RaftNode;
use protobuf::Message as _;
use raft::eraftpb::{Message, MessageType};

impl RaftNode {
    /// Encodes messages for the wire. A snapshot carries the data and membership as of now: the
    /// applied index may have moved past the one raft chose, which only saves the follower work
    /// (the leader takes its acknowledgement at the newer index).
    pub fn encode_outgoing(&self, msgs: Vec<Message>) -> Result<(Vec<Vec<u8>>, bool), ReplicationError> {
        let mut has_snapshot = false;
        let mut out = Vec::with_capacity(msgs.len());
        for mut m in msgs {
            if m.get_msg_type() == MessageType::MsgSnapshot {
                let (meta, data) = self.raw.store().snapshot_contents()?;
                let snap = m.mut_snapshot();
                snap.set_metadata(meta);
                snap.data = codec::encode_snapshot(data, &self.peers).into();
                has_snapshot = true;
            }
            out.push(m.write_to_bytes().map_err(raft::Error::from)?);
        }
        Ok((out, has_snapshot))
    }

    /// Steps messages a peer sent. A malformed or unexpected message is logged and skipped: a
    /// peer's bug must not stop this node.
    pub fn step_incoming(&mut self, from: u64, msgs: Vec<Vec<u8>>) {
        self.last_heard.insert(from, std::time::Instant::now());
        for bytes in msgs {
            let msg = match Message::parse_from_bytes(&bytes) {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(from, error = %e, "undecodable raft message dropped");
                    continue;
                }
            };
            if let Err(e) = self.raw.step(msg) {
                tracing::debug!(from, error = %e, "raft message not stepped");
            }
        }
    }

    /// The cluster address of a member, from the member records.
    pub fn peer_addr(&self, raft_id: u64) -> Option<&str> {
        self.peers.iter().find(|p| p.raft_id == raft_id).map(|p| p.cluster_addr.as_str()).filter(|a| !a.is_empty())
    }
}
