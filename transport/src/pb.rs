//! The cluster port's messages (prost, derive only). Every frame is one [`ClusterFrame`].

/// One frame on a cluster connection.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ClusterFrame {
    #[prost(oneof = "Kind", tags = "1, 2, 3, 4")]
    pub kind: Option<Kind>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Kind {
    #[prost(message, tag = "1")]
    Raft(RaftBatch),
    #[prost(message, tag = "2")]
    ForwardRequest(ForwardRequest),
    #[prost(message, tag = "3")]
    ForwardResponse(ForwardResponse),
    #[prost(message, tag = "4")]
    RaftChunk(RaftChunk),
}

/// A piece of one raft message too large for a batch (a snapshot): the pieces of a message
/// follow each other on the link, and the receiver steps the message once `last` arrives.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RaftChunk {
    #[prost(uint64, tag = "1")]
    pub from: u64,
    #[prost(bytes = "vec", tag = "2")]
    pub data: Vec<u8>,
    #[prost(bool, tag = "3")]
    pub last: bool,
}

/// Raft messages from one node to one peer, in the order raft produced them. Each message is
/// raft-rs's own encoding of `eraftpb::Message` (the transport does not look inside).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RaftBatch {
    #[prost(uint64, tag = "1")]
    pub from: u64,
    #[prost(bytes = "vec", repeated, tag = "2")]
    pub messages: Vec<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Header {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// A client request a standby hands to the active node, as it arrived.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ForwardRequest {
    /// Matches the response on a connection that carries many requests at once.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(string, tag = "2")]
    pub method: String,
    /// Path and query, e.g. `/v1/secret/data/a?version=2`.
    #[prost(string, tag = "3")]
    pub uri: String,
    #[prost(message, repeated, tag = "4")]
    pub headers: Vec<Header>,
    #[prost(bytes = "vec", tag = "5")]
    pub body: Vec<u8>,
    /// The client's address as the standby saw it (CIDR-bound tokens check it).
    #[prost(string, tag = "6")]
    pub remote_addr: String,
}

/// The active node's answer, returned to the client unchanged.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ForwardResponse {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint32, tag = "2")]
    pub status: u32,
    #[prost(message, repeated, tag = "3")]
    pub headers: Vec<Header>,
    #[prost(bytes = "vec", tag = "4")]
    pub body: Vec<u8>,
}
