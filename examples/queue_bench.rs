//! Benchmark of the persistent sending queue against the in-memory one: the
//! otlp_http exporter (protobuf, no compression) into a local sink, the same
//! batches once with `sending_queue` in memory and once with
//! `sending_queue.storage` on a `file_storage` directory, alternating.
//!
//! ```sh
//! cargo run --release --example queue_bench -- [--records N] [--batch N] [--rounds N] [--dir PATH]
//! ```
//!
//! Each batch is acknowledged by the exporter (as a receiver would be) and the
//! run ends once every batch is delivered, so the persistent run pays for
//! every write (fsynced), read-back and delete.

use std::time::{Duration, Instant};

use bench_common::{arg, produce, start_sink, template};
use bytes::Bytes;
use ferrocol::ack::Outcome;
use ferrocol::component::{ExporterContext, ExtensionContext, StorageRegistry};
use ferrocol::config::ComponentId;
use ferrocol::event::LogBatch;
use ferrocol::registry::Registry;
use http_body_util::Full;
use hyper::Response;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

#[path = "bench_common/mod.rs"]
mod bench_common;

/// The `file_storage` extension on `dir`, as ferrocol builds it.
fn storage(dir: &str) -> StorageRegistry {
    let registry = Registry::builtin();
    let factory = registry.extensions.iter().find(|f| f.accepts("file_storage")).unwrap();
    let node = ferrocol::config::yaml::parse("bench.yaml", &format!("directory: {dir}\n")).unwrap();
    let config = (factory.parse)(&node).unwrap();
    let id = ComponentId::new("file_storage", Some("q"));
    let cx = ExtensionContext::new(id.clone(), watch::channel(true).1, CancellationToken::new());
    let built = config.build(cx).unwrap();
    let mut reg = StorageRegistry::default();
    reg.0.insert(id, built.storage.unwrap());
    reg
}

/// Time to deliver `batches` batches through an exporter built from `yaml`.
fn run(yaml: &str, storage: StorageRegistry, batches: usize, batch: usize) -> Duration {
    let registry = Registry::builtin();
    let factory = registry.exporters.iter().find(|f| f.accepts("otlp_http")).unwrap();
    let config = (factory.parse)(&ferrocol::config::yaml::parse("bench.yaml", yaml).unwrap()).unwrap();
    let (tx, input) = mpsc::channel::<LogBatch>(16);
    let producer = produce(tx, batches, batch);
    let start = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let mut cx = ExporterContext::new(ComponentId::new("otlp_http", None), input);
        cx.storage = storage;
        config.build(cx).unwrap().await.unwrap();
        for w in producer.join().unwrap().0 {
            assert_eq!(w.wait().await, Outcome::Delivered);
        }
    });
    start.elapsed()
}

fn main() {
    let records = arg("--records", 400_000);
    let batch = arg("--batch", 8192);
    let rounds = arg("--rounds", 3);
    let args: Vec<String> = std::env::args().collect();
    let dir = args.iter().position(|a| a == "--dir").and_then(|i| args.get(i + 1)).cloned();
    let dir = dir.unwrap_or_else(|| std::env::temp_dir().join("ferrocol-queue-bench").display().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let batches = records / batch;
    let (sink, _, _) = start_sink(false, || Response::new(Full::new(Bytes::new())));
    let base = format!("endpoint: http://{sink}\nencoding: proto\ncompression: none\n");
    let persistent = format!("{base}sending_queue: {{storage: file_storage/q}}\n");
    let mb = {
        let t = template(batch);
        t.iter().map(prost::Message::encoded_len).sum::<usize>() as f64 * batches as f64 / 1e6
    };
    println!("{batches} batches of {batch} records ({mb:.0} MB protobuf); storage in {dir}");
    let (mut memory, mut disk) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        memory.push(run(&base, StorageRegistry::default(), batches, batch));
        disk.push(run(&persistent, storage(&dir), batches, batch));
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (m, d) = (median(&mut memory), median(&mut disk));
    println!("in memory:  {:.2} s, {:.0} MB/s (median of {rounds})", m.as_secs_f64(), mb / m.as_secs_f64());
    println!("persistent: {:.2} s, {:.0} MB/s (median of {rounds})", d.as_secs_f64(), mb / d.as_secs_f64());
    println!("persistent / in memory: {:.2}x the time", d.as_secs_f64() / m.as_secs_f64());
}
