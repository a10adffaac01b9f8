//! Serves the metrics registry as Prometheus text on `GET /metrics`, on a
//! listener bound at build time (see [`crate::startup`]).
//!
//! A port that cannot be bound is logged by the build and the collector keeps
//! running: losing self-metrics is not worth stopping log delivery (otelcol
//! would exit instead).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use tokio_util::sync::CancellationToken;
use tracing::info;

use crate::component::{StageError, StageTask};
use crate::http_server;
use crate::startup::Listener;

/// The server task; it stops when `stop` fires.
pub fn serve(listener: Listener, stop: CancellationToken) -> StageTask {
    Box::pin(async move {
        let listener = listener.into_tokio()?;
        if let Ok(addr) = listener.local_addr() {
            info!(endpoint = %addr, "serving self-metrics on /metrics");
        }
        let opts = http_server::Options { keep_alive: true, ..Default::default() };
        http_server::serve(listener, service_fn(answer), opts, stop).await;
        Ok::<(), StageError>(())
    })
}

async fn answer(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, body) = if req.uri().path() == "/metrics" {
        (StatusCode::OK, super::render())
    } else {
        (StatusCode::NOT_FOUND, "404 page not found\n".to_string())
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(hyper::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8".parse().expect("static"));
    Ok(resp)
}
