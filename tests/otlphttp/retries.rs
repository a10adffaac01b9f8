//! Answers and failures: retries honouring Retry-After, permanent errors,
//! partial success, timeouts, a server that is down (backpressure, nothing
//! lost), a full queue that drops, and draining at shutdown.

use std::time::{Duration, Instant};

use ferrocol::ack::Outcome;
use ferrocol::otlp::json::ExportLogsServiceRequest;
use ferrocol::otlp::status::Status;
use prost::Message as _;

use super::harness::{self, outcome, simple};
use super::logs;
use super::server::{Answer, Server};

const T: Duration = Duration::from_secs(30);

fn config(server: &Server, extra: &str) -> String {
    format!("endpoint: {}\ncompression: none\n{extra}", server.base_url())
}

pub(super) fn bodies(server: &Server) -> Vec<String> {
    let mut out = Vec::new();
    for r in server.requests() {
        let req = ExportLogsServiceRequest::decode(&r.body[..]).unwrap();
        for record in req.resource_logs.iter().flat_map(|rl| &rl.scope_logs).flat_map(|s| &s.log_records) {
            match record.body.as_ref().and_then(|b| b.value.as_ref()) {
                Some(ferrocol::event::any_value::Value::StringValue(s)) => out.push(s.clone()),
                other => panic!("unexpected body {other:?}"),
            }
        }
    }
    out
}

#[tokio::test]
async fn retry_after_is_honoured_then_delivered_once() {
    let server = Server::start().await;
    let unavailable = || Answer::status(503).header("retry-after", "1");
    server.answer([unavailable(), unavailable(), unavailable()]);
    // The backoff alone would retry after 10ms: the waits must come from Retry-After.
    let exporter =
        harness::start(&config(&server, "retry_on_failure: {initial_interval: 10ms, randomization_factor: 0}\n"));
    let start = Instant::now();
    assert_eq!(outcome(exporter.send(simple("r", 3)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 4, "three 503s, then 200");
    for pair in requests.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(950), "retried after {gap:?}, before Retry-After");
        assert_eq!(pair[0].body, pair[1].body, "the same request each time");
    }
    assert!(start.elapsed() >= Duration::from_secs(3));
    assert_eq!(bodies(&server).len(), 12, "the same 3 records, 4 times; accepted once");
}

#[tokio::test]
async fn bad_request_is_rejected_without_retry_and_logged_with_the_servers_message() {
    let (_guard, captured) = logs::capture();
    let server = Server::start().await;
    let status = Status { code: 3, message: "log record 0 has an invalid trace id".into() };
    server.answer([Answer::status(400).body("application/x-protobuf", status.encode_to_vec())]);
    let exporter = harness::start(&config(&server, "retry_on_failure: {initial_interval: 10ms}\n"));
    assert_eq!(outcome(exporter.send(simple("bad", 2)).await, T).await, Outcome::Rejected);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.requests().len(), 1, "no retry");
    // The exporter goes on with the next batch.
    assert_eq!(outcome(exporter.send(simple("good", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let text = captured.text();
    assert!(text.contains("Exporting failed. Dropping data."), "{text}");
    assert!(text.contains("400 Bad Request: log record 0 has an invalid trace id"), "{text}");
    assert!(text.contains("rejected_records=2"), "counted in the final figures: {text}");
}

#[tokio::test]
async fn internal_server_error_is_permanent_unless_listed() {
    let server = Server::start().await;
    server.answer([Answer::status(500), Answer::status(500)]);
    let exporter = harness::start(&config(&server, "retry_on_failure: {initial_interval: 10ms}\n"));
    assert_eq!(outcome(exporter.send(simple("a", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
    let listed = "retry_on_failure: {initial_interval: 10ms, retryable_statuses: [500]}\n";
    let exporter = harness::start(&config(&server, listed));
    assert_eq!(outcome(exporter.send(simple("b", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn every_transient_status_is_retried() {
    let server = Server::start().await;
    server.answer([429, 502, 503, 504].map(Answer::status));
    let exporter = harness::start(&config(&server, "retry_on_failure: {initial_interval: 10ms}\n"));
    assert_eq!(outcome(exporter.send(simple("t", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert_eq!(server.requests().len(), 5);
}

#[tokio::test]
async fn partial_success_is_delivered_logged_and_not_retried() {
    let (_guard, captured) = logs::capture();
    let server = Server::start().await;
    let body = r#"{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"2 records are too old"}}"#;
    server.answer([Answer::status(200).body("application/json", body)]);
    let exporter = harness::start(&config(&server, "encoding: json\n"));
    assert_eq!(outcome(exporter.send(simple("p", 5)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    assert_eq!(server.requests().len(), 1);
    let text = captured.text();
    assert!(text.contains("Partial success response") && text.contains("dropped_log_records=2"), "{text}");
    assert!(text.contains("2 records are too old"), "{text}");
    assert!(text.contains("partially_rejected_records=2"), "{text}");
}

#[tokio::test]
async fn timeouts_are_retried_and_reject_when_retries_are_off() {
    let server = Server::start().await;
    server.answer([Answer::status(200).delay(Duration::from_secs(3))]);
    let exporter = harness::start(&config(&server, "timeout: 200ms\nretry_on_failure: {initial_interval: 10ms}\n"));
    let start = Instant::now();
    assert_eq!(outcome(exporter.send(simple("slow", 1)).await, T).await, Outcome::Delivered);
    assert!(start.elapsed() < Duration::from_secs(3), "the slow answer was not awaited");
    exporter.finish(T).await;
    assert_eq!(server.requests().len(), 2);

    let (_guard, captured) = logs::capture();
    server.answer([Answer::status(200).delay(Duration::from_secs(3))]);
    let exporter = harness::start(&config(&server, "timeout: 200ms\nretry_on_failure: {enabled: false}\n"));
    assert_eq!(outcome(exporter.send(simple("slow", 1)).await, T).await, Outcome::Rejected);
    exporter.finish(T).await;
    let text = captured.text();
    assert!(
        text.contains("no response within timeout (200ms)") && text.contains("retry_on_failure is disabled"),
        "{text}"
    );
}

#[tokio::test]
async fn retries_stop_after_max_elapsed_time() {
    let server = Server::start().await;
    server.answer((0..100).map(|_| Answer::status(503)));
    let retry = "retry_on_failure: {initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 400ms}\n";
    let exporter = harness::start(&config(&server, retry));
    let start = Instant::now();
    assert_eq!(outcome(exporter.send(simple("m", 1)).await, T).await, Outcome::Rejected);
    assert!(start.elapsed() < Duration::from_secs(5));
    exporter.finish(T).await;
    let n = server.requests().len();
    assert!((2..20).contains(&n), "{n} attempts");
}

/// The server goes away: sends fail, the queue fills, the exporter stops reading
/// its input and the channel fills up: the pipeline upstream is held back.
/// Once the server is back, every record arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_down_means_backpressure_and_nothing_lost() {
    let mut server = Server::start().await;
    server.stop().await;
    let retry = "retry_on_failure: {initial_interval: 20ms, max_interval: 100ms, max_elapsed_time: 0s}\n";
    let queue = "sending_queue: {num_consumers: 2, queue_size: 3}\n";
    let exporter = harness::start_with_capacity(&config(&server, &format!("{retry}{queue}")), 2);
    let mut waiters = Vec::new();
    let mut blocked = false;
    for i in 0..50 {
        match exporter.try_send(simple(&format!("b{i}-"), 10)) {
            Some(w) => waiters.push(w),
            None => {
                // Room may be on its way (the exporter is still reading); give it a moment.
                tokio::time::sleep(Duration::from_millis(200)).await;
                match exporter.try_send(simple(&format!("b{i}-"), 10)) {
                    Some(w) => waiters.push(w),
                    None => {
                        blocked = true;
                        break;
                    }
                }
            }
        }
    }
    assert!(blocked, "the input never filled up");
    // 3 in the queue (2 of them in flight) + 1 waiting for room + 2 in the channel.
    assert!(waiters.len() <= 8, "{} batches taken while the server was down", waiters.len());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(server.requests().is_empty());
    server.restart().await;
    let taken = waiters.len();
    for w in waiters {
        assert_eq!(outcome(w, T).await, Outcome::Delivered);
    }
    // Reading resumed: more batches go through.
    assert_eq!(outcome(exporter.send(simple("after-", 1)).await, T).await, Outcome::Delivered);
    exporter.finish(T).await;
    let mut got = bodies(&server);
    got.sort();
    let mut expected: Vec<String> = (0..taken).flat_map(|i| (0..10).map(move |j| format!("b{i}-{j}"))).collect();
    expected.push("after-0".into());
    expected.sort();
    assert_eq!(got, expected, "every record exactly once");
}

#[tokio::test]
async fn a_full_queue_drops_when_block_on_overflow_is_false() {
    let (_guard, captured) = logs::capture();
    let server = Server::start().await;
    server.answer((0..3).map(|_| Answer::status(200).delay(Duration::from_millis(500))));
    // As otelcol's, the queue's size counts the batch in flight until it is done.
    let queue = "sending_queue: {num_consumers: 1, queue_size: 2, block_on_overflow: false}\n";
    let exporter = harness::start(&config(&server, queue));
    let mut waiters = Vec::new();
    for i in 0..6 {
        waiters.push(exporter.send(simple(&format!("d{i}-"), 1)).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut outcomes = Vec::new();
    for w in waiters {
        outcomes.push(outcome(w, T).await);
    }
    exporter.finish(T).await;
    // One in flight, one queued; the others found the queue full.
    let delivered = outcomes.iter().filter(|o| **o == Outcome::Delivered).count();
    assert_eq!(delivered, 2, "{outcomes:?}");
    assert_eq!(server.requests().len(), 2);
    let text = captured.text();
    assert!(text.contains("Dropping data because sending_queue is full"), "{text}");
    assert!(text.contains("dropped_records=4"), "{text}");
}

#[tokio::test]
async fn input_end_drains_the_queue_and_in_flight_requests() {
    let server = Server::start().await;
    server.answer((0..20).map(|_| Answer::status(200).delay(Duration::from_millis(50))));
    let exporter = harness::start(&config(&server, "sending_queue: {num_consumers: 2}\n"));
    let mut waiters = Vec::new();
    for i in 0..20 {
        waiters.push(exporter.send(simple(&format!("s{i}-"), 2)).await);
    }
    exporter.finish(T).await;
    assert_eq!(server.requests().len(), 20, "everything was sent before the exporter returned");
    for w in waiters {
        assert_eq!(outcome(w, Duration::from_millis(1)).await, Outcome::Delivered);
    }
}

#[tokio::test]
async fn without_a_queue_one_request_at_a_time() {
    let server = Server::start().await;
    server.answer((0..4).map(|_| Answer::status(200).delay(Duration::from_millis(100))));
    let exporter = harness::start(&config(&server, "sending_queue: {enabled: false}\n"));
    let mut waiters = Vec::new();
    for i in 0..4 {
        waiters.push(exporter.send(simple(&format!("q{i}-"), 1)).await);
    }
    exporter.finish(T).await;
    for w in waiters {
        assert_eq!(outcome(w, Duration::from_millis(1)).await, Outcome::Delivered);
    }
    let at: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    assert!(at.windows(2).all(|w| w[1] - w[0] >= Duration::from_millis(90)), "requests overlapped");
}
