//! Self-metrics on a Prometheus endpoint, with otelcol's metric names.

use std::time::Duration;

use crate::util::{self, http_request, write, Running};

fn scrape(port: u16) -> String {
    let (status, _, body) = http_request(port, "GET", "/metrics", &[], b"").unwrap();
    assert_eq!(status, 200);
    String::from_utf8(body).unwrap()
}

/// Post three records (bodies a, b, c); the answer comes after delivery.
fn post_abc(otlp: u16) {
    let body = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"a"}},{"body":{"stringValue":"b"}},{"body":{"stringValue":"c"}}]}]}]}"#;
    let (status, _, _) = http_request(otlp, "POST", "/v1/logs", &[("Content-Type", "application/json")], body).unwrap();
    assert_eq!(status, 200);
}

/// Scrape until `done` holds of the text (at most about two seconds): the
/// answer comes after delivery, and the relay counts right after the ack settles.
fn scrape_until(port: u16, done: impl Fn(&str) -> bool) -> String {
    let mut text = scrape(port);
    for _ in 0..100 {
        if done(&text) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        text = scrape(port);
    }
    text
}

fn value(text: &str, series: &str) -> Option<u64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Each series has its value in the scraped `text`.
fn expect(text: &str, series: &[(&str, u64)]) {
    for (name, want) in series {
        assert_eq!(value(text, name), Some(*want), "{name} in:\n{text}");
    }
}

/// A running OTLP -> `processor` -> debug pipeline whose self-metrics are served
/// as `telemetry(port)` says; returns once both ports listen.
fn start(processor: &str, telemetry: impl Fn(u16) -> String) -> (tempfile::TempDir, Running, u16, u16) {
    let dir = util::tempdir();
    let (otlp, metrics) = (util::free_port(), util::free_port());
    let name = processor.split(':').next().unwrap_or_default();
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{otlp}}}}}}}}}\n\
             processors: {{{processor}}}\n\
             exporters: {{debug: {{use_internal_logger: false}}}}\n\
             service:\n  pipelines: {{logs: {{receivers: [otlp], processors: [{name}], exporters: [debug]}}}}\n  \
             telemetry: {{metrics: {}}}\n",
            telemetry(metrics)
        ),
    );
    let r = Running::start(&["--config", &cfg]);
    util::wait_port(otlp, Duration::from_secs(20));
    util::wait_port(metrics, Duration::from_secs(20));
    (dir, r, otlp, metrics)
}

#[test]
fn counts_what_flows_through_each_stage() {
    let (_dir, mut r, otlp, metrics) = start("batch: {timeout: 10ms}", |port| {
        format!("{{readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {port}}}}}}}}}]}}")
    });
    post_abc(otlp);
    let text =
        scrape_until(metrics, |t| value(t, r#"otelcol_exporter_sent_log_records_total{exporter="debug"}"#) == Some(3));
    expect(
        &text,
        &[
            (r#"otelcol_receiver_accepted_log_records_total{receiver="otlp"}"#, 3),
            (r#"otelcol_receiver_refused_log_records_total{receiver="otlp"}"#, 0),
            (r#"otelcol_processor_incoming_items_total{otel_signal="logs",processor="batch"}"#, 3),
            (r#"otelcol_processor_outgoing_items_total{otel_signal="logs",processor="batch"}"#, 3),
            (r#"otelcol_exporter_sent_log_records_total{exporter="debug"}"#, 3),
            (r#"otelcol_exporter_send_failed_log_records_total{exporter="debug"}"#, 0),
            (r#"otelcol_exporter_queue_capacity{otel_signal="logs",exporter="debug"}"#, 16),
        ],
    );
    assert!(text.contains("# TYPE otelcol_receiver_accepted_log_records_total counter\n"), "{text}");
    assert!(value(&text, "otelcol_process_memory_rss_bytes").unwrap() > 1_000_000, "{text}");
    let (status, _, _) = http_request(metrics, "GET", "/other", &[], b"").unwrap();
    assert_eq!(status, 404);
    r.stop();
}

#[test]
fn legacy_address_level_none_and_periodic_readers() {
    let dir = util::tempdir();
    let port = util::free_port();
    let base = "receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:0}}}}\nexporters: {debug: }\n\
                service:\n  pipelines: {logs: {receivers: [otlp], exporters: [debug]}}\n";
    let legacy =
        write(dir.path(), "a.yaml", &format!("{base}  telemetry: {{metrics: {{address: 127.0.0.1:{port}}}}}\n"));
    let mut r = Running::start(&["--config", &legacy]);
    util::wait_port(port, Duration::from_secs(20));
    assert!(scrape(port).contains("otelcol_process_uptime_seconds_total"));
    r.stop();

    let none = write(
        dir.path(),
        "b.yaml",
        &format!("{base}  telemetry: {{metrics: {{level: none, address: 127.0.0.1:{port}}}}}\n"),
    );
    let mut r = Running::start(&["--config", &none]);
    r.wait_stderr("pipelines are running");
    std::thread::sleep(Duration::from_millis(200));
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "level: none serves nothing");
    r.stop();

    // A periodic reader without a protocol is refused as otelcol refuses it.
    let periodic = write(
        dir.path(),
        "c.yaml",
        &format!("{base}  telemetry: {{metrics: {{readers: [{{periodic: {{exporter: {{otlp: {{}}}}}}}}]}}}}\n"),
    );
    let (code, _, err) = util::run(&["validate", "--config", &periodic]);
    assert_eq!(code, 1);
    assert!(
        err.contains("telemetry::metrics::readers[0]::periodic::exporter::otlp: no valid metric exporter"),
        "{err}"
    );
}

/// The numbers in an OTLP/JSON metrics line: `name{attr=value,...}` -> value of each data point.
fn pushed_points(json: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in json.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for rm in v["resourceMetrics"].as_array().into_iter().flatten() {
            for sm in rm["scopeMetrics"].as_array().into_iter().flatten() {
                for m in sm["metrics"].as_array().into_iter().flatten() {
                    let data = ["sum", "gauge"].iter().find_map(|k| m.get(*k)).unwrap();
                    for p in data["dataPoints"].as_array().into_iter().flatten() {
                        let mut attrs: Vec<String> = p["attributes"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|a| format!("{}={}", a["key"].as_str().unwrap(), a["value"]["stringValue"]))
                            .collect();
                        attrs.sort();
                        let value = p.get("asInt").or(p.get("asDouble")).map(|v| v.to_string()).unwrap_or_default();
                        out.push((format!("{}{{{}}}", m["name"].as_str().unwrap(), attrs.join(",")), value));
                    }
                }
            }
        }
    }
    out
}

/// Periodic readers push the self-metrics over OTLP (HTTP/protobuf,
/// cumulative; gRPC, delta) to ferrocol's own otlp receivers, whose metrics
/// pipelines write them to files: the names and values are otelcol's, with
/// its resource.
#[test]
fn periodic_readers_push_self_metrics_over_otlp() {
    let dir = util::tempdir();
    let (http, grpc) = (util::free_port(), util::free_port());
    let (via_http, via_grpc) = (dir.path().join("http.json"), dir.path().join("grpc.json"));
    let cfg = write(
        dir.path(),
        "push.yaml",
        &format!(
            "receivers:\n  otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{http}}}}}}}\n  \
             otlp/g: {{protocols: {{grpc: {{endpoint: 127.0.0.1:{grpc}}}}}}}\n\
             exporters:\n  debug: {{use_internal_logger: false}}\n  \
             file/http: {{path: {}, flush_interval: 10ms}}\n  file/grpc: {{path: {}, flush_interval: 10ms}}\n\
             service:\n  pipelines:\n    logs: {{receivers: [otlp], exporters: [debug]}}\n    \
             metrics/http: {{receivers: [otlp], exporters: [file/http]}}\n    \
             metrics/grpc: {{receivers: [otlp/g], exporters: [file/grpc]}}\n  \
             telemetry:\n    resource: {{service.name: my-collector, deployment.environment: test}}\n    \
             metrics:\n      readers:\n        \
             - periodic: {{interval: 100, exporter: {{otlp: {{protocol: http/protobuf, endpoint: 'http://127.0.0.1:{http}', headers: [{{name: x-test, value: a}}]}}}}}}\n        \
             - periodic: {{interval: 100, exporter: {{otlp: {{protocol: grpc, endpoint: '127.0.0.1:{grpc}', insecure: true, temporality_preference: delta}}}}}}\n",
            via_http.display(),
            via_grpc.display()
        ),
    );
    let mut r = Running::start(&["--config", &cfg]);
    util::wait_port(http, Duration::from_secs(20));
    post_abc(http);
    let accepted = "otelcol_receiver_accepted_log_records{receiver=\"otlp\"}";
    let read = |path: &std::path::Path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        // A line still being written is left for the next read.
        let whole: Vec<&str> = text.lines().filter(|l| l.ends_with('}')).collect();
        (whole.join("\n"), pushed_points(&whole.join("\n")))
    };
    let values = |points: &[(String, String)]| -> Vec<u64> {
        points.iter().filter(|(n, _)| n == accepted).map(|(_, v)| v.trim_matches('"').parse().unwrap()).collect()
    };
    let (mut text, mut cumulative, mut delta) = (String::new(), Vec::new(), Vec::new());
    for _ in 0..400 {
        let (t, points) = read(&via_http);
        (text, cumulative, delta) = (t, values(&points), values(&read(&via_grpc).1));
        if cumulative.contains(&3) && delta.iter().sum::<u64>() == 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    r.stop();
    assert!(cumulative.contains(&3), "{cumulative:?}");
    // Delta: each export carries what was counted since the previous one.
    assert_eq!(delta.iter().sum::<u64>(), 3, "{delta:?}");
    let points = pushed_points(&text);
    let names = [
        "otelcol_process_uptime{}",
        "otelcol_process_memory_rss{}",
        "otelcol_exporter_sent_log_records{exporter=\"debug\"}",
    ];
    for name in names {
        assert!(points.iter().any(|(n, _)| n == name), "{name} not in {points:#?}");
    }
    // The resource: the configured service.name replaces otelcol's default, the rest is kept.
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let attrs = first["resourceMetrics"][0]["resource"]["attributes"].to_string();
    for want in ["my-collector", "deployment.environment", "service.instance.id", "service.version"] {
        assert!(attrs.contains(want), "{want} not in {attrs}");
    }
    assert!(!attrs.contains("\"ferrocol\""), "{attrs}");
}

#[test]
fn counts_records_a_filter_drops() {
    let (_dir, mut r, otlp, metrics) =
        start("filter: {logs: {log_record: ['body == \"b\"']}}", |port| format!("{{address: 127.0.0.1:{port}}}"));
    post_abc(otlp);
    let text = scrape(metrics);
    expect(
        &text,
        &[
            (r#"ferrocol_processor_dropped_log_records_total{processor="filter"}"#, 1),
            (r#"otelcol_processor_incoming_items_total{otel_signal="logs",processor="filter"}"#, 3),
            (r#"otelcol_processor_outgoing_items_total{otel_signal="logs",processor="filter"}"#, 2),
        ],
    );
    r.stop();
}

/// Spans and metric points through otlp → batch → debug are counted under
/// otelcol's per-signal names, at every stage.
#[test]
fn counts_spans_and_metric_points() {
    let dir = util::tempdir();
    let (otlp, metrics) = (util::free_port(), util::free_port());
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{otlp}}}}}}}}}\n\
             processors: {{batch: {{timeout: 10ms}}}}\n\
             exporters: {{debug: {{verbosity: normal, use_internal_logger: false}}}}\n\
             service:\n  pipelines:\n    \
             traces: {{receivers: [otlp], processors: [batch], exporters: [debug]}}\n    \
             metrics: {{receivers: [otlp], processors: [batch], exporters: [debug]}}\n  \
             telemetry: {{metrics: {{address: 127.0.0.1:{metrics}}}}}\n"
        ),
    );
    let mut r = Running::start(&["--config", &cfg]);
    util::wait_port(otlp, Duration::from_secs(20));
    util::wait_port(metrics, Duration::from_secs(20));
    let json = [("Content-Type", "application/json")];
    let spans = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","name":"a"},
        {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"2122232425262728","name":"b"}]}]}]}"#;
    assert_eq!(http_request(otlp, "POST", "/v1/traces", &json, spans).unwrap().0, 200);
    let points = br#"{"resourceMetrics":[{"scopeMetrics":[{"metrics":[
        {"name":"g","gauge":{"dataPoints":[{"asInt":"1"},{"asDouble":2.5}]}},
        {"name":"s","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"asInt":"7"}]}}]}]}]}"#;
    assert_eq!(http_request(otlp, "POST", "/v1/metrics", &json, points).unwrap().0, 200);
    let text = scrape_until(metrics, |t| {
        value(t, r#"otelcol_exporter_sent_spans_total{exporter="debug"}"#) == Some(2)
            && value(t, r#"otelcol_exporter_sent_metric_points_total{exporter="debug"}"#) == Some(3)
    });
    expect(
        &text,
        &[
            (r#"otelcol_receiver_accepted_spans_total{receiver="otlp"}"#, 2),
            (r#"otelcol_receiver_refused_spans_total{receiver="otlp"}"#, 0),
            (r#"otelcol_receiver_accepted_metric_points_total{receiver="otlp"}"#, 3),
            (r#"otelcol_receiver_refused_metric_points_total{receiver="otlp"}"#, 0),
            (r#"otelcol_processor_incoming_items_total{otel_signal="traces",processor="batch"}"#, 2),
            (r#"otelcol_processor_outgoing_items_total{otel_signal="traces",processor="batch"}"#, 2),
            (r#"otelcol_processor_incoming_items_total{otel_signal="metrics",processor="batch"}"#, 3),
            (r#"otelcol_processor_outgoing_items_total{otel_signal="metrics",processor="batch"}"#, 3),
            (r#"otelcol_exporter_sent_spans_total{exporter="debug"}"#, 2),
            (r#"otelcol_exporter_send_failed_spans_total{exporter="debug"}"#, 0),
            (r#"otelcol_exporter_sent_metric_points_total{exporter="debug"}"#, 3),
            (r#"otelcol_exporter_send_failed_metric_points_total{exporter="debug"}"#, 0),
            (r#"otelcol_exporter_queue_capacity{otel_signal="traces",exporter="debug"}"#, 16),
            (r#"otelcol_exporter_queue_capacity{otel_signal="metrics",exporter="debug"}"#, 16),
        ],
    );
    for name in ["receiver_accepted_spans", "receiver_accepted_metric_points", "exporter_sent_spans"] {
        assert!(text.contains(&format!("# TYPE otelcol_{name}_total counter\n")), "{text}");
    }
    // What the debug exporter printed for them. Its stdout is read from a pipe
    // by another thread, so the last lines may come in after the counters moved.
    r.wait_for(Duration::from_secs(10), "the debug exporter's output", |out, _| out.contains("s{} 7\n"));
    let out = r.stdout();
    assert!(
        out.contains("Traces\t{\"resource spans\": 1, \"spans\": 2}\nResourceTraces #0\nScopeTraces #0\n"),
        "{out}"
    );
    assert!(out.contains("a 0102030405060708090a0b0c0d0e0f10 1112131415161718\n"), "{out}");
    assert!(out.contains("Metrics\t{\"resource metrics\": 1, \"metrics\": 2, \"data points\": 3}\n"), "{out}");
    assert!(out.contains("g{} 1\ng{} 2.5\ns{} 7\n"), "{out}");
    r.stop();
}
