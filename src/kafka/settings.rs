//! The settings struct of a `kafka` component, declared once with the keys the
//! exporter and the receiver share. serde's `flatten` cannot be combined with
//! `deny_unknown_fields` (every key would be unknown to one side), so
//! [`kafka_settings!`] writes the shared keys into each struct instead: the
//! connection (`brokers`, `protocol_version`, `client_id`, `tls`, `auth`, and
//! the accepted no-ops), the per-signal sections and the deprecated top-level
//! `topic`/`encoding`, with otelcol's defaults, the [`Connection`] view, and
//! the checks and warnings of those keys.
//!
//! [`Connection`]: super::Connection

/// `kafka_settings! { /// doc  pub struct Name(signals: SectionType, produce: bool) { fields } }`
/// where each field is `/// doc  pub name: Type = default,`.
macro_rules! kafka_settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident(signals: $sig:ty, produce: $produce:expr) {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty = $default:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, serde::Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// `host:port` of the bootstrap brokers.
            pub brokers: Vec<String>,
            /// Checked; librdkafka asks each broker for its API versions.
            pub protocol_version: String,
            /// Accepted; no effect (librdkafka resolves every address of each broker).
            pub resolve_canonical_bootstrap_servers_only: bool,
            pub client_id: String,
            /// Accepted; librdkafka closes idle connections itself.
            pub conn_idle_timeout: $crate::config::Duration,
            /// TLS when present (even empty) unless `insecure: true`.
            #[serde(deserialize_with = "crate::config::de::present")]
            pub tls: Option<$crate::export::tls::TlsClientConfig>,
            pub auth: $crate::kafka::AuthConfig,
            /// Accepted; librdkafka refreshes metadata and retries as it needs.
            pub metadata: Option<serde::de::IgnoredAny>,
            pub logs: $sig,
            pub metrics: $sig,
            pub traces: $sig,
            /// Accepted with a warning; ferrocol has no profiles signal.
            pub profiles: Option<serde::de::IgnoredAny>,
            /// Deprecated otelcol setting: the topic of signals that set none.
            pub topic: Option<String>,
            /// Deprecated otelcol setting: the encoding of signals that set none.
            pub encoding: Option<String>,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    brokers: $crate::kafka::default_brokers(),
                    protocol_version: $crate::kafka::DEFAULT_PROTOCOL_VERSION.into(),
                    resolve_canonical_bootstrap_servers_only: false,
                    client_id: $crate::kafka::DEFAULT_CLIENT_ID.into(),
                    conn_idle_timeout: $crate::config::Duration::from_secs(540),
                    tls: None,
                    auth: $crate::kafka::AuthConfig::default(),
                    metadata: None,
                    logs: Default::default(),
                    metrics: Default::default(),
                    traces: Default::default(),
                    profiles: None,
                    topic: None,
                    encoding: None,
                    $( $field: $default, )*
                }
            }
        }

        impl $name {
            pub fn connection(&self) -> $crate::kafka::Connection<'_> {
                $crate::kafka::Connection {
                    brokers: &self.brokers,
                    client_id: &self.client_id,
                    protocol_version: &self.protocol_version,
                    tls: self.tls.as_ref(),
                    auth: &self.auth,
                }
            }

            /// The section of a signal (`traces`, `metrics`, `logs`).
            pub fn signal(&self, name: &str) -> &$sig {
                match name {
                    "traces" => &self.traces,
                    "metrics" => &self.metrics,
                    _ => &self.logs,
                }
            }

            fn encoding_name(&self, name: &'static str) -> &str {
                self.signal(name).encoding.as_deref().or(self.encoding.as_deref()).unwrap_or("otlp_proto")
            }

            pub fn encoding(&self, name: &'static str) -> $crate::kafka::encoding::Encoding {
                $crate::kafka::encoding::check(self.encoding_name(name), name, $produce)
                    .unwrap_or($crate::kafka::encoding::Encoding::OtlpProto)
            }

            /// The checks of the shared keys: the connection, each signal's encoding.
            fn shared_errors(&self) -> Vec<$crate::config::FieldError> {
                let mut errors = self.connection().validate();
                for name in ["traces", "metrics", "logs"] {
                    if let Err(e) = $crate::kafka::encoding::check(self.encoding_name(name), name, $produce) {
                        let key = match self.signal(name).encoding {
                            Some(_) => format!("{name}::encoding"),
                            None => "encoding".into(),
                        };
                        errors.push($crate::config::FieldError::new(key, e));
                    }
                }
                errors
            }

            /// Shared keys accepted that change nothing, or deprecated.
            fn shared_warnings(&self) -> Vec<String> {
                let mut w = Vec::new();
                if self.topic.is_some() || self.encoding.is_some() {
                    w.push("the top-level topic and encoding are deprecated: set them per signal".into());
                }
                if self.profiles.is_some() {
                    w.push("profiles is ignored: ferrocol has no profiles signal".into());
                }
                w
            }
        }
    };
}

pub(crate) use kafka_settings;
