//! The `otlphttp` (alias `otlp_http`) exporter: sends log batches as OTLP/HTTP
//! `ExportLogsServiceRequest`s, protobuf or spec-exact OTLP/JSON, compressed,
//! over HTTP/1.1 or HTTP/2 (ALPN), with TLS (rustls) and an optional proxy.
//!
//! Delivery: a batch's ack is delivered once the server answered 2xx for all of
//! it (a partial success included: logged, not retried), and rejected when a
//! permanent error (any status but 429, 502, 503, 504 by default), a record too
//! large for `max_request_size` or retries running out (`max_elapsed_time`;
//! 0 retries for ever) refused part of it. Transient failures are retried with
//! exponential backoff, honouring `Retry-After`.
//!
//! Backpressure: unlike otelcol, a full `sending_queue` blocks by default, so
//! receivers (whose sources are durable) slow down instead of data being
//! dropped; `block_on_overflow: false` restores dropping.
//!
//! Layout: [`config`] and [`tls`] (settings), [`client`] and [`proxy`] (HTTP),
//! [`encode`] and [`protobuf`] (bodies, split under `max_request_size`), [`sender`] (retries),
//! [`queue`] (consumers, acks), [`stats`] (counters and metrics).

mod client;
mod config;
mod encode;
mod protobuf;
mod proxy;
mod queue;
mod sender;
mod stats;
mod tls;
mod validate;

#[cfg(test)]
mod config_tests;

use std::sync::Arc;

use tracing::warn;

use crate::component::{ExporterConfig, ExporterContext, ExporterFactory, Factory, Stability, StageError, StageTask};
use crate::config::FieldError;

pub use config::OtlpHttpExporterConfig;

pub static FACTORY: ExporterFactory = Factory {
    type_name: "otlphttp",
    aliases: &["otlp_http"],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<OtlpHttpExporterConfig>(n)?)),
};

impl ExporterConfig for OtlpHttpExporterConfig {
    fn validate(&self) -> Vec<FieldError> {
        OtlpHttpExporterConfig::validate(self)
    }

    /// Reads the TLS files (start mode) and prepares the client; connects only when sending.
    fn build(&self, cx: ExporterContext) -> Result<StageTask, StageError> {
        for w in self.warnings() {
            warn!(component_id = %cx.id, "{w}");
        }
        let client = client::Client::new(self, cx.startup.is_start())?;
        let sender = sender::Sender { client, retry: self.retry_on_failure.clone(), stats: stats::Stats::new(&cx.id) };
        let export = queue::Export { encoder: encode::Encoder::new(self), sender };
        let queue = queue::Queue { config: self.sending_queue.clone(), export: Arc::new(export) };
        Ok(Box::pin(queue.run(cx.input)))
    }
}
