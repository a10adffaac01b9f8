//! The `otlp` receiver: logs, spans and metrics over OTLP/HTTP (`POST
//! /v1/logs`, `/v1/traces`, `/v1/metrics`, protobuf or JSON, optionally gzip-,
//! zstd- or zlib-compressed; HTTP/1.1 and HTTP/2) and OTLP/gRPC ([`grpc`]:
//! gzip, zstd, snappy), each plain or over TLS ([`crate::tls_server`]). Auth
//! extensions are not supported.
//!
//! Delivery: ferrocol answers a request only after every exporter has settled
//! its records. 200 (gRPC OK) means delivered; 503 with `Retry-After` means "send it
//! again" (the pipeline was full, or the collector stopped first); 400 means the
//! data was refused for good. That is stronger than otelcol, which answers once
//! the data is queued: a request ferrocol accepted is never lost in a crash.
//! Bodies over `max_request_body_size`, compressed or decompressed, get 413
//! (otelcol answers 400).
//!
//! Shutdown: stop accepting, drop the pipeline senders so the stages drain, and
//! let in-flight requests get their answer, for at most [`server::SHUTDOWN_GRACE`].

mod config;
mod grpc;
mod grpc_config;
mod grpc_raw;
mod handler;
mod pipelines;
mod response;
mod server;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use tracing::warn;

use crate::component::{Factory, ReceiverConfig, ReceiverContext, ReceiverFactory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::signal::Signal;
use pipelines::{Outputs, Pipelines};

pub use config::{HttpServerConfig, OtlpReceiverConfig};

pub static FACTORY: ReceiverFactory = Factory {
    type_name: "otlp",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<OtlpReceiverConfig>(n)?)),
};

impl ReceiverConfig for OtlpReceiverConfig {
    fn validate(&self) -> Vec<FieldError> {
        OtlpReceiverConfig::validate(self)
    }

    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    /// Binds the ports in start mode; the task serves them.
    fn build(&self, cx: ReceiverContext) -> Result<StageTask, StageError> {
        let http = match &self.protocols.http {
            Some(http) => {
                for w in http.warnings() {
                    warn!(component_id = %cx.id, "{w}");
                }
                let settings = handler::Settings {
                    logs_path: http.logs_path(),
                    traces_path: http.traces_path(),
                    metrics_path: http.metrics_path(),
                    max_body_size: http.max_body_size(),
                    encodings: http.decoded_encodings(),
                    response_headers: response_headers(http)?,
                    read_timeout: nonzero(http.read_timeout),
                };
                let tls = match (&http.tls, cx.startup.is_start()) {
                    (Some(tls), true) => {
                        Some(tls.server_config(&[b"h2", b"http/1.1"]).map_err(|e| e.at("protocols::http::tls"))?)
                    }
                    _ => None,
                };
                for w in http.tls.iter().flat_map(|t| t.warnings()) {
                    warn!(component_id = %cx.id, "protocols::http::{w}");
                }
                let opts = crate::http_server::Options {
                    read_header_timeout: nonzero(http.read_header_timeout),
                    keep_alive: http.keep_alives_enabled,
                    grace: server::SHUTDOWN_GRACE,
                    tls,
                };
                let listener = cx.startup.listen(&http.endpoint).map_err(|e| e.at("protocols::http::endpoint"))?;
                Some((listener, settings, opts))
            }
            None => None,
        };
        let grpc = match &self.protocols.grpc {
            Some(grpc) => {
                let mut settings = grpc::Settings::new(grpc);
                if let Some(tls) = grpc.tls.as_ref() {
                    for w in tls.warnings() {
                        warn!(component_id = %cx.id, "protocols::grpc::{w}");
                    }
                    if cx.startup.is_start() {
                        settings.tls = Some(tls.server_config(&[b"h2"]).map_err(|e| e.at("protocols::grpc::tls"))?);
                    }
                }
                let listener = cx.startup.listen(&grpc.endpoint).map_err(|e| e.at("protocols::grpc::endpoint"))?;
                Some((listener, settings))
            }
            None => None,
        };
        let ReceiverContext { output, traces, metrics, shutdown, .. } = cx;
        let pipelines = Arc::new(Pipelines::new(Outputs { logs: output, traces, metrics }));
        Ok(Box::pin(async move {
            let http = match http {
                Some((listener, settings, opts)) => {
                    let handler = Arc::new(handler::Handler::new(settings, pipelines.clone()));
                    Some(server::serve(listener.into_tokio()?, handler, opts, shutdown.clone()))
                }
                None => None,
            };
            let grpc = match grpc {
                Some((listener, settings)) => {
                    Some(grpc::serve(listener.into_tokio()?, pipelines.clone(), settings, shutdown.clone()))
                }
                None => None,
            };
            // Requests already handed to the pipelines wait for their acks, which
            // the stages downstream settle as they drain; they drain only once
            // every sender is gone, so drop ours when shutdown begins rather than
            // when the last connection closes.
            let close = async {
                shutdown.cancelled().await;
                pipelines.close();
            };
            tokio::join!(close, optional(http), optional(grpc));
            Ok(())
        }))
    }
}

/// Run `f` if there is one.
async fn optional(f: Option<impl std::future::Future<Output = ()>>) {
    if let Some(f) = f {
        f.await
    }
}

fn nonzero(d: crate::config::Duration) -> Option<std::time::Duration> {
    (!d.is_zero()).then_some(d.0)
}

fn response_headers(http: &HttpServerConfig) -> Result<HeaderMap, StageError> {
    let mut headers = HeaderMap::new();
    for (name, value) in &http.response_headers {
        let bad = || StageError::new(format!("protocols::http::response_headers: invalid header {name:?}"));
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        headers.insert(name, HeaderValue::from_str(value).map_err(|_| bad())?);
    }
    Ok(headers)
}
