//! Dialing a member's cluster port with the cluster's client certificate.

use crate::io::WireError;
use crate::tls::server_name;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// How long a dial (TCP and TLS handshake) may take before the peer counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) async fn dial(addr: &str, config: Arc<rustls::ClientConfig>) -> Result<TlsStream<TcpStream>, WireError> {
    let name = server_name().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let fut = async {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        TlsConnector::from(config).connect(name, tcp).await
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, fut).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(WireError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))),
    }
}
