//! TLS for OpenFlow listeners (rustls): a server certificate and key, and — when a CA is
//! configured — mandatory client certificates signed by it.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use serde::Deserialize;

/// `[tls]` of the config file: PEM files.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The controller's certificate chain.
    pub cert: Option<PathBuf>,
    /// The controller's private key.
    pub key: Option<PathBuf>,
    /// CA that signs switch certificates; when set, switches must present one.
    pub ca: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("a TLS listener needs `{0}` in the [tls] section of the config")]
    Missing(&'static str),
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{0}: no PEM item of the expected kind")]
    Empty(PathBuf),
    #[error("rustls: {0}")]
    Rustls(rustls::Error),
    #[error("client verifier: {0}")]
    Verifier(String),
}

impl From<rustls::Error> for TlsError {
    fn from(e: rustls::Error) -> Self {
        TlsError::Rustls(e)
    }
}

fn reader(path: &Path) -> Result<BufReader<File>, TlsError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|error| TlsError::Read {
            path: path.into(),
            error,
        })
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let v: Vec<_> = rustls_pemfile::certs(&mut reader(path)?)
        .collect::<Result<_, _>>()
        .map_err(|error| TlsError::Read {
            path: path.into(),
            error,
        })?;
    if v.is_empty() {
        return Err(TlsError::Empty(path.into()));
    }
    Ok(v)
}

fn key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    rustls_pemfile::private_key(&mut reader(path)?)
        .map_err(|error| TlsError::Read {
            path: path.into(),
            error,
        })?
        .ok_or_else(|| TlsError::Empty(path.into()))
}

/// Builds the rustls server configuration.
pub fn server_config(cfg: &TlsConfig) -> Result<Arc<ServerConfig>, TlsError> {
    let cert = cfg.cert.as_deref().ok_or(TlsError::Missing("cert"))?;
    let key_path = cfg.key.as_deref().ok_or(TlsError::Missing("key"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match &cfg.ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in certs(ca)? {
                roots.add(c)?;
            }
            let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::Verifier(e.to_string()))?;
            builder.with_client_cert_verifier(v)
        }
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(
        builder.with_single_cert(certs(cert)?, key(key_path)?)?,
    ))
}
