//! `otlp` receiver settings: otelcol's keys, under `protocols::http`.

use crate::net::endpoint_host_port as split_host_port;
use std::collections::BTreeMap;

use hyper::header::{HeaderName, HeaderValue};
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::{ByteSize, Duration, FieldError};
use crate::tls_server::TlsServerConfig;

pub use super::grpc_config::GrpcServerConfig;

pub const DEFAULT_ENDPOINT: &str = "localhost:4318";
pub const DEFAULT_LOGS_URL_PATH: &str = "/v1/logs";
pub const DEFAULT_TRACES_URL_PATH: &str = "/v1/traces";
pub const DEFAULT_METRICS_URL_PATH: &str = "/v1/metrics";
/// otelcol's confighttp default; `max_request_body_size: 0` means this too.
pub const DEFAULT_MAX_REQUEST_BODY_SIZE: u64 = 20 * 1024 * 1024;

/// `compression_algorithms` values otelcol knows; the first four are decoded here.
const KNOWN_ALGORITHMS: &[&str] = &["", "gzip", "zstd", "zlib", "deflate", "snappy", "lz4", "x-snappy-framed"];
const DECODED_ALGORITHMS: &[&str] = &["gzip", "zstd", "zlib", "deflate"];

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpReceiverConfig {
    pub protocols: Protocols,
}

/// A protocol is enabled when its key is present, even without a value (`http:`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Protocols {
    /// OTLP/HTTP (protobuf and JSON).
    #[serde(deserialize_with = "crate::config::de::present")]
    pub http: Option<HttpServerConfig>,
    /// OTLP/gRPC.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub grpc: Option<GrpcServerConfig>,
}

/// otelcol's `confighttp.ServerConfig` plus the OTLP receiver's URL paths.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpServerConfig {
    /// `host:port` to listen on; an empty host means every interface.
    pub endpoint: String,
    /// Path that takes `POST`ed logs; a leading `/` is added when missing.
    pub logs_url_path: String,
    /// Path that takes `POST`ed spans.
    pub traces_url_path: String,
    /// Path that takes `POST`ed metrics.
    pub metrics_url_path: String,
    /// Largest request body, compressed and again after decompression; 0 = 20 MiB.
    pub max_request_body_size: ByteSize,
    /// `Content-Encoding`s accepted besides none; default gzip, zstd, zlib, deflate.
    pub compression_algorithms: Option<Vec<String>>,
    /// Headers added to every response.
    pub response_headers: BTreeMap<String, String>,
    /// Accepted; ferrocol's records carry no client metadata, so it changes nothing.
    pub include_metadata: bool,
    /// Accepted; CORS is not implemented, so browsers cannot post cross-origin.
    pub cors: Option<CorsConfig>,
    /// Not supported (a config error): requests would be taken unauthenticated.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub auth: Option<IgnoredAny>,
    /// TLS (rustls): `cert_file`/`key_file`, `client_ca_file` for mutual TLS,
    /// `min_version`/`max_version`, `cipher_suites`. HTTP/1.1 and HTTP/2 by ALPN.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub tls: Option<TlsServerConfig>,
    /// Not supported (a config error) when non-empty.
    pub middlewares: Vec<IgnoredAny>,
    /// Longest time to read a request body; 0 = no limit.
    pub read_timeout: Duration,
    /// Longest time to read a request's headers (HTTP/1); 0 = no limit.
    pub read_header_timeout: Duration,
    /// Accepted; has no effect.
    pub write_timeout: Duration,
    /// Accepted; has no effect.
    pub idle_timeout: Duration,
    /// HTTP/1 keep-alive.
    pub keep_alives_enabled: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsConfig {
    pub allowed_origins: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub max_age: i64,
}

impl Default for HttpServerConfig {
    fn default() -> Self {
        HttpServerConfig {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            logs_url_path: DEFAULT_LOGS_URL_PATH.to_string(),
            traces_url_path: DEFAULT_TRACES_URL_PATH.to_string(),
            metrics_url_path: DEFAULT_METRICS_URL_PATH.to_string(),
            max_request_body_size: ByteSize(0),
            compression_algorithms: None,
            response_headers: BTreeMap::new(),
            include_metadata: false,
            cors: None,
            auth: None,
            tls: None,
            middlewares: Vec::new(),
            read_timeout: Duration::default(),
            read_header_timeout: Duration::default(),
            write_timeout: Duration::default(),
            idle_timeout: Duration::default(),
            keep_alives_enabled: true,
        }
    }
}

impl OtlpReceiverConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Some(grpc) = &self.protocols.grpc {
            errors.extend(grpc.validate());
        }
        match &self.protocols.http {
            Some(http) => errors.extend(http.validate()),
            None if self.protocols.grpc.is_none() => errors
                .push(FieldError::new("protocols", "must specify at least one protocol when using the OTLP receiver")),
            None => {}
        }
        errors
    }
}

impl HttpServerConfig {
    fn validate(&self) -> Vec<FieldError> {
        let key = |k: &str| format!("protocols::http::{k}");
        let mut errors = Vec::new();
        if let Err(e) = split_host_port(&self.endpoint) {
            errors.push(FieldError::new(key("endpoint"), e));
        }
        for (name, path) in [
            ("logs_url_path", &self.logs_url_path),
            ("traces_url_path", &self.traces_url_path),
            ("metrics_url_path", &self.metrics_url_path),
        ] {
            if let Err(e) = sanitize_url_path(path) {
                errors.push(FieldError::new(key(name), e));
            }
        }
        if let Some(tls) = &self.tls {
            errors.extend(tls.validate("protocols::http::"));
        }
        if self.auth.is_some() {
            errors.push(FieldError::new(
                key("auth"),
                "auth is not supported by ferrocol's otlp receiver, which would accept every request \
                 unauthenticated; put an authenticating proxy in front of it",
            ));
        }
        if !self.middlewares.is_empty() {
            errors
                .push(FieldError::new(key("middlewares"), "middlewares are not supported by ferrocol's otlp receiver"));
        }
        for (i, algo) in self.compression_algorithms.iter().flatten().enumerate() {
            if !KNOWN_ALGORITHMS.contains(&algo.as_str()) {
                errors.push(FieldError::new(
                    format!("protocols::http::compression_algorithms[{i}]"),
                    format!("unknown compression algorithm {algo:?} (valid values: {KNOWN_ALGORITHMS:?})"),
                ));
            }
        }
        for (name, value) in &self.response_headers {
            if HeaderName::from_bytes(name.as_bytes()).is_err() {
                errors.push(FieldError::new(key("response_headers"), format!("invalid header name {name:?}")));
            } else if HeaderValue::from_str(value).is_err() {
                errors.push(FieldError::new(
                    format!("protocols::http::response_headers::{name}"),
                    format!("invalid value for header {name:?}"),
                ));
            }
        }
        errors
    }

    /// The logs path as served: a leading `/`, no query or fragment.
    pub fn logs_path(&self) -> String {
        sanitize_url_path(&self.logs_url_path).unwrap_or_else(|_| DEFAULT_LOGS_URL_PATH.to_string())
    }

    pub fn traces_path(&self) -> String {
        sanitize_url_path(&self.traces_url_path).unwrap_or_else(|_| DEFAULT_TRACES_URL_PATH.to_string())
    }

    pub fn metrics_path(&self) -> String {
        sanitize_url_path(&self.metrics_url_path).unwrap_or_else(|_| DEFAULT_METRICS_URL_PATH.to_string())
    }

    pub fn max_body_size(&self) -> usize {
        let size = match self.max_request_body_size.0 {
            0 => DEFAULT_MAX_REQUEST_BODY_SIZE,
            n => n,
        };
        usize::try_from(size).unwrap_or(usize::MAX)
    }

    /// The `Content-Encoding` values decoded, besides none (`""`, `identity`).
    pub fn decoded_encodings(&self) -> Vec<String> {
        match &self.compression_algorithms {
            None => DECODED_ALGORITHMS.iter().map(|s| s.to_string()).collect(),
            Some(list) => list.iter().filter(|a| DECODED_ALGORITHMS.contains(&a.as_str())).cloned().collect(),
        }
    }

    /// Settings that are accepted but change nothing, to log at build time.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        for algo in self.compression_algorithms.iter().flatten() {
            if !algo.is_empty()
                && KNOWN_ALGORITHMS.contains(&algo.as_str())
                && !DECODED_ALGORITHMS.contains(&algo.as_str())
            {
                w.push(format!(
                    "compression_algorithms: {algo} is not supported by ferrocol; requests using it get 400"
                ));
            }
        }
        if self.cors.as_ref().is_some_and(|c| !c.allowed_origins.is_empty()) {
            w.push("cors is not implemented by ferrocol; browsers cannot send cross-origin requests".into());
        }
        if self.include_metadata {
            w.push("include_metadata has no effect: ferrocol's records carry no client metadata".into());
        }
        if !self.write_timeout.is_zero() || !self.idle_timeout.is_zero() {
            w.push("write_timeout and idle_timeout have no effect in ferrocol".into());
        }
        w
    }
}

/// otelcol's `SanitizedURLPath`: keep the path of a URL, with a leading `/`.
fn sanitize_url_path(path: &str) -> Result<String, String> {
    if path.contains("://") || path.starts_with(':') || path.contains(char::is_whitespace) {
        return Err(format!("invalid HTTP URL path set for signal: {path:?}"));
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    Ok(if path.starts_with('/') { path.to_string() } else { format!("/{path}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::de::from_node;
    use crate::config::yaml::parse;

    fn cfg(yaml: &str) -> OtlpReceiverConfig {
        from_node(&parse("c", yaml).unwrap()).unwrap()
    }

    fn errors(yaml: &str) -> Vec<(String, String)> {
        cfg(yaml).validate().into_iter().map(|e| (e.key, e.message)).collect()
    }

    #[test]
    fn defaults_and_presence() {
        let c = cfg("protocols:\n  http:\n");
        let http = c.protocols.http.as_ref().expect("http: enables http");
        assert_eq!(http.endpoint, "localhost:4318");
        assert_eq!(http.logs_path(), "/v1/logs");
        assert_eq!(http.max_body_size(), 20 * 1024 * 1024);
        assert_eq!(http.decoded_encodings(), ["gzip", "zstd", "zlib", "deflate"]);
        assert!(http.keep_alives_enabled);
        assert!(c.validate().is_empty());
        assert!(cfg("protocols: {http: {}}").protocols.http.is_some());
        assert!(cfg("protocols: {http: null}").protocols.http.is_some());
        assert!(cfg("protocols: {}").protocols.http.is_none());
    }

    #[test]
    fn reads_otelcol_keys() {
        let c = cfg(concat!(
            "protocols:\n  http:\n    endpoint: 0.0.0.0:5000\n    logs_url_path: ingest/logs?x=1\n",
            "    max_request_body_size: 1MiB\n    compression_algorithms: [gzip, snappy]\n",
            "    response_headers: {X-A: b}\n    include_metadata: true\n",
            "    cors: {allowed_origins: ['https://*.example.com'], max_age: 7200}\n",
            "    read_timeout: 5s\n    read_header_timeout: 1s\n    write_timeout: 30s\n    idle_timeout: 1m\n",
            "    keep_alives_enabled: false\n    traces_url_path: /t\n    metrics_url_path: /m\n",
        ));
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        let http = c.protocols.http.unwrap();
        assert_eq!(http.logs_path(), "/ingest/logs");
        assert_eq!(http.max_body_size(), 1 << 20);
        assert_eq!(http.decoded_encodings(), ["gzip"]);
        assert_eq!(http.warnings().len(), 4, "{:?}", http.warnings());
        assert!(!http.keep_alives_enabled);
    }

    #[test]
    fn grpc_is_configured_as_otelcol_and_missing_protocols_are_errors() {
        assert!(errors("protocols: {grpc:, http:}").is_empty());
        let cfg: OtlpReceiverConfig = from_node(&parse("c", "protocols: {grpc:}").unwrap()).unwrap();
        let grpc = cfg.protocols.grpc.as_ref().unwrap();
        assert_eq!((grpc.endpoint.as_str(), grpc.max_recv_msg_size()), ("localhost:4317", 4 << 20));
        let e = errors("protocols:\n  grpc:\n    endpoint: localhost\n    transport: unix\n    tls: {}\n");
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["protocols::grpc::endpoint", "protocols::grpc::transport", "protocols::grpc::tls::cert_file"]
        );
        assert!(e[2].1.starts_with("a TLS server needs a certificate"), "{}", e[2].1);
        let e = errors("protocols: {grpc: {tls: {cert_file: c.pem, min_version: '1.9'}}}");
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["protocols::grpc::tls::cert_file", "protocols::grpc::tls::min_version"]);
        let ok = "protocols: {grpc: {tls: {cert_file: c.pem, key_file: k.pem, client_ca_file: ca.pem}}}";
        assert!(errors(ok).is_empty());
        for yaml in ["", "protocols: {}"] {
            let e = errors(yaml);
            assert_eq!(e.len(), 1);
            assert_eq!(e[0].0, "protocols");
            assert!(e[0].1.starts_with("must specify at least one protocol"), "{}", e[0].1);
        }
    }

    #[test]
    fn security_keys_we_do_not_implement_are_errors() {
        let e = errors(concat!(
            "protocols:\n  http:\n    tls: {cert_file: a.pem, key_file: a.key}\n",
            "    auth: {authenticator: basicauth}\n    middlewares: [{id: m}]\n",
        ));
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["protocols::http::auth", "protocols::http::middlewares"], "tls is served");
        assert!(e[0].1.starts_with("auth is not supported"));
        let e = errors("protocols: {http: {tls: {key_file: a.key}}}");
        assert_eq!(e[0].0, "protocols::http::tls::key_file");
    }

    #[test]
    fn bad_values_are_errors() {
        let e = errors(concat!(
            "protocols:\n  http:\n    endpoint: localhost\n    logs_url_path: 'http://x/y'\n",
            "    compression_algorithms: [gzip, brotli]\n    response_headers: {'bad name': x}\n",
        ));
        let keys: Vec<&str> = e.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "protocols::http::endpoint",
                "protocols::http::logs_url_path",
                "protocols::http::compression_algorithms[1]",
                "protocols::http::response_headers"
            ]
        );
        assert_eq!(e[0].1, "invalid endpoint \"localhost\": missing port in address");
        let typo = from_node::<OtlpReceiverConfig>(&parse("c", "protocols: {http: {endpiont: x}}").unwrap());
        assert_eq!(typo.unwrap_err().path, "protocols::http::endpiont");
        let proto_typo = from_node::<OtlpReceiverConfig>(&parse("c", "protocols: {htttp: {}}").unwrap());
        assert_eq!(proto_typo.unwrap_err().path, "protocols::htttp");
    }

    #[test]
    fn splits_endpoints() {
        assert_eq!(split_host_port("localhost:4318"), Ok(("localhost", 4318)));
        assert_eq!(split_host_port(":4318"), Ok(("", 4318)));
        assert_eq!(split_host_port("[::1]:80"), Ok(("::1", 80)));
        assert!(split_host_port("::1:80").is_err());
        assert!(split_host_port("host:http").is_err());
    }
}
