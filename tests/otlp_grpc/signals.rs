//! Spans and metrics through the `otlp` exporter: to the grpcio peer (TLS,
//! gzip, UNAVAILABLE with a RetryInfo then OK, partial success), and to a real
//! ferrocol's gRPC receiver with every compression, snappy included; and
//! through `otlphttp` (signal URLs, protobuf, split under `max_request_size`).

use std::time::Duration;

use ferrocol::ack::{Ack, AckWaiter, Acks, Outcome};
use ferrocol::component::{ExporterConfig, ExporterContext, StageError, StageTask};
use ferrocol::config::ComponentId;
use ferrocol::event::{any_value, kv, str_value, AnyValue, InstrumentationScope, Resource};
use ferrocol::otlp::signals::OtlpSignal;
use ferrocol::registry::Registry;
use ferrocol::signal::{Batch, MetricBatch, ResourceMetrics, ResourceSpans, ScopeMetrics, ScopeSpans, TraceBatch};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{self as m, metric::Data, number_data_point::Value, Metric};
use opentelemetry_proto::tonic::trace::v1::{span, Span, Status};
use prost::Message as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::peer::Peer;
use super::{insecure, T};
use crate::otlphttp::harness::outcome;
use crate::otlphttp::server::Server;
use crate::otlphttp::tls::Files;
use crate::util::{self, Running};

/// An exporter of one signal, built from YAML through the registry.
pub struct Exporter<B> {
    tx: Option<mpsc::Sender<B>>,
    task: JoinHandle<Result<(), StageError>>,
}

type Build<B> = fn(&dyn ExporterConfig, ExporterContext<B>) -> Result<StageTask, StageError>;

pub fn start<B: Batch>(type_name: &str, yaml: &str, build: Build<B>) -> Exporter<B> {
    let node = ferrocol::config::yaml::parse("test.yaml", yaml).unwrap();
    let registry = Registry::builtin();
    let factory = registry.exporters.iter().find(|f| f.accepts(type_name)).unwrap();
    let config = (factory.parse)(&node).unwrap_or_else(|e| panic!("{}: {}", e.path, e.message));
    assert!(config.validate().is_empty(), "{:?}", config.validate());
    let (tx, input) = mpsc::channel(16);
    let task = build(&*config, ExporterContext::new(ComponentId::new(type_name, None), input)).unwrap();
    Exporter { tx: Some(tx), task: tokio::spawn(task) }
}

pub fn traces(type_name: &str, yaml: &str) -> Exporter<TraceBatch> {
    start(type_name, yaml, |c, cx| c.build_traces(cx))
}

pub fn metrics(type_name: &str, yaml: &str) -> Exporter<MetricBatch> {
    start(type_name, yaml, |c, cx| c.build_metrics(cx))
}

impl<B: Batch> Exporter<B> {
    pub async fn send(&self, data: Vec<B::Resource>) -> AckWaiter {
        let (ack, waiter) = Ack::new();
        self.tx.as_ref().unwrap().send(B::from_parts(data, Acks::one(ack))).await.expect("exporter running");
        waiter
    }

    pub async fn finish(mut self) {
        self.tx.take();
        tokio::time::timeout(T, self.task).await.expect("exporter stops").unwrap().unwrap();
    }
}

fn int(i: i64) -> AnyValue {
    AnyValue { value: Some(any_value::Value::IntValue(i)) }
}

fn resource(name: &str) -> Option<Resource> {
    Some(Resource { attributes: vec![kv("service.name", str_value(name))], ..Default::default() })
}

/// `n` spans named `<prefix><i>` with every field set, in one resource and scope.
pub fn spans(prefix: &str, n: u8) -> Vec<ResourceSpans> {
    let spans = (0..n)
        .map(|i| Span {
            trace_id: vec![i + 1; 16],
            span_id: vec![i + 1; 8],
            trace_state: "rojo=00f067aa0ba902b7".into(),
            parent_span_id: if i == 0 { vec![] } else { vec![1; 8] },
            flags: 0x101,
            name: format!("{prefix}{i}"),
            kind: span::SpanKind::Server as i32,
            start_time_unix_nano: 1_700_000_000_000_000_000 + u64::from(i),
            end_time_unix_nano: 1_700_000_000_500_000_000 + u64::from(i),
            attributes: vec![kv("http.route", str_value("/login")), kv("attempt", int(i.into()))],
            dropped_attributes_count: 1,
            events: vec![span::Event {
                time_unix_nano: 1_700_000_000_100_000_000,
                name: "retry".into(),
                attributes: vec![kv("n", int(2))],
                dropped_attributes_count: 0,
            }],
            dropped_events_count: 2,
            links: vec![span::Link {
                trace_id: vec![9; 16],
                span_id: vec![9; 8],
                trace_state: String::new(),
                attributes: vec![kv("why", str_value("batch"))],
                dropped_attributes_count: 0,
                flags: 1,
            }],
            dropped_links_count: 0,
            status: Some(Status { message: "boom".into(), code: 2 }),
        })
        .collect();
    let scope = InstrumentationScope { name: "ferrocol.test".into(), version: "1".into(), ..Default::default() };
    vec![ResourceSpans {
        resource: resource("api"),
        scope_spans: vec![ScopeSpans { scope: Some(scope), spans, schema_url: "https://s/1".into() }],
        schema_url: String::new(),
    }]
}

/// One metric of each kind: 6 data points.
pub fn metrics_data(prefix: &str) -> Vec<ResourceMetrics> {
    let point = |v: Value| m::NumberDataPoint {
        attributes: vec![kv("host", str_value("h1"))],
        start_time_unix_nano: 1,
        time_unix_nano: 1_700_000_000_000_000_000,
        exemplars: vec![],
        flags: 0,
        value: Some(v),
    };
    let metric = |name: &str, data: Data| Metric {
        name: format!("{prefix}{name}"),
        description: "d".into(),
        unit: "1".into(),
        metadata: vec![],
        data: Some(data),
    };
    let metrics = vec![
        metric(
            "gauge",
            Data::Gauge(m::Gauge { data_points: vec![point(Value::AsDouble(0.25)), point(Value::AsInt(-3))] }),
        ),
        metric(
            "sum",
            Data::Sum(m::Sum {
                data_points: vec![point(Value::AsInt(7))],
                aggregation_temporality: 2,
                is_monotonic: true,
            }),
        ),
        metric(
            "histogram",
            Data::Histogram(m::Histogram {
                data_points: vec![m::HistogramDataPoint {
                    count: 3,
                    sum: Some(257.5),
                    bucket_counts: vec![1, 1, 1],
                    explicit_bounds: vec![1.0, 10.0],
                    min: Some(0.5),
                    max: Some(250.0),
                    ..Default::default()
                }],
                aggregation_temporality: 1,
            }),
        ),
        metric(
            "exponential",
            Data::ExponentialHistogram(m::ExponentialHistogram {
                data_points: vec![m::ExponentialHistogramDataPoint {
                    count: 2,
                    scale: 3,
                    zero_count: 1,
                    positive: Some(m::exponential_histogram_data_point::Buckets { offset: -2, bucket_counts: vec![1] }),
                    ..Default::default()
                }],
                aggregation_temporality: 2,
            }),
        ),
        metric(
            "summary",
            Data::Summary(m::Summary {
                data_points: vec![m::SummaryDataPoint {
                    count: 4,
                    sum: 10.0,
                    quantile_values: vec![m::summary_data_point::ValueAtQuantile { quantile: 0.5, value: 2.0 }],
                    ..Default::default()
                }],
            }),
        ),
    ];
    vec![ResourceMetrics {
        resource: resource("db"),
        scope_metrics: vec![ScopeMetrics { scope: None, metrics, schema_url: String::new() }],
        schema_url: "https://s/2".into(),
    }]
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn spans_and_metrics_over_tls_with_gzip_arrive_as_sent() {
    let files = Files::new();
    let (peer, ca_file) = super::tls_peer(&files);
    let yaml =
        format!("endpoint: localhost:{}\ntls: {{ca_file: {ca_file:?}}}\nheaders: {{x-tenant: acme}}\n", peer.port);
    let (t, m) = (traces("otlp", &yaml), metrics("otlp", &yaml));
    assert_eq!(outcome(t.send(spans("op-", 3)).await, T).await, Outcome::Delivered);
    assert_eq!(outcome(m.send(metrics_data("m.")).await, T).await, Outcome::Delivered);
    t.finish().await;
    m.finish().await;
    let calls = peer.accepted();
    let signals: Vec<(&str, usize)> = calls.iter().map(|c| (c.signal.as_str(), c.records)).collect();
    assert_eq!(signals, [("traces", 3), ("metrics", 6)]);
    // Parsed by the official code: every field.
    assert_eq!(ExportTraceServiceRequest::decode(&calls[0].request[..]).unwrap().resource_spans, spans("op-", 3));
    let sent_metrics = ExportMetricsServiceRequest::decode(&calls[1].request[..]).unwrap().resource_metrics;
    assert_eq!(sent_metrics, metrics_data("m."));
    assert!(calls.iter().all(|c| c.metadata["x-tenant"] == "acme"));
}

#[tokio::test]
#[ignore = "needs the grpcio peer: make otlp-grpc-peer"]
async fn spans_unavailable_with_retry_info_then_ok_are_delivered_once_and_partial_success_is_delivered() {
    let files = Files::new();
    let peer = Peer::start(files.dir.path(), 0, &["--fail-first", "1", "--retry-delay-ms", "600"]);
    let exporter = traces("otlp", &insecure(peer.port, ""));
    assert_eq!(outcome(exporter.send(spans("r-", 2)).await, T).await, Outcome::Delivered);
    exporter.finish().await;
    let calls = peer.calls();
    let statuses: Vec<&str> = calls.iter().map(|c| c.status.as_str()).collect();
    assert_eq!(statuses, ["UNAVAILABLE", "OK"]);
    assert_eq!(calls[0].request, calls[1].request);
    assert!(calls[1].time - calls[0].time >= 0.55, "retried before the RetryInfo delay");

    let peer = Peer::start(files.dir.path(), 0, &["--partial-success", "1"]);
    let exporter = metrics("otlp", &insecure(peer.port, ""));
    assert_eq!(outcome(exporter.send(metrics_data("p.")).await, T).await, Outcome::Delivered);
    exporter.finish().await;
    assert_eq!(peer.calls().len(), 1, "a partial success is not retried");
}

/// ferrocol's gRPC receiver for traces and metrics, exporting OTLP/JSON to `sink`.
fn gateway(dir: &std::path::Path, port: u16, sink: &str) -> Running {
    let cfg = util::write(
        dir,
        "gateway.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
             exporters: {{otlphttp: {{endpoint: {sink}, encoding: json}}}}\n\
             service:\n  pipelines:\n\
             \x20   traces: {{receivers: [otlp], exporters: [otlphttp]}}\n\
             \x20   metrics: {{receivers: [otlp], exporters: [otlphttp]}}\n"
        ),
    );
    let running = Running::start(&["--config", &cfg]);
    util::wait_port(port, Duration::from_secs(30));
    running
}

#[tokio::test]
async fn ferrocol_to_ferrocol_over_grpc_with_every_compression() {
    let sink = Server::start().await;
    let dir = util::tempdir();
    let port = util::free_port();
    let mut gw = gateway(dir.path(), port, &sink.base_url());
    let mut expected_spans = Vec::new();
    for (i, compression) in ["snappy", "gzip", "zstd", "none"].into_iter().enumerate() {
        let yaml = insecure(port, &format!("compression: {compression}\n"));
        let (t, m) = (traces("otlp", &yaml), metrics("otlp_grpc", &yaml));
        let batch = spans(&format!("{compression}-"), 2 + i as u8);
        assert_eq!(outcome(t.send(batch.clone()).await, T).await, Outcome::Delivered, "{compression}");
        assert_eq!(outcome(m.send(metrics_data(compression)).await, T).await, Outcome::Delivered, "{compression}");
        t.finish().await;
        m.finish().await;
        expected_spans.push(batch);
    }
    let posted = |path: &str| -> Vec<Vec<u8>> {
        sink.requests().into_iter().filter(|r| r.path == path).map(|r| r.body).collect()
    };
    let got_spans: Vec<Vec<ResourceSpans>> =
        posted("/v1/traces").iter().map(|b| TraceBatch::from_request(TraceBatch::decode_json(b).unwrap())).collect();
    assert_eq!(got_spans, expected_spans);
    let got_metrics: Vec<Vec<ResourceMetrics>> =
        posted("/v1/metrics").iter().map(|b| MetricBatch::from_request(MetricBatch::decode_json(b).unwrap())).collect();
    let expected: Vec<Vec<ResourceMetrics>> = ["snappy", "gzip", "zstd", "none"].map(metrics_data).into();
    assert_eq!(got_metrics, expected);
    gw.stop();
}

#[tokio::test]
async fn otlphttp_posts_spans_and_metrics_to_their_urls_split_under_the_size_limit() {
    let sink = Server::start().await;
    let base = sink.base_url();
    let yaml = format!(
        "endpoint: {base}/base\ntraces_endpoint: {base}/custom/spans\ncompression: none\nmax_request_size: 2KiB\n"
    );
    let (t, m) = (traces("otlphttp", &yaml), metrics("otlp_http", &yaml));
    let sent = spans("split-", 12);
    assert_eq!(outcome(t.send(sent.clone()).await, T).await, Outcome::Delivered);
    assert_eq!(outcome(m.send(metrics_data("m.")).await, T).await, Outcome::Delivered);
    t.finish().await;
    m.finish().await;
    let requests = sink.requests();
    let span_bodies: Vec<&Vec<u8>> = requests.iter().filter(|r| r.path == "/custom/spans").map(|r| &r.body).collect();
    assert!(span_bodies.len() > 1, "12 spans over 2 KiB are split");
    assert!(span_bodies.iter().all(|b| b.len() <= 2048));
    let mut got = Vec::new();
    for body in span_bodies {
        for rs in ExportTraceServiceRequest::decode(&body[..]).unwrap().resource_spans {
            assert_eq!((&rs.resource, &rs.scope_spans[0].scope), (&sent[0].resource, &sent[0].scope_spans[0].scope));
            got.extend(rs.scope_spans.into_iter().flat_map(|s| s.spans));
        }
    }
    assert_eq!(got, sent[0].scope_spans[0].spans, "every span once, in order");
    let metric_request = requests.iter().find(|r| r.path == "/base/v1/metrics").expect("metrics under endpoint");
    assert_eq!(metric_request.header("content-type"), Some("application/x-protobuf"));
    let got = ExportMetricsServiceRequest::decode(&metric_request.body[..]).unwrap().resource_metrics;
    assert_eq!(got, metrics_data("m."));
}
