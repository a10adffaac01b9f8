//! `health_check` settings, with otelcol-contrib's keys and defaults.

use serde::de::{Deserializer, IgnoredAny};
use serde::Deserialize;

use crate::config::{Duration, FieldError};

pub const DEFAULT_ENDPOINT: &str = "localhost:13133";
pub const DEFAULT_PATH: &str = "/";
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(5 * 60);
pub const DEFAULT_EXPORTER_FAILURE_THRESHOLD: i64 = 5;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthCheckConfig {
    /// `host:port` to listen on; `:port` listens on every interface.
    pub endpoint: String,
    /// URL path that answers. A path ending in `/` also answers everything below
    /// it (so the default `/` answers every path), as Go's `ServeMux` does.
    pub path: String,
    /// Static bodies that replace the JSON status document.
    pub response_body: Option<ResponseBody>,
    /// Deprecated and broken upstream; accepted and ignored (a warning is logged
    /// when `enabled`).
    pub check_collector_pipeline: CheckCollectorPipeline,
    /// Rejected in `validate`: ferrocol's health_check serves plain HTTP only.
    #[serde(deserialize_with = "present")]
    pub tls: bool,
}

impl Default for HealthCheckConfig {
    fn default() -> Self {
        HealthCheckConfig {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            path: DEFAULT_PATH.to_string(),
            response_body: None,
            check_collector_pipeline: CheckCollectorPipeline::default(),
            tls: false,
        }
    }
}

/// `response_body: {healthy: ..., unhealthy: ...}`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResponseBody {
    /// Body of the 200 answer.
    pub healthy: String,
    /// Body of the 503 answer.
    pub unhealthy: String,
}

/// otelcol's deprecated pipeline check; only its keys are kept.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckCollectorPipeline {
    pub enabled: bool,
    pub interval: Duration,
    pub exporter_failure_threshold: i64,
}

impl Default for CheckCollectorPipeline {
    fn default() -> Self {
        CheckCollectorPipeline {
            enabled: false,
            interval: DEFAULT_CHECK_INTERVAL,
            exporter_failure_threshold: DEFAULT_EXPORTER_FAILURE_THRESHOLD,
        }
    }
}

/// True whenever the key is written at all, even as `tls:` with no value.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d)?;
    Ok(true)
}

impl HealthCheckConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.endpoint.is_empty() {
            errors.push(FieldError::new("endpoint", "endpoint must be specified"));
        } else if let Err(e) = crate::net::endpoint_host_port(&self.endpoint) {
            errors.push(FieldError::new("endpoint", format!("{e} (such as {DEFAULT_ENDPOINT})")));
        }
        if !self.path.starts_with('/') {
            errors.push(FieldError::new("path", "path must start with /"));
        }
        if self.check_collector_pipeline.exporter_failure_threshold <= 0 {
            errors.push(FieldError::new(
                "check_collector_pipeline::exporter_failure_threshold",
                "exporter_failure_threshold expects a positive number",
            ));
        }
        if self.tls {
            errors.push(FieldError::new(
                "tls",
                "tls is not supported by ferrocol's health_check; it serves plain HTTP (put a TLS proxy in front if needed)",
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::de::from_node;
    use crate::config::yaml::parse;

    fn load(text: &str) -> HealthCheckConfig {
        from_node(&parse("c", text).unwrap()).unwrap()
    }

    fn messages(c: &HealthCheckConfig) -> Vec<String> {
        c.validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
    }

    #[test]
    fn defaults_match_otelcol() {
        let c = load("");
        assert_eq!(c.endpoint, "localhost:13133");
        assert_eq!(c.path, "/");
        assert!(c.response_body.is_none());
        assert!(!c.check_collector_pipeline.enabled);
        assert_eq!(c.check_collector_pipeline.interval, Duration::from_secs(300));
        assert!(messages(&c).is_empty());
    }

    #[test]
    fn reads_every_key() {
        let c = load(
            "endpoint: 0.0.0.0:1\npath: /health/status\nresponse_body: {healthy: up, unhealthy: down}\n\
             check_collector_pipeline: {enabled: true, interval: 1m, exporter_failure_threshold: 2}\n",
        );
        assert_eq!(c.endpoint, "0.0.0.0:1");
        assert_eq!(c.path, "/health/status");
        let body = c.response_body.as_ref().unwrap();
        assert_eq!((body.healthy.as_str(), body.unhealthy.as_str()), ("up", "down"));
        assert!(c.check_collector_pipeline.enabled);
        assert!(messages(&c).is_empty());
    }

    #[test]
    fn tls_is_rejected_even_when_empty() {
        for text in ["tls: {cert_file: a.pem, key_file: a.key}\n", "tls:\n", "tls: {}\n"] {
            let msgs = messages(&load(text));
            assert_eq!(msgs.len(), 1, "{text}: {msgs:?}");
            assert!(msgs[0].starts_with("tls: tls is not supported by ferrocol's health_check"), "{msgs:?}");
            assert!(!msgs[0].contains(&["not", "yet", "supported"].join(" ")));
        }
    }

    #[test]
    fn bad_values_are_reported() {
        let c = load("endpoint: ''\npath: health\ncheck_collector_pipeline: {exporter_failure_threshold: 0}\n");
        assert_eq!(
            messages(&c),
            [
                "endpoint: endpoint must be specified",
                "path: path must start with /",
                "check_collector_pipeline::exporter_failure_threshold: exporter_failure_threshold expects a positive number",
            ]
        );
        let c = load("endpoint: localhost\n");
        assert!(messages(&c)[0].contains("missing port in address"), "{:?}", messages(&c));
        let c = load("endpoint: localhost:http\n");
        assert!(messages(&c)[0].contains("must be a number"), "{:?}", messages(&c));
    }

    #[test]
    fn unknown_keys_fail() {
        let e = from_node::<HealthCheckConfig>(&parse("c", "endpiont: x\n").unwrap()).unwrap_err();
        assert!(e.message.contains("unknown field `endpiont`"), "{}", e.message);
        let e = from_node::<HealthCheckConfig>(&parse("c", "response_body: {ok: x}\n").unwrap()).unwrap_err();
        assert_eq!(e.path, "response_body::ok");
    }

    #[test]
    fn go_style_endpoints() {
        for ok in [":13133", "[::1]:80", "localhost:13133"] {
            assert!(load(&format!("endpoint: {ok:?}\n")).validate().is_empty(), "{ok}");
        }
        let bad = messages(&load("endpoint: localhost\n"));
        assert_eq!(bad.len(), 1);
        assert!(bad[0].starts_with("endpoint: invalid endpoint \"localhost\""), "{bad:?}");
    }
}
