//! The otlp receiver's HTTP side: the shared server loop ([`crate::http_server`])
//! with this receiver's handler, and the pipeline senders dropped as soon as
//! shutdown begins.

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

/// Serve until `shutdown` fires, then drain. Returns once every connection is
/// closed; the handler (and with it the pipeline senders) is dropped by then.
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
    // Requests already handed to the pipeline wait for their acks, which the
    // stages downstream settle as they drain; they drain only once every sender
    // is gone, so drop ours when shutdown begins rather than when the last
    // connection closes. Requests still reading their body then answer 503.
    let close = async {
        shutdown.cancelled().await;
        handler.close_output();
    };
    tokio::join!(http_server::serve(listener, service, opts, shutdown.clone()), close);
}
