//! The `ferrocol` binary as gateways: `kafka` receiver → `file` exporter, two
//! of them in one consumer group, against a mock cluster in this process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ferrocol::event::LogBatch;
use ferrocol::otlp::json::decode_logs_request;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::TopicPartitionList;

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

/// Messages of the group's topic committed so far and in its logs (the sums
/// over its partitions of the committed offsets and of the high watermarks),
/// read as an outsider of the group would.
fn committed(reader: &BaseConsumer) -> (i64, i64) {
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition("agents", p);
    }
    let offsets = reader.committed_offsets(tpl, Duration::from_secs(10)).expect("committed offsets");
    let committed = offsets.elements().iter().map(|e| e.offset().to_raw().filter(|o| *o > 0).unwrap_or(0)).sum();
    let high = |p| reader.fetch_watermarks("agents", p, Duration::from_secs(10)).expect("watermarks").1;
    (committed, (0..PARTITIONS).map(high).sum())
}

/// Wait until fewer than `window` messages in the logs are not committed.
async fn wait_committed(reader: &BaseConsumer, window: i64) {
    let start = Instant::now();
    loop {
        let (committed, end) = committed(reader);
        if end - committed < window {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "{committed} of {end} messages committed after 90 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Produce messages `from..to`, never more than `window` of them ahead of
/// what the group committed.
async fn produce_paced(tx: &mpsc::Sender<LogBatch>, reader: &BaseConsumer, from: usize, to: usize, window: i64) {
    for m in from..to {
        wait_committed(reader, window).await;
        delivered(send(tx, LogBatch::sample(m * PER_MESSAGE, PER_MESSAGE)).await).await;
    }
}

/// SIGKILL one gateway mid-run: the other takes its partitions over from their
/// committed offsets; every record arrives at least once, and what arrives
/// twice is what the killed one delivered and had not committed. The producer
/// keeps at most one message per partition uncommitted (as many as there are
/// partitions, spread by the partitioner), so the duplicates of the run after
/// the kill are at most one uncommitted batch per partition: PARTITIONS ×
/// PER_MESSAGE records, whatever the timing (a gateway that reads further back
/// than its committed offsets, or commits before delivering, fails this).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_killed_mid_run_loses_nothing() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("agents", PARTITIONS, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let reader: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "gateways")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let dir = tempdir();
    let (a, out_a) = gateway(dir.path(), "a", &brokers);
    let (mut b, out_b) = gateway(dir.path(), "b", &brokers);
    let (tx, exporter) = exporter::<LogBatch>(&format!("brokers: [{brokers}]\nlogs: {{topic: agents}}\n"));
    let window = PARTITIONS as i64;
    let first = 100;
    produce(&tx, 0, first).await;
    // Both members own partitions: the group's first rebalances are over.
    wait_until("both gateways consuming", || !ids_in(&out_a).is_empty() && !ids_in(&out_b).is_empty()).await;
    wait_committed(&reader, 1).await; // every message committed
    let before = counts(ids_in(&out_a).into_iter().chain(ids_in(&out_b)));
    // Kill while messages keep coming.
    let more = tokio::spawn(async move {
        produce_paced(&tx, &reader, first, 300, window).await;
        tx
    });
    let at_kill = ids_in(&out_a).len() + 100;
    wait_until("a few more records at a", || ids_in(&out_a).len() >= at_kill).await;
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
    assert_eq!(all.len(), total, "every record at least once");
    let twice = |c: &HashMap<usize, usize>| c.values().map(|n| n - 1).sum::<usize>();
    let duplicates = twice(&all) - twice(&before);
    let bound = PARTITIONS as usize * PER_MESSAGE;
    eprintln!("{duplicates} records twice after the kill (bound {bound})");
    assert!(
        duplicates <= bound,
        "{duplicates} records twice after the kill; at most {bound} (one batch per partition)"
    );
    drop(tx);
    exporter.await.unwrap();
}
