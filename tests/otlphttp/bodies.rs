//! What goes on the wire: bodies decoded and compared field by field with what
//! was sent, compression, headers, the endpoint rules, splitting, keep-alive.

use std::time::Duration;

use ferrocol::ack::Outcome;
use ferrocol::event::{AnyValue, ResourceLogs};
use ferrocol::otlp::json::{decode_logs_request, ExportLogsServiceRequest};
use prost::Message as _;
use serde_json::Value;

use super::harness::{self, outcome, rich, simple};
use super::server::{Answer, Recorded, Server};

const T: Duration = Duration::from_secs(20);

fn config(endpoint: &str, extra: &str) -> String {
    format!("endpoint: {endpoint}\nretry_on_failure: {{initial_interval: 10ms}}\n{extra}")
}

/// Send `logs` through an exporter configured with `extra`; the one request it made.
async fn roundtrip(extra: &str, logs: Vec<ResourceLogs>) -> Recorded {
    let server = Server::start().await;
    let exporter = harness::start(&config(&server.base_url(), extra));
    assert_eq!(outcome(exporter.send(logs).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let mut requests = server.requests();
    assert_eq!(requests.len(), 1);
    requests.remove(0)
}

#[tokio::test]
async fn protobuf_body_is_exactly_what_was_sent() {
    let req = roundtrip("encoding: proto\ncompression: none\n", rich()).await;
    assert_eq!(req.path, "/v1/logs");
    assert_eq!(req.header("content-type"), Some("application/x-protobuf"));
    assert_eq!(req.header("content-encoding"), None);
    assert_eq!(req.header("user-agent"), Some(concat!("ferrocol/", env!("CARGO_PKG_VERSION"))));
    let got = ExportLogsServiceRequest::decode(&req.body[..]).unwrap().resource_logs;
    let sent = rich();
    // Field by field first, for a readable failure; then everything at once.
    let (g, s) = (&got[0].scope_logs[0].log_records[0], &sent[0].scope_logs[0].log_records[0]);
    assert_eq!(g.time_unix_nano, 1_700_000_000_123_456_789);
    assert_eq!((g.severity_number, g.severity_text.as_str()), (17, "ERROR"));
    assert_eq!((&g.trace_id, &g.span_id, g.flags), (&s.trace_id, &s.span_id, 1));
    assert_eq!(g.body, s.body, "nested map and array body");
    assert_eq!(g.attributes, s.attributes);
    assert_eq!(got[0].resource, sent[0].resource);
    assert_eq!(got[0].scope_logs[0].scope, sent[0].scope_logs[0].scope);
    assert_eq!(got, sent);
}

#[tokio::test]
async fn json_body_is_spec_otlp_json_and_decodes_to_what_was_sent() {
    let req = roundtrip("encoding: json\ncompression: none\n", rich()).await;
    assert_eq!(req.header("content-type"), Some("application/json"));
    let got = decode_logs_request(&req.body).unwrap().resource_logs;
    assert_eq!(got, rich());

    let v: Value = serde_json::from_slice(&req.body).unwrap();
    let record = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
    assert_eq!(record["timeUnixNano"], "1700000000123456789", "64-bit integers are strings");
    assert_eq!(record["observedTimeUnixNano"], "1700000001000000000");
    assert_eq!(record["severityNumber"], 17, "enums are integers");
    assert_eq!(record["traceId"], "0102030405060708090a0b0c0d0e0f10", "ids are hex");
    assert_eq!(record["spanId"], "0102030405060708");
    assert_eq!(record["eventName"], "ssh.login");
    assert_eq!(record["droppedAttributesCount"], 3);
    let attr =
        |key: &str| record["attributes"].as_array().unwrap().iter().find(|a| a["key"] == key).unwrap()["value"].clone();
    assert_eq!(attr("int"), serde_json::json!({"intValue": "9223372036854775807"}));
    assert_eq!(attr("bytes"), serde_json::json!({"bytesValue": "AAEC/v8="}));
    assert_eq!(attr("double"), serde_json::json!({"doubleValue": 3.25}));
    assert_eq!(attr("bool"), serde_json::json!({"boolValue": false}));
    let body = &record["body"]["kvlistValue"]["values"];
    assert_eq!(body[1]["value"]["arrayValue"]["values"][1], serde_json::json!({"intValue": "-2"}));
    assert_eq!(v["resourceLogs"][0]["scopeLogs"][0]["scope"]["version"], "0.1.0");
    assert_eq!(v["resourceLogs"][0]["schemaUrl"], "https://opentelemetry.io/schemas/1.25.0");
    // Fields at their default are left out; a resource that is set is written, even empty.
    let minimal = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][1];
    assert_eq!(minimal, &serde_json::json!({"body": {"doubleValue": -0.5}}));
    assert_eq!(
        v["resourceLogs"][0]["scopeLogs"][1],
        serde_json::json!({"logRecords": [{"severityNumber": 9, "body": {"bytesValue": "AHJhdw=="}}]})
    );
    assert_eq!(v["resourceLogs"][1]["resource"], serde_json::json!({}));
    assert_no_nulls(&v);
}

fn assert_no_nulls(v: &Value) {
    match v {
        Value::Null => panic!("null in OTLP/JSON"),
        Value::Array(a) => a.iter().for_each(assert_no_nulls),
        Value::Object(o) => o.values().for_each(assert_no_nulls),
        _ => {}
    }
}

#[tokio::test]
async fn every_compression_round_trips() {
    for (compression, encoding) in [("gzip", "gzip"), ("zstd", "zstd"), ("zlib", "zlib"), ("deflate", "deflate")] {
        for level in [0, 1, 9] {
            let extra = format!("compression: {compression}\ncompression_params: {{level: {level}}}\n");
            let req = roundtrip(&extra, rich()).await;
            assert_eq!(req.header("content-encoding"), Some(encoding));
            assert!(req.wire_len < req.body.len(), "{compression} at {level} compresses");
            assert_eq!(ExportLogsServiceRequest::decode(&req.body[..]).unwrap().resource_logs, rich(), "{compression}");
        }
    }
    // The default is gzip.
    assert_eq!(roundtrip("", simple("x", 3)).await.header("content-encoding"), Some("gzip"));
    let json = roundtrip("encoding: json\ncompression: zstd\n", rich()).await;
    assert_eq!(decode_logs_request(&json.body).unwrap().resource_logs, rich());
}

#[tokio::test]
async fn configured_headers_are_sent_and_win() {
    let extra = "headers:\n  Authorization: Bearer s3cret\n  X-Scope-OrgID: team-a\n  User-Agent: custom/1\n";
    let req = roundtrip(extra, simple("h", 1)).await;
    assert_eq!(req.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(req.header("x-scope-orgid"), Some("team-a"));
    assert_eq!(req.header("user-agent"), Some("custom/1"), "as in otelcol, configured headers win");
    assert_eq!(req.header("content-type"), Some("application/x-protobuf"));
}

#[tokio::test]
async fn endpoint_and_logs_endpoint_rules() {
    let server = Server::start().await;
    let base = server.base_url();
    let cases = [
        (format!("endpoint: {base}"), "/v1/logs"),
        (format!("endpoint: {base}/"), "/v1/logs"),
        (format!("endpoint: {base}/gateway"), "/gateway/v1/logs"),
        (format!("endpoint: {base}/gateway/"), "/gateway/v1/logs"),
        (format!("logs_endpoint: {base}/custom/ingest"), "/custom/ingest"),
        (format!("endpoint: {base}/ignored\nlogs_endpoint: {base}/wins/"), "/wins/"),
    ];
    for (i, (yaml, _)) in cases.iter().enumerate() {
        let exporter = harness::start(yaml);
        assert_eq!(outcome(exporter.send(simple("e", 1)).await, T).await, Outcome::Delivered, "{yaml}");
        exporter.finish(T).await;
        assert_eq!(server.requests().len(), i + 1);
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    let expected: Vec<&str> = cases.iter().map(|(_, p)| *p).collect();
    assert_eq!(paths, expected);
    let missing = harness::build_error("");
    assert!(missing.contains("either endpoint or logs_endpoint must be specified"), "{missing}");
}

#[tokio::test]
async fn big_batches_are_split_under_max_request_size() {
    let server = Server::start().await;
    let exporter = harness::start(&config(&server.base_url(), "compression: none\nmax_request_size: 4KiB\n"));
    let waiter = exporter.send(simple("record-with-some-length-", 2000)).await;
    assert_eq!(outcome(waiter, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let requests = server.requests();
    assert!(requests.len() > 10, "{} requests", requests.len());
    let mut bodies = Vec::new();
    for r in &requests {
        assert!(r.body.len() <= 4096, "a request of {} bytes", r.body.len());
        let logs = ExportLogsServiceRequest::decode(&r.body[..]).unwrap().resource_logs;
        assert_eq!(logs[0].resource, simple("", 1)[0].resource, "each piece keeps its resource");
        bodies.extend(logs.into_iter().flat_map(|rl| rl.scope_logs).flat_map(|s| s.log_records).map(|r| r.body));
    }
    let expected: Vec<Option<AnyValue>> = simple("record-with-some-length-", 2000)
        .remove(0)
        .scope_logs
        .remove(0)
        .log_records
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies, expected, "every record once, in order");
}

/// A record is never dropped for its size: it is sent alone; the server may
/// take it, and a 413 rejects it like any permanent error.
#[tokio::test]
async fn a_record_over_max_request_size_is_sent_alone() {
    let server = Server::start().await;
    let config =
        config(&server.base_url(), "compression: none\nmax_request_size: 1KiB\nsending_queue: {num_consumers: 1}\n");
    let exporter = harness::start(&config);
    let big = |prefix: &str| {
        let mut logs = simple(prefix, 3);
        logs[0].scope_logs[0].log_records[1].body = Some(ferrocol::event::str_value("x".repeat(4000)));
        logs
    };
    assert_eq!(outcome(exporter.send(big("ok-")).await, T).await, Outcome::Delivered);
    server.answer([Answer::status(200), Answer::status(413)]);
    assert_eq!(outcome(exporter.send(big("no-")).await, T).await, Outcome::Rejected);
    assert_eq!(outcome(exporter.send(simple("after-", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let sent: Vec<usize> = server.requests().iter().map(|r| r.body.len()).collect();
    assert_eq!(sent.len(), 7, "3 + 3 pieces and the next batch: {sent:?}");
    let over: Vec<usize> = sent.iter().map(|n| usize::from(*n > 1024)).collect();
    assert_eq!(over, [0, 1, 0, 0, 1, 0, 0], "only the big records went over, alone: {sent:?}");
}

#[tokio::test]
async fn connections_are_kept_alive() {
    let server = Server::start().await;
    let exporter = harness::start(&config(&server.base_url(), "sending_queue: {num_consumers: 1}\n"));
    for i in 0..5 {
        assert_eq!(outcome(exporter.send(simple(&format!("k{i}-"), 2)).await, T).await, Outcome::Delivered);
    }
    exporter.finish(T).await;
    assert_eq!(server.requests().len(), 5);
    assert_eq!(server.connections(), 1, "one connection for five requests");

    let server = Server::start().await;
    let exporter =
        harness::start(&config(&server.base_url(), "disable_keep_alives: true\nsending_queue: {num_consumers: 1}\n"));
    for _ in 0..3 {
        assert_eq!(outcome(exporter.send(simple("n", 1)).await, T).await, Outcome::Delivered);
    }
    exporter.finish(T).await;
    assert_eq!(server.connections(), 3, "disable_keep_alives: a connection per request");
}

#[tokio::test]
async fn empty_batches_are_delivered_without_a_request() {
    let server = Server::start().await;
    let exporter = harness::start(&config(&server.base_url(), ""));
    assert_eq!(outcome(exporter.send(Vec::new()).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert!(server.requests().is_empty());
}
