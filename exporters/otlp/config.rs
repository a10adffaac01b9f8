//! `otlp` exporter settings: otelcol's keys and defaults (configgrpc's client,
//! `timeout`, `retry_on_failure`, `sending_queue`), the endpoint's forms, and
//! otelcol's checks.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::{ByteSize, Duration, FieldError};
use crate::export::queue::QueueConfig;
use crate::export::retry::RetryConfig;
use crate::export::tls::TlsClientConfig;
use crate::export::Headers;

/// exporterhelper's default: the time one attempt may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpExporterConfig {
    /// `host:port`; or `https://host:port` (TLS whatever `tls::insecure` says),
    /// `http://host:port`, `dns:///host:port`, `unix:///path/to.sock`.
    pub endpoint: String,
    /// `gzip` (default), `zstd`, `snappy`, or `none`/`""`.
    pub compression: Compression,
    /// TLS unless `insecure: true` (and no CA set) on an endpoint that is not `https://`.
    pub tls: TlsClientConfig,
    /// HTTP/2 pings: unset by default (as otelcol's exporter), so none are sent.
    pub keepalive: Option<Keepalive>,
    /// Accepted; no effect (the HTTP/2 stack sizes its buffers).
    pub read_buffer_size: ByteSize,
    /// Accepted; no effect (the HTTP/2 stack sizes its buffers).
    pub write_buffer_size: ByteSize,
    /// Accepted; either way a call made while the server cannot be reached
    /// fails with `UNAVAILABLE`, which `retry_on_failure` retries.
    pub wait_for_ready: bool,
    /// gRPC metadata sent with every call; names ending in `-bin` are sent
    /// base64-encoded. Values are never logged.
    pub headers: Headers,
    /// `pick_first` or `round_robin`: accepted; ferrocol keeps one connection,
    /// to the first of the endpoint's addresses that answers.
    pub balancer_name: String,
    /// The `:authority` of every call, instead of the endpoint's host and port.
    pub authority: String,
    /// Not supported (a config error): set an `authorization` header instead.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub auth: Option<IgnoredAny>,
    /// Not supported (a config error) when non-empty.
    pub middlewares: Vec<IgnoredAny>,
    /// Longest time one call may take (sent as `grpc-timeout`); 0 = no limit.
    pub timeout: Duration,
    pub retry_on_failure: RetryConfig,
    pub sending_queue: QueueConfig,
    /// Deprecated otelcol setting: accepted with a warning (use the `batch` processor).
    pub batcher: Option<BTreeMap<String, serde_json::Value>>,
}

impl Default for OtlpExporterConfig {
    fn default() -> Self {
        OtlpExporterConfig {
            endpoint: String::new(),
            compression: Compression::Gzip,
            tls: TlsClientConfig::default(),
            keepalive: None,
            read_buffer_size: ByteSize(0),
            write_buffer_size: ByteSize(512 * 1024),
            wait_for_ready: false,
            headers: Headers::default(),
            balancer_name: String::new(),
            authority: String::new(),
            auth: None,
            middlewares: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            retry_on_failure: RetryConfig::default(),
            sending_queue: QueueConfig::default(),
            batcher: None,
        }
    }
}

/// `compression`: what a gRPC client of otelcol may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    #[default]
    Gzip,
    Zstd,
    /// snappy's framing format, as otelcol's configgrpc ([`crate::otlp::grpc_snappy`]).
    Snappy,
    #[serde(alias = "")]
    None,
}

/// `keepalive`: gRPC's client parameters (HTTP/2 pings).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Keepalive {
    /// Ping after this long without activity.
    pub time: Duration,
    /// Close the connection when a ping is not answered within this time.
    pub timeout: Duration,
    /// Ping even when no call is in flight.
    pub permit_without_stream: bool,
}

impl Default for Keepalive {
    fn default() -> Self {
        Keepalive { time: Duration::from_secs(10), timeout: Duration::from_secs(10), permit_without_stream: false }
    }
}

/// Where to connect, from `endpoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Host (IPv6 without brackets) and port.
    Tcp {
        host: String,
        port: u16,
    },
    Unix(String),
}

impl Target {
    /// The `host:port` form (what the `:authority` names).
    pub fn authority(&self) -> String {
        match self {
            Target::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
            Target::Tcp { host, port } => format!("{host}:{port}"),
            Target::Unix(_) => "localhost".into(),
        }
    }
}

impl OtlpExporterConfig {
    /// The endpoint without its scheme, as otelcol strips it.
    fn sanitized_endpoint(&self) -> &str {
        let e = self.endpoint.as_str();
        if let Some(rest) = e.strip_prefix("http://").or_else(|| e.strip_prefix("https://")) {
            return rest;
        }
        if let Some(rest) = e.strip_prefix("dns://") {
            // `dns:///host:port` or `dns://resolver/host:port`: the resolver is not used.
            return rest.split_once('/').map_or(rest, |(_, target)| target);
        }
        e
    }

    /// Parse `endpoint`, with otelcol's messages.
    pub fn target(&self) -> Result<Target, String> {
        if let Some(path) = self.endpoint.strip_prefix("unix://") {
            if path.is_empty() {
                return Err("unix socket path cannot be empty".into());
            }
            return Ok(Target::Unix(path.to_string()));
        }
        let endpoint = self.sanitized_endpoint();
        if endpoint.is_empty() {
            return Err(r#"requires a non-empty "endpoint""#.into());
        }
        let (host, port) = split_host_port(endpoint)?;
        let port = port.parse::<u16>().map_err(|_| format!("invalid port {port:?}"))?;
        Ok(Target::Tcp { host: host.to_string(), port })
    }

    /// TLS is used unless `insecure` is set without a CA, and the endpoint is
    /// not `https://` (which always means TLS), as otelcol decides.
    pub fn uses_tls(&self) -> bool {
        let has_ca = !self.tls.ca_file.is_empty() || !self.tls.ca_pem.is_empty();
        self.endpoint.starts_with("https://") || !self.tls.insecure || has_ca
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Err(e) = self.target() {
            errors.push(FieldError::new(if self.endpoint.is_empty() { "" } else { "endpoint" }, e));
        }
        for (name, value) in &self.headers.0 {
            errors.extend(super::client::check_header(name, value).err().map(|(key, msg)| FieldError::new(key, msg)));
        }
        if !matches!(self.balancer_name.as_str(), "" | "pick_first" | "round_robin") {
            errors.push(FieldError::new("balancer_name", format!("invalid balancer_name: {}", self.balancer_name)));
        }
        if !self.authority.is_empty() && self.authority.parse::<hyper::http::uri::Authority>().is_err() {
            errors.push(FieldError::new("authority", format!("invalid authority {:?}", self.authority)));
        }
        errors.extend(self.tls.validate());
        errors.extend(self.retry_on_failure.validate());
        if self.retry_on_failure.retryable_statuses.is_some() {
            errors.push(FieldError::new(
                "retry_on_failure::retryable_statuses",
                "retryable_statuses is an otlphttp setting: the otlp exporter retries otelcol's gRPC codes",
            ));
        }
        errors.extend(self.sending_queue.validate());
        errors.extend(crate::export::refuse_extensions(
            self.auth.is_some(),
            !self.middlewares.is_empty(),
            "authorization: \"Bearer ${env:TOKEN}\"",
        ));
        errors
    }

    /// Settings that are accepted but change nothing, to log at build time.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.tls.warnings();
        w.extend(self.sending_queue.warnings());
        if self.batcher.is_some() {
            w.push("batcher is deprecated and ignored: use the batch processor".into());
        }
        if self.balancer_name == "round_robin" {
            w.push(
                "balancer_name round_robin: ferrocol keeps one connection, to the first address that answers".into(),
            );
        }
        w
    }
}

/// Go's `net.SplitHostPort`, with its messages.
fn split_host_port(s: &str) -> Result<(&str, &str), String> {
    let missing = || format!("address {s}: missing port in address");
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| format!("address {s}: missing ']' in address"))?;
        let port = after.strip_prefix(':').ok_or_else(missing)?;
        return Ok((host, port));
    }
    let (host, port) = s.rsplit_once(':').ok_or_else(missing)?;
    if host.contains(':') {
        return Err(format!("address {s}: too many colons in address"));
    }
    Ok((host, port))
}
