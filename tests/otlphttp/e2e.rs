//! The real binary: ferrocol → otlp_http → another ferrocol's otlp receiver →
//! debug exporter; the first answers its client only once the second has
//! printed the records, even when the second starts late.

use std::time::Duration;

use crate::util::{self, http_request, write, Running};

const RECORDS: &str = r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"bastion-1"}}]},
  "scopeLogs":[{"logRecords":[
    {"timeUnixNano":"1700000000000000001","severityNumber":9,"body":{"stringValue":"Accepted publickey for alice"},
     "attributes":[{"key":"user","value":{"stringValue":"alice"}},{"key":"port","value":{"intValue":"22"}}]},
    {"timeUnixNano":"1700000000000000002","body":{"kvlistValue":{"values":[{"key":"k","value":{"arrayValue":{"values":[{"boolValue":true}]}}}]}}}
  ]}]}]}"#;

/// The sending side: an otlp receiver on `port` exporting to `target`, with
/// self-metrics on `metrics`.
fn sender_config(dir: &std::path::Path, port: u16, target: u16, exporter: &str, metrics: u16) -> String {
    write(
        dir,
        "sender.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
             exporters:\n  {exporter}:\n    endpoint: http://127.0.0.1:{target}\n    encoding: json\n\
             \x20   retry_on_failure: {{initial_interval: 100ms, max_interval: 200ms}}\n\
             service:\n  pipelines: {{logs: {{receivers: [otlp], exporters: [{exporter}]}}}}\n  \
             telemetry: {{metrics: {{readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics}}}}}}}}}]}}}}\n"
        ),
    )
}

/// The value of one series on the Prometheus endpoint.
fn metric(port: u16, series: &str) -> Option<u64> {
    let (_, _, body) = http_request(port, "GET", "/metrics", &[], b"").unwrap();
    let text = String::from_utf8(body).unwrap();
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// The receiving side: an otlp receiver on `port` printing every field.
fn receiver_config(dir: &std::path::Path, port: u16) -> String {
    write(
        dir,
        "receiver.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
             exporters: {{debug: {{verbosity: detailed, use_internal_logger: false}}}}\n\
             service: {{pipelines: {{logs: {{receivers: [otlp], exporters: [debug]}}}}}}\n"
        ),
    )
}

fn post(port: u16) -> u16 {
    let headers = [("Content-Type", "application/json")];
    let (status, _, body) = http_request(port, "POST", "/v1/logs", &headers, RECORDS.as_bytes()).unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    status
}

fn assert_printed(receiver: &Running) {
    let out = receiver.stdout();
    for expected in [
        "Resource attributes:\n     -> host.name: Str(bastion-1)",
        "Body: Str(Accepted publickey for alice)",
        "-> user: Str(alice)",
        "-> port: Int(22)",
        "SeverityNumber: Info(9)",
        "Body: Map({\"k\":[true]})",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

#[test]
fn ferrocol_to_ferrocol_over_otlp_http() {
    let dir = util::tempdir();
    let (front, back) = (util::free_port(), util::free_port());
    let mut receiver = Running::start(&["--config", &receiver_config(dir.path(), back)]);
    util::wait_port(back, Duration::from_secs(20));
    let cfg = sender_config(dir.path(), front, back, "otlp_http", util::free_port());
    let mut sender = Running::start(&["--config", &cfg]);
    util::wait_port(front, Duration::from_secs(20));
    post(front);
    // The 200 came after the far end delivered: the text is there already.
    receiver.wait_for(Duration::from_secs(5), "the printed records", |out, _| out.contains("alice"));
    assert_printed(&receiver);
    sender.signal(libc::SIGTERM);
    assert_eq!(sender.wait_exit(Duration::from_secs(20)), 0, "{}", sender.stderr());
    let stderr = sender.stderr();
    assert!(stderr.contains("otlphttp exporter stopped sent_records=2 sent_requests=1"), "{stderr}");
    receiver.signal(libc::SIGTERM);
    assert_eq!(receiver.wait_exit(Duration::from_secs(20)), 0);
}

#[test]
fn a_late_receiver_gets_everything_and_the_client_waits_for_it() {
    let dir = util::tempdir();
    let (front, back) = (util::free_port(), util::free_port());
    let metrics = util::free_port();
    let mut sender = Running::start(&["--config", &sender_config(dir.path(), front, back, "otlphttp", metrics)]);
    util::wait_port(front, Duration::from_secs(20));
    let client = std::thread::spawn(move || post(front));
    // The far end is down: the exporter retries and the client has no answer yet.
    sender.wait_stderr("Will retry the request after interval");
    assert!(!client.is_finished());
    let mut receiver = Running::start(&["--config", &receiver_config(dir.path(), back)]);
    assert_eq!(client.join().unwrap(), 200);
    receiver.wait_for(Duration::from_secs(5), "the printed records", |out, _| out.contains("alice"));
    assert_printed(&receiver);
    let retries = metric(metrics, r#"ferrocol_otlphttp_retries_total{exporter="otlphttp"}"#);
    assert!(retries.is_some_and(|n| n > 0), "{retries:?}");
    assert_eq!(metric(metrics, r#"ferrocol_otlphttp_requests_total{exporter="otlphttp"}"#), Some(1));
    // The topology counts from the acks, right after they settle.
    let sent = r#"otelcol_exporter_sent_log_records_total{exporter="otlphttp"}"#;
    for _ in 0..100 {
        if metric(metrics, sent) == Some(2) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(metric(metrics, sent), Some(2));
    for r in [&mut sender, &mut receiver] {
        r.signal(libc::SIGTERM);
        assert_eq!(r.wait_exit(Duration::from_secs(20)), 0, "{}", r.stderr());
    }
}

#[test]
fn listed_under_both_names() {
    let (code, stdout, _) = util::run(&["components"]);
    assert_eq!(code, 0);
    for name in ["otlphttp", "otlp_http"] {
        let entry = format!(
            "    - name: {name}\n      module: ferrocol/exporters/{name}\n      stability:\n        logs: Beta\n"
        );
        assert!(stdout.contains(&entry), "{stdout}");
    }
}

#[test]
fn config_errors_name_the_key() {
    let dir = util::tempdir();
    let path = write(
        dir.path(),
        "bad.yaml",
        "receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:4318}}}}\n\
         exporters:\n  otlp_http/backend:\n    endpoint: ftp://collector\n    compression: snappy\n\
         \x20   headers: {Authorization: \"Bearer s3cret\\n\"}\n\
         service: {pipelines: {logs: {receivers: [otlp], exporters: [otlp_http/backend]}}}\n",
    );
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 1, "{stderr}");
    for e in [
        ":4:15: exporters::otlp_http/backend: endpoint: invalid URL \"ftp://collector/v1/logs\": unsupported scheme \"ftp\"",
        ":5:18: exporters::otlp_http/backend: compression: compression \"snappy\" is not supported by ferrocol",
    ] {
        assert!(stderr.contains(e), "missing {e:?} in:\n{stderr}");
    }
    // As in otelcol, a header value Go's client refuses is not a config
    // error: each request fails instead (and the value is never shown).
    assert!(!stderr.contains("headers"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}
