//! The OpenTelemetry Python SDK (from PyPI, with its own OTLP exporters) sends
//! logs, spans and metrics to a real ferrocol over gRPC and over HTTP, plain
//! and over TLS (mutual TLS for gRPC); ferrocol exports them with `otlphttp`
//! as OTLP/JSON to a sink here. Every item the SDK sent — resource, scope and
//! every field — must arrive once, equal to what the SDK's own encoder made
//! (tests/conformance/otel_sdk_emit.py records it).
//!
//! The SDK's exports succeed only once ferrocol answered, and ferrocol answers
//! only once the sink has the data: no waiting is needed after the script.
//!
//! They need the SDK's venv: `make otel-sdk` runs them (they are ignored by a
//! plain `cargo test`).

use std::path::Path;
use std::process::Command;

use ferrocol::event::{LogBatch, ResourceLogs};
use ferrocol::otlp::signals::OtlpSignal;
use ferrocol::signal::{Batch, MetricBatch, ResourceMetrics, ResourceSpans, TraceBatch};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;

use crate::otlphttp::server::Server;
use crate::otlphttp::tls::{Ca, Files};
use crate::util::{self, Running};

/// The venv's Python with the SDK (`make otel-sdk` sets it).
fn python() -> String {
    std::env::var("FERROCOL_OTEL_SDK_PYTHON").expect("FERROCOL_OTEL_SDK_PYTHON: run these tests with `make otel-sdk`")
}

/// What one side holds, one item per entry: each item alone in a copy of its
/// resource and scope (a metric's data points one by one), in a stable order.
#[derive(Debug, Default, PartialEq)]
struct Items {
    spans: Vec<Vec<ResourceSpans>>,
    metrics: Vec<Vec<ResourceMetrics>>,
    logs: Vec<Vec<ResourceLogs>>,
}

/// `data` cut into single items, added to `items`, ordered by their contents.
fn add<B: Batch>(items: &mut Vec<Vec<B::Resource>>, mut data: Vec<B::Resource>) {
    while B::count(&data) > 0 {
        items.push(B::take(&mut data, 1));
    }
    items.sort_by_cached_key(|item| format!("{item:?}"));
}

impl Items {
    fn counts(&self) -> (usize, usize, usize) {
        (self.spans.len(), self.metrics.len(), self.logs.len())
    }

    /// Both sides' items, in order.
    fn merge(mut self, other: Items) -> Items {
        add::<TraceBatch>(&mut self.spans, other.spans.concat());
        add::<MetricBatch>(&mut self.metrics, other.metrics.concat());
        add::<LogBatch>(&mut self.logs, other.logs.concat());
        self
    }
}

/// Run the SDK script; what it sent, as its own encoder made it.
fn emit(dir: &Path, args: &[&str]) -> Items {
    let script = util::repo("tests/conformance/otel_sdk_emit.py");
    let out = dir.join(format!("sent-{}.jsonl", util::free_port()));
    // requests lets these override the CA the exporter is given.
    let run = Command::new(python())
        .arg(script)
        .arg("--out")
        .arg(&out)
        .args(args)
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .expect("run python");
    assert!(
        run.status.success(),
        "the SDK script failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let mut sent = Items::default();
    for line in std::fs::read_to_string(&out).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["result"], "SUCCESS", "{line}");
        let bytes = hex::decode(v["request_hex"].as_str().unwrap()).unwrap();
        match v["signal"].as_str().unwrap() {
            "traces" => add::<TraceBatch>(
                &mut sent.spans,
                ExportTraceServiceRequest::decode(&bytes[..]).unwrap().resource_spans,
            ),
            "metrics" => add::<MetricBatch>(
                &mut sent.metrics,
                ExportMetricsServiceRequest::decode(&bytes[..]).unwrap().resource_metrics,
            ),
            "logs" => {
                add::<LogBatch>(&mut sent.logs, ExportLogsServiceRequest::decode(&bytes[..]).unwrap().resource_logs)
            }
            other => panic!("signal {other}"),
        }
    }
    sent
}

/// What ferrocol posted to the sink, decoded from OTLP/JSON by signal path.
fn received(sink: &Server) -> Items {
    let mut got = Items::default();
    for r in sink.requests() {
        assert_eq!(r.header("content-type"), Some("application/json"));
        match r.path.as_str() {
            "/v1/traces" => got_signal::<TraceBatch>(&mut got.spans, &r.body),
            "/v1/metrics" => got_signal::<MetricBatch>(&mut got.metrics, &r.body),
            "/v1/logs" => got_signal::<LogBatch>(&mut got.logs, &r.body),
            other => panic!("posted to {other}"),
        }
    }
    got
}

fn got_signal<B: OtlpSignal>(items: &mut Vec<Vec<B::Resource>>, body: &[u8]) {
    add::<B>(items, B::from_request(B::decode_json(body).unwrap()));
}

/// ferrocol: an otlp receiver (gRPC and HTTP, with `tls` when given) feeding
/// the three pipelines, each exported as OTLP/JSON to `sink`.
fn start_ferrocol(dir: &Path, grpc: u16, http: u16, sink: &str, tls: &str) -> Running {
    let cfg = util::write(
        dir,
        "ferrocol.yaml",
        &format!(
            "receivers:\n  otlp:\n    protocols:\n      grpc: {{endpoint: 127.0.0.1:{grpc}{tls}}}\n\
             \x20     http: {{endpoint: 127.0.0.1:{http}{tls}}}\n\
             exporters:\n  otlphttp: {{endpoint: {sink}, encoding: json, compression: none}}\n\
             service:\n  pipelines:\n\
             \x20   traces: {{receivers: [otlp], exporters: [otlphttp]}}\n\
             \x20   metrics: {{receivers: [otlp], exporters: [otlphttp]}}\n\
             \x20   logs: {{receivers: [otlp], exporters: [otlphttp]}}\n"
        ),
    );
    let running = Running::start(&["--config", &cfg]);
    util::wait_port(grpc, std::time::Duration::from_secs(30));
    util::wait_port(http, std::time::Duration::from_secs(30));
    running
}

fn assert_same(sent: &Items, got: &Items) {
    // 5 spans, 5 data points, 3 log records per run of the script.
    let runs = sent.spans.len() / 5;
    assert_eq!(sent.counts(), (5 * runs, 5 * runs, 3 * runs));
    assert_eq!(sent.counts(), got.counts());
    for (s, g) in sent.spans.iter().zip(&got.spans) {
        assert_eq!(s, g);
    }
    for (s, g) in sent.metrics.iter().zip(&got.metrics) {
        assert_eq!(s, g);
    }
    for (s, g) in sent.logs.iter().zip(&got.logs) {
        assert_eq!(s, g);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the OpenTelemetry Python SDK: make otel-sdk"]
async fn sdk_over_grpc_and_http_arrives_field_by_field() {
    let sink = Server::start().await;
    let dir = util::tempdir();
    let (grpc, http) = (util::free_port(), util::free_port());
    let mut ferrocol = start_ferrocol(dir.path(), grpc, http, &sink.base_url(), "");
    let grpc_endpoint = format!("http://127.0.0.1:{grpc}");
    let sent = emit(dir.path(), &["--protocol", "grpc", "--endpoint", &grpc_endpoint, "--tag", "grpc"]);
    assert_eq!(sent.counts(), (5, 5, 3));
    assert_same(&sent, &received(&sink));
    let http_endpoint = format!("http://127.0.0.1:{http}");
    let over_http = emit(dir.path(), &["--protocol", "http", "--endpoint", &http_endpoint, "--tag", "http"]);
    assert_same(&sent.merge(over_http), &received(&sink));
    ferrocol.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the OpenTelemetry Python SDK: make otel-sdk"]
async fn sdk_over_tls_grpc_with_a_client_certificate_and_https() {
    let sink = Server::start().await;
    let files = Files::new();
    let ca = Ca::new("ferrocol test CA");
    let (server, client) = (ca.leaf(&["localhost"]), ca.leaf(&["sdk-client"]));
    let (cert, key) = (files.write("server.pem", &server.cert_pem), files.write("server.key", &server.key_pem));
    let ca_file = files.write("ca.pem", &ca.pem());
    let (client_cert, client_key) = (files.write("c.pem", &client.cert_pem), files.write("c.key", &client.key_pem));
    let (grpc, http) = (util::free_port(), util::free_port());
    let tls = format!(", tls: {{cert_file: {cert:?}, key_file: {key:?}, client_ca_file: {ca_file:?}}}");
    let mut ferrocol = start_ferrocol(files.dir.path(), grpc, http, &sink.base_url(), &tls);
    let grpc_endpoint = format!("https://localhost:{grpc}");
    let tls_args = ["--ca", &ca_file, "--client-cert", &client_cert, &client_key];
    let grpc_args = ["--protocol", "grpc", "--endpoint", &grpc_endpoint, "--tag", "grpcs"];
    let sent = emit(files.dir.path(), &[&grpc_args[..], &tls_args].concat());
    assert_same(&sent, &received(&sink));
    let https = format!("https://localhost:{http}");
    let http_args = ["--protocol", "http", "--endpoint", &https, "--tag", "https"];
    let over_https = emit(files.dir.path(), &[&http_args[..], &tls_args].concat());
    assert_same(&sent.merge(over_https), &received(&sink));
    ferrocol.stop();
}
