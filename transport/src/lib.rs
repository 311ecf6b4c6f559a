//! The node-to-node wire. Today: the length-delimited framing that every cluster message
//! (raft envelopes, forwarded requests, snapshot chunks) will travel in. The prost messages,
//! rustls mutual TLS and peer links arrive with integrated storage.

pub mod codec;

pub use codec::{decode_frame, encode_frame, FrameError, MAX_FRAME_SIZE};
