//! transform and filter on traces and metrics, end to end: OTLP/JSON in
//! through the otlp receiver, OTTL span, data point and metric contexts, the
//! file exporter's OTLP/JSON out.

use crate::signal_processors::{attrs, post_traces_and_metrics};
use crate::util::{self, write};

#[test]
fn transform_and_filter_on_spans_and_metrics() {
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
  transform:
    trace_statements:
      - set(span.attributes["side"], "server") where span.kind == SPAN_KIND_SERVER
      - set(span.status.code, STATUS_CODE_ERROR) where span.kind == SPAN_KIND_CLIENT
      - delete_key(span.attributes, "password")
    metric_statements:
      - set(datapoint.attributes["metric"], metric.name)
      - context: metric
        statements:
          - set(unit, "{{request}}") where type == METRIC_DATA_TYPE_SUM
  filter:
    error_mode: ignore
    traces:
      span: ['name == "health"']
    metrics:
      datapoint: ['attributes["user"] == "root"']
exporters:
  file: {{path: {}, flush_interval: 10ms}}
service:
  pipelines:
    traces: {{receivers: [otlp], processors: [transform, filter], exporters: [file]}}
    metrics: {{receivers: [otlp], processors: [transform, filter], exporters: [file]}}
"#,
            out.display()
        ),
    );
    let (text, lines) = post_traces_and_metrics(&cfg, port, &out);
    let traces = lines.iter().find(|l| l.get("resourceSpans").is_some()).expect("a traces line");
    let metrics = lines.iter().find(|l| l.get("resourceMetrics").is_some()).expect("a metrics line");

    // The span named health is dropped; the server span is marked, the client span failed.
    let spans = traces["resourceSpans"][0]["scopeSpans"][0]["spans"].as_array().unwrap();
    let names: Vec<&str> = spans.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["login", "login"], "{text}");
    assert_eq!(attrs(&spans[0]["attributes"]), ["side=server"]);
    assert_eq!(attrs(&spans[1]["attributes"]), Vec::<String>::new());
    assert_eq!(spans[1]["status"]["code"], 2, "{text}");

    // cpu.load lost its only data point, so the metric is gone.
    let m = metrics["resourceMetrics"][0]["scopeMetrics"][0]["metrics"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{text}");
    assert_eq!(m[0]["name"], "http.requests");
    assert_eq!(m[0]["unit"], "{request}");
    assert_eq!(attrs(&m[0]["sum"]["dataPoints"][0]["attributes"]), ["user=alice", "metric=http.requests"]);
    assert_eq!(attrs(&m[0]["sum"]["dataPoints"][1]["attributes"]), ["user=bob", "metric=http.requests"]);
}
