//! `service::telemetry::logs` as otelcol configures it: `output_paths`,
//! `encoding`, `initial_fields`, and the level.

use std::time::Duration;

use crate::util::{self, write, Running};

#[test]
fn logs_go_to_the_output_paths_with_the_initial_fields() {
    let dir = util::tempdir();
    let port = util::free_port();
    let log = dir.path().join("ferrocol.log");
    let cfg = write(
        dir.path(),
        "c.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
             exporters: {{file: {{path: /dev/null}}}}\n\
             service:\n  pipelines: {{logs: {{receivers: [otlp], exporters: [file]}}}}\n  \
             telemetry:\n    metrics: {{level: none}}\n    \
             logs: {{encoding: json, output_paths: [stdout, {}], initial_fields: {{service: my-collector}}}}\n",
            log.display()
        ),
    );
    let mut r = Running::start(&["--config", &cfg]);
    util::wait_port(port, Duration::from_secs(20));
    r.wait_for(Duration::from_secs(20), "the start line on stdout", |out, _| out.contains("pipelines are running"));
    r.stop();
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text.lines().find(|l| l.contains("pipelines are running")).unwrap_or_else(|| panic!("{text}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["service"], "my-collector", "{line}");
    assert_eq!(v["level"], "INFO", "{line}");
    assert!(!r.stderr().contains("pipelines are running"), "stderr is not among the outputs");
}

#[test]
fn an_output_path_that_cannot_be_opened_stops_the_start() {
    let dir = util::tempdir();
    let cfg = write(
        dir.path(),
        "c.yaml",
        "receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:0}}}}\n\
         exporters: {file: {path: /dev/null}}\n\
         service:\n  pipelines: {logs: {receivers: [otlp], exporters: [file]}}\n  \
         telemetry: {logs: {output_paths: [/nonexistent-dir/x.log]}}\n",
    );
    let (code, _, err) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("service::telemetry::logs::output_paths: cannot open /nonexistent-dir/x.log"), "{err}");
}
