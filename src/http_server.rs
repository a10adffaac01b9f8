//! The one HTTP server loop behind the otlp receiver, health_check and the
//! self-metrics endpoint: accept on a listener bound at build time (see
//! [`crate::startup`]), serve HTTP/1.1 and h2c (or, with [`Options::tls`],
//! HTTP/1.1 and HTTP/2 over TLS, by ALPN), track every connection task, and
//! shut down gracefully.
//!
//! Shutdown, when `shutdown` fires: stop accepting (the listener is dropped,
//! new connections are refused), ask each open connection to finish the
//! request in progress and close, wait at most [`Options::grace`], then drop
//! what is left. With a zero grace, open connections are dropped at once, as
//! Go's `http.Server.Close` does. Returns only once no connection task is left.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Connection settings.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// HTTP/1 header read timeout; `None` for none.
    pub read_header_timeout: Option<Duration>,
    /// HTTP/1 keep-alive (otelcol's `keep_alives_enabled`).
    pub keep_alive: bool,
    /// How long open connections may take to finish once shutdown begins.
    pub grace: Duration,
    /// Serve TLS with this config; each handshake runs in its connection's task.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// How long a client may take to complete its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve `service` on `listener` until `shutdown` fires, then drain (see the
/// module doc). `service` is cloned for each connection.
pub async fn serve<S, B>(listener: TcpListener, service: S, opts: Options, shutdown: CancellationToken)
where
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1().timer(TokioTimer::new()).header_read_timeout(opts.read_header_timeout).keep_alive(opts.keep_alive);
    let http = Arc::new(http);
    // Connections are told to finish by their own token, so that the loop below
    // can stop accepting first.
    let closing = CancellationToken::new();
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            // Shutdown first, so a flood of connections cannot hold it up.
            biased;
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match opts.tls.clone() {
                    None => {
                        conns.spawn(connection(http.clone(), stream, peer, service.clone(), closing.clone()));
                    }
                    Some(tls) => {
                        let (http, service, closing) = (http.clone(), service.clone(), closing.clone());
                        conns.spawn(async move {
                            let handshake = tokio_rustls::TlsAcceptor::from(tls).accept(stream);
                            let stream = tokio::select! {
                                r = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake) => match r {
                                    Ok(Ok(stream)) => stream,
                                    Ok(Err(e)) => return debug!(%peer, error = %e, "TLS handshake failed"),
                                    Err(_) => return debug!(%peer, "TLS handshake timed out"),
                                },
                                _ = closing.cancelled() => return,
                            };
                            connection(http, stream, peer, service, closing).await
                        });
                    }
                },
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            // Reap finished connections so the set does not grow.
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    closing.cancel();
    if !conns.is_empty() {
        debug!(connections = conns.len(), "waiting for open connections");
    }
    let drained = tokio::time::timeout(opts.grace, async { while conns.join_next().await.is_some() {} });
    if drained.await.is_err() && !opts.grace.is_zero() {
        warn!(connections = conns.len(), grace = ?opts.grace, "open connections did not finish in time; closing them");
    }
    conns.shutdown().await;
}

/// One connection: on `closing` it finishes the request in progress (HTTP/1)
/// or the open streams (HTTP/2) and closes.
async fn connection<I, S, B>(
    http: Arc<auto::Builder<TokioExecutor>>,
    io: I,
    peer: SocketAddr,
    service: S,
    closing: CancellationToken,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: Service<Request<Incoming>, Response = Response<B>, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let conn = http.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = closing.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        debug!(%peer, error = %e, "connection ended with an error");
    }
}
