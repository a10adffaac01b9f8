//! memory_limiter, resource and attributes on traces and metrics, end to end:
//! OTLP/JSON in through the otlp receiver, the file exporter's OTLP/JSON out
//! (one exporter shared by both signals, as otelcol shares it).

use std::path::Path;
use std::time::Duration;

use crate::util::{self, http_request, write, Running};

pub const TRACES: &[u8] = br#"{"resourceSpans":[{"resource":{"attributes":[
  {"key":"service.name","value":{"stringValue":"checkout"}},
  {"key":"redundant","value":{"stringValue":"x"}}]},
 "scopeSpans":[{"scope":{"name":"lib"},"spans":[
  {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"login","kind":2,
   "attributes":[{"key":"password","value":{"stringValue":"hunter2"}}]},
  {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","name":"health","kind":2,
   "attributes":[{"key":"password","value":{"stringValue":"hunter2"}}]},
  {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b176","name":"login","kind":3,
   "attributes":[{"key":"password","value":{"stringValue":"hunter2"}}]}]}]}]}"#;

pub const METRICS: &[u8] = br#"{"resourceMetrics":[{"resource":{"attributes":[
  {"key":"redundant","value":{"stringValue":"x"}}]},
 "scopeMetrics":[{"metrics":[
  {"name":"http.requests","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[
    {"asInt":"5","attributes":[{"key":"user","value":{"stringValue":"alice"}}]},
    {"asInt":"7","attributes":[{"key":"user","value":{"stringValue":"bob"}}]}]}},
  {"name":"cpu.load","gauge":{"dataPoints":[
    {"asDouble":0.5,"attributes":[{"key":"user","value":{"stringValue":"root"}}]}]}}]}]}]}"#;

#[test]
fn memory_limiter_resource_and_attributes_on_traces_and_metrics() {
    let dir = util::tempdir();
    let port = util::free_port();
    let out = dir.path().join("out.json");
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            r#"receivers:
  otlp: {{protocols: {{http: {{endpoint: "127.0.0.1:{port}"}}}}}}
processors:
  memory_limiter: {{check_interval: 1s, limit_mib: 4000}}
  resource:
    attributes:
      - {{key: env, value: prod, action: insert}}
      - {{key: redundant, action: delete}}
  attributes/spans:
    include: {{match_type: strict, services: [checkout], span_names: [login], span_kinds: [SPAN_KIND_SERVER]}}
    actions: [{{key: password, action: hash}}]
  attributes/metrics:
    exclude: {{match_type: regexp, metric_names: ["^cpu\\."]}}
    actions: [{{key: user, action: delete}}, {{key: team, value: web, action: insert}}]
exporters:
  file: {{path: {}, flush_interval: 10ms}}
service:
  pipelines:
    traces: {{receivers: [otlp], processors: [memory_limiter, resource, attributes/spans], exporters: [file]}}
    metrics: {{receivers: [otlp], processors: [memory_limiter, resource, attributes/metrics], exporters: [file]}}
"#,
            out.display()
        ),
    );
    let (text, lines) = post_traces_and_metrics(&cfg, port, &out);
    assert_eq!(lines.len(), 2, "{text}");
    let traces = lines.iter().find(|l| l.get("resourceSpans").is_some()).expect("a traces line");
    let metrics = lines.iter().find(|l| l.get("resourceMetrics").is_some()).expect("a metrics line");

    // resource: on every signal's resource.
    assert_eq!(attrs(&traces["resourceSpans"][0]["resource"]["attributes"]), ["service.name=checkout", "env=prod"]);
    assert_eq!(attrs(&metrics["resourceMetrics"][0]["resource"]["attributes"]), ["env=prod"]);

    // attributes on spans: only the server span named login of service checkout.
    let hashed = "password=f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7";
    let spans = &traces["resourceSpans"][0]["scopeSpans"][0]["spans"];
    assert_eq!(attrs(&spans[0]["attributes"]), [hashed]);
    assert_eq!(attrs(&spans[1]["attributes"]), ["password=hunter2"]);
    assert_eq!(attrs(&spans[2]["attributes"]), ["password=hunter2"]);

    // attributes on metrics: every data point of the metrics not excluded by name.
    let m = &metrics["resourceMetrics"][0]["scopeMetrics"][0]["metrics"];
    assert_eq!(attrs(&m[0]["sum"]["dataPoints"][0]["attributes"]), ["team=web"]);
    assert_eq!(attrs(&m[0]["sum"]["dataPoints"][1]["attributes"]), ["team=web"]);
    assert_eq!(attrs(&m[1]["gauge"]["dataPoints"][0]["attributes"]), ["user=root"]);
}

#[test]
fn span_and_log_only_match_keys_are_refused_per_signal_as_otelcol_does() {
    let dir = util::tempdir();
    let cfg = write(
        dir.path(),
        "c.yaml",
        "receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:0}}}}\n\
         processors:\n  attributes:\n    include: {match_type: strict, log_bodies: [x]}\n    actions: [{key: a, action: delete}]\n\
         exporters: {file: {path: /dev/null}}\n\
         service:\n  pipelines:\n    logs: {receivers: [otlp], processors: [attributes], exporters: [file]}\n    \
         traces: {receivers: [otlp], processors: [attributes], exporters: [file]}\n",
    );
    let (code, _, stderr) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("processors::attributes: include: in pipeline \"traces\": log_bodies should not be specified for trace spans"), "{stderr}");
    assert_eq!(stderr.matches("log_bodies should not").count(), 1, "only the traces pipeline: {stderr}");
}

/// Validates and runs `cfg` (an otlp receiver on `port`, a file exporter to
/// `out`), posts [`TRACES`] and [`METRICS`], stops it with SIGTERM and returns
/// what the file exporter wrote: the text and its lines as JSON.
pub fn post_traces_and_metrics(cfg: &str, port: u16, out: &Path) -> (String, Vec<serde_json::Value>) {
    post_otlp(cfg, port, out, &[("/v1/traces", TRACES), ("/v1/metrics", METRICS)])
}

/// As [`post_traces_and_metrics`], posting each OTLP/JSON `(path, body)`.
pub fn post_otlp(cfg: &str, port: u16, out: &Path, bodies: &[(&str, &[u8])]) -> (String, Vec<serde_json::Value>) {
    let (code, _, stderr) = util::run(&["validate", "--config", cfg]);
    assert_eq!(code, 0, "{stderr}");
    let mut r = Running::start(&["--config", cfg]);
    util::wait_port(port, Duration::from_secs(20));
    for &(path, body) in bodies {
        let (status, _, resp) =
            http_request(port, "POST", path, &[("Content-Type", "application/json")], body).unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&resp));
    }
    r.signal(libc::SIGTERM);
    assert_eq!(r.wait_exit(Duration::from_secs(20)), 0, "{}", r.stderr());
    let text = std::fs::read_to_string(out).unwrap();
    let lines = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (text, lines)
}

/// OTLP/JSON attributes as `key=stringValue` (`?` for other value types).
pub fn attrs(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|a| format!("{}={}", a["key"].as_str().unwrap(), a["value"]["stringValue"].as_str().unwrap_or("?")))
        .collect()
}
