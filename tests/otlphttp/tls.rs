//! TLS with certificates made in the test (rcgen): verification against
//! `ca_file`, a wrong CA refused with a clear error, mTLS, skip-verify, a
//! server name override, minimum versions, and HTTP/2 chosen by ALPN.

use std::sync::Arc;
use std::time::Duration;

use ferrocol::ack::Outcome;
use hyper::Version;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

use super::harness::{self, outcome, simple};
use super::logs;
use super::server::Server;

const T: Duration = Duration::from_secs(20);

/// A CA, and certificates it signs.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its key, as DER and PEM.
pub struct Leaf {
    pub der: CertificateDer<'static>,
    pub key: PrivatePkcs8KeyDer<'static>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        Ca { issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap() }
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    pub fn leaf(&self, names: &[&str]) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            der: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS server presenting `leaf`; with `client_ca`, it requires a client certificate signed by it.
async fn tls_server(
    leaf: &Leaf,
    client_ca: Option<&Ca>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Server {
    let builder = ServerConfig::builder_with_provider(provider()).with_protocol_versions(versions).unwrap();
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca.issuer.der().clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider()).build().unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config =
        builder.with_single_cert(vec![leaf.der.clone()], PrivateKeyDer::Pkcs8(leaf.key.clone_key())).unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Server::start_tls(TlsAcceptor::from(Arc::new(config))).await
}

const BOTH: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12, &rustls::version::TLS13];

pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Files {
    pub fn new() -> Files {
        Files { dir: tempfile::tempdir().unwrap() }
    }

    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }
}

/// `https://localhost:<port>`: the name in the server's certificate.
fn localhost(server: &Server) -> String {
    format!("https://localhost:{}", server.addr.port())
}

#[tokio::test]
async fn verified_with_ca_file_over_http2() {
    let ca = Ca::new("test CA");
    let server = tls_server(&ca.leaf(&["localhost"]), None, BOTH).await;
    let files = Files::new();
    let ca_file = files.write("ca.pem", &ca.pem());
    let exporter = harness::start(&format!("endpoint: {}\ntls: {{ca_file: {ca_file:?}}}\n", localhost(&server)));
    assert_eq!(outcome(exporter.send(simple("tls", 2)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert_eq!(server.requests()[0].version, Version::HTTP_2, "ALPN chose HTTP/2");

    let exporter = harness::start(&format!(
        "endpoint: {}\nforce_attempt_http2: false\ntls: {{ca_pem: {:?}}}\n",
        localhost(&server),
        ca.pem()
    ));
    assert_eq!(outcome(exporter.send(simple("tls", 2)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert_eq!(server.requests()[1].version, Version::HTTP_11);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_with_a_clear_error() {
    let (_guard, captured) = logs::capture();
    let server = tls_server(&Ca::new("the server's CA").leaf(&["localhost"]), None, BOTH).await;
    let files = Files::new();
    let other = files.write("other.pem", &Ca::new("some other CA").pem());
    let yaml = format!(
        "endpoint: {}\ntls: {{ca_file: {other:?}}}\nretry_on_failure: {{enabled: false}}\n",
        localhost(&server)
    );
    let exporter = harness::start(&yaml);
    assert_eq!(outcome(exporter.send(simple("x", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
    assert!(server.requests().is_empty());
    let text = captured.text();
    assert!(text.contains("invalid peer certificate: UnknownIssuer"), "{text}");
    assert!(text.contains(&format!("request to {}/v1/logs failed", localhost(&server))), "{text}");
}

#[tokio::test]
async fn system_roots_do_not_trust_a_private_ca() {
    let server = tls_server(&Ca::new("private").leaf(&["localhost"]), None, BOTH).await;
    let exporter = harness::start(&format!("endpoint: {}\nretry_on_failure: {{enabled: false}}\n", localhost(&server)));
    assert_eq!(outcome(exporter.send(simple("x", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
}

#[tokio::test]
async fn mutual_tls_presents_the_client_certificate() {
    let (server_ca, client_ca) = (Ca::new("server CA"), Ca::new("client CA"));
    let client = client_ca.leaf(&["ferrocol-client"]);
    let server = tls_server(&server_ca.leaf(&["localhost"]), Some(&client_ca), BOTH).await;
    let files = Files::new();
    let ca = files.write("ca.pem", &server_ca.pem());
    let cert = files.write("client.pem", &client.cert_pem);
    let key = files.write("client.key", &client.key_pem);
    let yaml =
        format!("endpoint: {}\ntls: {{ca_file: {ca:?}, cert_file: {cert:?}, key_file: {key:?}}}\n", localhost(&server));
    let exporter = harness::start(&yaml);
    assert_eq!(outcome(exporter.send(simple("m", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert_eq!(server.requests()[0].client_cert.as_deref(), Some(&client.der[..]));

    // Without a client certificate the server refuses the handshake.
    let yaml =
        format!("endpoint: {}\ntls: {{ca_file: {ca:?}}}\nretry_on_failure: {{enabled: false}}\n", localhost(&server));
    let exporter = harness::start(&yaml);
    assert_eq!(outcome(exporter.send(simple("m", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn insecure_skip_verify_accepts_any_certificate() {
    let server = tls_server(&Ca::new("unknown").leaf(&["somewhere.else"]), None, BOTH).await;
    let yaml = format!("endpoint: {}\ntls: {{insecure_skip_verify: true}}\n", server.base_url());
    let exporter = harness::start(&yaml);
    assert_eq!(outcome(exporter.send(simple("s", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
}

#[tokio::test]
async fn server_name_override_is_checked_instead_of_the_host() {
    let ca = Ca::new("ca");
    let server = tls_server(&ca.leaf(&["otlp.internal"]), None, BOTH).await;
    let files = Files::new();
    let ca_file = files.write("ca.pem", &ca.pem());
    // https://127.0.0.1:<port>: the certificate names otlp.internal only.
    let yaml = format!(
        "endpoint: {}\ntls: {{ca_file: {ca_file:?}, server_name_override: otlp.internal}}\n",
        server.base_url()
    );
    let exporter = harness::start(&yaml);
    assert_eq!(outcome(exporter.send(simple("n", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
}

#[tokio::test]
async fn min_version_is_enforced() {
    let ca = Ca::new("ca");
    let server = tls_server(&ca.leaf(&["localhost"]), None, &[&rustls::version::TLS12]).await;
    let files = Files::new();
    let ca_file = files.write("ca.pem", &ca.pem());
    let base = format!("endpoint: {}\nretry_on_failure: {{enabled: false}}\n", localhost(&server));
    let exporter = harness::start(&format!("{base}tls: {{ca_file: {ca_file:?}, min_version: '1.2'}}\n"));
    assert_eq!(outcome(exporter.send(simple("v", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let exporter = harness::start(&format!("{base}tls: {{ca_file: {ca_file:?}, min_version: '1.3'}}\n"));
    assert_eq!(outcome(exporter.send(simple("v", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
}

#[test]
fn unreadable_or_bad_files_fail_the_build() {
    let files = Files::new();
    let e = harness::build_error("endpoint: https://h\ntls: {ca_file: /nonexistent/ca.pem}\n");
    assert!(e.starts_with("tls: cannot read ca_file \"/nonexistent/ca.pem\""), "{e}");
    let junk = files.write("junk.pem", "not a certificate");
    let e = harness::build_error(&format!("endpoint: https://h\ntls: {{ca_file: {junk:?}}}\n"));
    assert!(e.contains("no PEM certificate found"), "{e}");
    let ca = Ca::new("ca");
    let leaf = ca.leaf(&["c"]);
    let (cert, key) = (files.write("c.pem", &leaf.cert_pem), files.write("k.pem", &ca.pem()));
    let e = harness::build_error(&format!("endpoint: https://h\ntls: {{cert_file: {cert:?}, key_file: {key:?}}}\n"));
    assert!(e.contains("key_file") && e.contains("no private key found"), "{e}");
}

/// A TLS server whose certificate nobody trusts, for tests that skip verification.
pub async fn self_signed_server() -> Server {
    tls_server(&Ca::new("self").leaf(&["localhost"]), None, BOTH).await
}
