//! Benchmark of the otlp_http exporter: records/s, MB/s and CPU per record, for
//! protobuf and JSON, with and without gzip (and zstd), into a local sink.
//!
//! ```sh
//! cargo run --release --example otlphttp_bench -- [--records N] [--batch N] [--only proto:none,json:gzip]
//! ```
//!
//! Three parts run side by side, each measured on its own:
//! - a producer thread clones a template batch of realistic SSH-login records
//!   into the exporter's input channel;
//! - the exporter, built from YAML through the registry as ferrocol builds it,
//!   on a single-threaded tokio runtime (encoding of large batches goes to
//!   tokio's blocking pool);
//! - a sink: a hyper HTTP/1.1 server on its own thread that reads and discards
//!   the bodies and answers 200.
//!
//! The exporter's CPU time is the process's minus the producer's and the
//! sink's threads, wherever it ran; "records per CPU-second" is the rate one
//! core would sustain.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bench_common::{arg, drive, start_sink, template};
use bytes::Bytes;
use ferrocol::otlp::json::{encode_logs_request, ExportLogsServiceRequest};
use http_body_util::Full;
use hyper::Response;
use prost::Message as _;

#[path = "bench_common/mod.rs"]
mod bench_common;

struct Run {
    encoding: &'static str,
    /// `gzip` or `gzip/1` (with `compression_params.level`).
    compression: &'static str,
}

struct Figures {
    wall: Duration,
    exporter_cpu: Duration,
    producer_cpu: Duration,
    sink_cpu: Duration,
    wire_bytes: u64,
}

fn run_one(
    run: &Run,
    sink: SocketAddr,
    sink_bytes: &AtomicU64,
    sink_cpu: &AtomicU64,
    records: usize,
    batch: usize,
) -> Figures {
    let (compression, level) = run.compression.split_once('/').unwrap_or((run.compression, "0"));
    let yaml = format!(
        "endpoint: http://{sink}\nencoding: {}\ncompression: {compression}\ncompression_params: {{level: {level}}}\n",
        run.encoding
    );
    let bytes_before = sink_bytes.load(Ordering::Relaxed);
    let sink_cpu_before = sink_cpu.load(Ordering::Relaxed);
    let d = drive("otlp_http", &yaml, records, batch);
    let sink_used = Duration::from_nanos(sink_cpu.load(Ordering::Relaxed) - sink_cpu_before);
    Figures {
        wall: d.wall,
        exporter_cpu: d.process_cpu.saturating_sub(sink_used).saturating_sub(d.producer_cpu),
        producer_cpu: d.producer_cpu,
        sink_cpu: sink_used,
        wire_bytes: sink_bytes.load(Ordering::Relaxed) - bytes_before,
    }
}

fn main() {
    let records = arg("--records", 1_000_000);
    let batch = arg("--batch", 8192);
    let records = records / batch * batch;
    let (sink, sink_bytes, sink_cpu) = start_sink(false, || Response::new(Full::new(Bytes::new())));
    let sample = template(batch);
    let proto_per_record =
        ExportLogsServiceRequest { resource_logs: sample.clone() }.encoded_len() as f64 / batch as f64;
    let json_per_record = encode_logs_request(&sample).len() as f64 / batch as f64;
    println!(
        "otlp_http exporter: {records} records in batches of {batch}; {proto_per_record:.0} B/record protobuf, \
         {json_per_record:.0} B/record JSON (before compression); {} CPUs",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!(
        "{:<6} {:<11} {:>10} {:>13} {:>10} {:>14} {:>19} {:>22}",
        "enc",
        "compression",
        "records/s",
        "MB/s encoded",
        "MB/s wire",
        "CPU µs/record",
        "records/CPU-second",
        "(producer, sink µs/rec)"
    );
    let runs = [
        Run { encoding: "proto", compression: "none" },
        Run { encoding: "proto", compression: "gzip" },
        Run { encoding: "proto", compression: "gzip/1" },
        Run { encoding: "proto", compression: "zstd" },
        Run { encoding: "json", compression: "none" },
        Run { encoding: "json", compression: "gzip" },
        Run { encoding: "json", compression: "zstd" },
    ];
    // `--only proto:none,json:gzip` picks runs.
    let args: Vec<String> = std::env::args().collect();
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let picked =
        |r: &Run| only.as_ref().is_none_or(|o| o.split(',').any(|x| x == format!("{}:{}", r.encoding, r.compression)));
    for run in runs.iter().filter(|r| picked(r)) {
        let f = run_one(run, sink, &sink_bytes, &sink_cpu, records, batch);
        let per_record = if run.encoding == "proto" { proto_per_record } else { json_per_record };
        let secs = f.wall.as_secs_f64();
        let cpu_us = f.exporter_cpu.as_secs_f64() * 1e6 / records as f64;
        println!(
            "{:<6} {:<11} {:>10.0} {:>13.1} {:>10.1} {:>14.2} {:>19.0} {:>11.2}, {:.2}",
            run.encoding,
            run.compression,
            records as f64 / secs,
            records as f64 * per_record / secs / 1e6,
            f.wire_bytes as f64 / secs / 1e6,
            cpu_us,
            1e6 / cpu_us,
            f.producer_cpu.as_secs_f64() * 1e6 / records as f64,
            f.sink_cpu.as_secs_f64() * 1e6 / records as f64,
        );
    }
}
