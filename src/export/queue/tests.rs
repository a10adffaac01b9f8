//! The queue against in-test exports: a slow one (a backend answering after a
//! delay) and one that never answers (a backend that is down).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::*;
use crate::ack::{Ack, AckWaiter, Outcome};
use crate::config::ComponentId;
use crate::event::{kv, str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
use crate::metrics::gauge;
use crate::signal::Signal;
use crate::storage::MemStorage;

/// Records every record body it is given, after `delay`; or never answers.
#[derive(Default)]
struct Backend {
    delay: Duration,
    down: bool,
    got: Mutex<Vec<String>>,
    stats: Stats,
}

impl Export<LogBatch> for Backend {
    async fn export(self: Arc<Self>, batch: LogBatch) {
        if self.down {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(self.delay).await;
        let bodies = batch.resource_logs.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records);
        self.got.lock().unwrap().extend(bodies.map(|r| format!("{:?}", r.body.as_ref().unwrap().value)));
        batch.acks.deliver();
    }
    fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// `n` records of `len` bytes each, named `<first>..`.
fn batch(first: usize, n: usize, len: usize) -> (LogBatch, AckWaiter) {
    let records = (first..first + n)
        .map(|i| LogRecord { body: Some(str_value(format!("{i:06}{}", "x".repeat(len)))), ..Default::default() })
        .collect();
    let rl = ResourceLogs {
        resource: Some(crate::event::Resource { attributes: vec![kv("host", str_value("h"))], ..Default::default() }),
        scope_logs: vec![ScopeLogs { log_records: records, ..Default::default() }],
        ..Default::default()
    };
    let (ack, waiter) = Ack::new();
    (LogBatch::new(vec![rl], Acks::one(ack)), waiter)
}

fn names(range: std::ops::Range<usize>, len: usize) -> Vec<String> {
    range.map(|i| format!("{:?}", str_value(format!("{i:06}{}", "x".repeat(len))).value)).collect()
}

/// A registered input, so the queue's gauges can be read back.
fn input(name: &str) -> (mpsc::Sender<LogBatch>, ExporterInput<LogBatch>, Vec<(&'static str, String)>) {
    let (tx, rx) = mpsc::channel(2);
    let id = ComponentId::new("otlphttp", Some(name));
    let labels = vec![("otel_signal", "logs".to_string()), ("exporter", id.to_string())];
    (tx, ExporterInput::new(&id, rx, 2), labels)
}

fn peak(labels: &[(&'static str, String)]) -> u64 {
    gauge("ferrocol_exporter_queue_bytes_peak", "", labels.to_vec()).load(Ordering::Relaxed)
}

#[tokio::test]
async fn a_slow_backend_keeps_the_queue_under_its_byte_bound() {
    let (tx, input, labels) = input("slow");
    let backend = Arc::new(Backend { delay: Duration::from_millis(5), ..Default::default() });
    let bound = 16 << 10;
    let config = QueueConfig { sizer: Some(Sizer::Bytes), queue_size: Some(bound), ..Default::default() };
    let task = tokio::spawn(Queue::in_memory(config, backend.clone()).run(input));
    let mut waiters = Vec::new();
    let (per_batch, len) = (10, 200);
    for i in 0..100 {
        let (b, w) = batch(i * per_batch, per_batch, len);
        tx.send(b).await.unwrap();
        waiters.push(w);
    }
    drop(tx);
    task.await.unwrap().unwrap();
    for w in waiters {
        assert_eq!(w.wait().await, Outcome::Delivered);
    }
    let got = backend.got.lock().unwrap().clone();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, names(0..1000, len), "every record once");
    let peak = peak(&labels);
    assert!(peak <= bound, "the queue held {peak} bytes, bound {bound}");
    assert!(peak > bound / 2, "the queue filled up ({peak} bytes): the bound was what held it");
}

#[tokio::test]
async fn a_batch_larger_than_the_bound_is_sent_alone() {
    let (tx, input, labels) = input("large");
    let backend = Arc::new(Backend::default());
    let config = QueueConfig { sizer: Some(Sizer::Bytes), queue_size: Some(1024), ..Default::default() };
    let task = tokio::spawn(Queue::in_memory(config, backend.clone()).run(input));
    let (big, w) = batch(0, 20, 1000);
    let size = big.byte_size() as u64;
    tx.send(big).await.unwrap();
    drop(tx);
    task.await.unwrap().unwrap();
    assert_eq!(w.wait().await, Outcome::Delivered);
    assert_eq!(backend.got.lock().unwrap().len(), 20);
    assert_eq!(peak(&labels), size);
}

/// A queue on `storage` whose backend is down: every batch is acknowledged
/// once stored; then the task is dropped, as a kill would.
async fn fill_while_down(storage: Arc<MemStorage>, batches: usize) {
    let (tx, input, _) = input("down");
    let backend = Arc::new(Backend { down: true, ..Default::default() });
    let queue = Queue { config: QueueConfig::default(), export: backend, storage: Some(storage) };
    let task = tokio::spawn(queue.run(input));
    for i in 0..batches {
        let (b, w) = batch(i * 3, 3, 10);
        tx.send(b).await.unwrap();
        assert_eq!(w.wait().await, Outcome::Delivered, "acknowledged once on disk");
    }
    task.abort();
    let _ = task.await;
}

#[tokio::test]
async fn stored_batches_are_sent_in_order_after_a_restart() {
    let storage = Arc::new(MemStorage::default());
    fill_while_down(storage.clone(), 5).await;
    fill_while_down(storage.clone(), 0).await; // a restart, still down
    let (tx, input, _) = input("up");
    let backend = Arc::new(Backend::default());
    let config = QueueConfig { num_consumers: 1, ..Default::default() };
    let queue = Queue { config, export: backend.clone(), storage: Some(storage.clone()) };
    drop(tx);
    queue.run(input).await.unwrap();
    assert_eq!(*backend.got.lock().unwrap(), names(0..15, 10), "in order, once");
    // All settled: the head moved past them and they are deleted.
    assert_eq!(storage.get(&format!("{}_head", Signal::Logs)).unwrap(), Some(5u64.to_le_bytes().to_vec()));
    assert_eq!(storage.get("logs_4").unwrap(), None);
}

#[tokio::test]
async fn a_damaged_stored_batch_is_skipped_and_counted() {
    let storage = Arc::new(MemStorage::default());
    fill_while_down(storage.clone(), 3).await;
    storage.set("logs_1", b"\x01garbage").unwrap();
    let (tx, input, labels) = input("damaged");
    drop(tx);
    let backend = Arc::new(Backend::default());
    let config = QueueConfig { num_consumers: 1, ..Default::default() };
    Queue { config, export: backend.clone(), storage: Some(storage) }.run(input).await.unwrap();
    let mut want = names(0..3, 10);
    want.extend(names(6..9, 10));
    assert_eq!(*backend.got.lock().unwrap(), want);
    let corrupt = crate::metrics::counter("ferrocol_exporter_queue_corrupt_batches_total", "", labels);
    assert_eq!(corrupt.load(Ordering::Relaxed), 1);
}
