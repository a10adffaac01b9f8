//! Integration tests: debug_exporter.
//!
//! The end-to-end test feeds the debug exporter through the otlp receiver, so it
//! needs `receivers/otlp` to be registered.

use std::time::Duration;

use crate::util;

/// Two records that touch every value type and the optional lines.
const OTLP_JSON: &str = r#"{"resourceLogs":[{
  "resource":{"attributes":[{"key":"host.name","value":{"stringValue":"bastion-1"}}]},
  "schemaUrl":"https://opentelemetry.io/schemas/1.21.0",
  "scopeLogs":[{
    "scope":{"name":"sshd","version":"9.6"},
    "logRecords":[
      {"timeUnixNano":"1581452773000000789","observedTimeUnixNano":"1581452774000000000",
       "severityNumber":9,"severityText":"INFO",
       "body":{"stringValue":"Accepted publickey for alice"},
       "attributes":[
         {"key":"user","value":{"stringValue":"alice"}},
         {"key":"port","value":{"intValue":"22"}},
         {"key":"ratio","value":{"doubleValue":1.0}},
         {"key":"ok","value":{"boolValue":true}},
         {"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"1"}]}}},
         {"key":"meta","value":{"kvlistValue":{"values":[
           {"key":"z","value":{"stringValue":"<z>"}},{"key":"a","value":{"bytesValue":"AQID"}}]}}}],
       "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","flags":1},
      {"severityNumber":17,"eventName":"session.closed",
       "body":{"kvlistValue":{"values":[
         {"key":"user","value":{"stringValue":"bob"}},{"key":"bytes","value":{"intValue":"1024"}}]}}}
    ]
  }]
}]}"#;

/// What otelcol's debug exporter prints for `OTLP_JSON` with `verbosity: detailed`
/// and `use_internal_logger: false`: the summary entry, the text entry, and the
/// empty line that zap's line ending adds after the text.
const EXPECTED: &str = "Logs\t{\"resource logs\": 1, \"log records\": 2}
ResourceLog #0
Resource SchemaURL: https://opentelemetry.io/schemas/1.21.0
Resource attributes:
     -> host.name: Str(bastion-1)
ScopeLogs #0
ScopeLogs SchemaURL: \n\
InstrumentationScope sshd 9.6
LogRecord #0
ObservedTimestamp: 2020-02-11 20:26:14 +0000 UTC
Timestamp: 2020-02-11 20:26:13.000000789 +0000 UTC
SeverityText: INFO
SeverityNumber: Info(9)
Body: Str(Accepted publickey for alice)
Attributes:
     -> user: Str(alice)
     -> port: Int(22)
     -> ratio: Double(1)
     -> ok: Bool(true)
     -> tags: Slice([\"a\",1])
     -> meta: Map({\"a\":\"AQID\",\"z\":\"\\u003cz\\u003e\"})
Trace ID: 5b8efff798038103d269b633813fc60c
Span ID: eee19b7ec3c1b174
Flags: 1
LogRecord #1
ObservedTimestamp: 1970-01-01 00:00:00 +0000 UTC
Timestamp: 1970-01-01 00:00:00 +0000 UTC
SeverityText: \n\
SeverityNumber: Error(17)
EventName: session.closed
Body: Map({\"bytes\":1024,\"user\":\"bob\"})
Trace ID: \n\
Span ID: \n\
Flags: 0

";

#[test]
fn detailed_text_on_stdout_matches_otelcol() {
    let dir = util::tempdir();
    let port = util::free_port();
    let config = format!(
        "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: \"127.0.0.1:{port}\"\n\
         exporters:\n  debug:\n    verbosity: detailed\n    use_internal_logger: false\n\
         service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      exporters: [debug]\n"
    );
    let path = util::write(dir.path(), "config.yaml", &config);
    // Fails fast (rather than waiting for the port) while the otlp receiver is missing.
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 0, "config rejected:\n{stderr}");
    let mut running = util::Running::start(&["--config", &path]);
    util::wait_port(port, Duration::from_secs(20));

    let headers = [("Content-Type", "application/json")];
    let (status, _, body) =
        util::http_request(port, "POST", "/v1/logs", &headers, OTLP_JSON.as_bytes()).expect("POST /v1/logs");
    assert_eq!(status, 200, "response: {}", String::from_utf8_lossy(&body));

    running.wait_for(Duration::from_secs(20), "the debug exporter's text", |out, _| out.len() >= EXPECTED.len());
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "stderr: {}", running.stderr());
    // Exactly this on stdout; ferrocol's own logs go to stderr.
    assert_eq!(running.stdout(), EXPECTED);
}

#[test]
fn config_errors_name_the_key() {
    let dir = util::tempdir();
    let config = "exporters:\n  debug:\n    verBosity: detailed\n  debug/2:\n    verbosity: loud\n\
                  \x20 debug/3:\n    output_paths: [stdout]\n\
                  \x20 debug/4:\n    use_internal_logger: false\n    output_paths: []\n";
    let path = util::write(dir.path(), "config.yaml", config);
    let (code, _, stderr) = util::run(&["validate", "--config", &path]);
    assert_eq!(code, 1, "{stderr}");
    let expected = [
        ":3:5: exporters::debug: verBosity: unknown field `verBosity`, expected one of `verbosity`, ",
        ":5:16: exporters::debug/2: verbosity: unknown verbosity level \"loud\" (valid values: basic, normal, detailed)\n",
        ":7:19: exporters::debug/3: output_paths: output_paths is not supported when use_internal_logger is true\n",
        ":10:19: exporters::debug/4: output_paths: output_paths must not be empty when use_internal_logger is false\n",
    ];
    for e in expected {
        assert!(stderr.contains(&format!("{path}{e}")), "missing {e:?} in:\n{stderr}");
    }
}

#[test]
fn listed_in_components() {
    let (code, stdout, _) = util::run(&["components"]);
    assert_eq!(code, 0);
    assert!(stdout.contains(
        "    - name: debug\n      module: ferrocol/exporters/debug\n      stability:\n        logs: Development\n"
    ));
}
