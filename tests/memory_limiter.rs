//! memory_limiter end to end: filelog reads a large file into a pipeline whose
//! otlphttp exporter talks to a deliberately slow sink. Without a limit the
//! exporter's queue, sized as otelcol sizes it (1,000 requests, not ferrocol's
//! default byte bound), would take the whole file into memory; with
//! `limit_mib` the process's resident set stays under the limit, the limiter
//! reports that it held data, and every record arrives exactly once.

use std::collections::HashSet;
use std::io::{BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;

use crate::util::{free_port, http_request, read_request_body, tempdir, write, Running};

const RECORDS: usize = 150_000;
/// A debug build idles at about 40 MiB; without the limiter this test peaks near 160 MiB.
const LIMIT_MIB: u64 = 100;

/// An OTLP/HTTP sink that answers each request after `delay`, recording the bodies it received.
fn slow_sink(delay: Duration) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let seen = seen.clone();
            std::thread::spawn(move || serve(conn, delay, &seen));
        }
    });
    (port, bodies)
}

/// HTTP/1.1 keep-alive: read a request with a Content-Length body, wait, answer 200.
fn serve(conn: std::net::TcpStream, delay: Duration, seen: &Mutex<Vec<String>>) {
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    while let Some(body) = read_request_body(&mut reader) {
        let req = ExportLogsServiceRequest::decode(body.as_slice()).unwrap();
        std::thread::sleep(delay);
        let mut bodies: Vec<String> = req
            .resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .map(|r| match r.body.as_ref().and_then(|b| b.value.as_ref()) {
                Some(Value::StringValue(s)) => s.clone(),
                other => panic!("unexpected body {other:?}"),
            })
            .collect();
        seen.lock().unwrap().append(&mut bodies);
        let reply = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn rss_bytes(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64)
}

fn metric(port: u16, series: &str) -> Option<u64> {
    let (_, _, body) = http_request(port, "GET", "/metrics", &[], b"").ok()?;
    let text = String::from_utf8(body).ok()?;
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn slow_exporter_small_limit_stays_under_it_and_loses_nothing() {
    let dir = tempdir();
    let pad = "x".repeat(300);
    let mut log = String::with_capacity(RECORDS * 320);
    for i in 0..RECORDS {
        log.push_str(&format!("record-{i:07} {pad}\n"));
    }
    let file = write(dir.path(), "big.log", &log);
    drop(log);
    let (sink, bodies) = slow_sink(Duration::from_millis(100));
    let metrics = free_port();
    let config = write(
        dir.path(),
        "config.yaml",
        &format!(
            "receivers: {{filelog: {{include: [{file}], start_at: beginning}}}}\n\
             processors:\n  memory_limiter: {{check_interval: 50ms, limit_mib: {LIMIT_MIB}, spike_limit_mib: 30}}\n  \
             batch: {{send_batch_size: 2000, send_batch_max_size: 2000}}\n\
             exporters:\n  otlphttp: {{endpoint: 'http://127.0.0.1:{sink}', compression: none, sending_queue: {{num_consumers: 1, queue_size: 1000}}}}\n\
             service:\n  pipelines: {{logs: {{receivers: [filelog], processors: [memory_limiter, batch], exporters: [otlphttp]}}}}\n  \
             telemetry: {{metrics: {{readers: [{{pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {metrics}}}}}}}}}]}}}}\n"
        ),
    );
    let mut running = Running::start(&["--config", &config]);
    let pid = running.child.id();
    let start = Instant::now();
    let mut peak = 0;
    while bodies.lock().unwrap().len() < RECORDS {
        assert!(start.elapsed() < Duration::from_secs(240), "only {} records arrived", bodies.lock().unwrap().len());
        if let Some(rss) = rss_bytes(pid) {
            peak = peak.max(rss);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let held = metric(metrics, "otelcol_processor_refused_log_records_total{processor=\"memory_limiter\"}");
    running.signal(libc::SIGTERM);
    assert_eq!(running.wait_exit(Duration::from_secs(20)), 0, "{}", running.stderr());

    assert!(peak < LIMIT_MIB << 20, "peak RSS {} MiB over the {LIMIT_MIB} MiB limit", peak >> 20);
    assert!(held.unwrap_or(0) > 0, "the limiter never held data (peak RSS {} MiB)", peak >> 20);
    let bodies = bodies.lock().unwrap();
    let unique: HashSet<&str> = bodies.iter().map(|b| &b[..14]).collect();
    assert_eq!(bodies.len(), RECORDS, "records arrived more than once");
    assert_eq!(unique.len(), RECORDS);
    eprintln!("peak RSS {} MiB; {} records held; each record arrived once", peak >> 20, held.unwrap_or(0));
}
