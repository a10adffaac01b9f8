//! `otlphttp` exporter config checks (otelcol's, with its messages) and the
//! warnings for settings that are accepted but change nothing.

use super::config::{compose_signal_url, Compression, OtlpHttpExporterConfig};
use crate::config::FieldError;
use crate::signal::Signal;

impl OtlpHttpExporterConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let own = Signal::ALL.map(|s| self.signal_endpoint(s));
        if self.endpoint.is_empty() && self.profiles_endpoint.is_empty() && own.iter().all(|(_, e)| e.is_empty()) {
            errors.push(FieldError::new("", "at least one endpoint must be specified"));
        }
        // Each URL that some signal would use (a signal without one is a build error).
        if !self.endpoint.is_empty() {
            if let Err(e) = super::client::parse_url(&compose_signal_url(&self.endpoint, "v1/logs")) {
                errors.push(FieldError::new("endpoint", e));
            }
        }
        for (key, url) in own.into_iter().filter(|(_, url)| !url.is_empty()) {
            if let Err(e) = super::client::parse_url(url) {
                errors.push(FieldError::new(key, e));
            }
        }
        if !self.proxy_url.0.is_empty() {
            if let Err(e) = super::proxy::parse_proxy_url(&self.proxy_url.0) {
                errors.push(FieldError::new("proxy_url", e));
            }
        }
        // Header names and values are not checked here, as otelcol does not:
        // a header Go's client refuses fails each request (see client.rs).
        errors.extend(self.validate_compression());
        errors.extend(self.tls.validate());
        errors.extend(self.retry_on_failure.validate());
        errors.extend(self.sending_queue.validate());
        if self.max_request_size.0 == 0 {
            errors.push(FieldError::new("max_request_size", "max_request_size must be positive"));
        }
        errors.extend(crate::export::refuse_extensions(
            self.auth.is_some(),
            !self.middlewares.is_empty(),
            "Authorization: \"Bearer ${env:TOKEN}\"",
        ));
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

    /// Settings that are accepted but change nothing, to log at build time.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.tls.warnings();
        let urls = Signal::ALL.map(|s| self.signal_url(s));
        if self.tls.insecure && urls.iter().flatten().any(|u| u.starts_with("https://")) {
            w.push(
                "tls::insecure has no effect on an https:// endpoint: the certificate is still verified \
                 (insecure_skip_verify skips that; an http:// endpoint is plain text)"
                    .into(),
            );
        }
        w.extend(self.sending_queue.warnings());
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
