//! The listener: bind, accept HTTP/1.1 and h2c connections, and shut down
//! gracefully (stop accepting, let in-flight requests finish, within a bound).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::config::split_host_port;
use super::handler::Handler;
use crate::component::StageError;

/// How long in-flight requests may take to finish once shutdown begins.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Connection-level settings.
#[derive(Clone, Debug)]
pub struct ConnSettings {
    pub read_header_timeout: Option<Duration>,
    pub keep_alive: bool,
    pub shutdown_grace: Duration,
}

/// Listen on `endpoint`. Hostnames resolve to IPv4 first (so `localhost` is
/// 127.0.0.1, as in Go); an empty host means every interface.
pub async fn bind(endpoint: &str) -> Result<TcpListener, StageError> {
    let fail = |e: &dyn std::fmt::Display| StageError::new(format!("cannot listen on {endpoint}: {e}"));
    let (host, port) = split_host_port(endpoint).map_err(|e| fail(&e))?;
    let mut addrs: Vec<SocketAddr> = if host.is_empty() {
        vec![SocketAddr::from(([0u16; 8], port)), SocketAddr::from(([0u8; 4], port))]
    } else {
        tokio::net::lookup_host((host, port)).await.map_err(|e| fail(&e))?.collect()
    };
    if !host.is_empty() {
        addrs.sort_by_key(|a| !a.is_ipv4());
    }
    let mut last_error = None;
    for addr in addrs {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(match last_error {
        Some(e) => fail(&e),
        None => fail(&"no address found"),
    })
}

/// Serve until `shutdown` fires, then drain. Returns once every connection is
/// closed; the handler (and with it the pipeline senders) is dropped by then.
pub async fn serve(listener: TcpListener, handler: Arc<Handler>, conn: ConnSettings, shutdown: CancellationToken) {
    if let Ok(addr) = listener.local_addr() {
        info!(endpoint = %addr, "Starting HTTP server");
    }
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1().timer(TokioTimer::new()).header_read_timeout(conn.read_header_timeout).keep_alive(conn.keep_alive);
    let http = Arc::new(http);
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    conns.spawn(serve_conn(http.clone(), stream, peer, handler.clone(), shutdown.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            // Reap finished connections so the set does not grow.
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    // New connections are refused from here on.
    drop(listener);
    // Requests already handed to the pipeline wait for their acks, which the
    // stages downstream settle as they drain; they drain only once every sender
    // is gone, so drop ours now rather than when the last connection closes.
    handler.close_output();
    drop(handler);
    let in_flight = conns.len();
    if in_flight > 0 {
        debug!(connections = in_flight, "waiting for in-flight requests");
    }
    let drained = tokio::time::timeout(conn.shutdown_grace, async { while conns.join_next().await.is_some() {} });
    if drained.await.is_err() {
        warn!(connections = conns.len(), grace = ?conn.shutdown_grace, "in-flight requests did not finish in time; closing them");
        conns.abort_all();
        while conns.join_next().await.is_some() {}
    }
}

/// One connection. On shutdown it finishes the request in progress (HTTP/1) or
/// the open streams (HTTP/2) and closes.
async fn serve_conn(
    http: Arc<auto::Builder<TokioExecutor>>,
    stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<Handler>,
    shutdown: CancellationToken,
) {
    let service = service_fn(move |req| {
        let handler = handler.clone();
        async move { Ok::<_, Infallible>(handler.handle(req).await) }
    });
    let conn = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        debug!(%peer, error = %e, "connection ended with an error");
    }
}
