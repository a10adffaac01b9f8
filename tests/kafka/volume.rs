//! Volume past the mock cluster's log cap: librdkafka's mock broker keeps at
//! most 5 MB per partition and drops the oldest messages past it, so a
//! consumer that falls more than that behind finds its position gone and is
//! reset past the deleted records. The receiver counts and logs every such
//! reset; records produced with the consumer keeping up all arrive.

use std::collections::BTreeSet;

use ferrocol::event::{str_value, LogBatch, ResourceLogs};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::TopicPartitionList;

use super::*;

/// `n` log records with ids `first..`, each with a 300-byte body.
fn padded(first: usize, n: usize) -> Vec<ResourceLogs> {
    let mut data = LogBatch::sample(first, n);
    for r in data.iter_mut().flat_map(|r| &mut r.scope_logs).flat_map(|s| &mut s.log_records) {
        r.body = Some(str_value(format!("{:0>300}", r.time_unix_nano)));
    }
    data
}

fn resets() -> u64 {
    let mut n = 0;
    ferrocol::metrics::each("ferrocol_receiver_kafka_offset_resets_total", |_, v| n += v);
    n
}

fn yaml(brokers: &str, topic: &str) -> (String, String) {
    let exporter = format!("brokers: [{brokers}]\nlogs: {{topic: {topic}}}\nproducer: {{compression: none}}\n");
    let receiver = format!(
        "brokers: [{brokers}]\ngroup_id: {topic}\ninitial_offset: earliest\nlogs: {{topics: [{topic}]}}\n\
         autocommit: {{enable: false}}\nsession_timeout: 6s\nheartbeat_interval: 500ms\n"
    );
    (exporter, receiver)
}

/// 30,000 records (about 10 MB) in one partition while its group's committed
/// offset is at 10: the log no longer starts there, the receiver is reset
/// past the deleted records and says so (counter, error log).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_deleted_before_they_were_read_are_reported() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("lost", 1, 1).unwrap();
    let (exporter_yaml, receiver_yaml) = yaml(&mock.bootstrap_servers(), "lost");
    let (tx, exporter) = exporter::<LogBatch>(&exporter_yaml);
    delivered(send(&tx, padded(0, 10)).await).await;
    let (mut rx, stop, first) = receiver::<LogBatch>(&receiver_yaml);
    assert_eq!(collect(&mut rx, 10).await, (0..10).collect::<Vec<_>>());
    stop.cancel();
    first.await.unwrap(); // commits offset 10
    for i in 0..30 {
        delivered(send(&tx, padded(10 + i * 1000, 1000)).await).await;
    }
    let before = resets();
    let (mut rx, stop, second) = receiver::<LogBatch>(&receiver_yaml);
    // The newest records are in the log: read until the last one.
    let mut ids = BTreeSet::new();
    while !ids.contains(&30_009) {
        ids.extend(collect(&mut rx, 1).await);
    }
    assert!(ids.len() < 20_000, "{} records read: the first ones should have been deleted", ids.len());
    assert!(!ids.contains(&10), "the deleted first record was read");
    assert!(resets() > before, "the reset past deleted records was not counted");
    stop.cancel();
    second.await.unwrap();
    drop(tx);
    exporter.await.unwrap();
}

/// 30,000 records over 4 partitions, the consumer reading while they are
/// produced (at most 3,000 records ahead): every one arrives, none twice
/// (more than the receiver's 1,000 messages in flight pass through).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_thousand_records_arrive_once_when_the_consumer_keeps_up() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("volume", 4, 1).unwrap();
    let (exporter_yaml, receiver_yaml) = yaml(&mock.bootstrap_servers(), "volume");
    let (tx, exporter) = exporter::<LogBatch>(&exporter_yaml);
    let (mut rx, stop, running) = receiver::<LogBatch>(&receiver_yaml);
    let mut ids = Vec::new();
    for i in 0..300 {
        delivered(send(&tx, padded(i * 100, 100)).await).await;
        if i >= 30 {
            ids.extend(collect(&mut rx, ((i - 29) * 100).saturating_sub(ids.len())).await);
        }
    }
    ids.extend(collect(&mut rx, 30_000usize.saturating_sub(ids.len())).await);
    assert_eq!(ids.len(), 30_000);
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), (0..30_000).collect());
    stop.cancel();
    running.await.unwrap();
    drop(tx);
    exporter.await.unwrap();
}

/// Issue 17's stall, as the benchmark met it: a producer without a window
/// starting with the receiver, so most records are written before the group's
/// first assignment (the mock delays it 3 s, as Kafka's
/// group.initial.rebalance.delay.ms). The receiver was suspected of stopping
/// short; it was the mock's 5 MB per partition deleting the first records
/// before the group read anything (its earliest offset then starts after
/// them). Here the records fit the mock's logs, so every one must arrive, once,
/// and the group's committed offsets must reach the end of every partition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_thousand_records_produced_without_a_window_all_arrive() {
    const PARTITIONS: i32 = 4;
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("burst", PARTITIONS, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let (exporter_yaml, receiver_yaml) = yaml(&brokers, "burst");
    let (tx, exporter) = exporter::<LogBatch>(&exporter_yaml);
    let (mut rx, stop, running) = receiver::<LogBatch>(&receiver_yaml);
    let producer = tokio::spawn(async move {
        let mut waiters = Vec::new();
        for i in 0..100 {
            waiters.push(send(&tx, LogBatch::sample(i * 500, 500)).await);
        }
        for w in waiters {
            delivered(w).await;
        }
        tx
    });
    let ids = collect(&mut rx, 50_000).await;
    assert_eq!(ids.len(), 50_000, "no record twice");
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), (0..50_000).collect());
    let tx = producer.await.unwrap();
    stop.cancel();
    running.await.unwrap(); // commits what was delivered
    let probe: BaseConsumer =
        rdkafka::ClientConfig::new().set("bootstrap.servers", &brokers).set("group.id", "burst").create().unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition("burst", p);
    }
    let committed = probe.committed_offsets(tpl, Duration::from_secs(10)).unwrap();
    for e in committed.elements() {
        let (low, high) = probe.fetch_watermarks("burst", e.partition(), Duration::from_secs(10)).unwrap();
        assert_eq!(low, 0, "partition {}: the mock deleted records", e.partition());
        // A partition no record went to has nothing committed (librdkafka's invalid offset).
        let committed = e.offset().to_raw().filter(|o| *o >= 0).unwrap_or(0);
        assert_eq!(committed, high, "partition {}: committed up to its end", e.partition());
    }
    drop(tx);
    exporter.await.unwrap();
}
