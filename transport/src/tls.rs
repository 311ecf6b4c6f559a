//! Cluster TLS: the certificates members present to each other on the cluster port.
//!
//! At init the first node mints a CA and one leaf certificate (with its key) that every member
//! shares, as Vault's raft TLS keyring does; they live inside the barrier, so only a node that
//! was unsealed with the cluster's keys (or answered the join challenge) holds them. Both ends
//! of every connection present the leaf and accept only a peer whose certificate chains to the
//! cluster CA: mutual TLS with no outside authority.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The name in the leaf certificate, and the name clients ask for (addresses change; the
/// cluster's identity is its CA).
pub const CLUSTER_SERVER_NAME: &str = "strongbox-cluster";

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("generating cluster certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cluster TLS material is invalid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Rustls(#[from] rustls::Error),
}

/// The cluster's TLS material (PEM). The key never leaves the barrier except in the answer to a
/// member that passed the join challenge.
#[derive(Clone, Serialize, Deserialize)]
pub struct ClusterTls {
    pub ca_cert: String,
    pub cert: String,
    pub key: Zeroizing<String>,
}

impl std::fmt::Debug for ClusterTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterTls").field("ca_cert", &self.ca_cert).finish_non_exhaustive()
    }
}

impl ClusterTls {
    /// Mints a new CA and the shared leaf certificate.
    pub fn generate() -> Result<ClusterTls, TlsError> {
        let ca_key = KeyPair::generate()?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.distinguished_name.push(DnType::CommonName, "strongbox cluster CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.not_before = rcgen::date_time_ymd(2024, 1, 1);
        ca.not_after = rcgen::date_time_ymd(2124, 1, 1);
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = rcgen::Issuer::new(ca, ca_key);

        let leaf_key = KeyPair::generate()?;
        let mut leaf = CertificateParams::new(vec![CLUSTER_SERVER_NAME.to_string()])?;
        leaf.distinguished_name.push(DnType::CommonName, CLUSTER_SERVER_NAME);
        leaf.extended_key_usages =
            vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth, rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        leaf.not_before = rcgen::date_time_ymd(2024, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(2124, 1, 1);
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;
        Ok(ClusterTls { ca_cert: ca_cert.pem(), cert: leaf_cert.pem(), key: Zeroizing::new(leaf_key.serialize_pem()) })
    }

    fn parts(&self) -> Result<(RootCertStore, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
        let invalid = |what: &str| TlsError::Invalid(what.to_string());
        let mut roots = RootCertStore::empty();
        for ca in rustls_pemfile::certs(&mut self.ca_cert.as_bytes()) {
            roots.add(ca.map_err(|_| invalid("CA certificate"))?).map_err(|_| invalid("CA certificate"))?;
        }
        let chain = rustls_pemfile::certs(&mut self.cert.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| invalid("certificate"))?;
        let key = rustls_pemfile::private_key(&mut self.key.as_bytes())
            .map_err(|_| invalid("key"))?
            .ok_or_else(|| invalid("key"))?;
        if roots.is_empty() || chain.is_empty() {
            return Err(invalid("empty certificate"));
        }
        Ok((roots, chain, key))
    }

    /// The cluster listener's config: clients must present a certificate of this cluster.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let (roots, chain, key) = self.parts()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| TlsError::Invalid(e.to_string()))?;
        let cfg = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)?;
        Ok(Arc::new(cfg))
    }

    /// The config of connections to peers: the peer must be of this cluster, and so are we.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let (roots, chain, key) = self.parts()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cfg = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)?;
        Ok(Arc::new(cfg))
    }
}

pub(crate) fn server_name() -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(CLUSTER_SERVER_NAME).map_err(|e| TlsError::Invalid(e.to_string()))
}
