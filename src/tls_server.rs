//! `tls` of a server (otelcol's `configtls.ServerConfig` keys), turned into a
//! rustls server config, and the listener side of it: each accepted TCP
//! connection's handshake runs in a task of its own, so a slow or silent client
//! holds up no other. Used by the otlp receiver (gRPC and HTTP).
//!
//! The version, cipher-suite and certificate checks are the client's
//! ([`crate::export::tls`]); a server also needs a certificate, and
//! `client_ca_file` makes it require and verify client certificates (mTLS).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tracing::{debug, warn};

use crate::component::StageError;
use crate::config::{Duration, FieldError};
use crate::export::tls::{pem_certs, read, TlsClientConfig};

/// How long a client may take to complete its handshake.
const HANDSHAKE_TIMEOUT: StdDuration = StdDuration::from_secs(10);

#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsServerConfig {
    /// The server's certificate chain (PEM); required.
    pub cert_file: String,
    pub cert_pem: String,
    /// Its private key (PEM); required. `key_pem` is never logged.
    pub key_file: String,
    pub key_pem: String,
    /// CA certificates (PEM) that client certificates must chain to: when set,
    /// every client must present one (mutual TLS).
    pub client_ca_file: String,
    /// Accepted; the client CA file is read once, at start.
    pub reload_client_ca_file: bool,
    /// Accepted; no effect on a server (clients are verified by `client_ca_file`).
    pub ca_file: String,
    pub ca_pem: String,
    pub include_system_ca_certs_pool: bool,
    /// Lowest TLS version: `1.2` (default) or `1.3`; `1.0` and `1.1` mean 1.2.
    pub min_version: String,
    /// Highest TLS version: `1.2` or `1.3` (default).
    pub max_version: String,
    /// IANA names of the TLS 1.2 cipher suites to allow (TLS 1.3 suites are kept).
    pub cipher_suites: Vec<String>,
    /// Accepted; no effect (rustls' defaults: X25519, P-256, P-384).
    pub curve_preferences: Vec<String>,
    /// Accepted; certificates are read once, at start.
    pub reload_interval: Duration,
}

impl std::fmt::Debug for TlsServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsServerConfig")
            .field("cert_file", &self.cert_file)
            .field("key_file", &self.key_file)
            .field("key_pem", &if self.key_pem.is_empty() { "" } else { "<redacted>" })
            .field("client_ca_file", &self.client_ca_file)
            .field("min_version", &self.min_version)
            .finish_non_exhaustive()
    }
}

impl TlsServerConfig {
    /// What a server shares with a client's settings.
    fn common(&self) -> TlsClientConfig {
        TlsClientConfig {
            cert_file: self.cert_file.clone(),
            cert_pem: self.cert_pem.clone(),
            key_file: self.key_file.clone(),
            key_pem: self.key_pem.clone(),
            min_version: self.min_version.clone(),
            max_version: self.max_version.clone(),
            cipher_suites: self.cipher_suites.clone(),
            ..TlsClientConfig::default()
        }
    }

    /// otelcol's checks, plus a certificate being required; keys are `<prefix>tls::...`.
    pub fn validate(&self, prefix: &str) -> Vec<FieldError> {
        let common = self.common();
        let mut errors = common.validate();
        if !common.has_cert() && errors.is_empty() {
            errors.push(FieldError::new(
                "tls::cert_file",
                "a TLS server needs a certificate and its key (cert_file/cert_pem and key_file/key_pem)",
            ));
        }
        for e in &mut errors {
            e.key = format!("{prefix}{}", e.key);
        }
        errors
    }

    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if !self.curve_preferences.is_empty() {
            w.push("tls::curve_preferences has no effect: rustls' key exchange groups are used".into());
        }
        if !self.reload_interval.is_zero() || self.reload_client_ca_file {
            w.push(
                "tls::reload_interval and reload_client_ca_file have no effect: files are read once, at start".into(),
            );
        }
        if !self.ca_file.is_empty() || !self.ca_pem.is_empty() {
            w.push("tls::ca_file has no effect on a server: set client_ca_file to verify clients".into());
        }
        w
    }

    /// Read the files and make the rustls config, offering `alpn` protocols.
    pub fn server_config(&self, alpn: &[&[u8]]) -> Result<Arc<ServerConfig>, StageError> {
        let err = |msg: String| StageError::new(format!("tls: {msg}"));
        let common = self.common();
        let (provider, versions) = common.provider_and_versions()?;
        let (certs, key) = common.cert_and_key()?;
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| err(e.to_string()))?;
        let builder = match self.client_ca_file.as_str() {
            "" => builder.with_no_client_auth(),
            file => {
                let what = format!("client_ca_file {file:?}");
                let pem = read(file, "client_ca_file")?;
                let mut roots = RootCertStore::empty();
                for cert in pem_certs(&pem).map_err(|e| err(format!("{what}: {e}")))? {
                    roots.add(cert).map_err(|e| err(format!("{what}: {e}")))?;
                }
                let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|e| err(format!("{what}: {e}")))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder.with_single_cert(certs, key).map_err(|e| err(format!("certificate and key: {e}")))?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}

/// Accept on `listener` and complete each handshake in a task of its own; the
/// connections that made it come out of the returned channel. Accepting stops
/// when the receiver is dropped. Failed handshakes are logged at debug level.
pub fn accept(listener: TcpListener, config: Arc<ServerConfig>) -> mpsc::Receiver<TlsStream<TcpStream>> {
    let (tx, rx) = mpsc::channel(64);
    let acceptor = TlsAcceptor::from(config);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                _ = tx.closed() => return,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let (acceptor, tx) = (acceptor.clone(), tx.clone());
                    tokio::spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                            Ok(Ok(tls)) => {
                                let _ = tx.send(tls).await;
                            }
                            Ok(Err(e)) => debug!(%peer, error = %e, "TLS handshake failed"),
                            Err(_) => debug!(%peer, "TLS handshake timed out"),
                        }
                    });
                }
                Err(e) => {
                    warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(StdDuration::from_millis(100)).await;
                }
            }
        }
    });
    rx
}
