//! Length-delimited framing: a 4-byte big-endian length, then that many payload bytes.
//! A frame over [`MAX_FRAME_SIZE`] is refused before any of it is buffered, so a confused or
//! hostile peer cannot make a node allocate without bound.

use bytes::{Buf, BufMut, BytesMut};

/// Large enough for any raft batch (messages over 4 MiB, i.e. snapshots, travel in chunks) and
/// for forwarded requests and answers; only authenticated members (mutual TLS) can send a frame.
pub const MAX_FRAME_SIZE: usize = 256 * 1024 * 1024;
/// The largest raft message a peer may send in chunks (a snapshot of the applied data).
pub const MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024 * 1024;
const HEADER: usize = 4;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    #[error("frame of {0} bytes exceeds the {MAX_FRAME_SIZE} byte limit")]
    TooLarge(usize),
}

/// Appends one frame holding `payload` to `out`.
pub fn encode_frame(payload: &[u8], out: &mut BytesMut) -> Result<(), FrameError> {
    if payload.len() > MAX_FRAME_SIZE {
        return Err(FrameError::TooLarge(payload.len()));
    }
    out.reserve(HEADER + payload.len());
    out.put_u32(payload.len() as u32);
    out.put_slice(payload);
    Ok(())
}

/// Takes one complete frame off the front of `buf`; `Ok(None)` until enough bytes arrived.
pub fn decode_frame(buf: &mut BytesMut) -> Result<Option<BytesMut>, FrameError> {
    if buf.len() < HEADER {
        return Ok(None);
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len > MAX_FRAME_SIZE {
        return Err(FrameError::TooLarge(len));
    }
    if buf.len() < HEADER + len {
        buf.reserve(HEADER + len - buf.len());
        return Ok(None);
    }
    buf.advance(HEADER);
    Ok(Some(buf.split_to(len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_across_partial_reads() {
        let mut wire = BytesMut::new();
        encode_frame(b"hello", &mut wire).unwrap();
        encode_frame(b"", &mut wire).unwrap();
        encode_frame(b"world!", &mut wire).unwrap();
        let bytes = wire.freeze();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in bytes.iter() {
            buf.put_u8(*b);
            while let Some(frame) = decode_frame(&mut buf).unwrap() {
                got.push(frame.to_vec());
            }
        }
        assert_eq!(got, vec![b"hello".to_vec(), Vec::new(), b"world!".to_vec()]);
    }

    #[test]
    fn oversized_frames_are_refused() {
        let mut buf = BytesMut::new();
        buf.put_u32((MAX_FRAME_SIZE + 1) as u32);
        assert_eq!(decode_frame(&mut buf), Err(FrameError::TooLarge(MAX_FRAME_SIZE + 1)));
    }
}
