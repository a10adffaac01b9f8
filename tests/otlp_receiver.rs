//! Integration tests: otlp_receiver, through the real binary and the debug exporter.

use std::io::Write as _;
use std::time::Duration;

use ferrocol::event::{str_value, LogRecord, ResourceLogs, ScopeLogs};
use ferrocol::otlp::json::ExportLogsServiceRequest;
use prost::Message as _;

use crate::util;

const TWO_RECORDS: &str = r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"sshd"}}]},
  "scopeLogs":[{"logRecords":[{"body":{"stringValue":"one"}},{"body":{"stringValue":"two"}}]}]}]}"#;

fn config(port: u16, http_extra: &str) -> String {
    format!(
        "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: \"127.0.0.1:{port}\"\n{http_extra}\
         exporters:\n  debug:\n    verbosity: basic\n    use_internal_logger: false\n\
         service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      exporters: [debug]\n"
    )
}

/// Start ferrocol with the otlp receiver on a free port feeding the debug exporter.
fn start(dir: &tempfile::TempDir) -> (util::Running, u16) {
    let port = util::free_port();
    let path = util::write(dir.path(), "config.yaml", &config(port, ""));
    let running = util::Running::start(&["--config", &path]);
    util::wait_port(port, Duration::from_secs(20));
    (running, port)
}

fn summary(records: usize) -> String {
    format!("Logs\t{{\"resource logs\": 1, \"log records\": {records}}}\n")
}

#[test]
fn json_post_reaches_the_debug_exporter_and_sigterm_exits_0() {
    let dir = util::tempdir();
    let (mut running, port) = start(&dir);
    let headers = [("Content-Type", "application/json")];
    let (status, headers, body) =
        util::http_request(port, "POST", "/v1/logs", &headers, TWO_RECORDS.as_bytes()).expect("POST /v1/logs");
    assert_eq!(status, 200, "response: {}", String::from_utf8_lossy(&body));
    assert!(headers.contains(&("content-type".into(), "application/json".into())), "{headers:?}");
    assert_eq!(body, b"{}");
    // The answer comes after delivery, so the line is already there (give the pipe a moment).
    running.wait_for(Duration::from_secs(5), "the summary line", |out, _| out.contains(&summary(2)));
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "stderr: {}", running.stderr());
}

#[test]
fn gzipped_protobuf_is_accepted() {
    let dir = util::tempdir();
    let (mut running, port) = start(&dir);
    let log_records =
        ["a", "b", "c"].iter().map(|b| LogRecord { body: Some(str_value(*b)), ..Default::default() }).collect();
    let request = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs { log_records, ..Default::default() }],
            ..Default::default()
        }],
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&request.encode_to_vec()).unwrap();
    let headers = [("Content-Type", "application/x-protobuf"), ("Content-Encoding", "gzip")];
    let (status, _, body) = util::http_request(port, "POST", "/v1/logs", &headers, &gz.finish().unwrap()).unwrap();
    assert_eq!(status, 200, "response: {}", String::from_utf8_lossy(&body));
    assert!(body.is_empty(), "an empty ExportLogsServiceResponse");
    running.wait_for(Duration::from_secs(5), "the summary line", |out, _| out.contains(&summary(3)));
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "stderr: {}", running.stderr());
}

#[test]
fn bad_requests_get_otelcol_answers() {
    let dir = util::tempdir();
    let (mut running, port) = start(&dir);
    let json = [("Content-Type", "application/json")];
    let (status, _, body) = util::http_request(port, "POST", "/v1/logs", &json, b"{\"resourceLogs\":").unwrap();
    assert_eq!(status, 400);
    let status_body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status_body["code"], 3, "{status_body}");
    assert_eq!(util::http_request(port, "GET", "/v1/logs", &[], b"").unwrap().0, 405);
    assert_eq!(util::http_request(port, "POST", "/v1/traces", &json, b"{}").unwrap().0, 404);
    let text = [("Content-Type", "text/plain")];
    assert_eq!(util::http_request(port, "POST", "/v1/logs", &text, b"{}").unwrap().0, 415);
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "stderr: {}", running.stderr());
}

#[test]
fn validate_does_not_bind_but_run_reports_a_taken_port() {
    let dir = util::tempdir();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let path = util::write(dir.path(), "config.yaml", &config(port, ""));
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 0, "validate must not open the port:\n{stderr}");
    let mut running = util::Running::start(&["--config", &path]);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 1);
    let expected = format!("cannot listen on 127.0.0.1:{port}: ");
    assert!(running.stderr().contains(&expected), "missing {expected:?} in:\n{}", running.stderr());
}

#[test]
fn incomplete_tls_settings_are_config_errors() {
    let dir = util::tempdir();
    let yaml = config(4318, "        tls:\n          cert_file: c.pem\n      grpc:\n        tls: {}\n");
    let path = util::write(dir.path(), "config.yaml", &yaml);
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 1, "{stderr}");
    // Positions are the config loader's business; the scope, key and message are ours.
    let expected = [
        "receivers::otlp: protocols::http::tls::cert_file: TLS configuration must include both certificate and key",
        "receivers::otlp: protocols::grpc::tls::cert_file: a TLS server needs a certificate and its key",
    ];
    for e in expected {
        let found = stderr.lines().any(|l| l.starts_with(&path) && l.contains(&format!(": {e}")));
        assert!(found, "missing {e:?} in:\n{stderr}");
    }
}

#[test]
fn listed_in_components() {
    let (code, stdout, _) = util::run(&["components"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(
            "    - name: otlp\n      module: ferrocol/receivers/otlp\n      stability:\n        logs: Beta\n"
        ),
        "{stdout}"
    );
}
