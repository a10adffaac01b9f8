//! `otlphttp` exporter config checks (otelcol's, with its messages) and the
//! warnings for settings that are accepted but change nothing.

use super::config::{Compression, OtlpHttpExporterConfig};
use crate::config::FieldError;

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
        if !self.proxy_url.0.is_empty() {
            if let Err(e) = super::proxy::parse_proxy_url(&self.proxy_url.0) {
                errors.push(FieldError::new("proxy_url", e));
            }
        }
        // Header names and values are not checked here, as otelcol does not:
        // a header Go's client refuses fails each request (see client.rs).
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

    /// Settings that are accepted but change nothing, to log at build time.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.tls.warnings();
        if self.tls.insecure && self.logs_url().is_ok_and(|u| u.starts_with("https://")) {
            w.push(
                "tls::insecure has no effect on an https:// endpoint: the certificate is still verified \
                 (insecure_skip_verify skips that; an http:// endpoint is plain text)"
                    .into(),
            );
        }
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
