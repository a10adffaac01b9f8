//! `otlphttp` exporter settings: otelcol's keys and defaults (confighttp client,
//! `encoding`, the signal endpoints, `retry_on_failure`, `sending_queue`), plus
//! ferrocol's `max_request_size`.

use std::collections::BTreeMap;
use std::fmt;

use hyper::header::{HeaderName, HeaderValue};
use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;

use super::tls::TlsClientConfig;
use crate::config::{ByteSize, Duration, FieldError};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_REQUEST_SIZE: u64 = 8 * 1024 * 1024;
pub const DEFAULT_IDLE_CONN_TIMEOUT: Duration = Duration::from_secs(90);
pub const DEFAULT_HTTP2_PING_TIMEOUT: Duration = Duration::from_secs(15);
/// The statuses OTLP says a client may retry.
pub const DEFAULT_RETRYABLE_STATUSES: [u16; 4] = [429, 502, 503, 504];

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpHttpExporterConfig {
    /// Base URL; logs go to `<endpoint>/v1/logs` (no doubled `/` when it ends in one).
    pub endpoint: String,
    /// Full URL for logs, used as written; wins over `endpoint`.
    pub logs_endpoint: String,
    /// Accepted for compatibility; ferrocol exports logs only.
    pub traces_endpoint: String,
    /// Accepted for compatibility; ferrocol exports logs only.
    pub metrics_endpoint: String,
    /// Accepted for compatibility; ferrocol exports logs only.
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
    pub proxy_url: String,
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
    #[serde(deserialize_with = "present")]
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
            proxy_url: String::new(),
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
            Encoding::Proto => "application/x-protobuf",
            Encoding::Json => "application/json",
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

/// Header names and values; `Debug` shows the names only.
#[derive(Clone, Default, Deserialize)]
pub struct Headers(pub BTreeMap<String, String>);

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.keys().map(|k| (k, "<redacted>"))).finish()
    }
}

/// `retry_on_failure` (otelcol's `configretry` plus the exporter's `retryable_statuses`).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Retry transient failures; when false, a failed request rejects its batch.
    pub enabled: bool,
    /// Wait after the first failure.
    pub initial_interval: Duration,
    /// Each wait is the interval ± this fraction of it, at random (0 to 1).
    pub randomization_factor: f64,
    /// Factor by which the interval grows after each retry.
    pub multiplier: f64,
    /// Largest interval.
    pub max_interval: Duration,
    /// Give up (and reject the batch) when the next retry would start after this
    /// much time since the first attempt; 0 = retry forever.
    pub max_elapsed_time: Duration,
    /// HTTP statuses that are retried; every other non-2xx status rejects.
    pub retryable_statuses: Vec<u16>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            enabled: true,
            initial_interval: Duration::from_secs(5),
            randomization_factor: 0.5,
            multiplier: 1.5,
            max_interval: Duration::from_secs(30),
            max_elapsed_time: Duration::from_secs(300),
            retryable_statuses: DEFAULT_RETRYABLE_STATUSES.to_vec(),
        }
    }
}

/// `sending_queue`: batches waiting for a free consumer.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// When false, one request at a time, straight from the input.
    pub enabled: bool,
    /// Requests in flight at once.
    pub num_consumers: usize,
    /// Capacity, in `sizer` units.
    pub queue_size: u64,
    /// What `queue_size` counts: `requests` (batches), `items` (records) or `bytes`
    /// (encoded protobuf size).
    pub sizer: Sizer,
    /// *Default differs from otelcol.* When full, stop reading the input (the
    /// pipeline and its receivers slow down) instead of dropping the batch.
    pub block_on_overflow: bool,
    /// Deprecated otelcol name of `block_on_overflow`; wins when set.
    pub blocking: Option<bool>,
    /// Accepted; no effect: a batch's ack already waits for its delivery.
    pub wait_for_result: bool,
    /// Accepted with a warning: the queue is in memory; durable receivers re-read
    /// what was not delivered after a restart.
    pub storage: Option<String>,
    /// Accepted with a warning: use the `batch` processor.
    pub batch: Option<BTreeMap<String, serde_json::Value>>,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            enabled: true,
            num_consumers: 10,
            queue_size: 1000,
            sizer: Sizer::Requests,
            block_on_overflow: true,
            blocking: None,
            wait_for_result: false,
            storage: None,
            batch: None,
        }
    }
}

impl QueueConfig {
    /// Whether a full queue blocks the input (ferrocol's default) or drops.
    pub fn blocks(&self) -> bool {
        self.blocking.unwrap_or(self.block_on_overflow)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sizer {
    #[default]
    Requests,
    Items,
    Bytes,
}

/// A key that is present is `Some`, even when its value is empty.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl OtlpHttpExporterConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        match self.logs_url() {
            Ok(url) => {
                let key = if self.logs_endpoint.is_empty() { "endpoint" } else { "logs_endpoint" };
                if let Err(e) = super::client::parse_url(&url) {
                    errors.push(FieldError::new(key, e));
                }
            }
            Err(e) => errors.push(FieldError::new("", e)),
        }
        if !self.proxy_url.is_empty() {
            if let Err(e) = super::proxy::parse_proxy_url(&self.proxy_url) {
                errors.push(FieldError::new("proxy_url", e));
            }
        }
        for (name, value) in &self.headers.0 {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                errors.push(FieldError::new("headers", format!("invalid header name {name:?}")));
            } else if HeaderValue::from_str(value).is_err() {
                // The value itself is never shown: it is often a credential.
                errors.push(FieldError::new(format!("headers::{name}"), "invalid header value (not shown)"));
            }
        }
        errors.extend(self.validate_compression());
        errors.extend(self.tls.validate());
        errors.extend(self.validate_retry());
        errors.extend(self.validate_queue());
        if self.max_request_size.0 == 0 {
            errors.push(FieldError::new("max_request_size", "max_request_size must be positive"));
        }
        if self.auth.is_some() {
            errors.push(FieldError::new(
                "auth",
                "auth extensions are not supported by ferrocol; send credentials with headers \
                 (for example Authorization: \"Bearer ${env:TOKEN}\")",
            ));
        }
        if !self.middlewares.is_empty() {
            errors.push(FieldError::new("middlewares", "middlewares are not supported by ferrocol"));
        }
        errors
    }

    fn validate_compression(&self) -> Vec<FieldError> {
        let level = self.compression_params.level;
        match self.compression {
            Compression::Snappy | Compression::SnappyFramed | Compression::Lz4 => vec![FieldError::new(
                "compression",
                format!(
                    "compression {:?} is not supported by ferrocol (use gzip, zstd, zlib, deflate or none)",
                    self.compression.content_encoding().unwrap_or_default()
                ),
            )],
            Compression::Gzip | Compression::Zlib | Compression::Deflate if !(-2..=9).contains(&level) => {
                vec![FieldError::new(
                    "compression_params::level",
                    format!("unsupported compression level {level} for {:?} (valid: -1 to 9)", self.compression_name()),
                )]
            }
            Compression::None if level != 0 => vec![FieldError::new(
                "compression_params::level",
                "a compression level needs a compression type (gzip, zstd, zlib or deflate)",
            )],
            _ => Vec::new(),
        }
    }

    fn compression_name(&self) -> &'static str {
        self.compression.content_encoding().unwrap_or("none")
    }

    fn validate_retry(&self) -> Vec<FieldError> {
        let r = &self.retry_on_failure;
        let key = |k: &str| format!("retry_on_failure::{k}");
        let mut errors = Vec::new();
        for (i, code) in r.retryable_statuses.iter().enumerate() {
            if !(100..=599).contains(code) {
                errors.push(FieldError::new(
                    format!("retry_on_failure::retryable_statuses[{i}]"),
                    format!("invalid HTTP status code {code} (must be in 100-599)"),
                ));
            }
        }
        if !r.enabled {
            return errors;
        }
        if !(0.0..=1.0).contains(&r.randomization_factor) {
            errors.push(FieldError::new(key("randomization_factor"), "'randomization_factor' must be within [0, 1]"));
        }
        if r.multiplier < 0.0 || !r.multiplier.is_finite() {
            errors.push(FieldError::new(key("multiplier"), "'multiplier' must be non-negative"));
        }
        if !r.max_elapsed_time.is_zero() {
            if r.max_elapsed_time < r.initial_interval {
                errors.push(FieldError::new(
                    key("max_elapsed_time"),
                    "'max_elapsed_time' must not be less than 'initial_interval'",
                ));
            }
            if r.max_elapsed_time < r.max_interval {
                errors.push(FieldError::new(
                    key("max_elapsed_time"),
                    "'max_elapsed_time' must not be less than 'max_interval'",
                ));
            }
        }
        errors
    }

    fn validate_queue(&self) -> Vec<FieldError> {
        let q = &self.sending_queue;
        let mut errors = Vec::new();
        if !q.enabled {
            return errors;
        }
        if q.num_consumers == 0 {
            errors.push(FieldError::new("sending_queue::num_consumers", "`num_consumers` must be positive"));
        }
        if q.queue_size == 0 {
            errors.push(FieldError::new("sending_queue::queue_size", "`queue_size` must be positive"));
        }
        errors
    }

    /// The URL logs are posted to, by otelcol's rule.
    pub fn logs_url(&self) -> Result<String, String> {
        if !self.logs_endpoint.is_empty() {
            return Ok(self.logs_endpoint.clone());
        }
        if self.endpoint.is_empty() {
            return Err("either endpoint or logs_endpoint must be specified".into());
        }
        Ok(compose_signal_url(&self.endpoint, "v1/logs"))
    }

    /// Settings that are accepted but change nothing, to log at build time.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.tls.warnings();
        let q = &self.sending_queue;
        if q.storage.is_some() {
            w.push(
                "sending_queue::storage is ignored: ferrocol's queue is in memory, and receivers with a durable \
                 source checkpoint only delivered data, so what was queued is read again after a restart"
                    .into(),
            );
        }
        if q.batch.is_some() {
            w.push("sending_queue::batch is ignored: use the batch processor".into());
        }
        if q.blocking.is_some() {
            w.push("sending_queue::blocking is deprecated: use block_on_overflow".into());
        }
        if self.cookies.as_ref().and_then(|c| c.get("enabled")).and_then(|e| e.as_bool()) == Some(true) {
            w.push("cookies are not supported by ferrocol; responses' cookies are not sent back".into());
        }
        if self.max_conns_per_host > 0 {
            w.push(
                "max_conns_per_host has no effect: requests in flight are bounded by sending_queue::num_consumers"
                    .into(),
            );
        }
        w
    }
}

/// `endpoint` + `/v1/logs`, without doubling a trailing `/`.
pub fn compose_signal_url(endpoint: &str, path: &str) -> String {
    if endpoint.ends_with('/') {
        format!("{endpoint}{path}")
    } else {
        format!("{endpoint}/{path}")
    }
}
