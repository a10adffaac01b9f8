use std::time::Duration;

use tokio::sync::mpsc;

use super::*;
use crate::ack::{Ack, Outcome};
use crate::config::ComponentId;
use crate::event::{str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};

fn records(n: usize, tag: &str) -> Vec<ResourceLogs> {
    let log_records =
        (0..n).map(|i| LogRecord { body: Some(str_value(format!("{tag}{i}"))), ..Default::default() }).collect();
    vec![ResourceLogs { scope_logs: vec![ScopeLogs { log_records, ..Default::default() }], ..Default::default() }]
}

fn bodies(b: &LogBatch) -> Vec<String> {
    b.resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
        .map(|r| match &r.body.as_ref().unwrap().value {
            Some(crate::event::any_value::Value::StringValue(s)) => s.clone(),
            _ => String::new(),
        })
        .collect()
}

fn start(
    cfg: BatchConfig,
) -> (mpsc::Sender<LogBatch>, mpsc::Receiver<LogBatch>, tokio::task::JoinHandle<Result<(), StageError>>) {
    let (in_tx, in_rx) = mpsc::channel(8);
    let (out_tx, out_rx) = mpsc::channel(8);
    let cx = ProcessorContext::new(ComponentId::new("batch", None), in_rx, Fanout::new(vec![out_tx]));
    let task = cfg.build(cx).unwrap();
    (in_tx, out_rx, tokio::spawn(task))
}

#[tokio::test]
async fn sends_when_size_reached_and_keeps_order() {
    let cfg =
        BatchConfig { send_batch_size: 5, timeout: crate::config::Duration::from_secs(3600), ..Default::default() };
    let (tx, mut rx, task) = start(cfg);
    tx.send(LogBatch::new(records(3, "a"), Acks::none())).await.unwrap();
    tx.send(LogBatch::new(records(3, "b"), Acks::none())).await.unwrap();
    let out = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await.unwrap().unwrap();
    assert_eq!(bodies(&out), ["a0", "a1", "a2", "b0", "b1", "b2"]);
    drop(tx);
    task.await.unwrap().unwrap();
    assert!(rx.recv().await.is_none());
}

#[tokio::test]
async fn timeout_flushes_partial_batch() {
    let cfg =
        BatchConfig { send_batch_size: 100, timeout: crate::config::Duration::from_millis(50), ..Default::default() };
    let (tx, mut rx, _task) = start(cfg);
    tx.send(LogBatch::new(records(2, "a"), Acks::none())).await.unwrap();
    let out = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await.expect("flushed by the timer").unwrap();
    assert_eq!(out.record_count(), 2);
}

#[tokio::test]
async fn splits_at_max_size_and_acks_follow_the_pieces() {
    let cfg = BatchConfig {
        send_batch_size: 4,
        send_batch_max_size: 4,
        timeout: crate::config::Duration::from_secs(3600),
        ..Default::default()
    };
    let (tx, mut rx, task) = start(cfg);
    let (ack, waiter) = Ack::new();
    tx.send(LogBatch::new(records(10, "x"), Acks::one(ack))).await.unwrap();
    drop(tx);
    let mut pieces = Vec::new();
    while let Some(b) = rx.recv().await {
        pieces.push(b);
    }
    task.await.unwrap().unwrap();
    let sizes: Vec<usize> = pieces.iter().map(|b| b.record_count()).collect();
    assert_eq!(sizes, [4, 4, 2]);
    let all: Vec<String> = pieces.iter().flat_map(bodies).collect();
    assert_eq!(all, (0..10).map(|i| format!("x{i}")).collect::<Vec<_>>());
    // The input is delivered only when every piece is.
    let mut waiter = waiter;
    let last = pieces.pop().unwrap();
    for p in pieces {
        p.acks.deliver();
    }
    assert_eq!(waiter.try_outcome(), None);
    last.acks.deliver();
    assert_eq!(waiter.wait().await, Outcome::Delivered);
}

#[tokio::test]
async fn merged_batch_carries_every_input_ack() {
    let cfg =
        BatchConfig { send_batch_size: 4, timeout: crate::config::Duration::from_secs(3600), ..Default::default() };
    let (tx, mut rx, _task) = start(cfg);
    let (a1, w1) = Ack::new();
    let (a2, w2) = Ack::new();
    tx.send(LogBatch::new(records(2, "a"), Acks::one(a1))).await.unwrap();
    tx.send(LogBatch::new(records(2, "b"), Acks::one(a2))).await.unwrap();
    let out = rx.recv().await.unwrap();
    assert_eq!(out.acks.len(), 2);
    out.acks.reject();
    assert_eq!(w1.wait().await, Outcome::Rejected);
    assert_eq!(w2.wait().await, Outcome::Rejected);
}

#[tokio::test]
async fn zero_timeout_sends_each_input_at_once() {
    let cfg = BatchConfig { send_batch_size: 1000, timeout: crate::config::Duration::default(), ..Default::default() };
    let (tx, mut rx, _task) = start(cfg);
    tx.send(LogBatch::new(records(1, "a"), Acks::none())).await.unwrap();
    let out = tokio::time::timeout(Duration::from_millis(500), rx.recv()).await.unwrap().unwrap();
    assert_eq!(out.record_count(), 1);
}

#[test]
fn split_keeps_resource_and_scope() {
    let mut buf = records(3, "a");
    buf[0].schema_url = "r".into();
    buf[0].scope_logs[0].schema_url = "s".into();
    buf.extend(records(2, "b"));
    let head = crate::event::take_records(&mut buf, 4);
    assert_eq!(crate::event::count_records(&head), 4);
    assert_eq!(crate::event::count_records(&buf), 1);
    assert_eq!(head[0].schema_url, "r");
    assert_eq!(head[0].scope_logs[0].schema_url, "s");
}

#[test]
fn validate_like_otelcol() {
    let cfg = BatchConfig { send_batch_size: 10, send_batch_max_size: 5, ..Default::default() };
    let errs = cfg.validate();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].key, "send_batch_max_size");
    assert!(BatchConfig::default().validate().is_empty());
}

#[tokio::test]
async fn a_rejected_piece_rejects_only_the_inputs_it_holds() {
    let cfg = BatchConfig {
        send_batch_size: 3,
        send_batch_max_size: 3,
        timeout: crate::config::Duration::from_secs(3600),
        ..Default::default()
    };
    let (tx, mut rx, _task) = start(cfg);
    let (a1, w1) = Ack::new();
    let (a2, w2) = Ack::new();
    tx.send(LogBatch::new(records(2, "a"), Acks::one(a1))).await.unwrap();
    tx.send(LogBatch::new(records(4, "b"), Acks::one(a2))).await.unwrap();
    // Pieces: [a0 a1 b0] and [b1 b2 b3].
    let first = rx.recv().await.unwrap();
    let second = rx.recv().await.unwrap();
    assert_eq!(bodies(&first), ["a0", "a1", "b0"]);
    assert_eq!(first.acks.len(), 2);
    assert_eq!(second.acks.len(), 1, "only input b has records in the second piece");
    first.acks.deliver();
    second.acks.reject();
    assert_eq!(w1.wait().await, Outcome::Delivered);
    assert_eq!(w2.wait().await, Outcome::Rejected);
}

#[tokio::test]
async fn traces_are_batched_by_span_count_and_split_with_their_acks() {
    use crate::signal::{ResourceSpans, ScopeSpans, Span, TraceBatch};
    let spans = |n: usize| {
        let spans = (0..n).map(|i| Span { name: format!("s{i}"), ..Default::default() }).collect();
        vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() }]
    };
    let cfg = BatchConfig {
        send_batch_size: 4,
        send_batch_max_size: 4,
        timeout: crate::config::Duration::from_secs(3600),
        ..Default::default()
    };
    let (in_tx, in_rx) = mpsc::channel(8);
    let (out_tx, mut out_rx) = mpsc::channel(8);
    let cx = ProcessorContext::new(ComponentId::new("batch", None), in_rx, Fanout::new(vec![out_tx]));
    let task = tokio::spawn(cfg.build_traces(cx).unwrap());
    let (ack, waiter) = Ack::new();
    in_tx.send(TraceBatch::from_parts(spans(6), Acks::one(ack))).await.unwrap();
    let first = out_rx.recv().await.unwrap();
    assert_eq!(first.item_count(), 4);
    drop(in_tx); // flush the other two
    let second = out_rx.recv().await.unwrap();
    assert_eq!(second.item_count(), 2);
    assert_eq!(second.resource_spans[0].scope_spans[0].spans[0].name, "s4");
    first.acks.deliver();
    let mut waiter = waiter;
    assert_eq!(waiter.try_outcome(), None, "the input is split: its second piece is pending");
    second.acks.deliver();
    assert_eq!(waiter.wait().await, Outcome::Delivered);
    task.await.unwrap().unwrap();
}

/// Large records: a send once `MAX_BUFFERED_BYTES` are buffered, long before
/// `send_batch_size` records are, so batches stay bounded in bytes.
#[tokio::test]
async fn sends_when_the_buffered_bytes_reach_the_bound() {
    let cfg =
        BatchConfig { send_batch_size: 8192, timeout: crate::config::Duration::from_secs(3600), ..Default::default() };
    let (tx, mut rx, task) = start(cfg);
    let big = |i: usize| {
        let body = format!("{i:04}{}", "x".repeat(64 << 10));
        let log_records = vec![LogRecord { body: Some(str_value(body)), ..Default::default() }];
        LogBatch::new(
            vec![ResourceLogs {
                scope_logs: vec![ScopeLogs { log_records, ..Default::default() }],
                ..Default::default()
            }],
            Acks::none(),
        )
    };
    let per_record = big(0).byte_size() as u64;
    let sender = tokio::spawn(async move {
        for i in 0..60 {
            tx.send(big(i)).await.unwrap();
        }
        // One input of 40 large records (2.6 MB, over the bound on its own) is split too.
        let mut many = big(60);
        for i in 61..100 {
            let more = big(i).resource_logs;
            many.resource_logs.extend(more);
        }
        tx.send(many).await.unwrap();
    });
    let mut sizes = Vec::new();
    while let Some(out) = rx.recv().await {
        sizes.push(out.byte_size() as u64);
    }
    sender.await.unwrap();
    task.await.unwrap().unwrap();
    assert_eq!(sizes.iter().sum::<u64>(), 100 * per_record, "every record once");
    assert!(sizes.len() >= 3, "sent in several batches: {sizes:?}");
    assert!(sizes.iter().all(|s| *s < MAX_BUFFERED_BYTES + 2 * per_record), "{sizes:?}");
}

/// Spans the otlp receiver did not decode stay encoded through the batch
/// processor while nothing needs them decoded: batching appends the request
/// bodies; mixing with decoded input or splitting decodes, in item order.
#[tokio::test]
async fn encoded_spans_are_appended_and_decoded_only_to_mix_or_split() {
    use crate::signal::{Encoded, ResourceSpans, ScopeSpans, Span};
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message as _;
    let spans = |names: &[&str]| {
        let spans = names.iter().map(|n| Span { name: n.to_string(), ..Default::default() }).collect();
        vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() }]
    };
    let encoded = |names: &[&str]| {
        let body = ExportTraceServiceRequest { resource_spans: spans(names) }.encode_to_vec();
        TraceBatch::from_encoded(Encoded::new(body.into(), names.len()), Acks::none())
    };
    let names = |b: TraceBatch| -> Vec<String> {
        let (data, _) = b.into_parts();
        data.iter().flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans).map(|s| s.name.clone()).collect()
    };
    let run = |size: usize, max: usize| {
        let cfg = BatchConfig {
            send_batch_size: size,
            send_batch_max_size: max,
            timeout: crate::config::Duration::from_secs(3600),
            ..Default::default()
        };
        let (in_tx, in_rx) = mpsc::channel(8);
        let (out_tx, out_rx) = mpsc::channel(8);
        let cx = ProcessorContext::new(ComponentId::new("batch", None), in_rx, Fanout::new(vec![out_tx]));
        (in_tx, out_rx, tokio::spawn(cfg.build_traces(cx).unwrap()))
    };

    let (tx, mut rx, task) = run(4, 0);
    tx.send(encoded(&["a", "b"])).await.unwrap();
    tx.send(encoded(&["c", "d"])).await.unwrap();
    let mut out = rx.recv().await.unwrap();
    assert!(out.data().is_empty(), "nothing was decoded");
    assert_eq!((out.item_count(), out.encoded_mut().unwrap().chunks().len()), (4, 2));
    assert_eq!(names(out), ["a", "b", "c", "d"]);

    tx.send(encoded(&["e"])).await.unwrap();
    tx.send(TraceBatch::from_parts(spans(&["f"]), Acks::none())).await.unwrap();
    tx.send(encoded(&["g", "h"])).await.unwrap();
    let mut out = rx.recv().await.unwrap();
    assert!(out.encoded_mut().unwrap().is_empty(), "mixed input is decoded");
    assert_eq!(names(out), ["e", "f", "g", "h"]);
    drop(tx);
    task.await.unwrap().unwrap();

    let (tx, mut rx, task) = run(3, 3);
    tx.send(encoded(&["a", "b", "c", "d", "e"])).await.unwrap();
    assert_eq!(names(rx.recv().await.unwrap()), ["a", "b", "c"]);
    drop(tx);
    assert_eq!(names(rx.recv().await.unwrap()), ["d", "e"]);
    task.await.unwrap().unwrap();
}
