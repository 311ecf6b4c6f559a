//! rustls server configuration from PEM files (certificate chain and a PKCS#1, PKCS#8 or SEC1 key).

use rustls::ServerConfig;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("error loading TLS certificate {path}: {reason}")]
    Cert { path: String, reason: String },
    #[error("error loading TLS key {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("invalid TLS configuration: {0}")]
    Config(String),
}

pub fn server_config(cert_file: &Path, key_file: &Path) -> Result<ServerConfig, TlsError> {
    let cert_err = |reason: String| TlsError::Cert { path: cert_file.display().to_string(), reason };
    let key_err = |reason: String| TlsError::Key { path: key_file.display().to_string(), reason };
    let mut reader = BufReader::new(File::open(cert_file).map_err(|e| cert_err(e.to_string()))?);
    let certs =
        rustls_pemfile::certs(&mut reader).collect::<Result<Vec<_>, _>>().map_err(|e| cert_err(e.to_string()))?;
    if certs.is_empty() {
        return Err(cert_err("no certificates found".into()));
    }
    let mut reader = BufReader::new(File::open(key_file).map_err(|e| key_err(e.to_string()))?);
    let key = rustls_pemfile::private_key(&mut reader)
        .map_err(|e| key_err(e.to_string()))?
        .ok_or_else(|| key_err("no private key found".into()))?;
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))
}
