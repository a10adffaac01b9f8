//! `sending_queue.storage` through the real binary: the otlp receiver answers
//! 200 once a request is on disk, so what was acknowledged survives SIGKILL and
//! restarts while the backend is down, and arrives once it is back; a damaged
//! queue file is reported and set aside, and the start goes on.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::retries::bodies;
use super::server::Server;
use crate::util::{free_port, http_request, tempdir, wait_port, write, Running};

fn config(dir: &Path, port: u16, backend: &Server) -> String {
    let queue = dir.join("queue");
    write(
        dir,
        "config.yaml",
        &format!(
            "extensions: {{file_storage/q: {{directory: {}, create_directory: true}}}}\n\
             receivers: {{otlp: {{protocols: {{http: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
             exporters:\n  otlphttp:\n    endpoint: {}\n    compression: none\n\
             \x20   retry_on_failure: {{initial_interval: 50ms, max_interval: 200ms, max_elapsed_time: 0s}}\n\
             \x20   sending_queue: {{storage: file_storage/q, num_consumers: 1}}\n\
             service:\n  extensions: [file_storage/q]\n  \
             pipelines: {{logs: {{receivers: [otlp], exporters: [otlphttp]}}}}\n",
            queue.display(),
            backend.base_url()
        ),
    )
}

/// A request of three records named `<id>-0..2`.
fn request(id: &str) -> String {
    let records: Vec<String> = (0..3).map(|j| format!(r#"{{"body":{{"stringValue":"{id}-{j}"}}}}"#)).collect();
    format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{}]}}]}}]}}"#, records.join(","))
}

/// Post requests named `<round>-<n>` until the collector goes away; the
/// records of every request answered 200 are added to `acked`.
fn send_until_killed(port: u16, round: usize, acked: Arc<Mutex<Vec<String>>>, stop: Arc<AtomicBool>) {
    let headers = [("Content-Type", "application/json")];
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let id = format!("r{round}-{n}");
        match http_request(port, "POST", "/v1/logs", &headers, request(&id).as_bytes()) {
            Ok((200, _, _)) => acked.lock().unwrap().extend((0..3).map(|j| format!("{id}-{j}"))),
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

/// Run the collector for `ms` while posting to it, then SIGKILL it.
fn run_and_kill(config: &str, port: u16, round: usize, ms: u64, acked: &Arc<Mutex<Vec<String>>>) {
    let mut collector = Running::start(&["--config", config]);
    wait_port(port, Duration::from_secs(20));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..2)
        .map(|k| {
            let (acked, stop) = (acked.clone(), stop.clone());
            std::thread::spawn(move || send_until_killed(port, round * 2 + k, acked, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(ms));
    collector.signal(libc::SIGKILL);
    collector.wait_exit(Duration::from_secs(10));
    stop.store(true, Ordering::SeqCst);
    senders.into_iter().for_each(|s| s.join().unwrap());
}

/// Wait until every record of `want` has arrived; returns how often each did.
fn wait_delivered(backend: &Server, want: &[String], collector: &Running) -> BTreeMap<String, usize> {
    let start = Instant::now();
    loop {
        let mut got = BTreeMap::new();
        for b in bodies(backend) {
            *got.entry(b).or_insert(0) += 1;
        }
        let missing = want.iter().filter(|w| !got.contains_key(*w)).count();
        if missing == 0 {
            return got;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{missing} acknowledged records missing\n{}",
            collector.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_requests_survive_sigkill_and_arrive_in_order_once_the_backend_is_up() {
    let mut backend = Server::start().await;
    backend.stop().await;
    let dir = tempdir();
    let port = free_port();
    let config = config(dir.path(), port, &backend);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let cfg = config.clone();
    let a = acked.clone();
    tokio::task::spawn_blocking(move || {
        for (round, ms) in [300, 700, 450].into_iter().enumerate() {
            run_and_kill(&cfg, port, round, ms, &a);
        }
    })
    .await
    .unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 30, "only {} records acknowledged", acked.len());

    backend.restart().await;
    let mut collector = Running::start(&["--config", &config]);
    let delivered = tokio::task::block_in_place(|| wait_delivered(&backend, &acked, &collector));
    collector.stop();
    // Each batch was stored once and sent once the backend was up: no duplicates.
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{twice:?}");
    // In order (one consumer): a sender's requests arrive as they were acknowledged.
    let order: Vec<String> = bodies(&backend);
    for sender in 0..6 {
        let prefix = format!("r{sender}-");
        let seq: Vec<usize> =
            order.iter().filter_map(|b| b.strip_prefix(&prefix)?.split('-').next()?.parse().ok()).collect();
        assert!(seq.windows(2).all(|w| w[0] <= w[1]), "sender {sender}: {seq:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_queue_file_is_reported_and_set_aside_and_the_rest_is_sent() {
    let mut backend = Server::start().await;
    backend.stop().await;
    let dir = tempdir();
    let port = free_port();
    let config = config(dir.path(), port, &backend);
    // Three requests stored while the backend is down, then a clean stop.
    let mut collector = Running::start(&["--config", &config]);
    wait_port(port, Duration::from_secs(20));
    for id in ["a", "b", "c"] {
        let headers = [("Content-Type", "application/json")];
        let (status, _, _) = http_request(port, "POST", "/v1/logs", &headers, request(id).as_bytes()).unwrap();
        assert_eq!(status, 200);
    }
    collector.signal(libc::SIGKILL);
    collector.wait_exit(Duration::from_secs(10));
    let stored = dir.path().join("queue/exporter_otlphttp_/logs_1");
    let len = std::fs::metadata(&stored).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&stored).unwrap().set_len(len / 2).unwrap();

    backend.restart().await;
    let mut collector = Running::start(&["--config", &config]);
    let want: Vec<String> = ["a", "c"].iter().flat_map(|id| (0..3).map(move |j| format!("{id}-{j}"))).collect();
    let delivered = tokio::task::block_in_place(|| wait_delivered(&backend, &want, &collector));
    collector.stop();
    assert!(!delivered.keys().any(|k| k.starts_with("b-")), "{delivered:?}");
    let log = collector.stderr();
    assert!(log.contains("a queued batch is damaged; it is set aside and not sent"), "{log}");
    assert!(dir.path().join("queue/exporter_otlphttp_/logs_1.corrupt").exists(), "set aside for inspection");
}
