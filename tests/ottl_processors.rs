//! filter and transform end to end: OTLP/JSON in, the debug exporter's text out.

use std::time::Duration;

use crate::util::{self, http_request, write, Running};

const CONFIG: &str = r#"
receivers:
  otlp:
    protocols:
      http:
        endpoint: "127.0.0.1:PORT"
processors:
  filter/ssh:
    logs:
      keep:
        - 'IsMatch(body, "^(Accepted|Failed) ")'
  transform/ssh:
    log_statements:
      - merge_maps(log.attributes, ExtractPatterns(log.body, "^(?P<outcome>Accepted|Failed) (?P<method>\\w+) for (invalid user )?(?P<user>\\S+) from (?P<addr>\\S+)"), "upsert")
      - set(log.severity_text, "WARN") where log.attributes["outcome"] == "Failed"
      - delete_key(log.attributes, "process.pid")
exporters:
  debug:
    verbosity: normal
    use_internal_logger: false
service:
  pipelines:
    logs:
      receivers: [otlp]
      processors: [filter/ssh, transform/ssh]
      exporters: [debug]
"#;

#[test]
fn keep_then_transform_the_ssh_samples() {
    let dir = util::tempdir();
    let port = util::free_port();
    let path = write(dir.path(), "c.yaml", &CONFIG.replace("PORT", &port.to_string()));
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 0, "config rejected:\n{stderr}");
    let mut running = Running::start(&["--config", &path]);
    util::wait_port(port, Duration::from_secs(20));

    let body = std::fs::read(util::repo("samples/otlp/ssh-logins.json")).unwrap();
    let (status, _, resp) =
        http_request(port, "POST", "/v1/logs", &[("Content-Type", "application/json")], &body).unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&resp));

    let expected = "ResourceLog #0 host.name=bastion service.name=sshd\n\
ScopeLog #0 journald\n\
Accepted publickey for alice from 203.0.113.7 port 51234 ssh2: ED25519 SHA256:Jx7v3c0Qm1h5Zr8Yk2pW4nB6tL9sD0fG3aH5jK7lM1o syslog.identifier=sshd outcome=Accepted method=publickey user=alice addr=203.0.113.7\n\
Failed password for invalid user admin from 198.51.100.23 port 40022 ssh2 syslog.identifier=sshd outcome=Failed method=password user=admin addr=198.51.100.23\n";
    running.wait_for(Duration::from_secs(20), "the two kept records", |out, _| out.contains("outcome=Failed"));
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "stderr: {}", running.stderr());
    let out = running.stdout();
    assert!(out.contains(expected), "stdout:\n{out}");
}

#[test]
fn a_failing_statement_under_propagate_rejects_the_request() {
    let dir = util::tempdir();
    let port = util::free_port();
    let cfg = format!(
        "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: \"127.0.0.1:{port}\"\n\
         processors:\n  transform:\n    error_mode: propagate\n    log_statements:\n      - set(log.attributes[\"j\"], ParseJSON(log.body))\n\
         exporters:\n  debug:\n\
         service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      processors: [transform]\n      exporters: [debug]\n"
    );
    let path = write(dir.path(), "c.yaml", &cfg);
    let mut running = Running::start(&["--config", &path]);
    util::wait_port(port, Duration::from_secs(20));
    let ok = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"{\"a\":1}"}}]}]}]}"#;
    let bad = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"not json"}}]}]}]}"#;
    let post = |b: &[u8]| http_request(port, "POST", "/v1/logs", &[("Content-Type", "application/json")], b).unwrap().0;
    assert_eq!(post(ok), 200);
    assert_eq!(post(bad), 400, "a rejected batch is a permanent error for the sender");
    running.wait_stderr("failed processing logs");
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "the process keeps running: {}", running.stderr());
}

#[test]
fn statement_errors_are_positioned_config_errors() {
    let dir = util::tempdir();
    let cfg = "processors:\n  transform/x:\n    log_statements:\n      - set(log.attributes[\"a\"], \"b\")\n      - 'set(log.attributes[\"a\"] \"b\")'\n  filter/y:\n    logs:\n      keep: ['IsMatch(body, \"(?=x)\")']\n";
    let path = write(dir.path(), "c.yaml", cfg);
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 1, "{stderr}");
    for want in [
        format!("{path}:5:9: processors::transform/x: log_statements[1]: invalid statement \"set(log.attributes[\\\"a\\\"] \\\"b\\\")\": column 25: expected \",\" or \")\", found string \"b\""),
        format!("{path}:8:14: processors::filter/y: logs::keep[0]: invalid condition \"IsMatch(body, \\\"(?=x)\\\")\": column 15: IsMatch: invalid regex \"(?=x)\": look-ahead is not supported (otelcol's RE2 syntax has no look-ahead either)"),
    ] {
        assert!(stderr.contains(&want), "missing\n  {want}\nin:\n{stderr}");
    }
}

/// The lambda converters exist only with `--feature-gates
/// ottl.functions.enableLambda`, as in otelcol; without it they are undefined.
#[test]
fn lambda_converters_follow_the_feature_gate() {
    let dir = util::tempdir();
    let cfg = "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: \"127.0.0.1:0\"\n\
         processors:\n  transform:\n    log_statements:\n      - 'set(log.attributes[\"prod\"], Filter(log.attributes[\"tags\"], (_, v) => v == \"prod\"))'\n\
         exporters:\n  debug:\n\
         service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      processors: [transform]\n      exporters: [debug]\n";
    let path = write(dir.path(), "c.yaml", cfg);
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("undefined function") && stderr.contains("Filter"), "{stderr}");
    let (code, _, stderr) = util::run(&["validate", "--config", &path, "--feature-gates=ottl.functions.enableLambda"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = util::run(&["validate", "--config", &path, "--feature-gates=-ottl.functions.enableLambda"]);
    assert_eq!(code, 1, "{stderr}");
}
