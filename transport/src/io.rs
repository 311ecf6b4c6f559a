//! Reading and writing [`ClusterFrame`]s on a stream: the framing of `codec.rs` around prost.

use crate::codec::{decode_frame, encode_frame, FrameError};
use crate::pb::ClusterFrame;
use bytes::BytesMut;
use prost::Message;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("malformed cluster message: {0}")]
    Decode(#[from] prost::DecodeError),
    #[error("the peer closed the connection")]
    Closed,
}

/// Reads frames off one half of a connection, keeping what arrived past the current frame.
pub struct FrameReader<R> {
    inner: R,
    buf: BytesMut,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(inner: R) -> Self {
        FrameReader { inner, buf: BytesMut::with_capacity(64 * 1024) }
    }

    pub async fn next(&mut self) -> Result<ClusterFrame, WireError> {
        loop {
            if let Some(frame) = decode_frame(&mut self.buf)? {
                return Ok(ClusterFrame::decode(frame.freeze())?);
            }
            if self.inner.read_buf(&mut self.buf).await? == 0 {
                return Err(WireError::Closed);
            }
        }
    }
}

/// Writes one frame and flushes it.
pub async fn write_frame<W: AsyncWrite + Unpin>(w: &mut W, frame: &ClusterFrame) -> Result<(), WireError> {
    let mut out = BytesMut::new();
    encode_frame(&frame.encode_to_vec(), &mut out)?;
    w.write_all(&out).await?;
    w.flush().await?;
    Ok(())
}
