//! Benchmark of the otlp (gRPC) exporter: records per CPU-second, uncompressed,
//! gzip and zstd, into a loopback gRPC sink that does not decode.
//!
//! ```sh
//! cargo run --release --example otlp_grpc_bench -- [--records N] [--batch N]
//! ```
//!
//! A producer thread clones a template batch of SSH-login records into the
//! exporter's input; the exporter, built from YAML through the registry, runs
//! on a single-threaded tokio runtime; the sink, on its own thread, is a plain
//! HTTP/2 server that reads each call's bytes and answers an empty
//! `ExportLogsServiceResponse` with `grpc-status: 0`. The exporter's CPU time is
//! the process's minus the producer's and the sink's.

use std::sync::atomic::Ordering;
use std::time::Duration;

use bench_common::{arg, drive, grpc_ok, start_sink, template};
use ferrocol::otlp::json::ExportLogsServiceRequest;
use prost::Message as _;

#[path = "bench_common/mod.rs"]
mod bench_common;

fn main() {
    let records = arg("--records", 1_000_000);
    let batch = arg("--batch", 8192);
    let records = records / batch * batch;
    let (sink, sink_bytes, sink_cpu) = start_sink(true, grpc_ok);
    let per_record = ExportLogsServiceRequest { resource_logs: template(batch) }.encoded_len() as f64 / batch as f64;
    println!(
        "otlp (gRPC) exporter: {records} records in batches of {batch}; {per_record:.0} B/record protobuf; {} CPUs",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!(
        "{:<11} {:>10} {:>10} {:>14} {:>19} {:>22}",
        "compression", "records/s", "MB/s wire", "CPU µs/record", "records/CPU-second", "(producer, sink µs/rec)"
    );
    for compression in ["none", "gzip", "zstd"] {
        let yaml = format!("endpoint: {sink}\ntls: {{insecure: true}}\ncompression: {compression}\n");
        let bytes_before = sink_bytes.load(Ordering::Relaxed);
        let sink_before = sink_cpu.load(Ordering::Relaxed);
        let d = drive("otlp", &yaml, records, batch);
        let sink_used = Duration::from_nanos(sink_cpu.load(Ordering::Relaxed) - sink_before);
        let exporter_cpu = d.process_cpu.saturating_sub(sink_used).saturating_sub(d.producer_cpu);
        let secs = d.wall.as_secs_f64();
        let cpu_us = exporter_cpu.as_secs_f64() * 1e6 / records as f64;
        println!(
            "{:<11} {:>10.0} {:>10.1} {:>14.2} {:>19.0} {:>11.2}, {:.2}",
            compression,
            records as f64 / secs,
            (sink_bytes.load(Ordering::Relaxed) - bytes_before) as f64 / secs / 1e6,
            cpu_us,
            1e6 / cpu_us,
            d.producer_cpu.as_secs_f64() * 1e6 / records as f64,
            sink_used.as_secs_f64() * 1e6 / records as f64,
        );
    }
}
