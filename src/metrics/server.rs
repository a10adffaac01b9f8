//! Serves the metrics registry as Prometheus text on `GET /metrics`.
//!
//! A port that cannot be bound is logged and the collector keeps running: losing
//! self-metrics is not worth stopping log delivery (otelcol would exit instead).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::component::{StageError, StageTask};

/// The server task; it stops when `stop` fires.
pub fn serve(endpoint: String, stop: CancellationToken) -> StageTask {
    Box::pin(async move {
        let listener = match tokio::net::TcpListener::bind(&endpoint).await {
            Ok(l) => l,
            Err(e) => {
                warn!(%endpoint, error = %e, "cannot serve self-metrics; continuing without them");
                return Ok::<(), StageError>(());
            }
        };
        info!(%endpoint, "serving self-metrics on /metrics");
        loop {
            let (stream, _) = tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(_) => {
                        // Out of file descriptors, say: do not spin.
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(answer);
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
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
