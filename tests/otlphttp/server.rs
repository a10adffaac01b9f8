//! An OTLP/HTTP server for the tests: records every request (body
//! decompressed) and answers from a script (200 with an empty body once the
//! script is used up). Plain text or TLS (HTTP/1.1 and HTTP/2 by ALPN); it can
//! be stopped and started again on the same port to play a server that is down.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::service::service_fn;
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub path: String,
    pub version: Version,
    pub headers: HeaderMap,
    /// Decompressed per `Content-Encoding`.
    pub body: Vec<u8>,
    /// Length on the wire.
    pub wire_len: usize,
    pub at: Instant,
    /// The client certificate's DER, when TLS asked for one.
    pub client_cert: Option<Vec<u8>>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (for timeouts).
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer { status, headers: Vec::new(), body: Vec::new(), delay: Duration::ZERO }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Answer {
        self.headers.push((name, value.into()));
        self
    }

    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Answer {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    pub fn delay(mut self, d: Duration) -> Answer {
        self.delay = d;
        self
    }
}

#[derive(Default)]
struct Shared {
    connections: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Answer>>,
}

pub struct Server {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Plain-text HTTP on a free port of 127.0.0.1.
    pub async fn start() -> Server {
        Self::start_with(None).await
    }

    /// TLS with `acceptor`.
    pub async fn start_tls(acceptor: TlsAcceptor) -> Server {
        Self::start_with(Some(acceptor)).await
    }

    async fn start_with(tls: Option<TlsAcceptor>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut server = Server { addr, shared: Arc::default(), tls, task: None };
        server.task = Some(tokio::spawn(serve(listener, server.shared.clone(), server.tls.clone())));
        server
    }

    /// `http://127.0.0.1:<port>` (or `https://`).
    pub fn base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Queue the next answers.
    pub fn answer(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared.script.lock().unwrap().extend(answers);
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// Close the listener and every connection: the server is down.
    pub async fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listen again on the same port, keeping what was recorded.
    pub async fn restart(&mut self) {
        self.stop().await;
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.task = Some(tokio::spawn(serve(listener, self.shared.clone(), self.tls.clone())));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Accept until aborted; dropping the set closes every connection.
async fn serve(listener: TcpListener, shared: Arc<Shared>, tls: Option<TlsAcceptor>) {
    let mut conns = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let shared = shared.clone();
        let tls = tls.clone();
        conns.spawn(async move {
            let http = auto::Builder::new(TokioExecutor::new());
            match tls {
                None => {
                    let svc = service_fn(move |req| handle(req, shared.clone(), None));
                    let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                }
                Some(acceptor) => {
                    let Ok(stream) = acceptor.accept(stream).await else { return };
                    let cert = stream.get_ref().1.peer_certificates().and_then(|c| c.first()).map(|c| c.to_vec());
                    let svc = service_fn(move |req| handle(req, shared.clone(), cert.clone()));
                    let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                }
            }
        });
        while conns.try_join_next().is_some() {}
    }
}

async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    client_cert: Option<Vec<u8>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let raw = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
    let encoding = parts.headers.get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let answer = shared.script.lock().unwrap().pop_front().unwrap_or_else(|| Answer::status(200));
    shared.requests.lock().unwrap().push(Recorded {
        path: parts.uri.path().to_string(),
        version: parts.version,
        headers: parts.headers,
        body: decompress(&encoding, &raw),
        wire_len: raw.len(),
        at: Instant::now(),
        client_cert,
    });
    tokio::time::sleep(answer.delay).await;
    let mut resp = Response::new(Full::new(Bytes::from(answer.body)));
    *resp.status_mut() = hyper::StatusCode::from_u16(answer.status).unwrap();
    for (name, value) in answer.headers {
        resp.headers_mut().insert(name, value.parse().unwrap());
    }
    Ok(resp)
}

pub fn decompress(encoding: &str, raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "" => out.extend_from_slice(raw),
        "gzip" => {
            flate2::read::GzDecoder::new(raw).read_to_end(&mut out).expect("gzip body");
        }
        "zlib" | "deflate" => {
            flate2::read::ZlibDecoder::new(raw).read_to_end(&mut out).expect("zlib body");
        }
        "zstd" => out = zstd::decode_all(raw).expect("zstd body"),
        other => panic!("unexpected Content-Encoding {other:?}"),
    }
    out
}
