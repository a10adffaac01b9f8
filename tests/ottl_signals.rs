//! transform and filter on traces and metrics, end to end: OTLP/JSON in
//! through the otlp receiver, OTTL span, data point and metric contexts, the
//! file exporter's OTLP/JSON out.

use crate::signal_processors::{attrs, post_otlp, post_traces_and_metrics};
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

/// A histogram, a summary, a gauge with two points and a sum, for the
/// transform processor's metric functions.
const METRIC_FUNCS_INPUT: &[u8] = br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[
  {"name":"http.duration","unit":"ms","histogram":{"aggregationTemporality":2,"dataPoints":[
    {"count":"6","sum":42.5,"bucketCounts":["1","2","3"],"explicitBounds":[1.0,10.0],
     "attributes":[{"key":"route","value":{"stringValue":"/a"}}]}]}},
  {"name":"rpc.latency","summary":{"dataPoints":[
    {"count":"4","sum":10.0,"quantileValues":[{"quantile":0.5,"value":2.0},{"quantile":0.99,"value":5.0}]}]}},
  {"name":"mem.used","gauge":{"dataPoints":[
    {"asInt":"3","attributes":[{"key":"host","value":{"stringValue":"a"}}]},
    {"asInt":"4","attributes":[{"key":"host","value":{"stringValue":"b"}}]}]}},
  {"name":"energy","unit":"kWh","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[
    {"asDouble":1.5}]}}]}]}]}"#;

#[test]
fn transform_metric_functions_end_to_end() {
    let dir = util::tempdir();
    let port = util::free_port();
    let out = dir.path().join("out.json");
    let transform = r#"
  transform:
    error_mode: propagate
    metric_statements:
      - extract_sum_metric(true) where metric.name == "http.duration"
      - extract_count_metric(true, ".count") where metric.name == "http.duration"
      - set(metric.description, "extracted") where metric.name == "http.duration_sum"
      - convert_summary_quantile_val_to_gauge() where metric.name == "rpc.latency"
      - aggregate_on_attributes("sum", []) where metric.name == "mem.used"
      - scale_metric(1000.0, "Wh") where metric.name == "energy"
      - copy_metric(name="energy.copy") where metric.name == "energy"
      - convert_sum_to_gauge() where metric.name == "energy.copy"
      - statements: ["merge_histogram_buckets(1.0)"]
      - context: datapoint
        statements:
          - convert_summary_count_val_to_sum("cumulative", true) where metric.name == "rpc.latency"
"#;
    let yaml = format!(
        "receivers: {{otlp: {{protocols: {{http: {{endpoint: \"127.0.0.1:{port}\"}}}}}}}}\nprocessors:{transform}\
         exporters: {{file: {{path: {}, flush_interval: 10ms}}}}\n\
         service: {{pipelines: {{metrics: {{receivers: [otlp], processors: [transform], exporters: [file]}}}}}}\n",
        out.display()
    );
    let cfg = write(dir.path(), "c.yaml", &yaml);
    let (text, lines) = post_otlp(&cfg, port, &out, &[("/v1/metrics", METRIC_FUNCS_INPUT)]);
    let m = lines[0]["resourceMetrics"][0]["scopeMetrics"][0]["metrics"].as_array().unwrap();
    let names: Vec<&str> = m.iter().map(|m| m["name"].as_str().unwrap()).collect();
    let want = [
        "http.duration",
        "rpc.latency",
        "mem.used",
        "energy",
        "http.duration_sum",
        "http.duration.count",
        "rpc.latency.quantiles",
        "energy.copy",
        "rpc.latency_count",
    ];
    assert_eq!(names, want, "new metrics follow, in the order they were made: {text}");
    // merge_histogram_buckets ran in the data point context (inferred from it).
    assert_eq!(m[0]["histogram"]["dataPoints"][0]["bucketCounts"], serde_json::json!(["3", "3"]), "{text}");
    assert_eq!(m[0]["histogram"]["dataPoints"][0]["explicitBounds"], serde_json::json!([10.0]), "{text}");
    assert_eq!(m[4]["description"], "extracted", "a later statement saw the new metric: {text}");
    assert_eq!(m[4]["sum"]["dataPoints"][0]["asDouble"], 42.5);
    assert_eq!(attrs(&m[4]["sum"]["dataPoints"][0]["attributes"]), ["route=/a"]);
    assert_eq!((&m[5]["unit"], &m[5]["sum"]["dataPoints"][0]["asInt"]), (&"1".into(), &"6".into()), "{text}");
    let q = m[6]["gauge"]["dataPoints"].as_array().unwrap();
    assert_eq!(q.iter().map(|p| attrs(&p["attributes"])).collect::<Vec<_>>(), [["quantile=0.50"], ["quantile=0.99"]]);
    assert_eq!(m[2]["gauge"]["dataPoints"].as_array().unwrap().len(), 1, "{text}");
    assert_eq!(m[2]["gauge"]["dataPoints"][0]["asInt"], "7");
    assert_eq!((&m[3]["unit"], &m[3]["sum"]["dataPoints"][0]["asDouble"]), (&"Wh".into(), &1500.0.into()));
    assert_eq!(m[7]["gauge"]["dataPoints"][0]["asDouble"], 1500.0, "the copy became a gauge: {text}");
    assert_eq!(m[8]["sum"]["dataPoints"][0]["asInt"], "4");
}

#[test]
fn metric_functions_outside_their_context_are_refused_at_validate() {
    let dir = util::tempdir();
    let cfg = write(
        dir.path(),
        "c.yaml",
        "receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:0}}}}\n\
         processors:\n  transform:\n    metric_statements:\n      - context: datapoint\n        statements: ['convert_sum_to_gauge()']\n    \
         log_statements: ['copy_metric()']\n\
         exporters: {file: {path: /dev/null}}\n\
         service:\n  pipelines:\n    metrics: {receivers: [otlp], processors: [transform], exporters: [file]}\n",
    );
    let (code, _, stderr) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("metric_statements[0]::statements[0]"), "{stderr}");
    assert!(
        stderr.contains("undefined function \"convert_sum_to_gauge\" in the datapoint context (only in metric)"),
        "{stderr}"
    );
    assert!(stderr.contains("undefined function \"copy_metric\" in the log context (only in metric)"), "{stderr}");
}
