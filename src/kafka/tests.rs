//! The connection settings as librdkafka properties. librdkafka's mock cluster
//! speaks neither SASL nor TLS (its broker has no SaslHandshake/SaslAuthenticate
//! handlers and no TLS listener), so these are checked at the mapping: the
//! properties set, librdkafka accepting them (a client is created, which fails
//! on an unknown mechanism or a build without SASL/TLS), and the errors' keys.

use rdkafka::producer::BaseProducer;

use super::*;

fn sasl(mechanism: &str) -> AuthConfig {
    AuthConfig {
        sasl: Some(SaslConfig {
            username: "agent".into(),
            password: "s3cret".into(),
            mechanism: mechanism.into(),
            ..SaslConfig::default()
        }),
        ..AuthConfig::default()
    }
}

fn connection<'a>(brokers: &'a [String], auth: &'a AuthConfig, tls: Option<&'a TlsClientConfig>) -> Connection<'a> {
    Connection { brokers, client_id: "c", protocol_version: "2.1.0", tls, auth }
}

fn keys(errors: Vec<FieldError>) -> Vec<String> {
    errors.into_iter().map(|e| e.key).collect()
}

#[test]
fn each_sasl_mechanism_sets_the_protocol_and_credentials_librdkafka_accepts() {
    let brokers = default_brokers();
    for mechanism in ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let auth = sasl(mechanism);
        let conn = connection(&brokers, &auth, None);
        assert_eq!(conn.validate(), vec![], "{mechanism}");
        let c = conn.client_config().unwrap();
        assert_eq!(c.get("security.protocol"), Some("sasl_plaintext"), "{mechanism}");
        assert_eq!(c.get("sasl.mechanism"), Some(mechanism));
        assert_eq!(c.get("sasl.username"), Some("agent"));
        assert_eq!(c.get("sasl.password"), Some("s3cret"));
        c.create::<BaseProducer>().unwrap_or_else(|e| panic!("librdkafka refused {mechanism}: {e}"));
    }
    let deprecated =
        AuthConfig { plain_text: Some(PlainText { username: "u".into(), password: "p".into() }), ..Default::default() };
    let c = connection(&brokers, &deprecated, None).client_config().unwrap();
    assert_eq!((c.get("sasl.mechanism"), c.get("sasl.username")), (Some("PLAIN"), Some("u")));
}

#[test]
fn sasl_over_tls_sets_both() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not parsed here").unwrap();
    let tls = TlsClientConfig { ca_file: ca.display().to_string(), ..TlsClientConfig::default() };
    let brokers = default_brokers();
    let auth = sasl("SCRAM-SHA-512");
    let c = connection(&brokers, &auth, Some(&tls)).client_config().unwrap();
    assert_eq!(c.get("security.protocol"), Some("sasl_ssl"));
    assert_eq!(c.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
    assert_eq!(c.get("ssl.ca.location"), Some(tls.ca_file.as_str()));
    let none = AuthConfig::default();
    assert_eq!(connection(&brokers, &none, Some(&tls)).client_config().unwrap().get("security.protocol"), Some("ssl"));
    assert_eq!(connection(&brokers, &none, None).client_config().unwrap().get("security.protocol"), Some("plaintext"));
    let insecure = TlsClientConfig { insecure: true, ..tls.clone() };
    let c = connection(&brokers, &none, Some(&insecure)).client_config().unwrap();
    assert_eq!((c.get("security.protocol"), c.get("ssl.ca.location")), (Some("plaintext"), None));
    let pem = TlsClientConfig { ca_pem: "PEM".into(), insecure_skip_verify: true, ..TlsClientConfig::default() };
    let c = connection(&brokers, &none, Some(&pem)).client_config().unwrap();
    assert_eq!(c.get("ssl.ca.pem"), Some("PEM"));
    assert_eq!(c.get("enable.ssl.certificate.verification"), Some("false"));
}

#[test]
fn a_missing_tls_file_is_an_error_at_its_key() {
    let brokers = default_brokers();
    let none = AuthConfig::default();
    for key in ["ca_file", "cert_file", "key_file"] {
        let mut tls = TlsClientConfig::default();
        let path = format!("/nonexistent/{key}.pem");
        match key {
            "ca_file" => tls.ca_file = path.clone(),
            "cert_file" => tls.cert_file = path.clone(),
            _ => tls.key_file = path.clone(),
        }
        let e = connection(&brokers, &none, Some(&tls)).client_config().unwrap_err();
        assert_eq!(e.key, format!("tls::{key}"));
        assert!(e.message.contains(&path), "{}", e.message);
    }
    // The deprecated `auth::tls` is reported where it was written.
    let tls = TlsClientConfig { ca_file: "/nonexistent/ca.pem".into(), ..TlsClientConfig::default() };
    let auth = AuthConfig { tls: Some(tls), ..AuthConfig::default() };
    assert_eq!(connection(&brokers, &auth, None).client_config().unwrap_err().key, "auth::tls::ca_file");
    let half = TlsClientConfig { cert_pem: "PEM".into(), ..TlsClientConfig::default() };
    let auth = AuthConfig { tls: Some(half), ..AuthConfig::default() };
    assert_eq!(keys(connection(&brokers, &auth, None).validate()), vec!["auth::tls::cert_file"]);
}

#[test]
fn refused_settings_name_their_keys() {
    let brokers = default_brokers();
    for (mechanism, wrong) in [("OAUTHBEARER", "not supported"), ("scram-sha-256", "should be one of")] {
        let auth = sasl(mechanism);
        let errors = connection(&brokers, &auth, None).validate();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].key, "auth::sasl::mechanism");
        assert!(errors[0].message.contains(wrong), "{}", errors[0].message);
    }
    let auth = AuthConfig {
        sasl: Some(SaslConfig { mechanism: "PLAIN".into(), version: 2, ..SaslConfig::default() }),
        kerberos: Some(IgnoredAny),
        ..AuthConfig::default()
    };
    let conn = Connection { brokers: &[], client_id: "c", protocol_version: "x", tls: None, auth: &auth };
    let keys = keys(conn.validate());
    for key in [
        "brokers",
        "protocol_version",
        "auth::kerberos",
        "auth::sasl::username",
        "auth::sasl::password",
        "auth::sasl::version",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
    }
}
