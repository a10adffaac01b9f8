//! What the `kafka` exporter and receiver share: the connection settings
//! (`brokers`, `client_id`, `protocol_version`, `tls`, `auth`) with otelcol's
//! keys, turned into a librdkafka client config, the settings struct both
//! declare with them ([`settings`]), and the payload encodings of each signal
//! ([`encoding`]).
//!
//! The client is librdkafka through the `rdkafka` crate, built from the sources
//! the crate bundles (its `cmake-build` feature): Debian 12's librdkafka-dev is
//! 2.0.2, older than the 2.12 the crate's bindings are written for, and the
//! crate links a system library only when it is at least that version.

pub mod encoding;
mod settings;

pub(crate) use settings::kafka_settings;

use rdkafka::ClientConfig;
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::component::StageError;
use crate::config::{Duration, FieldError};
use crate::export::tls::TlsClientConfig;

/// otelcol's default broker list.
pub fn default_brokers() -> Vec<String> {
    vec!["localhost:9092".to_string()]
}

/// otelcol's default `client_id` (and the receiver's `group_id`).
pub const DEFAULT_CLIENT_ID: &str = "otel-collector";

/// otelcol's default `protocol_version`.
pub const DEFAULT_PROTOCOL_VERSION: &str = "2.1.0";

/// `auth`: SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512); the deprecated
/// `plain_text` and `tls` aliases; Kerberos and OAUTHBEARER are refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Deprecated otelcol form of `sasl` with `mechanism: PLAIN`.
    pub plain_text: Option<PlainText>,
    pub sasl: Option<SaslConfig>,
    /// Deprecated otelcol alias of the top-level `tls`.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub tls: Option<TlsClientConfig>,
    /// Not supported (a config error).
    #[serde(deserialize_with = "crate::config::de::present")]
    pub kerberos: Option<IgnoredAny>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlainText {
    pub username: String,
    pub password: String,
}

#[derive(Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SaslConfig {
    pub username: String,
    /// Never logged.
    pub password: String,
    /// `PLAIN`, `SCRAM-SHA-256` or `SCRAM-SHA-512`.
    pub mechanism: String,
    /// SASL handshake version 0 or 1: accepted, librdkafka negotiates it.
    pub version: i32,
    /// Not supported (AWS_MSK_IAM_OAUTHBEARER): a config error.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub aws_msk: Option<IgnoredAny>,
    /// Not supported (OAUTHBEARER): a config error.
    pub oauthbearer_token_source: String,
}

impl std::fmt::Debug for PlainText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainText").field("username", &self.username).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SaslConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslConfig")
            .field("username", &self.username)
            .field("mechanism", &self.mechanism)
            .finish_non_exhaustive()
    }
}

/// The settings both components have, borrowed from either config.
pub struct Connection<'a> {
    pub brokers: &'a [String],
    pub client_id: &'a str,
    pub protocol_version: &'a str,
    pub tls: Option<&'a TlsClientConfig>,
    pub auth: &'a AuthConfig,
}

impl Connection<'_> {
    /// otelcol's checks, and the settings ferrocol refuses.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.brokers.is_empty() {
            errors.push(FieldError::new("brokers", "brokers must not be empty"));
        }
        if parse_version(self.protocol_version).is_none() {
            errors.push(FieldError::new(
                "protocol_version",
                format!(
                    "invalid protocol version {:?} (expected a Kafka version such as 2.1.0)",
                    self.protocol_version
                ),
            ));
        }
        if let Some((prefix, tls)) = self.tls() {
            errors.extend(tls.validate().into_iter().map(|mut e| {
                e.key.insert_str(0, prefix);
                e
            }));
        }
        if self.auth.kerberos.is_some() {
            errors.push(FieldError::new("auth::kerberos", "Kerberos (GSSAPI) is not supported by ferrocol"));
        }
        if let Some(sasl) = &self.auth.sasl {
            match sasl.mechanism.as_str() {
                "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" => {}
                "AWS_MSK_IAM_OAUTHBEARER" | "OAUTHBEARER" => errors.push(FieldError::new(
                    "auth::sasl::mechanism",
                    format!("mechanism {:?} is not supported by ferrocol (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)", sasl.mechanism),
                )),
                other => errors.push(FieldError::new(
                    "auth::sasl::mechanism",
                    format!("mechanism should be one of 'PLAIN', 'AWS_MSK_IAM_OAUTHBEARER', 'OAUTHBEARER', 'SCRAM-SHA-256' or 'SCRAM-SHA-512'. configured value {other:?}"),
                )),
            }
            if sasl.username.is_empty() {
                errors.push(FieldError::new("auth::sasl::username", "username is required"));
            }
            if sasl.password.is_empty() {
                errors.push(FieldError::new("auth::sasl::password", "password is required"));
            }
            if !(0..=1).contains(&sasl.version) {
                errors.push(FieldError::new("auth::sasl::version", "version has to be either 0 or 1"));
            }
        }
        errors
    }

    /// The TLS settings in force and the prefix of their keys: `tls`, else the
    /// deprecated `auth::tls`; `insecure: true` means plain text, as in
    /// otelcol's Kafka client.
    fn tls(&self) -> Option<(&'static str, &TlsClientConfig)> {
        let tls = match (self.tls, &self.auth.tls) {
            (Some(t), _) => Some(("", t)),
            (None, Some(t)) => Some(("auth::", t)),
            (None, None) => None,
        };
        tls.filter(|(_, t)| !t.insecure)
    }

    /// The SASL mechanism and credentials in force: `auth::sasl`, else the
    /// deprecated `auth::plain_text`.
    fn sasl(&self) -> Option<(&str, &str, &str)> {
        let sasl = self.auth.sasl.as_ref().map(|s| (s.mechanism.as_str(), s.username.as_str(), s.password.as_str()));
        let plain = self.auth.plain_text.as_ref().map(|p| ("PLAIN", p.username.as_str(), p.password.as_str()));
        sasl.or(plain)
    }

    /// A librdkafka config with the connection settings. The TLS files are
    /// read here, so a missing one is an error at its key (librdkafka's own
    /// message would name no key, and only once the client is created).
    pub fn client_config(&self) -> Result<ClientConfig, StageError> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", self.brokers.join(","));
        c.set("client.id", self.client_id);
        // `protocol_version` is checked but not passed on: librdkafka asks each
        // broker for its API versions, and its only use for a configured one
        // (`broker.version.fallback`, brokers < 0.10) is deprecated and warns.
        //
        // librdkafka logs warnings and worse. rdkafka sets the client's level
        // after creating it from `log`'s global level (off without a `log`
        // logger: errors only), so a `log_level` property would be overridden.
        c.set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
        let protocol = match (self.tls(), self.sasl()) {
            (None, None) => "plaintext",
            (Some(_), None) => "ssl",
            (None, Some(_)) => "sasl_plaintext",
            (Some(_), Some(_)) => "sasl_ssl",
        };
        c.set("security.protocol", protocol);
        if let Some((mechanism, username, password)) = self.sasl() {
            c.set("sasl.mechanism", mechanism).set("sasl.username", username).set("sasl.password", password);
        }
        if let Some((prefix, tls)) = self.tls() {
            set_tls(&mut c, prefix, tls)?;
        }
        Ok(c)
    }
}

fn set_tls(c: &mut ClientConfig, prefix: &str, tls: &TlsClientConfig) -> Result<(), StageError> {
    let files = [
        ("ssl.ca.location", "ca_file", &tls.ca_file),
        ("ssl.certificate.location", "cert_file", &tls.cert_file),
        ("ssl.key.location", "key_file", &tls.key_file),
    ];
    for (property, key, path) in files {
        if !path.is_empty() {
            crate::export::tls::read(path, key).map_err(|e| e.at(&format!("{prefix}tls::{key}")))?;
            c.set(property, path.as_str());
        }
    }
    let pems = [("ssl.ca.pem", &tls.ca_pem), ("ssl.certificate.pem", &tls.cert_pem), ("ssl.key.pem", &tls.key_pem)];
    for (property, pem) in pems {
        if !pem.is_empty() {
            c.set(property, pem.as_str());
        }
    }
    if tls.insecure_skip_verify {
        c.set("enable.ssl.certificate.verification", "false");
        c.set("ssl.endpoint.identification.algorithm", "none");
    }
    Ok(())
}

/// `2.1.0` → (2, 1, 0); Kafka versions have two to four numbers.
fn parse_version(s: &str) -> Option<Vec<u32>> {
    let parts: Option<Vec<u32>> = s.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| (2..=4).contains(&p.len()) && p[0] > 0)
}

/// A Go duration as librdkafka's milliseconds, at least 1.
pub fn millis(d: Duration) -> String {
    d.0.as_millis().max(1).to_string()
}

#[cfg(test)]
mod tests;
