//! Benchmark of a whole ferrocol: OTLP/gRPC in → `batch` → OTLP/gRPC out,
//! spans and log records per CPU-second of the ferrocol process.
//!
//! ```sh
//! cargo build --release && cargo run --release --example otlp_pipeline_bench -- [--items N] [--per-request N] [--concurrency N]
//! ```
//!
//! The release binary (next to this example's directory) runs with an otlp
//! gRPC receiver, the `batch` processor and the `otlp` exporter (no
//! compression, then gzip) into a loopback sink (a plain HTTP/2 server that
//! reads each call and answers OK, on a thread of this process). This process
//! also sends: `--concurrency` unary Export calls at a time, each of
//! `--per-request` items (spans with 8 attributes and an event; the SSH-login
//! log records of the exporter benchmarks). ferrocol answers a call only once
//! its items were delivered downstream, so when the last call returns,
//! everything went through. The figure is the items divided by the CPU time
//! (user + system, from /proc) ferrocol used meanwhile.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bench_common::{arg, grpc_ok, start_sink, template};
use ferrocol::event::{kv, str_value, AnyValue, Resource};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, InstrumentationScope};
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};
use prost::Message as _;

#[path = "bench_common/mod.rs"]
mod bench_common;

fn int(i: i64) -> AnyValue {
    AnyValue { value: Some(any_value::Value::IntValue(i)) }
}

/// A request of `n` server spans of one trace each, as an instrumented HTTP service makes them.
fn spans_request(n: usize, round: u64) -> ExportTraceServiceRequest {
    let spans = (0..n as u64)
        .map(|i| {
            let id = round * 1_000_000 + i;
            Span {
                trace_id: [id.to_be_bytes(), (!id).to_be_bytes()].concat(),
                span_id: id.to_le_bytes().to_vec(),
                name: "GET /api/v1/users/{id}".into(),
                kind: span::SpanKind::Server as i32,
                start_time_unix_nano: 1_700_000_000_000_000_000 + id * 1000,
                end_time_unix_nano: 1_700_000_000_000_000_000 + id * 1000 + 2_500_000,
                attributes: vec![
                    kv("http.request.method", str_value("GET")),
                    kv("http.route", str_value("/api/v1/users/{id}")),
                    kv("http.response.status_code", int(200)),
                    kv("url.path", str_value(format!("/api/v1/users/{}", id % 10_000))),
                    kv("server.address", str_value("api.internal.example")),
                    kv("client.address", str_value(format!("10.0.{}.{}", id % 250, id % 200))),
                    kv("user_agent.original", str_value("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")),
                    kv("network.protocol.version", str_value("1.1")),
                ],
                events: vec![span::Event {
                    time_unix_nano: 1_700_000_000_000_000_000 + id * 1000 + 1_000_000,
                    name: "cache.miss".into(),
                    attributes: vec![kv("cache.key", str_value(format!("user:{}", id % 10_000)))],
                    dropped_attributes_count: 0,
                }],
                status: Some(Status { message: String::new(), code: 1 }),
                ..Default::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", str_value("users-api")),
                    kv("service.version", str_value("2.14.1")),
                    kv("host.name", str_value("api-7f9c-1")),
                ],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "opentelemetry.instrumentation.http".into(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// User + system CPU time of process `pid`, from /proc.
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // Fields after the command (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as u64;
    Duration::from_nanos(ticks * 1_000_000_000 / hz)
}

/// The value after `name` on the command line.
fn text_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn start_ferrocol(dir: &std::path::Path, port: u16, sink: std::net::SocketAddr, compression: &str) -> Child {
    let exe = std::env::current_exe().unwrap();
    // `--ferrocol PATH` runs another build (for example main's, to compare).
    let bin = match text_arg("--ferrocol") {
        Some(path) => std::path::PathBuf::from(path),
        None => exe.parent().unwrap().parent().unwrap().join("ferrocol"),
    };
    assert!(bin.exists(), "{} is missing: run `cargo build --release` first", bin.display());
    let cfg = dir.join(format!("bench-{compression}.yaml"));
    std::fs::write(
        &cfg,
        format!(
            "receivers: {{otlp: {{protocols: {{grpc: {{endpoint: 127.0.0.1:{port}}}}}}}}}\n\
             processors: {{batch: {{}}}}\n\
             exporters: {{otlp: {{endpoint: '{sink}', tls: {{insecure: true}}, compression: {compression}}}}}\n\
             service:\n  telemetry: {{logs: {{level: warn}}}}\n  pipelines:\n\
             \x20   traces: {{receivers: [otlp], processors: [batch], exporters: [otlp]}}\n\
             \x20   logs: {{receivers: [otlp], processors: [batch], exporters: [otlp]}}\n"
        ),
    )
    .unwrap();
    let child = Command::new(bin).arg("--config").arg(&cfg).stdout(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "ferrocol did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// Send `requests` of `per_request` items, `concurrency` calls at a time; the CPU ferrocol used.
async fn run(
    pid: u32,
    port: u16,
    kind: &str,
    items: usize,
    per_request: usize,
    concurrency: usize,
) -> (Duration, Duration) {
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}")).unwrap().connect().await.unwrap();
    let requests = items / per_request;
    let logs = ExportLogsServiceRequest { resource_logs: template(per_request) };
    let spans: Vec<ExportTraceServiceRequest> = (0..4).map(|r| spans_request(per_request, r)).collect();
    if kind == "spans" {
        println!("  {} B/span protobuf", spans[0].encoded_len() / per_request);
    } else {
        println!("  {} B/record protobuf", logs.encoded_len() / per_request);
    }
    let (cpu_before, start) = (cpu_of(pid), Instant::now());
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let retried = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (channel, next, logs, spans, kind, retried) =
            (channel.clone(), next.clone(), logs.clone(), spans.clone(), kind.to_string(), retried.clone());
        tasks.push(tokio::spawn(async move {
            let mut t = TraceServiceClient::new(channel.clone());
            let mut l = LogsServiceClient::new(channel);
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    return;
                }
                // As an SDK does: UNAVAILABLE (the pipeline full beyond the receiver's waiting room) is retried.
                loop {
                    let answer = match kind.as_str() {
                        "spans" => t.export(spans[i % spans.len()].clone()).await.map(drop),
                        _ => l.export(logs.clone()).await.map(drop),
                    };
                    match answer {
                        Ok(()) => break,
                        Err(s) if s.code() == tonic::Code::Unavailable => {
                            retried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Err(s) => panic!("ferrocol answered {s:?}"),
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let retried = retried.load(std::sync::atomic::Ordering::Relaxed);
    if retried > 0 {
        println!("  {retried} calls answered UNAVAILABLE and retried");
    }
    (start.elapsed(), cpu_of(pid) - cpu_before)
}

fn main() {
    let items = arg("--items", 2_000_000);
    let per_request = arg("--per-request", 512);
    let concurrency = arg("--concurrency", 32);
    let (sink, _, _) = start_sink(true, grpc_ok);
    let dir = tempfile_dir();
    println!(
        "ferrocol: otlp gRPC in → batch → otlp gRPC out; {items} items per run, {per_request} per call, \
         {concurrency} calls at a time; {} CPUs",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!("{:<8} {:<11} {:>12} {:>12} {:>20}", "signal", "compression", "items/s", "CPU s", "items/CPU-second");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    // `--compression none` or `--signal spans` runs only that part.
    let compressions: Vec<String> = text_arg("--compression").map_or(vec!["none".into(), "gzip".into()], |c| vec![c]);
    let kinds: Vec<String> = text_arg("--signal").map_or(vec!["spans".into(), "logs".into()], |k| vec![k]);
    for compression in compressions.iter().map(String::as_str) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = start_ferrocol(&dir, port, sink, compression);
        for kind in kinds.iter().map(String::as_str) {
            let (wall, cpu) = rt.block_on(run(child.id(), port, kind, items, per_request, concurrency));
            let done = (items / per_request * per_request) as f64;
            println!(
                "{kind:<8} {compression:<11} {:>12.0} {:>12.2} {:>20.0}",
                done / wall.as_secs_f64(),
                cpu.as_secs_f64(),
                done / cpu.as_secs_f64()
            );
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrocol-pipeline-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
