//! `otlphttp` exporter settings: otelcol's keys and defaults (confighttp client,
//! `encoding`, the signal endpoints, `retry_on_failure`, `sending_queue`), plus
//! ferrocol's `max_request_size`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::{ByteSize, Duration};
pub use crate::export::queue::QueueConfig;
pub use crate::export::retry::RetryConfig;
use crate::export::tls::TlsClientConfig;
pub use crate::export::Headers;
use crate::signal::Signal;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_REQUEST_SIZE: u64 = 8 * 1024 * 1024;
pub const DEFAULT_IDLE_CONN_TIMEOUT: Duration = Duration::from_secs(90);
pub const DEFAULT_HTTP2_PING_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpHttpExporterConfig {
    /// Base URL; logs go to `<endpoint>/v1/logs`, spans to `<endpoint>/v1/traces`,
    /// metrics to `<endpoint>/v1/metrics` (no doubled `/` when it ends in one).
    pub endpoint: String,
    /// Full URL for logs, used as written; wins over `endpoint`.
    pub logs_endpoint: String,
    /// Full URL for spans, used as written; wins over `endpoint`.
    pub traces_endpoint: String,
    /// Full URL for metrics, used as written; wins over `endpoint`.
    pub metrics_endpoint: String,
    /// Accepted for compatibility; ferrocol has no profiles pipelines.
    pub profiles_endpoint: String,
    /// `proto` (`application/x-protobuf`) or `json` (`application/json`).
    pub encoding: Encoding,
    /// Added to every request (replacing a header of the same name). Values are
    /// never logged.
    pub headers: Headers,
    /// Longest time one request may take, from connecting to the end of the
    /// response; 0 = no limit.
    pub timeout: Duration,
    /// `gzip`, `zstd`, `zlib`, `deflate`, or `none`/`""` for no compression.
    pub compression: Compression,
    pub compression_params: CompressionParams,
    pub tls: TlsClientConfig,
    /// An `http://[user:password@]host:port` proxy: HTTPS goes through a CONNECT
    /// tunnel, plain HTTP is forwarded. Unset: `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`.
    pub proxy_url: ProxyUrl,
    /// *ferrocol's own.* Largest encoded (uncompressed) request body; bigger
    /// batches are split by records.
    pub max_request_size: ByteSize,
    pub retry_on_failure: RetryConfig,
    pub sending_queue: QueueConfig,
    /// Idle connections kept per host; 0 = no limit.
    pub max_idle_conns_per_host: u64,
    /// How long an idle connection is kept; 0 = until the server closes it.
    pub idle_conn_timeout: Duration,
    /// Open a new connection for every request.
    pub disable_keep_alives: bool,
    /// Offer HTTP/2 in the TLS handshake (ALPN); plain-text HTTP is HTTP/1.1.
    pub force_attempt_http2: bool,
    /// Ping an HTTP/2 connection idle for this long; 0 = no pings.
    pub http2_read_idle_timeout: Duration,
    /// Close the HTTP/2 connection when a ping is not answered within this time.
    pub http2_ping_timeout: Duration,
    /// Accepted; no effect (the whole idle pool is `max_idle_conns_per_host`).
    pub max_idle_conns: u64,
    /// Accepted; no effect (concurrency is bounded by `sending_queue::num_consumers`).
    pub max_conns_per_host: u64,
    /// Accepted; no effect.
    pub read_buffer_size: ByteSize,
    /// Accepted; no effect.
    pub write_buffer_size: ByteSize,
    /// Accepted; cookies are not kept (a warning when enabled).
    pub cookies: Option<BTreeMap<String, serde_json::Value>>,
    /// Not supported (a config error): set an `Authorization` header instead.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub auth: Option<IgnoredAny>,
    /// Not supported (a config error) when non-empty.
    pub middlewares: Vec<IgnoredAny>,
}

impl Default for OtlpHttpExporterConfig {
    fn default() -> Self {
        OtlpHttpExporterConfig {
            endpoint: String::new(),
            logs_endpoint: String::new(),
            traces_endpoint: String::new(),
            metrics_endpoint: String::new(),
            profiles_endpoint: String::new(),
            encoding: Encoding::Proto,
            headers: Headers::default(),
            timeout: DEFAULT_TIMEOUT,
            compression: Compression::Gzip,
            compression_params: CompressionParams::default(),
            tls: TlsClientConfig::default(),
            proxy_url: ProxyUrl::default(),
            max_request_size: ByteSize(DEFAULT_MAX_REQUEST_SIZE),
            retry_on_failure: RetryConfig::default(),
            sending_queue: QueueConfig::default(),
            max_idle_conns_per_host: 0,
            idle_conn_timeout: DEFAULT_IDLE_CONN_TIMEOUT,
            disable_keep_alives: false,
            force_attempt_http2: true,
            http2_read_idle_timeout: Duration::default(),
            http2_ping_timeout: DEFAULT_HTTP2_PING_TIMEOUT,
            max_idle_conns: 100,
            max_conns_per_host: 0,
            read_buffer_size: ByteSize(0),
            write_buffer_size: ByteSize(512 * 1024),
            cookies: None,
            auth: None,
            middlewares: Vec::new(),
        }
    }
}

/// The request body's encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    #[default]
    Proto,
    Json,
}

impl Encoding {
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Proto => crate::otlp::PROTOBUF,
            Encoding::Json => crate::otlp::JSON,
        }
    }
}

/// `compression`: what otelcol accepts; snappy and lz4 are refused by `validate`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum Compression {
    #[default]
    #[serde(rename = "gzip")]
    Gzip,
    #[serde(rename = "zstd")]
    Zstd,
    #[serde(rename = "zlib")]
    Zlib,
    #[serde(rename = "deflate")]
    Deflate,
    #[serde(rename = "none", alias = "")]
    None,
    #[serde(rename = "snappy")]
    Snappy,
    #[serde(rename = "x-snappy-framed")]
    SnappyFramed,
    #[serde(rename = "lz4")]
    Lz4,
}

impl Compression {
    /// The `Content-Encoding` value; `None` for an uncompressed body.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Compression::Gzip => Some("gzip"),
            Compression::Zstd => Some("zstd"),
            Compression::Zlib => Some("zlib"),
            Compression::Deflate => Some("deflate"),
            Compression::None => None,
            Compression::Snappy => Some("snappy"),
            Compression::SnappyFramed => Some("x-snappy-framed"),
            Compression::Lz4 => Some("lz4"),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompressionParams {
    /// gzip/zlib/deflate: 1 (fastest) to 9 (smallest); 0 or -1 = 6. zstd: 1 to
    /// 22; 0 or below = 1, which is what otelcol's default maps to.
    pub level: i64,
}

/// `proxy_url`; `Debug` leaves out the credentials it may hold.
#[derive(Clone, Default, Deserialize)]
pub struct ProxyUrl(pub String);

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once('@') {
            Some((_, host)) => write!(f, "\"<credentials>@{host}\""),
            None => write!(f, "{:?}", self.0),
        }
    }
}

impl OtlpHttpExporterConfig {
    /// The key and value of a signal's own endpoint (`traces_endpoint`, ...).
    pub fn signal_endpoint(&self, signal: Signal) -> (&'static str, &str) {
        match signal {
            Signal::Traces => ("traces_endpoint", &self.traces_endpoint),
            Signal::Metrics => ("metrics_endpoint", &self.metrics_endpoint),
            Signal::Logs => ("logs_endpoint", &self.logs_endpoint),
        }
    }

    /// The URL a signal's requests are posted to, by otelcol's rule: its own
    /// endpoint as written, else `endpoint` + `/v1/<signal>`.
    pub fn signal_url(&self, signal: Signal) -> Result<String, String> {
        let (key, own) = self.signal_endpoint(signal);
        if !own.is_empty() {
            return Ok(own.to_string());
        }
        if self.endpoint.is_empty() {
            return Err(format!("either endpoint or {key} must be specified"));
        }
        Ok(compose_signal_url(&self.endpoint, &format!("v1/{signal}")))
    }
}

/// `endpoint` + `/v1/logs` (or another signal's path), without doubling a trailing `/`.
pub fn compose_signal_url(endpoint: &str, path: &str) -> String {
    if endpoint.ends_with('/') {
        format!("{endpoint}{path}")
    } else {
        format!("{endpoint}/{path}")
    }
}
