//! The otlp receiver's HTTP side: the shared server loop ([`crate::http_server`])
//! with this receiver's handler.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::handler::Handler;
use crate::http_server::{self, Options};

/// How long in-flight requests may take to finish once shutdown begins.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serve until `shutdown` fires, then drain. Returns once every connection is closed.
pub async fn serve(listener: TcpListener, handler: Arc<Handler>, opts: Options, shutdown: CancellationToken) {
    if let Ok(addr) = listener.local_addr() {
        info!(endpoint = %addr, "Starting HTTP server");
    }
    let service = {
        let handler = handler.clone();
        service_fn(move |req| {
            let handler = handler.clone();
            async move { Ok::<_, Infallible>(handler.handle(req).await) }
        })
    };
    http_server::serve(listener, service, opts, shutdown).await;
}
