//! `protocols::grpc`: otelcol's `configgrpc.ServerConfig` keys for the otlp
//! receiver (default endpoint `localhost:4317`).

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::{Duration, FieldError};
use crate::tls_server::TlsServerConfig;

pub const DEFAULT_GRPC_ENDPOINT: &str = "localhost:4317";
/// gRPC-Go's default largest received message when `max_recv_msg_size_mib` is 0.
pub const DEFAULT_MAX_RECV_MSG_SIZE: usize = 4 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrpcServerConfig {
    /// `host:port` to listen on; an empty host means every interface.
    pub endpoint: String,
    /// `tcp` (the default) only.
    pub transport: String,
    /// Largest request message in MiB; 0 = 4 MiB (gRPC's default).
    pub max_recv_msg_size_mib: u64,
    /// Concurrent HTTP/2 streams per connection; 0 = no limit.
    pub max_concurrent_streams: u32,
    /// Accepted (otelcol's default 512 KiB); the socket's buffer is sized by the kernel.
    pub read_buffer_size: u64,
    /// Accepted; the socket's buffer is sized by the kernel.
    pub write_buffer_size: u64,
    pub keepalive: Option<Keepalive>,
    /// Accepted; ferrocol's records carry no client metadata, so it changes nothing.
    pub include_metadata: bool,
    /// TLS (rustls): `cert_file`/`key_file`, `client_ca_file` for mutual TLS,
    /// `min_version`/`max_version`, `cipher_suites`. Plain HTTP/2 when absent.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub tls: Option<TlsServerConfig>,
    /// Not supported (a config error): requests would be taken unauthenticated.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub auth: Option<IgnoredAny>,
    /// Not supported (a config error) when non-empty.
    pub middlewares: Vec<IgnoredAny>,
}

impl Default for GrpcServerConfig {
    fn default() -> Self {
        GrpcServerConfig {
            endpoint: DEFAULT_GRPC_ENDPOINT.to_string(),
            transport: "tcp".to_string(),
            max_recv_msg_size_mib: 0,
            max_concurrent_streams: 0,
            read_buffer_size: 512 * 1024,
            write_buffer_size: 0,
            keepalive: None,
            include_metadata: false,
            tls: None,
            auth: None,
            middlewares: Vec::new(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Keepalive {
    pub server_parameters: Option<ServerParameters>,
    pub enforcement_policy: Option<EnforcementPolicy>,
}

/// gRPC keepalive.ServerParameters; zero means gRPC's default.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerParameters {
    pub max_connection_idle: Duration,
    pub max_connection_age: Duration,
    pub max_connection_age_grace: Duration,
    /// Ping an idle client after this long (gRPC's default 2h).
    pub time: Duration,
    /// Close the connection when a ping is not answered within this (default 20s).
    pub timeout: Duration,
}

/// gRPC keepalive.EnforcementPolicy.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnforcementPolicy {
    pub min_time: Duration,
    pub permit_without_stream: bool,
}

impl GrpcServerConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let key = |k: &str| format!("protocols::grpc::{k}");
        let mut errors = Vec::new();
        if let Err(e) = crate::net::endpoint_host_port(&self.endpoint) {
            errors.push(FieldError::new(key("endpoint"), e));
        }
        if self.transport != "tcp" {
            errors.push(FieldError::new(
                key("transport"),
                format!("unsupported transport {:?}: ferrocol listens on tcp only", self.transport),
            ));
        }
        if let Some(tls) = &self.tls {
            errors.extend(tls.validate("protocols::grpc::"));
        }
        if self.auth.is_some() {
            errors.push(FieldError::new(key("auth"), "auth extensions are not supported by ferrocol"));
        }
        if !self.middlewares.is_empty() {
            errors.push(FieldError::new(key("middlewares"), "middlewares are not supported by ferrocol"));
        }
        errors
    }

    /// The largest request message accepted.
    pub fn max_recv_msg_size(&self) -> usize {
        match self.max_recv_msg_size_mib {
            0 => DEFAULT_MAX_RECV_MSG_SIZE,
            mib => usize::try_from(mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX),
        }
    }
}

fn nonzero(d: Duration) -> Option<std::time::Duration> {
    (!d.is_zero()).then_some(d.0)
}

impl Keepalive {
    /// HTTP/2 keepalive ping interval and timeout, as gRPC's server parameters set them.
    pub fn ping(&self) -> (Option<std::time::Duration>, Option<std::time::Duration>) {
        match &self.server_parameters {
            Some(p) => (nonzero(p.time), nonzero(p.timeout)),
            None => (None, None),
        }
    }

    pub fn max_connection_age(&self) -> Option<std::time::Duration> {
        self.server_parameters.as_ref().and_then(|p| nonzero(p.max_connection_age))
    }
}
