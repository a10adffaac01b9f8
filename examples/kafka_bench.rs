//! Benchmark of the kafka exporter and receiver: records per CPU-second through
//! exporter → librdkafka's mock cluster → receiver, all in this process.
//!
//! ```sh
//! cargo run --release --example kafka_bench -- [--records N] [--batch N] [--window N] [--encoding otlp_proto|otlp_json]
//! ```
//!
//! One untimed batch goes through first, so the receiver is in its group and
//! reading before the run: the group's first assignment waits for the mock's
//! initial rebalance delay (3 s), and the mock cluster keeps at most 5 MB per
//! partition, dropping the oldest messages past it. Without the warm-up, a
//! producer without a window wrote past that before the group read anything,
//! and the group started at the earliest offset left (issue 17's "stall": no
//! record was lost by the receiver).
//!
//! `--window` (10,000 by default) bounds the records produced and not yet
//! received, so that the consumer never falls 5 MB behind: past it, its
//! position falls off the log and is reset (the receiver counts and logs
//! that). `--window 0` (unbounded) stays within the logs up to about 50,000
//! records; from about 100,000 the consumer can fall behind and resets show.
//!
//! The exporter and the receiver are built from YAML through the registry as
//! ferrocol builds them; a consumer task settles every batch the receiver
//! hands over (so offsets are committed as in production). The CPU time is
//! the whole process's: exporter, receiver, librdkafka's threads on both
//! sides and the mock broker itself, so the figure is a floor for the two
//! components.

use std::time::Instant;

use bench_common::{arg, process_cpu, template};
use ferrocol::ack::{Ack, Acks};
use ferrocol::component::{ExporterContext, ReceiverContext};
use ferrocol::config::yaml::parse;
use ferrocol::config::ComponentId;
use ferrocol::event::LogBatch;
use ferrocol::registry::Registry;
use ferrocol::topology::Fanout;
use rdkafka::mocking::MockCluster;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[path = "bench_common/mod.rs"]
mod bench_common;

fn main() {
    tracing_subscriber::fmt().with_env_filter("warn").with_writer(std::io::stderr).init();
    let records = arg("--records", 500_000);
    let batch = arg("--batch", 500);
    let window = match arg("--window", 10_000) {
        0 => tokio::sync::Semaphore::MAX_PERMITS,
        w => w.max(batch),
    };
    let args: Vec<String> = std::env::args().collect();
    let encoding = args.iter().position(|a| a == "--encoding").and_then(|i| args.get(i + 1)).cloned();
    let encoding = encoding.unwrap_or_else(|| "otlp_proto".into());
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("bench", 4, 1).unwrap();
    let brokers = mock.bootstrap_servers();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let registry = Registry::builtin();
    let exporter = registry.exporters.iter().find(|f| f.type_name == "kafka").unwrap();
    let receiver = registry.receivers.iter().find(|f| f.type_name == "kafka").unwrap();
    let yaml = format!(
        "brokers: [{brokers}]\nlogs: {{topic: bench, encoding: {encoding}}}\nproducer: {{compression: none}}\n"
    );
    let exporter = (exporter.parse)(&parse("e.yaml", &yaml).unwrap()).unwrap();
    let yaml =
        format!("brokers: [{brokers}]\ninitial_offset: earliest\nlogs: {{topics: [bench], encoding: {encoding}}}\nmax_fetch_size: 52428800\nmax_partition_fetch_size: 52428800\n");
    let receiver = (receiver.parse)(&parse("r.yaml", &yaml).unwrap()).unwrap();
    let (cpu, wall) = rt.block_on(async {
        let (tx, rx) = mpsc::channel(64);
        let export = tokio::spawn(exporter.build(ExporterContext::new(ComponentId::new("kafka", None), rx)).unwrap());
        let (out_tx, mut out_rx) = mpsc::channel::<LogBatch>(64);
        let stop = CancellationToken::new();
        let cx = ReceiverContext::new(ComponentId::new("kafka", None), Fanout::new(vec![out_tx]), stop.clone());
        let receive = tokio::spawn(receiver.build(cx).unwrap());
        let data = template(batch);
        // Warm-up, not timed: one batch through, so the receiver is in the
        // group and reading. Its first assignment waits for the mock's
        // initial rebalance delay (3 s, as Kafka's group.initial.rebalance.delay.ms);
        // a producer without a window writes past the mock's 5 MB per
        // partition meanwhile, and the group then starts at the earliest
        // offset left (no reset: those records were deleted before it read).
        let (ack, waiter) = Ack::new();
        tx.send(LogBatch::new(data.clone(), Acks::one(ack))).await.unwrap();
        let first = out_rx.recv().await.unwrap();
        first.acks.deliver();
        assert_eq!(waiter.wait().await, ferrocol::ack::Outcome::Delivered);
        let (cpu0, wall0) = (process_cpu(), Instant::now());
        let acked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let acked2 = acked.clone();
        let room = std::sync::Arc::new(tokio::sync::Semaphore::new(window));
        let room2 = room.clone();
        let produce = tokio::spawn(async move {
            let mut waiters = Vec::new();
            for _ in 0..records / batch {
                room2.acquire_many(batch as u32).await.unwrap().forget();
                let (ack, waiter) = Ack::new();
                tx.send(LogBatch::new(data.clone(), Acks::one(ack))).await.unwrap();
                let a = acked2.clone();
                waiters.push(tokio::spawn(async move {
                    let o = waiter.wait().await;
                    a.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    o
                }));
            }
            for w in waiters {
                assert_eq!(w.await.unwrap(), ferrocol::ack::Outcome::Delivered);
            }
        });
        let mut got = 0;
        while got < records / batch * batch {
            let Ok(b) = tokio::time::timeout(std::time::Duration::from_secs(10), out_rx.recv()).await else {
                let mut resets = 0;
                ferrocol::metrics::each("ferrocol_receiver_kafka_offset_resets_total", |_, n| resets += n);
                let deleted = deleted_before_read(&brokers);
                panic!(
                    "stalled: {got} records received, {} batches acked by the exporter, {resets} offset resets, \
                     the logs start {deleted} messages in (the mock keeps 5 MB per partition)",
                    acked.load(std::sync::atomic::Ordering::Relaxed)
                );
            };
            let b = b.unwrap();
            got += b.record_count();
            room.add_permits(b.record_count());
            b.acks.deliver();
        }
        produce.await.unwrap();
        let (cpu, wall) = (process_cpu() - cpu0, wall0.elapsed());
        stop.cancel();
        receive.await.unwrap().unwrap();
        export.await.unwrap().unwrap();
        (cpu, wall)
    });
    let n = records / batch * batch;
    println!(
        "{n} records ({encoding}, batches of {batch}): {:.0} records per CPU-second, {:.0} records/s wall, CPU {:.2}s, wall {:.2}s",
        n as f64 / cpu.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        cpu.as_secs_f64(),
        wall.as_secs_f64()
    );
}

/// Messages the mock cluster dropped from the bench topic's logs (the low
/// watermarks: it keeps at most 5 MB per partition).
fn deleted_before_read(brokers: &str) -> i64 {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let probe: BaseConsumer = rdkafka::ClientConfig::new().set("bootstrap.servers", brokers).create().unwrap();
    let low = |p| probe.fetch_watermarks("bench", p, std::time::Duration::from_secs(5)).map_or(0, |(low, _)| low);
    (0..4).map(low).sum()
}
