//! A loopback OTLP/HTTP logs sink for the benchmarks (`bench/`): it counts the
//! log records of each request without decoding them — a scan of the protobuf
//! tags (ExportLogsServiceRequest → ResourceLogs → ScopeLogs → LogRecord) or of
//! the JSON `logRecords` arrays — after undoing gzip or zstd, and answers 200,
//! optionally after a delay (a slow backend). Requests are served concurrently,
//! so the sink outruns the sender.
//!
//! ```sh
//! cargo run --release --example count_sink -- --expect N [--delay-ms 50] [--addr-file F]
//! ```
//!
//! It prints `listening ADDR` (and writes ADDR to `--addr-file`), and once
//! `--expect` records have arrived, one line and exits:
//! `records=N requests=R bytes=B last=<unix seconds of the last request's arrival>`.

use std::convert::Infallible;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};

#[derive(Default)]
struct Totals {
    records: AtomicU64,
    requests: AtomicU64,
    bytes: AtomicU64,
    /// Nanoseconds since the epoch at the last request's arrival.
    last: AtomicU64,
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let expect: u64 = arg("--expect").map_or(u64::MAX, |v| v.parse().expect("--expect N"));
    let delay = Duration::from_millis(arg("--delay-ms").map_or(0, |v| v.parse().expect("--delay-ms N")));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        println!("listening {addr}");
        if let Some(f) = arg("--addr-file") {
            std::fs::write(&f, addr.to_string()).unwrap();
        }
        let totals = Arc::new(Totals::default());
        let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1);
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let _ = stream.set_nodelay(true);
                let (t, done) = (totals.clone(), done_tx.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req| serve(req, t.clone(), delay, expect, done.clone()));
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        done_rx.recv().await;
    });
}

async fn serve(
    req: Request<hyper::body::Incoming>,
    t: Arc<Totals>,
    delay: Duration,
    expect: u64,
    done: tokio::sync::mpsc::Sender<()>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let encoding = header(&req, "content-encoding");
    let json = header(&req, "content-type").contains("json");
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    let unpacked = match encoding.as_str() {
        "gzip" => {
            // Sized by the trailer's ISIZE (the length mod 2^32, capped), so
            // the body is inflated once into place.
            let inflated = body.len().checked_sub(4).map_or(0, |at| u32::from_le_bytes(body[at..].try_into().unwrap()));
            let mut out = Vec::with_capacity((inflated as usize).min(64 << 20));
            flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out).expect("gzip body");
            Some(out)
        }
        "zstd" => Some(zstd::decode_all(&body[..]).expect("zstd body")),
        _ => None,
    };
    // An uncompressed body is counted where it is, not copied: the sink shares
    // the machine's cores with the sender, so its own work is kept small.
    let plain = unpacked.as_deref().unwrap_or(&body[..]);
    let n = if json { json_records(plain) } else { proto_records(plain) };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    t.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
    let requests = t.requests.fetch_add(1, Ordering::Relaxed) + 1;
    t.last.fetch_max(now, Ordering::Relaxed);
    let total = t.records.fetch_add(n, Ordering::AcqRel) + n;
    if total >= expect && total - n < expect {
        let last = t.last.load(Ordering::Relaxed) as f64 / 1e9;
        let bytes = t.bytes.load(Ordering::Relaxed);
        println!("records={total} requests={requests} bytes={bytes} last={last:.3}");
        let _ = done.try_send(());
    }
    let (ctype, answer) = if json { ("application/json", &b"{}"[..]) } else { ("application/x-protobuf", &b""[..]) };
    Ok(Response::builder().header("content-type", ctype).body(Full::new(Bytes::from_static(answer))).unwrap())
}

fn header(req: &Request<hyper::body::Incoming>, name: &str) -> String {
    req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase()
}

/// Log records in an ExportLogsServiceRequest: field 1 → field 2 → field 2.
fn proto_records(buf: &[u8]) -> u64 {
    fn fields(buf: &[u8], mut each: impl FnMut(u64, &[u8])) {
        let mut at = 0;
        while at < buf.len() {
            let Some(key) = varint(buf, &mut at) else { return };
            let len = match key & 7 {
                0 => varint(buf, &mut at).map(|_| 0),
                1 => Some(8),
                5 => Some(4),
                2 => varint(buf, &mut at),
                _ => None,
            };
            let Some(len) = len.map(|l| l as usize).filter(|l| at + l <= buf.len()) else { return };
            if key & 7 == 2 {
                each(key >> 3, &buf[at..at + len]);
            }
            at += len;
        }
    }
    let mut n = 0;
    fields(buf, |f, rl| {
        if f == 1 {
            fields(rl, |f, sl| {
                if f == 2 {
                    fields(sl, |f, _| n += u64::from(f == 2));
                }
            })
        }
    });
    n
}

fn varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Objects directly inside each `"logRecords": [...]` array; strings skipped
/// (a jump to the next quote or backslash: most bytes are inside strings).
fn json_records(buf: &[u8]) -> u64 {
    let key = b"\"logRecords\"";
    let (mut n, mut at) = (0, 0);
    while let Some(i) = memchr::memmem::find(&buf[at..], key) {
        at += i + key.len();
        let Some(open) = buf[at..].iter().position(|&c| c == b'[') else { break };
        at += open + 1;
        let mut depth = 0usize;
        while at < buf.len() {
            let c = buf[at];
            at += 1;
            match c {
                b'"' => loop {
                    let Some(i) = buf.get(at..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) else {
                        return n;
                    };
                    at += i + 1;
                    if buf[at - 1] == b'"' {
                        break;
                    }
                    at += 1; // the escaped character
                },
                b'{' | b'[' => {
                    n += u64::from(depth == 0 && c == b'{');
                    depth += 1;
                }
                b']' | b'}' if depth == 0 => break,
                b']' | b'}' => depth -= 1,
                _ => {}
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_records_count_objects_of_each_logrecords_array_only() {
        // Braces, brackets, quotes and the key itself inside strings do not count.
        let body = br#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[
            {"body":{"stringValue":"a {\"logRecords\":[{}]} b \\"}},
            {"attributes":[{"key":"k","value":{"stringValue":"]}\\\\"}}]},
            {}
        ]},{"logRecords":[{"body":{"kvlistValue":{"values":[{"key":"x"}]}}}]}]}]}"#;
        assert_eq!(json_records(body), 4);
        assert_eq!(json_records(br#"{"resourceLogs":[]}"#), 0);
        // A body cut inside a string ends the count (of the objects begun)
        // instead of panicking, also right after a backslash.
        assert_eq!(json_records(br#"{"logRecords":[{"body":"abc\"#), 1);
        assert_eq!(json_records(br#"{"logRecords":[{},{"body":"\"#), 2);
    }

    #[test]
    fn proto_records_count_field_2_of_each_scope_logs() {
        // ExportLogsServiceRequest { resource_logs: [{ scope_logs: [{ log_records: [r, r] }] }] }
        let record = [0x12, 0x00]; // field 2, length 0
        let scope = [record, record].concat(); // a ScopeLogs of two records
        let resource = [&[0x12, scope.len() as u8][..], &scope].concat();
        let request = [&[0x0a, resource.len() as u8][..], &resource].concat();
        assert_eq!(proto_records(&request), 2);
    }
}
