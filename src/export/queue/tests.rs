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

/// A running queue task.
type Running = tokio::task::JoinHandle<Result<(), StageError>>;

/// A queue on `storage` whose backend is down, running; with its input and labels.
fn spawn_down(
    storage: Arc<dyn crate::storage::StorageClient>,
    name: &str,
) -> (mpsc::Sender<LogBatch>, Running, Vec<(&'static str, String)>) {
    let (tx, rx, labels) = input(name);
    let backend = Arc::new(Backend { down: true, ..Default::default() });
    let queue = Queue { config: QueueConfig::default(), export: backend, storage: Some(storage) };
    (tx, tokio::spawn(queue.run(rx)), labels)
}

/// A queue on `storage` whose backend is down: every batch is acknowledged
/// once stored; then the task is dropped, as a kill would.
async fn fill_while_down(storage: Arc<MemStorage>, batches: usize) {
    let (tx, task, _) = spawn_down(storage, "down");
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
    let head = storage.get(&format!("{}_head", Signal::Logs)).unwrap().unwrap();
    assert_eq!(super::group::Head::from_bytes(&head).unwrap().head, 5);
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

/// A store whose commits are recorded (the item keys of each `set_all`), the
/// first one held until `open` is sent to, and the first `failures` failing.
struct Commits {
    inner: MemStorage,
    log: Mutex<Vec<Vec<String>>>,
    entered: Mutex<std::sync::mpsc::Sender<()>>,
    open: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
    failures: Mutex<usize>,
}

impl Commits {
    fn new(failures: usize) -> (Arc<Commits>, std::sync::mpsc::Receiver<()>, std::sync::mpsc::Sender<()>) {
        let (entered, entered_rx) = std::sync::mpsc::channel();
        let (open_tx, open) = std::sync::mpsc::channel();
        let c = Commits {
            inner: MemStorage::default(),
            log: Mutex::default(),
            entered: Mutex::new(entered),
            open: Mutex::new(Some(open)),
            failures: Mutex::new(failures),
        };
        (Arc::new(c), entered_rx, open_tx)
    }
}

impl crate::storage::StorageClient for Commits {
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> std::io::Result<()> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> std::io::Result<()> {
        self.inner.delete(key)
    }
    fn set_all(&self, entries: &[(&str, &[u8])]) -> std::io::Result<()> {
        self.log.lock().unwrap().push(entries.iter().map(|(k, _)| k.to_string()).collect());
        let _ = self.entered.lock().unwrap().send(());
        if let Some(open) = self.open.lock().unwrap().take() {
            let _ = open.recv();
        }
        let mut failures = self.failures.lock().unwrap();
        if *failures > 0 {
            *failures -= 1;
            return Err(std::io::Error::other("disk full"));
        }
        entries.iter().try_for_each(|(k, v)| self.inner.set(k, v))
    }
}

/// Wait until the store is inside a commit.
async fn entered(rx: &mut std::sync::mpsc::Receiver<()>) {
    while rx.try_recv().is_err() {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn batches_arriving_during_a_sync_share_the_next_commit_and_wait_for_it() {
    let (storage, mut entered_rx, open) = Commits::new(0);
    let (tx, task, labels) = spawn_down(storage.clone(), "group");
    let (mut waiters, mut total) = (Vec::new(), 0);
    for i in 0..5 {
        let (b, w) = batch(i * 3, 3, 10);
        total += b.byte_size() as u64;
        tx.send(b).await.unwrap();
        waiters.push(w);
        if i == 0 {
            entered(&mut entered_rx).await; // batch 0's commit is syncing
        }
    }
    // Every batch is admitted (counted in the queue) while the first sync is held.
    let size = gauge("otelcol_exporter_queue_size", "", labels);
    while size.load(Ordering::Relaxed) != total {
        tokio::task::yield_now().await;
    }
    for w in &mut waiters {
        assert_eq!(w.try_outcome(), None, "acknowledged before the sync that covers it returned");
    }
    open.send(()).unwrap();
    for w in waiters {
        assert_eq!(w.wait().await, Outcome::Delivered);
    }
    // One value for each commit: batch 0 alone, then the four that waited.
    let log = storage.log.lock().unwrap().clone();
    assert_eq!(log, vec![vec!["logs_0".to_string()], vec!["logs_1".to_string()]]);
    let group = storage.inner.get("logs_1").unwrap().unwrap();
    assert_eq!(super::group::unpack(&group).unwrap().len(), 4);
    task.abort();
    let _ = task.await;
}

#[tokio::test]
async fn a_failed_write_leaves_no_gap_a_restart_would_stop_at() {
    let (storage, mut entered_rx, open) = Commits::new(1);
    let (tx, task, _) = spawn_down(storage.clone(), "hole");
    let (b0, mut w0) = batch(0, 3, 10);
    tx.send(b0).await.unwrap();
    entered(&mut entered_rx).await;
    open.send(()).unwrap();
    // The write of batch 0 failed: it waits for its delivery, which never comes.
    let (b1, w1) = batch(3, 3, 10);
    tx.send(b1).await.unwrap();
    assert_eq!(w1.wait().await, Outcome::Delivered, "batch 1 is on disk");
    assert_eq!(w0.try_outcome(), None);
    task.abort();
    let _ = task.await;
    let log = storage.log.lock().unwrap().clone();
    // Batch 0's number is settled (it waits in memory): either the head moved
    // past it before batch 1's commit, or that commit starts with its tombstone.
    let head = storage.inner.get(&format!("{}_head", Signal::Logs)).unwrap();
    let head = head.and_then(|h| super::group::Head::from_bytes(&h)).map(|h| h.head);
    match head {
        Some(h) if h >= 1 && log[1] == ["logs_1"] => {}
        _ => {
            assert_eq!(log[1], ["logs_0"], "the tombstone goes with batch 1 (head {head:?})");
            let group = storage.inner.get("logs_0").unwrap().unwrap();
            assert_eq!(super::group::unpack(&group).unwrap()[0], &[0u8][..]);
        }
    }
    // A restart with the backend up sends batch 1 (batch 0 was never acknowledged).
    let (tx, input, _) = input("hole-up");
    drop(tx);
    let backend = Arc::new(Backend::default());
    let queue = Queue { config: QueueConfig::default(), export: backend.clone(), storage: Some(storage) };
    queue.run(input).await.unwrap();
    assert_eq!(*backend.got.lock().unwrap(), names(3..6, 10));
}

/// A store that counts its reads: a read while running is a batch read back.
#[derive(Default)]
struct Reads {
    inner: MemStorage,
    reads: std::sync::atomic::AtomicUsize,
}

impl crate::storage::StorageClient for Reads {
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> std::io::Result<()> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> std::io::Result<()> {
        self.inner.delete(key)
    }
}

/// Sends 24 batches of about 1 MiB (three times the memory budget) through a
/// queue on a counting store; returns what was read back and the memory peak.
async fn through_storage(backend: Arc<Backend>, name: &str) -> (usize, u64) {
    let storage = Arc::new(Reads::default());
    let down = backend.down;
    let (tx, rx, labels) = input(name);
    let config = QueueConfig { storage: Some("file_storage/q".into()), ..Default::default() };
    let queue = Queue { config, export: backend, storage: Some(storage.clone()) };
    let task = tokio::spawn(queue.run(rx));
    let (per_batch, len) = (1000, 1000);
    let mut waiters = Vec::new();
    let mut opened = 0;
    for i in 0..24 {
        let (b, w) = batch(i * per_batch, per_batch, len);
        tx.send(b).await.unwrap();
        if i == 0 {
            assert_eq!(w.wait().await, Outcome::Delivered, "acknowledged once on disk");
            opened = storage.reads.load(Ordering::Relaxed);
        } else {
            waiters.push(w);
        }
    }
    for w in waiters {
        assert_eq!(w.wait().await, Outcome::Delivered, "acknowledged once on disk");
    }
    drop(tx);
    if down {
        task.abort();
    } else {
        task.await.unwrap().unwrap();
    }
    (storage.reads.load(Ordering::Relaxed) - opened, peak(&labels))
}

#[tokio::test]
async fn a_backend_that_keeps_up_gets_every_batch_from_memory() {
    let backend = Arc::new(Backend { delay: Duration::from_millis(200), ..Default::default() });
    let (read_back, peak) = through_storage(backend.clone(), "keeps-up").await;
    let mut got = backend.got.lock().unwrap().clone();
    got.sort();
    assert_eq!(got, names(0..24_000, 1000), "every record once");
    assert_eq!(read_back, 0, "the input waited for memory instead of batches going to disk only");
    assert!(peak <= PERSISTENT_MEMORY_BYTES, "held {peak} bytes in memory");
}

#[tokio::test]
async fn a_backend_that_is_down_gets_batches_kept_on_disk_only() {
    let backend = Arc::new(Backend { down: true, ..Default::default() });
    let started = std::time::Instant::now();
    let (_, peak) = through_storage(backend, "spill-down").await;
    assert!(started.elapsed() >= SPILL_AFTER, "the input waited for memory first");
    let one = batch(0, 1000, 1000).0.byte_size() as u64;
    let bound = PERSISTENT_MEMORY_BYTES + config::SPILL_WRITE_BYTES + one;
    assert!(peak <= bound, "held {peak} bytes in memory, one batch {one}");
}
