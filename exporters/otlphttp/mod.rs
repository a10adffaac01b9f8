//! The `otlphttp` (alias `otlp_http`) exporter: sends batches of every signal
//! as OTLP/HTTP `Export…ServiceRequest`s (`/v1/logs`, `/v1/traces`,
//! `/v1/metrics` under `endpoint`, or each signal's own URL), protobuf or
//! OTLP/JSON, compressed, over HTTP/1.1 or HTTP/2 (ALPN), with TLS (rustls) and
//! an optional proxy. Built once per signal it is used for, each with its own
//! queue and client.
//!
//! Delivery: a batch's ack is delivered once the server answered 2xx for all of
//! it (a partial success included: logged, not retried), and rejected when a
//! permanent error (any status but 429, 502, 503, 504 by default; a record
//! over `max_request_size` is sent alone, so a 413 for it is one) or retries
//! running out (`max_elapsed_time`; 0 retries for ever) refused part of it. Transient failures are retried with
//! exponential backoff, honouring `Retry-After`.
//!
//! Backpressure: unlike otelcol, a full `sending_queue` blocks by default, so
//! receivers (whose sources are durable) slow down instead of data being
//! dropped; `block_on_overflow: false` restores dropping.
//!
//! Layout: [`config`] (settings), [`client`] and [`proxy`] (HTTP), [`encode`]
//! (bodies, split under `max_request_size`), [`deflate`] (gzip and zlib with a
//! per-thread state), [`sender`]
//! (statuses, retries), [`export`] (one batch, its acks); the queue, retries,
//! TLS settings and counters are shared with `otlp` ([`crate::export`]), and
//! what differs between signals is [`OtlpSignal`].

mod client;
mod config;
mod deflate;
mod encode;
mod export;
mod proxy;
mod sender;
mod validate;

#[cfg(test)]
mod config_tests;

use std::marker::PhantomData;
use std::sync::Arc;

use tracing::warn;

use crate::component::{ExporterConfig, ExporterContext, ExporterFactory, Factory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::event::LogBatch;
use crate::export::queue::Queue;
use crate::export::stats::{Names, Stats};
use crate::otlp::signals::OtlpSignal;
use crate::signal::{MetricBatch, Signal, TraceBatch};

pub use config::OtlpHttpExporterConfig;

pub static FACTORY: ExporterFactory = Factory {
    type_name: "otlphttp",
    aliases: &["otlp_http"],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<OtlpHttpExporterConfig>(n)?)),
};

static STATS: Names = Names {
    requests: "ferrocol_otlphttp_requests_total",
    sent_bytes: ("ferrocol_otlphttp_sent_bytes_total", "Request body bytes sent and accepted, after compression."),
    partially_rejected: [
        "ferrocol_otlphttp_partial_success_rejected_spans_total",
        "ferrocol_otlphttp_partial_success_rejected_metric_points_total",
        "ferrocol_otlphttp_partial_success_rejected_log_records_total",
    ],
    retries: "ferrocol_otlphttp_retries_total",
    stopped: "otlphttp exporter stopped",
};

impl ExporterConfig for OtlpHttpExporterConfig {
    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn validate(&self) -> Vec<FieldError> {
        OtlpHttpExporterConfig::validate(self)
    }

    /// Reads the TLS files (start mode) and prepares the client; connects only when sending.
    fn build(&self, cx: ExporterContext) -> Result<StageTask, StageError> {
        self.start::<LogBatch>(cx)
    }

    fn build_traces(&self, cx: ExporterContext<TraceBatch>) -> Result<StageTask, StageError> {
        self.start(cx)
    }

    fn build_metrics(&self, cx: ExporterContext<MetricBatch>) -> Result<StageTask, StageError> {
        self.start(cx)
    }
}

impl OtlpHttpExporterConfig {
    fn start<B: OtlpSignal>(&self, cx: ExporterContext<B>) -> Result<StageTask, StageError> {
        for w in self.warnings() {
            warn!(component_id = %cx.id, "{w}");
        }
        let client = client::Client::new(self, B::SIGNAL, cx.startup.is_start())?;
        let stats = Stats::new(&cx.id, &STATS, B::SIGNAL);
        let sender = sender::Sender { client, retry: self.retry_on_failure.clone(), stats };
        let export = export::Export::<B> { encoder: encode::Encoder::new(self), sender, signal: PhantomData };
        let queue = Queue::build(&self.sending_queue, Arc::new(export), &cx)?;
        Ok(Box::pin(queue.run(cx.input)))
    }
}
