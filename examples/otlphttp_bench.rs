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

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ferrocol::ack::{Ack, Acks};
use ferrocol::component::ExporterContext;
use ferrocol::config::ComponentId;
use ferrocol::event::*;
use ferrocol::otlp::json::{encode_logs_request, ExportLogsServiceRequest};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::Response;
use hyper_util::rt::TokioIo;
use prost::Message as _;
use tokio::sync::mpsc;

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    cpu_clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time of the whole process.
fn process_cpu() -> Duration {
    cpu_clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn cpu_clock(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec to write to.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One SSH login as the journald and teleport receivers would emit it.
fn record(i: usize) -> LogRecord {
    let int = |v: i64| AnyValue { value: Some(any_value::Value::IntValue(v)) };
    LogRecord {
        time_unix_nano: 1_700_000_000_000_000_000 + i as u64,
        observed_time_unix_nano: 1_700_000_000_000_500_000 + i as u64,
        severity_number: 9,
        severity_text: "INFO".into(),
        body: Some(str_value(format!(
            "Accepted publickey for alice from 203.0.113.{} port {} ssh2: ED25519 SHA256:Xq2b8bV9k7fJm3HcQ1yZ0pRt4uWv6sA5dE8gN2oL1iK",
            i % 255,
            40000 + i % 20000
        ))),
        attributes: vec![
            kv("user.name", str_value("alice")),
            kv("source.address", str_value(format!("203.0.113.{}", i % 255))),
            kv("source.port", int(40000 + (i % 20000) as i64)),
            kv("ssh.auth_method", str_value("publickey")),
            kv("ssh.key_fingerprint", str_value("SHA256:Xq2b8bV9k7fJm3HcQ1yZ0pRt4uWv6sA5dE8gN2oL1iK")),
            kv("process.pid", int(4000 + (i % 1000) as i64)),
            kv("event.name", str_value("ssh.login")),
            kv("event.outcome", str_value("success")),
        ],
        ..Default::default()
    }
}

fn template(batch: usize) -> Vec<ResourceLogs> {
    vec![ResourceLogs {
        resource: Some(Resource {
            attributes: vec![
                kv("host.name", str_value("bastion-1.prod.example")),
                kv("service.name", str_value("sshd")),
                kv("os.type", str_value("linux")),
            ],
            ..Default::default()
        }),
        scope_logs: vec![ScopeLogs {
            scope: Some(InstrumentationScope {
                name: "ferrocol/journald".into(),
                version: "0.1.0".into(),
                ..Default::default()
            }),
            log_records: (0..batch).map(record).collect(),
            ..Default::default()
        }],
        ..Default::default()
    }]
}

/// The sink: its own thread and single-threaded runtime; returns its address,
/// and the counters of bytes received and the thread's CPU time (in ns).
fn start_sink() -> (SocketAddr, Arc<AtomicU64>, Arc<AtomicU64>) {
    let bytes = Arc::new(AtomicU64::new(0));
    let cpu_ns = Arc::new(AtomicU64::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    let (b, c) = (bytes.clone(), cpu_ns.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let cpu = c.clone();
            // Publish this thread's CPU time now and then.
            tokio::spawn(async move {
                loop {
                    cpu.store(thread_cpu().as_nanos() as u64, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            });
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let b = b.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let b = b.clone();
                        async move {
                            let mut body = req.into_body();
                            while let Some(Ok(frame)) = body.frame().await {
                                if let Some(data) = frame.data_ref() {
                                    b.fetch_add(data.len() as u64, Ordering::Relaxed);
                                }
                            }
                            Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
                        }
                    });
                    let _ =
                        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                });
            }
        });
    });
    (rx.recv().unwrap(), bytes, cpu_ns)
}

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
    let node = ferrocol::config::yaml::parse("bench.yaml", &yaml).unwrap();
    let registry = ferrocol::registry::Registry::builtin();
    let factory = registry.exporters.iter().find(|f| f.accepts("otlp_http")).unwrap();
    let config = (factory.parse)(&node).unwrap();
    let batches = records / batch;
    let (tx, input) = mpsc::channel::<LogBatch>(16);

    let producer = std::thread::spawn(move || {
        let template = template(batch);
        let mut waiters = Vec::with_capacity(batches);
        for _ in 0..batches {
            let (ack, waiter) = Ack::new();
            tx.blocking_send(LogBatch::new(template.clone(), Acks::one(ack))).unwrap();
            waiters.push(waiter);
        }
        drop(tx);
        (waiters, thread_cpu())
    });

    let bytes_before = sink_bytes.load(Ordering::Relaxed);
    let sink_cpu_before = sink_cpu.load(Ordering::Relaxed);
    let cpu_before = process_cpu();
    let start = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (waiters, producer_cpu) = rt.block_on(async {
        let id = ComponentId::new("otlp_http", None);
        let task = config.build(ExporterContext::new(id, input)).unwrap();
        task.await.unwrap();
        producer.join().unwrap()
    });
    let wall = start.elapsed();
    // The sink publishes its CPU time every 10ms: let it catch up.
    std::thread::sleep(Duration::from_millis(30));
    let total_cpu = process_cpu() - cpu_before;
    let sink_used = Duration::from_nanos(sink_cpu.load(Ordering::Relaxed) - sink_cpu_before);
    for w in waiters {
        let outcome = rt.block_on(w.wait());
        assert_eq!(outcome, ferrocol::ack::Outcome::Delivered, "every batch must be delivered");
    }
    Figures {
        wall,
        exporter_cpu: total_cpu.saturating_sub(sink_used).saturating_sub(producer_cpu),
        producer_cpu,
        sink_cpu: sink_used,
        wire_bytes: sink_bytes.load(Ordering::Relaxed) - bytes_before,
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let records = arg("--records", 1_000_000);
    let batch = arg("--batch", 8192);
    let records = records / batch * batch;
    let (sink, sink_bytes, sink_cpu) = start_sink();
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
