//! The `ssh_events` processor in a running pipeline: otlp → ssh_events
//! (`keep_only_ssh`) → debug, and its config errors.

use std::time::Duration;

use crate::util;

fn record(ts: &str, body: &str) -> String {
    let body = body.replace('\\', "\\\\").replace('"', "\\\"");
    format!(r#"{{"timeUnixNano":"{ts}","observedTimeUnixNano":"{ts}","body":{{"stringValue":"{body}"}}}}"#)
}

const INVALID: &str = "Nov 20 09:00:30 bastion sshd-session[2250]: Invalid user admin from 192.0.2.200 port 60122";
const CRON: &str = "Nov 20 09:00:40 bastion CRON[77]: (root) CMD (run-parts /etc/cron.hourly)";
const AUDIT: &str = "type=USER_LOGIN msg=audit(1795165250.000:4021): pid=991 uid=0 auid=4294967295 ses=4294967295 \
    msg='op=login acct=\"root\" exe=teleport hostname=node-3 addr=10.0.0.9:52311 terminal=/dev/pts/2 \
    teleportUser=carol@example.com res=success'";

/// The two SSH records as the debug exporter prints them (written by hand).
fn expected() -> [String; 2] {
    [
        format!(
            "LogRecord #0
ObservedTimestamp: 2026-11-20 09:00:30 +0000 UTC
Timestamp: 2026-11-20 09:00:30 +0000 UTC
SeverityText: WARN
SeverityNumber: Warn(13)
EventName: ssh.invalid_user
Body: Str({INVALID})
Attributes:
     -> ssh.event: Str(ssh.invalid_user)
     -> ssh.source: Str(sshd)
     -> ssh.login: Str(admin)
     -> user.name: Str(admin)
     -> client.address: Str(192.0.2.200)
     -> client.port: Int(60122)
     -> host.name: Str(bastion)
     -> event.outcome: Str(failure)
"
        ),
        format!(
            "LogRecord #1
ObservedTimestamp: 2026-11-20 09:00:50 +0000 UTC
Timestamp: 2026-11-20 09:00:50 +0000 UTC
SeverityText: INFO
SeverityNumber: Info(9)
EventName: ssh.session.start
Body: Str({AUDIT})
Attributes:
     -> ssh.event: Str(ssh.session.start)
     -> ssh.source: Str(auditd)
     -> ssh.login: Str(root)
     -> user.name: Str(carol@example.com)
     -> client.address: Str(10.0.0.9)
     -> client.port: Int(52311)
     -> server.address: Str(node-3)
     -> event.outcome: Str(success)
"
        ),
    ]
}

#[test]
fn only_ssh_events_reach_the_exporter_normalised() {
    let dir = util::tempdir();
    let port = util::free_port();
    let config = format!(
        "receivers: {{otlp: {{protocols: {{http: {{endpoint: \"127.0.0.1:{port}\"}}}}}}}}
processors:
  ssh_events:
    keep_only_ssh: true
exporters: {{debug: {{verbosity: detailed, use_internal_logger: false}}}}
service:
  pipelines: {{logs: {{receivers: [otlp], processors: [ssh_events], exporters: [debug]}}}}
"
    );
    let path = util::write(dir.path(), "config.yaml", &config);
    let mut running = util::Running::start(&["--config", &path]);
    util::wait_port(port, Duration::from_secs(20));

    let records = [
        record("1795165230000000000", INVALID),
        record("1795165240000000000", CRON),
        record("1795165250000000000", AUDIT),
    ];
    let body = format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{}]}}]}}]}}"#, records.join(","));
    let headers = [("Content-Type", "application/json")];
    let (status, _, resp) = util::http_request(port, "POST", "/v1/logs", &headers, body.as_bytes()).expect("POST");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&resp));

    running.wait_for(Duration::from_secs(20), "two records", |out, _| out.contains("Flags: 0\n\n"));
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "stderr: {}", running.stderr());
    let out = running.stdout();
    assert!(out.starts_with("Logs\t{\"resource logs\": 1, \"log records\": 2}\n"), "{out}");
    for block in expected() {
        assert!(out.contains(&block), "missing:\n{block}\nin:\n{out}");
    }
    assert!(!out.contains("CRON"), "the cron line is dropped: {out}");
}

#[test]
fn config_errors_are_positioned() {
    let dir = util::tempdir();
    let cfg = util::write(
        dir.path(),
        "bad.yaml",
        "receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:4318}}}}
processors:
  ssh_events:
    sources: [teleport, syslog]
  ssh_events/2:
    sshd_identifiers: []
exporters: {debug: {}}
service:
  pipelines: {logs: {receivers: [otlp], processors: [ssh_events, ssh_events/2], exporters: [debug]}}
",
    );
    let (code, _, err) = util::run(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("{cfg}:4:25: processors::ssh_events: sources[1]: unknown variant `syslog`")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{cfg}:6:23: processors::ssh_events/2: sshd_identifiers: sshd_identifiers must not be empty"
        )),
        "{err}"
    );
}
