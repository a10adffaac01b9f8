//! `service::telemetry`: ferrocol's own logs, metrics and resource, with
//! otelcol's keys. Metrics readers follow the OpenTelemetry declarative
//! configuration schema (v0.3) that otelcol uses: `pull` (Prometheus, served
//! by ferrocol) and `periodic` with an `otlp` exporter (pushed by the
//! OpenTelemetry SDK, see [`crate::telemetry::push`]).

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

mod periodic;

use periodic::{periodic, RawPeriodic};

use super::error::Errors;
use super::types::Duration;
use super::yaml::Node;

const SCOPE: &str = "service";

/// otelcol's default self-metrics port.
pub const DEFAULT_METRICS_PORT: u16 = 8888;

/// `service::telemetry`, checked.
#[derive(Clone, Debug)]
pub struct Telemetry {
    /// `logs::level`: debug, info, warn or error.
    pub log_level: String,
    /// `logs::encoding`: console or json.
    pub log_encoding: String,
    /// Where log lines go, and what each carries.
    pub logs: LogSettings,
    /// Where ferrocol serves its own metrics (Prometheus text on `/metrics`);
    /// empty with `metrics::level: none`.
    pub metrics_endpoints: Vec<String>,
    /// `periodic` readers: self-metrics pushed over OTLP.
    pub metric_readers: Vec<PeriodicReader>,
    /// `resource`: attributes of the pushed telemetry; `None` removes a default
    /// (`service.name: null`).
    pub resource: Vec<(String, Option<String>)>,
}

/// `service::telemetry::logs`, beyond level and encoding.
#[derive(Clone, Debug)]
pub struct LogSettings {
    /// `stderr`, `stdout`, or file paths (appended to); `["stderr"]` by default.
    pub output_paths: Vec<String>,
    /// Accepted as otelcol's: where the logger's own errors go.
    pub error_output_paths: Vec<String>,
    /// Fields added to every line.
    pub initial_fields: Vec<(String, String)>,
    /// zap's sampling: per message, the first `initial` lines of each `tick`,
    /// then every `thereafter`-th. `None` when disabled.
    pub sampling: Option<Sampling>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sampling {
    pub enabled: bool,
    pub tick: Duration,
    pub initial: u64,
    pub thereafter: u64,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling { enabled: true, tick: Duration::from_secs(10), initial: 10, thereafter: 100 }
    }
}

/// A `periodic` metric reader with its OTLP exporter.
#[derive(Clone, Debug)]
pub struct PeriodicReader {
    /// Time between exports (`interval`, milliseconds in the config; 60s by default).
    pub interval: std::time::Duration,
    /// Longest an export may take (`timeout`; 30s by default).
    pub timeout: std::time::Duration,
    pub exporter: OtlpMetricExporter,
}

/// `exporter::otlp` of a periodic reader.
#[derive(Clone, Debug)]
pub struct OtlpMetricExporter {
    pub grpc: bool,
    /// For HTTP, the full URL (`/v1/metrics` added when the endpoint has no path,
    /// as otelcol's Go exporter does); for gRPC, `http(s)://host:port`.
    pub endpoint: String,
    /// gRPC without `https://` and with `insecure: true`: plain text.
    pub tls: bool,
    pub headers: Vec<(String, String)>,
    pub gzip: bool,
    /// Per request (`timeout`, milliseconds; 10s by default).
    pub timeout: std::time::Duration,
    /// `cumulative` (default), `delta` or `lowmemory`.
    pub temporality: String,
    /// CA certificate (PEM) that verifies the server.
    pub certificate: String,
    pub client_certificate: String,
    pub client_key: String,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawTelemetry {
    logs: RawLogs,
    metrics: RawMetrics,
    traces: Option<IgnoredAny>,
    resource: BTreeMap<String, Option<String>>,
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawMetrics {
    level: String,
    address: String,
    readers: Vec<RawReader>,
    views: Option<IgnoredAny>,
}

impl Default for RawMetrics {
    fn default() -> Self {
        RawMetrics { level: "normal".into(), address: String::new(), readers: Vec::new(), views: None }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawReader {
    pull: Option<RawPull>,
    periodic: Option<RawPeriodic>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawPull {
    exporter: RawPullExporter,
    producers: Option<IgnoredAny>,
    cardinality_limits: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawPullExporter {
    prometheus: RawPrometheus,
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawPrometheus {
    host: String,
    port: u16,
    without_units: bool,
    without_type_suffix: bool,
    without_scope_info: bool,
    with_resource_constant_labels: Option<IgnoredAny>,
}

impl Default for RawPrometheus {
    fn default() -> Self {
        RawPrometheus {
            host: "localhost".into(),
            port: DEFAULT_METRICS_PORT,
            without_units: false,
            without_type_suffix: false,
            without_scope_info: false,
            with_resource_constant_labels: None,
        }
    }
}

/// otelcol's `service::telemetry::logs` keys (zap's configuration).
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawLogs {
    level: String,
    encoding: String,
    development: bool,
    disable_caller: bool,
    disable_stacktrace: bool,
    sampling: Sampling,
    output_paths: Vec<String>,
    error_output_paths: Vec<String>,
    initial_fields: BTreeMap<String, String>,
    /// Logs pushed over OTLP: accepted, with a warning (ferrocol does not push its logs).
    processors: Option<IgnoredAny>,
}

impl Default for RawLogs {
    fn default() -> Self {
        RawLogs {
            level: "info".into(),
            encoding: "console".into(),
            development: false,
            disable_caller: false,
            disable_stacktrace: false,
            sampling: Sampling::default(),
            output_paths: vec!["stderr".into()],
            error_output_paths: vec!["stderr".into()],
            initial_fields: BTreeMap::new(),
            processors: None,
        }
    }
}

/// Check `service::telemetry` (`service` is the `service` node, for positions).
pub(super) fn parse(service: &Node, raw: RawTelemetry, errors: &mut Errors) -> Telemetry {
    let level = raw.logs.level.to_ascii_lowercase();
    let levels = ["debug", "info", "warn", "error", "dpanic", "panic", "fatal"];
    one_of(service, "telemetry::logs::level", &level, &levels, "debug, info, warn, error", errors);
    let encoding = raw.logs.encoding.clone();
    one_of(service, "telemetry::logs::encoding", &encoding, &["console", "json"], "console, json", errors);
    if raw.logs.output_paths.is_empty() {
        errors.at(
            service.lookup("telemetry::logs::output_paths"),
            SCOPE,
            "telemetry::logs::output_paths",
            "must name at least one output (stderr, stdout or a file)",
        );
    }
    if raw.logs.processors.is_some() {
        errors.warn(
            "service::telemetry::logs::processors: ferrocol does not push its own logs over OTLP; they go to output_paths",
        );
    }
    let sampling = raw.logs.sampling;
    let logs = LogSettings {
        output_paths: raw.logs.output_paths,
        error_output_paths: raw.logs.error_output_paths,
        initial_fields: raw.logs.initial_fields.into_iter().collect(),
        sampling: (sampling.enabled && !sampling.tick.is_zero()).then_some(sampling),
    };
    let (metrics_endpoints, metric_readers) = metrics(service, &raw.metrics, errors);
    Telemetry {
        log_level: level,
        log_encoding: encoding,
        logs,
        metrics_endpoints,
        metric_readers,
        resource: raw.resource.into_iter().collect(),
    }
}

/// An error at `key` unless `value` is one of `valid`.
fn one_of(node: &Node, key: &str, value: &str, valid: &[&str], shown: &str, errors: &mut Errors) {
    if !valid.contains(&value) {
        let what = key.rsplit("::").next().unwrap_or(key);
        errors.at(node.lookup(key), SCOPE, key, format!("unknown {what} {value:?} (valid: {shown})"));
    }
}

/// Where to serve self-metrics and where to push them, from `service::telemetry::metrics`.
fn metrics(node: &Node, m: &RawMetrics, errors: &mut Errors) -> (Vec<String>, Vec<PeriodicReader>) {
    one_of(
        node,
        "telemetry::metrics::level",
        &m.level,
        &["none", "basic", "normal", "detailed"],
        "none, basic, normal, detailed",
        errors,
    );
    if m.level == "none" {
        return (Vec::new(), Vec::new());
    }
    let mut endpoints = Vec::new();
    let mut readers = Vec::new();
    for (i, r) in m.readers.iter().enumerate() {
        let key = format!("telemetry::metrics::readers[{i}]");
        if r.periodic.is_some() && r.pull.is_some() {
            errors.at(node.lookup(&key), SCOPE, key.clone(), "must not specify multiple metric reader type");
            continue;
        }
        if let Some(p) = &r.pull {
            let host = if p.exporter.prometheus.host.contains(':') {
                format!("[{}]", p.exporter.prometheus.host.trim_matches(['[', ']']))
            } else {
                p.exporter.prometheus.host.clone()
            };
            endpoints.push(format!("{host}:{}", p.exporter.prometheus.port));
        }
        if let Some(p) = &r.periodic {
            let key = format!("{key}::periodic");
            match periodic(p) {
                Ok(reader) => readers.push(reader),
                Err((sub, message)) => {
                    let key = if sub.is_empty() { key } else { format!("{key}::{sub}") };
                    errors.at(node.lookup(&key), SCOPE, key, message);
                }
            }
        }
    }
    if m.readers.is_empty() {
        let address =
            if m.address.is_empty() { format!("localhost:{DEFAULT_METRICS_PORT}") } else { m.address.clone() };
        endpoints.push(address);
    }
    (endpoints, readers)
}
