//! The receiver over real loopback sockets, with a test channel as its pipeline.

use std::io::Write as _;
use std::time::Duration;

use prost::Message as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::response::Status;
use super::*;
use crate::config::ComponentId;
use crate::event::{any_value, str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
use crate::otlp::json::{encode_logs_request, ExportLogsServiceRequest};
use crate::topology::Fanout;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A running receiver on 127.0.0.1.
struct Rx {
    port: u16,
    batches: mpsc::Receiver<LogBatch>,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), StageError>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn config(port: u16, extra: &str) -> OtlpReceiverConfig {
    let yaml = format!("protocols:\n  http:\n    endpoint: 127.0.0.1:{port}\n{extra}");
    let cfg: OtlpReceiverConfig =
        crate::config::de::from_node(&crate::config::yaml::parse("t", &yaml).unwrap()).unwrap();
    assert!(cfg.validate().is_empty(), "{:?}", cfg.validate());
    cfg
}

/// Start a receiver whose pipeline is a channel of `capacity` batches.
/// `extra` is more YAML under `protocols::http` (4-space indented).
async fn start(extra: &str, capacity: usize) -> Rx {
    let port = free_port();
    let (tx, batches) = mpsc::channel(capacity);
    let shutdown = CancellationToken::new();
    let cx = ReceiverContext::new(ComponentId::new("otlp", None), Fanout::new(vec![tx]), shutdown.clone());
    let task = tokio::spawn(config(port, extra).build(cx).unwrap());
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Rx { port, batches, shutdown, task };
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("receiver did not listen on {port}");
}

/// One HTTP/1.1 request on its own connection.
async fn send(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    send_raw(port, &raw).await
}

async fn send_raw(port: u16, request: &[u8]) -> Reply {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply { status, headers, body: raw[split + 4..].to_vec() }
}

fn post(port: u16, content_type: &'static str, body: Vec<u8>, encoding: Option<&'static str>) -> JoinHandle<Reply> {
    tokio::spawn(async move {
        let mut headers = vec![("Content-Type", content_type)];
        headers.extend(encoding.map(|e| ("Content-Encoding", e)));
        send(port, "POST", "/v1/logs", &headers, &body).await
    })
}

fn logs(bodies: &[&str]) -> Vec<ResourceLogs> {
    let log_records = bodies
        .iter()
        .map(|b| LogRecord {
            body: Some(str_value(*b)),
            time_unix_nano: 7,
            trace_id: vec![9; 16],
            ..Default::default()
        })
        .collect();
    vec![ResourceLogs { scope_logs: vec![ScopeLogs { log_records, ..Default::default() }], ..Default::default() }]
}

fn json_body(bodies: &[&str]) -> Vec<u8> {
    encode_logs_request(&logs(bodies))
}

fn proto_body(bodies: &[&str]) -> Vec<u8> {
    ExportLogsServiceRequest { resource_logs: logs(bodies) }.encode_to_vec()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn bodies_of(batch: &LogBatch) -> Vec<String> {
    let records = batch.resource_logs.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records);
    records
        .map(|r| match r.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(any_value::Value::StringValue(s)) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// The next batch, with a deadline.
async fn next(rx: &mut Rx) -> LogBatch {
    tokio::time::timeout(Duration::from_secs(5), rx.batches.recv()).await.expect("a batch").expect("channel open")
}

#[tokio::test]
async fn answers_only_after_delivery() {
    let mut rx = start("", 4).await;
    for (ct, body) in
        [("application/json", json_body(&["a", "b"])), ("application/x-protobuf", proto_body(&["a", "b"]))]
    {
        let reply = post(rx.port, ct, body, None);
        let batch = next(&mut rx).await;
        assert_eq!(bodies_of(&batch), ["a", "b"]);
        let record = &batch.resource_logs[0].scope_logs[0].log_records[0];
        assert_eq!((record.time_unix_nano, record.trace_id.as_slice()), (7, &[9u8; 16][..]));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!reply.is_finished(), "{ct}: answered before the ack was settled");
        batch.acks.deliver();
        let reply = reply.await.unwrap();
        assert_eq!(reply.status, 200, "{ct}");
        assert_eq!(reply.header("content-type"), Some(ct));
        let expected: &[u8] = if ct == "application/json" { b"{}" } else { b"" };
        assert_eq!(reply.body, expected, "{ct}");
    }
}

#[tokio::test]
async fn rejected_is_400_and_abandoned_is_503() {
    let mut rx = start("", 4).await;
    let reply = post(rx.port, "application/json", json_body(&["x"]), None);
    next(&mut rx).await.acks.reject();
    let reply = reply.await.unwrap();
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json(), serde_json::json!({"code": 3, "message": "data was permanently rejected by an exporter"}));

    let reply = post(rx.port, "application/x-protobuf", proto_body(&["x"]), None);
    drop(next(&mut rx).await); // never settled, as when a stage is aborted
    let reply = reply.await.unwrap();
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("1"));
    let status = Status::decode(&reply.body[..]).unwrap();
    assert_eq!(status.code, 14);
}

#[tokio::test]
async fn decompresses_gzip_zstd_and_deflate() {
    let mut rx = start("", 4).await;
    let json = json_body(&["packed"]);
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zlib.write_all(&json).unwrap();
    let cases = [
        ("gzip", gzip(&json)),
        ("zstd", zstd::encode_all(&json[..], 3).unwrap()),
        ("deflate", zlib.finish().unwrap()),
        ("identity", json.clone()),
    ];
    for (encoding, body) in cases {
        let reply = post(rx.port, "application/json; charset=utf-8", body, Some(encoding));
        let batch = next(&mut rx).await;
        assert_eq!(bodies_of(&batch), ["packed"], "{encoding}");
        batch.acks.deliver();
        assert_eq!(reply.await.unwrap().status, 200, "{encoding}");
    }
    let reply = post(rx.port, "application/json", json, Some("br")).await.unwrap();
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["message"], "unsupported Content-Encoding: br");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let mut rx = start("    max_request_body_size: 2000\n", 4).await;
    let big = json_body(&[&"x".repeat(3000)]);
    let reply = post(rx.port, "application/json", big.clone(), None).await.unwrap();
    assert_eq!(reply.status, 413);
    assert!(reply.json()["message"].as_str().unwrap().contains("max_request_body_size (2000 bytes)"));

    // Without a Content-Length, the limit is found while reading.
    let mut chunked = b"POST /v1/logs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    chunked.extend_from_slice(format!("{:x}\r\n", big.len()).as_bytes());
    chunked.extend_from_slice(&big);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(send_raw(rx.port, &chunked).await.status, 413);

    // Small when compressed, too large once decompressed.
    let reply = post(rx.port, "application/json", gzip(&big), Some("gzip")).await.unwrap();
    assert_eq!(reply.status, 413);
    assert!(reply.json()["message"].as_str().unwrap().starts_with("decompressed request body"));
    assert!(rx.batches.try_recv().is_err(), "nothing reached the pipeline");
}

/// 100 MiB of zeros as 100 gzip members (about 100 KiB on the wire).
#[tokio::test]
async fn gzip_bomb_is_413() {
    let rx = start("    max_request_body_size: 1MiB\n", 4).await;
    let bomb = gzip(&vec![0u8; 1 << 20]).repeat(100);
    assert!(bomb.len() < 1 << 20);
    let reply = post(rx.port, "application/x-protobuf", bomb, Some("gzip")).await.unwrap();
    assert_eq!(reply.status, 413);
    let status = Status::decode(&reply.body[..]).unwrap();
    assert!(status.message.starts_with("decompressed request body is larger"), "{}", status.message);
}

#[tokio::test]
async fn routing_and_media_type_errors() {
    let rx = start("    response_headers: {X-Served-By: ferrocol}\n", 4).await;
    let r = send(rx.port, "POST", "/v1/logs", &[("Content-Type", "text/plain")], b"{}").await;
    assert_eq!(
        (r.status, r.body.as_slice()),
        (415, &b"415 unsupported media type, supported: [application/json, application/x-protobuf]"[..])
    );
    let r = send(rx.port, "POST", "/v1/logs", &[], b"{}").await;
    assert_eq!(r.status, 415);
    let r = send(rx.port, "GET", "/v1/logs", &[], b"").await;
    assert_eq!((r.status, r.body.as_slice()), (405, &b"405 method not allowed, supported: [POST]"[..]));
    let r = send(rx.port, "POST", "/v1/traces", &[("Content-Type", "application/json")], b"{}").await;
    assert_eq!((r.status, r.body.as_slice()), (404, &b"404 page not found\n"[..]));
    assert_eq!(r.header("x-served-by"), Some("ferrocol"));
}

#[tokio::test]
async fn malformed_payloads_are_400_with_a_status() {
    let rx = start("", 4).await;
    let r = post(rx.port, "application/json", b"{\"resourceLogs\":[{\"scopeLogs\":7}]}".to_vec(), None).await.unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json(),
        serde_json::json!({"code": 3, "message": "resourceLogs[0].scopeLogs: expected an array, found a number"})
    );
    let r = post(rx.port, "application/json", b"not json".to_vec(), None).await.unwrap();
    assert_eq!(r.status, 400);
    let r = post(rx.port, "application/x-protobuf", vec![0x0a, 0xff], None).await.unwrap();
    assert_eq!((r.status, r.header("content-type")), (400, Some("application/x-protobuf")));
    assert_eq!(Status::decode(&r.body[..]).unwrap().code, 3);
    let r = post(rx.port, "application/x-protobuf", b"garbage".to_vec(), Some("gzip")).await.unwrap();
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn empty_requests_are_200_without_a_batch() {
    let mut rx = start("", 4).await;
    for (ct, body) in [("application/json", b"{}".to_vec()), ("application/x-protobuf", Vec::new())] {
        let r = post(rx.port, ct, body, None).await.unwrap();
        assert_eq!(r.status, 200, "{ct}");
    }
    let r = post(rx.port, "application/json", encode_logs_request(&logs(&[])), None).await.unwrap();
    assert_eq!(r.status, 200);
    assert!(rx.batches.try_recv().is_err());
}

#[tokio::test]
async fn full_pipeline_makes_requests_wait_then_503_with_retry_after() {
    let mut rx = start("", 1).await;
    let first = post(rx.port, "application/json", json_body(&["1"]), None);
    // Wait until the first batch sits in the channel, which then is full.
    for _ in 0..100 {
        if first.is_finished() || rx.batches.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The second waits for room (otelcol's receiver blocks in its consumer) ...
    let second = post(rx.port, "application/json", json_body(&["2"]), None);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!second.is_finished(), "a request into a full pipeline waits for room");
    // ... but the waiting room is bounded in bytes: one more that does not fit is busy.
    let big = "x".repeat(super::pipelines::WAITING_BYTES as usize);
    let r = post(rx.port, "application/json", json_body(&[&big]), None).await.unwrap();
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json(), serde_json::json!({"code": 14, "message": "the pipeline is busy; retry later"}));
    next(&mut rx).await.acks.deliver();
    assert_eq!(first.await.unwrap().status, 200);
    let batch = next(&mut rx).await;
    assert_eq!(batch.record_count(), 1);
    batch.acks.deliver();
    assert_eq!(second.await.unwrap().status, 200);
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let mut rx = start("", 4).await;
    let reply = post(rx.port, "application/json", json_body(&["last"]), None);
    let batch = next(&mut rx).await;
    rx.shutdown.cancel();
    // The receiver drops its senders at once, so the pipeline can drain ...
    let end = tokio::time::timeout(Duration::from_secs(2), rx.batches.recv()).await;
    assert!(matches!(end, Ok(None)), "the receiver still holds its pipeline senders");
    // ... and stops accepting, but keeps the in-flight request open.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", rx.port)).await.is_err());
    assert!(!reply.is_finished() && !rx.task.is_finished());
    batch.acks.deliver();
    assert_eq!(reply.await.unwrap().status, 200);
    let done = tokio::time::timeout(Duration::from_secs(2), rx.task).await.expect("the receiver returned");
    done.unwrap().unwrap();
}

#[tokio::test]
async fn idle_connections_do_not_delay_shutdown() {
    let rx = start("", 4).await;
    let _idle = tokio::net::TcpStream::connect(("127.0.0.1", rx.port)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    rx.shutdown.cancel();
    let done = tokio::time::timeout(Duration::from_secs(2), rx.task).await.expect("no wait for idle connections");
    done.unwrap().unwrap();
}

#[tokio::test]
async fn bind_failure_names_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let (tx, _batches) = mpsc::channel(1);
    let cx = ReceiverContext::new(ComponentId::new("otlp", None), Fanout::new(vec![tx]), CancellationToken::new());
    // Start mode binds in build(): the error comes before any task runs, about the endpoint key.
    let Err(err) = config(port, "").build(cx) else { panic!("the port is taken") };
    assert_eq!(err.key, "protocols::http::endpoint");
    assert!(err.message.starts_with(&format!("cannot listen on 127.0.0.1:{port}: ")), "{err}");
    assert!(err.message.to_lowercase().contains("in use"), "{err}");
    // Check mode binds nothing, so the same config passes.
    let (tx, _batches) = mpsc::channel(1);
    let mut cx = ReceiverContext::new(ComponentId::new("otlp", None), Fanout::new(vec![tx]), CancellationToken::new());
    cx.startup = crate::startup::Startup::new(crate::startup::Mode::Check);
    assert!(config(port, "").build(cx).is_ok());
}
