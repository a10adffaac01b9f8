//! `tls`: otelcol's `configtls.ClientConfig` keys, turned into a rustls client
//! config for the otlphttp and otlp exporters. Certificates are verified by
//! default: against the system roots, or against `ca_file`/`ca_pem` alone (plus
//! the system roots with `include_system_ca_certs_pool`), as otelcol does.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme, SupportedProtocolVersion};
use serde::Deserialize;

use crate::component::StageError;
use crate::config::{Duration, FieldError};

#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsClientConfig {
    /// otlphttp: accepted for compatibility; as in otelcol's HTTP client, the
    /// endpoint's scheme decides (`http://` is plain text, `https://` is TLS).
    /// otlp (gRPC): plain text, unless the endpoint is `https://` or a CA is set.
    pub insecure: bool,
    /// Use TLS but accept any server certificate. For tests only.
    pub insecure_skip_verify: bool,
    /// PEM file of the CA certificates that verify the server (instead of the system roots).
    pub ca_file: String,
    /// The same, inline.
    pub ca_pem: String,
    /// With `ca_file`/`ca_pem`: trust the system roots too.
    pub include_system_ca_certs_pool: bool,
    /// Client certificate (PEM) presented to servers that ask for one (mTLS).
    pub cert_file: String,
    pub cert_pem: String,
    /// The client certificate's private key (PEM).
    pub key_file: String,
    /// The same, inline; never logged.
    pub key_pem: String,
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
    /// Name checked against the server's certificate (and sent as SNI) instead of
    /// the endpoint's host.
    pub server_name_override: String,
}

impl std::fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClientConfig")
            .field("insecure_skip_verify", &self.insecure_skip_verify)
            .field("ca_file", &self.ca_file)
            .field("cert_file", &self.cert_file)
            .field("key_file", &self.key_file)
            .field("key_pem", &if self.key_pem.is_empty() { "" } else { "<redacted>" })
            .field("min_version", &self.min_version)
            .field("server_name_override", &self.server_name_override)
            .finish_non_exhaustive()
    }
}

/// A TLS version as otelcol writes it.
fn version(s: &str, default: &'static SupportedProtocolVersion) -> Result<&'static SupportedProtocolVersion, String> {
    match s {
        "" => Ok(default),
        "1.0" | "1.1" | "1.2" => Ok(&rustls::version::TLS12),
        "1.3" => Ok(&rustls::version::TLS13),
        other => Err(format!("unsupported TLS version: {other:?}")),
    }
}

impl TlsClientConfig {
    /// otelcol's checks; keys are `tls::...`.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut push = |key: &str, msg: &str| errors.push(FieldError::new(format!("tls::{key}"), msg));
        if !self.ca_file.is_empty() && !self.ca_pem.is_empty() {
            push("ca_file", "provide either a CA file or the PEM-encoded string, but not both");
        }
        if !self.cert_file.is_empty() && !self.cert_pem.is_empty() {
            push("cert_file", "provide either certificate file or PEM, but not both");
        }
        if !self.key_file.is_empty() && !self.key_pem.is_empty() {
            push("key_file", "provide either key file or PEM, but not both");
        }
        if self.has_cert() != self.has_key() {
            push(
                if self.has_cert() { "cert_file" } else { "key_file" },
                "TLS configuration must include both certificate and key (cert_file/cert_pem and key_file/key_pem)",
            );
        }
        let min = version(&self.min_version, &rustls::version::TLS12);
        let max = match self.max_version.as_str() {
            "1.0" | "1.1" => {
                Err(format!("unsupported TLS version: {:?} (ferrocol speaks TLS 1.2 and 1.3)", self.max_version))
            }
            v => version(v, &rustls::version::TLS13),
        };
        if let Err(e) = &min {
            push("min_version", &format!("invalid TLS min_version: {e}"));
        }
        if let Err(e) = &max {
            push("max_version", &format!("invalid TLS max_version: {e}"));
        }
        if let (Ok(min), Ok(max)) = (min, max) {
            if min.version == rustls::ProtocolVersion::TLSv1_3 && max.version == rustls::ProtocolVersion::TLSv1_2 {
                push("min_version", "invalid TLS configuration: min_version cannot be greater than max_version");
            }
        }
        let provider = rustls::crypto::ring::default_provider();
        for suite in &self.cipher_suites {
            if !provider.cipher_suites.iter().any(|s| suite_name(s) == *suite) {
                push("cipher_suites", &format!("invalid TLS cipher suite: {suite:?}"));
            }
        }
        errors
    }

    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if !self.curve_preferences.is_empty() {
            w.push("tls::curve_preferences has no effect: rustls' key exchange groups are used".into());
        }
        if !self.reload_interval.is_zero() {
            w.push("tls::reload_interval has no effect: certificates are read once, at start".into());
        }
        if self.insecure_skip_verify {
            w.push("tls::insecure_skip_verify is set: the server's certificate is not checked".into());
        }
        w
    }

    pub(crate) fn has_cert(&self) -> bool {
        !self.cert_file.is_empty() || !self.cert_pem.is_empty()
    }

    fn has_key(&self) -> bool {
        !self.key_file.is_empty() || !self.key_pem.is_empty()
    }

    /// The rustls config for `https://` endpoints: reads the certificate files.
    /// (The connector sets the ALPN protocols.)
    pub fn client_config(&self) -> Result<ClientConfig, StageError> {
        let err = |msg: String| StageError::new(format!("tls: {msg}"));
        let (provider, versions) = self.provider_and_versions()?;
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| err(e.to_string()))?;
        let builder = if self.insecure_skip_verify {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
        } else {
            builder.with_root_certificates(self.roots()?)
        };
        if self.has_cert() {
            let (certs, key) = self.cert_and_key()?;
            builder.with_client_auth_cert(certs, key).map_err(|e| err(format!("client certificate and key: {e}")))
        } else {
            Ok(builder.with_no_client_auth())
        }
    }

    /// The crypto provider limited to `cipher_suites`, and the TLS versions
    /// from `min_version` to `max_version` (shared with servers' settings).
    pub(crate) fn provider_and_versions(
        &self,
    ) -> Result<(Arc<CryptoProvider>, Vec<&'static SupportedProtocolVersion>), StageError> {
        let err = |msg: String| StageError::new(format!("tls: {msg}"));
        let mut provider = rustls::crypto::ring::default_provider();
        if !self.cipher_suites.is_empty() {
            // TLS 1.3 suites are not configurable in Go either.
            provider.cipher_suites.retain(|s| {
                s.version().version == rustls::ProtocolVersion::TLSv1_3 || self.cipher_suites.contains(&suite_name(s))
            });
        }
        let min = version(&self.min_version, &rustls::version::TLS12).map_err(err)?;
        let max = version(&self.max_version, &rustls::version::TLS13).map_err(err)?;
        let versions: Vec<&'static SupportedProtocolVersion> = [&rustls::version::TLS12, &rustls::version::TLS13]
            .into_iter()
            .filter(|v| {
                !(v.version == rustls::ProtocolVersion::TLSv1_2 && min.version == rustls::ProtocolVersion::TLSv1_3)
            })
            .filter(|v| {
                !(v.version == rustls::ProtocolVersion::TLSv1_3 && max.version == rustls::ProtocolVersion::TLSv1_2)
            })
            .collect();
        Ok((Arc::new(provider), versions))
    }

    fn roots(&self) -> Result<RootCertStore, StageError> {
        let mut roots = RootCertStore::empty();
        let custom = match (self.ca_file.as_str(), self.ca_pem.as_str()) {
            ("", "") => None,
            ("", pem) => Some(("ca_pem".to_string(), pem.as_bytes().to_vec())),
            (file, _) => Some((format!("ca_file {file:?}"), read(file, "ca_file")?)),
        };
        if custom.is_none() || self.include_system_ca_certs_pool {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 && custom.is_none() {
                let why = found.errors.first().map(|e| format!(": {e}")).unwrap_or_default();
                return Err(StageError::new(format!(
                    "tls: no system root certificates found{why} (install ca-certificates, or set tls::ca_file)"
                )));
            }
        }
        if let Some((what, pem)) = custom {
            let certs = pem_certs(&pem).map_err(|e| StageError::new(format!("tls: {what}: {e}")))?;
            for cert in certs {
                roots.add(cert).map_err(|e| StageError::new(format!("tls: {what}: {e}")))?;
            }
        }
        Ok(roots)
    }

    /// The certificate chain and key (`cert_file`/`cert_pem`, `key_file`/`key_pem`).
    pub(crate) fn cert_and_key(&self) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), StageError> {
        let (cert_what, cert_pem) = match self.cert_file.as_str() {
            "" => ("cert_pem".to_string(), self.cert_pem.as_bytes().to_vec()),
            file => (format!("cert_file {file:?}"), read(file, "cert_file")?),
        };
        let certs = pem_certs(&cert_pem).map_err(|e| StageError::new(format!("tls: {cert_what}: {e}")))?;
        let (key_what, key_pem) = match self.key_file.as_str() {
            "" => ("key_pem".to_string(), self.key_pem.as_bytes().to_vec()),
            file => (format!("key_file {file:?}"), read(file, "key_file")?),
        };
        let key = PrivateKeyDer::from_pem_slice(&key_pem)
            .map_err(|e| StageError::new(format!("tls: {key_what}: no private key found ({e})")))?;
        Ok((certs, key))
    }
}

/// The server name to check instead of the URL's host.
pub fn server_name(name: &str) -> Result<ServerName<'static>, String> {
    let name = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(name);
    ServerName::try_from(name.to_string()).map_err(|e| format!("invalid server_name_override {name:?}: {e}"))
}

/// rustls names suites as IANA (and Go) do: `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`.
fn suite_name(s: &rustls::SupportedCipherSuite) -> String {
    format!("{:?}", s.suite())
}

pub(crate) fn read(path: &str, key: &str) -> Result<Vec<u8>, StageError> {
    std::fs::read(path).map_err(|e| StageError::new(format!("tls: cannot read {key} {path:?}: {e}")))
}

pub(crate) fn pem_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no PEM certificate found".into());
    }
    Ok(certs)
}

/// `insecure_skip_verify`: any certificate is accepted, but handshake signatures
/// are still checked (the peer must hold the key of the certificate it sent).
#[derive(Debug)]
struct NoVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
