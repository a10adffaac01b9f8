//! What the exporter benchmarks share (included with `#[path]`): CPU clocks,
//! realistic SSH-login batches, and a run of an exporter built from YAML
//! through the registry, fed by a producer thread, every ack checked, and a
//! loopback sink that reads and discards what it is sent. Each benchmark uses
//! part of it.

#![allow(dead_code)]

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
use http_body_util::BodyExt;
use hyper::body::Body;
use hyper::service::service_fn;
use hyper::Response;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::mpsc;

/// CPU time of the calling thread.
pub fn thread_cpu() -> Duration {
    cpu_clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time of the whole process.
pub fn process_cpu() -> Duration {
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

pub fn template(batch: usize) -> Vec<ResourceLogs> {
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

/// Wall time, process CPU time and the producer's CPU time of one run.
pub struct Drive {
    pub wall: Duration,
    pub process_cpu: Duration,
    pub producer_cpu: Duration,
}

/// A thread sending `batches` copies of the template batch into `tx`; it
/// returns their ack waiters and its CPU time.
pub fn produce(
    tx: mpsc::Sender<LogBatch>,
    batches: usize,
    batch: usize,
) -> std::thread::JoinHandle<(Vec<ferrocol::ack::AckWaiter>, Duration)> {
    std::thread::spawn(move || {
        let template = template(batch);
        let mut waiters = Vec::with_capacity(batches);
        for _ in 0..batches {
            let (ack, waiter) = Ack::new();
            tx.blocking_send(LogBatch::new(template.clone(), Acks::one(ack))).unwrap();
            waiters.push(waiter);
        }
        drop(tx);
        (waiters, thread_cpu())
    })
}

/// Run exporter `type_name` built from `yaml` on a single-threaded runtime until
/// `records` records in batches of `batch` are delivered.
pub fn drive(type_name: &str, yaml: &str, records: usize, batch: usize) -> Drive {
    let node = ferrocol::config::yaml::parse("bench.yaml", yaml).unwrap();
    let registry = ferrocol::registry::Registry::builtin();
    let factory = registry.exporters.iter().find(|f| f.accepts(type_name)).unwrap();
    let config = (factory.parse)(&node).unwrap();
    let batches = records / batch;
    let (tx, input) = mpsc::channel::<LogBatch>(16);
    let producer = produce(tx, batches, batch);

    let cpu_before = process_cpu();
    let start = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let id = ComponentId::new(type_name, None);
    let (waiters, producer_cpu) = rt.block_on(async {
        let task = config.build(ExporterContext::new(id, input)).unwrap();
        task.await.unwrap();
        producer.join().unwrap()
    });
    let wall = start.elapsed();
    // The sinks publish their CPU time every 10ms: let them catch up.
    std::thread::sleep(Duration::from_millis(30));
    let process_cpu = process_cpu() - cpu_before;
    for w in waiters {
        let outcome = rt.block_on(w.wait());
        assert_eq!(outcome, ferrocol::ack::Outcome::Delivered, "every batch must be delivered");
    }
    Drive { wall, process_cpu, producer_cpu }
}

pub fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The sink: its own thread and single-threaded runtime, HTTP/1.1 or HTTP/2
/// (prior knowledge); each request's body is read and counted, then `respond`
/// answers. Returns its address, the bytes received and its thread's CPU time (ns).
pub fn start_sink<B>(http2: bool, respond: fn() -> Response<B>) -> (SocketAddr, Arc<AtomicU64>, Arc<AtomicU64>)
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let bytes = Arc::new(AtomicU64::new(0));
    let cpu_ns = Arc::new(AtomicU64::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    let (b, c) = (bytes.clone(), cpu_ns.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            // Publish this thread's CPU time now and then.
            tokio::spawn(async move {
                loop {
                    c.store(thread_cpu().as_nanos() as u64, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            });
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                stream.set_nodelay(true).unwrap();
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
                            Ok::<_, Infallible>(respond())
                        }
                    });
                    let io = TokioIo::new(stream);
                    let _ = if http2 {
                        hyper::server::conn::http2::Builder::new(TokioExecutor::new()).serve_connection(io, svc).await
                    } else {
                        hyper::server::conn::http1::Builder::new().serve_connection(io, svc).await
                    };
                });
            }
        });
    });
    (rx.recv().unwrap(), bytes, cpu_ns)
}

/// A gRPC answer body: an empty message frame, then `grpc-status: 0`.
pub struct GrpcOk(u8);

impl Body for GrpcOk {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Infallible>>> {
        self.0 += 1;
        std::task::Poll::Ready(match self.0 {
            1 => Some(Ok(hyper::body::Frame::data(Bytes::from_static(&[0, 0, 0, 0, 0])))),
            2 => {
                let mut trailers = hyper::header::HeaderMap::new();
                trailers.insert("grpc-status", hyper::header::HeaderValue::from_static("0"));
                Some(Ok(hyper::body::Frame::trailers(trailers)))
            }
            _ => None,
        })
    }
}

/// A gRPC sink's answer: `application/grpc`, an empty response, status OK.
pub fn grpc_ok() -> Response<GrpcOk> {
    let mut resp = Response::new(GrpcOk(0));
    resp.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/grpc"));
    resp
}
