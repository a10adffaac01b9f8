//! The `ferrocol` binary as gateways: `kafka` receiver → `file` exporter, two
//! of them in one consumer group, against a mock cluster in this process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ferrocol::event::LogBatch;
use ferrocol::otlp::json::decode_logs_request;
use rdkafka::mocking::MockCluster;

use super::*;
use crate::util::{tempdir, write, Running};

const PARTITIONS: i32 = 4;
/// Records per message (the exporter sends one batch as one message).
const PER_MESSAGE: usize = 10;

/// A gateway writing what it consumes to `<dir>/<name>.json`.
fn gateway(dir: &Path, name: &str, brokers: &str) -> (Running, PathBuf) {
    let out = dir.join(format!("{name}.json"));
    let config = write(
        dir,
        &format!("{name}.yaml"),
        &format!(
            "receivers:\n  kafka:\n    brokers: [{brokers}]\n    group_id: gateways\n    initial_offset: earliest\n    \
             session_timeout: 6s\n    heartbeat_interval: 500ms\n    autocommit: {{enable: false}}\n    \
             logs: {{topics: [agents]}}\n\
             exporters:\n  file:\n    path: {}\n    flush_interval: 50ms\n\
             service:\n  telemetry: {{metrics: {{level: none}}}}\n  \
             pipelines: {{logs: {{receivers: [kafka], exporters: [file]}}}}\n",
            out.display()
        ),
    );
    (Running::start(&["--config", &config]), out)
}

/// Record ids (their timestamps) in a gateway's output, whole lines only.
fn ids_in(path: &Path) -> Vec<usize> {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    let requests = text.lines().filter_map(|l| decode_logs_request(l.as_bytes()).ok());
    requests.flat_map(|r| LogBatch::ids(&r.resource_logs)).collect()
}

/// Produce messages `from..to` (ids `from * PER_MESSAGE ..`).
async fn produce(tx: &mpsc::Sender<LogBatch>, from: usize, to: usize) {
    for m in from..to {
        delivered(send(tx, LogBatch::sample(m * PER_MESSAGE, PER_MESSAGE)).await).await;
    }
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(90), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn counts(ids: impl IntoIterator<Item = usize>) -> HashMap<usize, usize> {
    let mut m = HashMap::new();
    for id in ids {
        *m.entry(id).or_default() += 1;
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_split_the_partitions() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("agents", PARTITIONS, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let dir = tempdir();
    let (mut a, out_a) = gateway(dir.path(), "a", &brokers);
    let (mut b, out_b) = gateway(dir.path(), "b", &brokers);
    let (tx, exporter) = exporter::<LogBatch>(&format!("brokers: [{brokers}]\nlogs: {{topic: agents}}\n"));
    let messages = 100;
    produce(&tx, 0, messages).await;
    let total = messages * PER_MESSAGE;
    wait_until("every record", || ids_in(&out_a).len() + ids_in(&out_b).len() >= total).await;
    a.stop();
    b.stop();
    let (got_a, got_b) = (ids_in(&out_a), ids_in(&out_b));
    assert!(!got_a.is_empty() && !got_b.is_empty(), "a: {}, b: {}", got_a.len(), got_b.len());
    let all = counts(got_a.into_iter().chain(got_b));
    assert_eq!(all.len(), total, "every record");
    assert!(all.values().all(|n| *n == 1), "no failure, so no record twice");
    drop(tx);
    exporter.await.unwrap();
}

/// SIGKILL one gateway mid-run: the other takes its partitions over from their
/// committed offsets; every record arrives at least once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_killed_mid_run_loses_nothing() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("agents", PARTITIONS, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let dir = tempdir();
    let (a, out_a) = gateway(dir.path(), "a", &brokers);
    let (mut b, out_b) = gateway(dir.path(), "b", &brokers);
    let (tx, exporter) = exporter::<LogBatch>(&format!("brokers: [{brokers}]\nlogs: {{topic: agents}}\n"));
    produce(&tx, 0, 100).await;
    wait_until("both gateways consuming", || !ids_in(&out_a).is_empty() && !ids_in(&out_b).is_empty()).await;
    // Kill while messages keep coming.
    let more = tokio::spawn(async move {
        produce(&tx, 100, 300).await;
        tx
    });
    wait_until("a few more records at a", || ids_in(&out_a).len() >= 200).await;
    a.signal(libc::SIGKILL);
    let tx = more.await.unwrap();
    let total = 300 * PER_MESSAGE;
    wait_until("every record, at least once", || {
        counts(ids_in(&out_a).into_iter().chain(ids_in(&out_b))).len() >= total
    })
    .await;
    b.stop();
    drop(a);
    let all = counts(ids_in(&out_a).into_iter().chain(ids_in(&out_b)));
    assert_eq!(all.len(), total);
    let duplicates: usize = all.values().map(|n| n - 1).sum();
    let written_by_a = ids_in(&out_a).len();
    eprintln!("{duplicates} duplicates of {total} records after SIGKILL; a wrote {written_by_a}");
    // Duplicates are what a delivered but had not committed when killed. They
    // are not asserted: on a loaded machine a misses heartbeats, the group
    // fences it, b re-reads its partitions while a still writes (a zombie
    // member), and then every record a wrote since its last accepted commit
    // comes twice. Alone, this test sees 0 to 150 of 3000.
    assert!(written_by_a > 0);
    drop(tx);
    exporter.await.unwrap();
}
