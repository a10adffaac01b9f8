//! The `otlp` exporter: sends batches of every signal over OTLP/gRPC (unary
//! `Export` calls of the collector services: logs, traces, metrics), gzip-,
//! zstd- or snappy-compressed, over HTTP/2 with TLS (rustls) unless told
//! otherwise, to one endpoint. Built once per signal it is used for, each with
//! its own queue and connection.
//!
//! Delivery: a batch's ack is delivered once the server answered OK (a partial
//! success included: logged and counted, not retried), and rejected when a
//! permanent error or retries running out (`max_elapsed_time`; 0 retries for
//! ever) refused it. Retried codes and the `RetryInfo` delay are otelcol's
//! ([`status`]).
//!
//! Backpressure: the shared `sending_queue` ([`crate::export::queue`]) blocks
//! by default, so a server that is down slows receivers instead of losing data.
//!
//! Layout: [`config`] (settings, endpoint forms, checks), [`client`] (channel,
//! dialer, metadata, one call), [`status`] (codes, `RetryInfo`); what differs
//! between signals (method, encoding, partial success) is [`OtlpSignal`].

mod client;
mod config;
mod status;

#[cfg(test)]
mod config_tests;

use std::marker::PhantomData;
use std::sync::Arc;

use bytes::Bytes;
use tracing::warn;

use crate::ack::Acks;
use crate::component::{ExporterConfig, ExporterContext, ExporterFactory, Factory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::event::LogBatch;
use crate::export::queue::{self, Queue};
use crate::export::retry::{with_retries, Attempt, RetryConfig};
use crate::export::stats::{log_partial_success, Names, Stats};
use crate::otlp::signals::OtlpSignal;
use crate::otlp::Encoding;
use crate::signal::{Encoded, MetricBatch, Signal, TraceBatch};

pub use config::OtlpExporterConfig;

pub static FACTORY: ExporterFactory = Factory {
    type_name: "otlp",
    aliases: &["otlp_grpc"],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<OtlpExporterConfig>(n)?)),
};

static STATS: Names = Names {
    requests: "ferrocol_otlp_exporter_requests_total",
    sent_bytes: ("ferrocol_otlp_exporter_sent_bytes_total", "Protobuf bytes of accepted requests, before compression."),
    partially_rejected: [
        "ferrocol_otlp_exporter_partial_success_rejected_spans_total",
        "ferrocol_otlp_exporter_partial_success_rejected_metric_points_total",
        "ferrocol_otlp_exporter_partial_success_rejected_log_records_total",
    ],
    retries: "ferrocol_otlp_exporter_retries_total",
    stopped: "otlp exporter stopped",
};

impl ExporterConfig for OtlpExporterConfig {
    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn validate(&self) -> Vec<FieldError> {
        OtlpExporterConfig::validate(self)
    }

    /// Reads the TLS files (start mode) and prepares the channel; connects only when sending.
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

impl OtlpExporterConfig {
    fn start<B: OtlpSignal>(&self, cx: ExporterContext<B>) -> Result<StageTask, StageError> {
        for w in self.warnings() {
            warn!(component_id = %cx.id, "{w}");
        }
        let client = client::Client::new(self, cx.startup.is_start())?;
        let stats = Stats::new(&cx.id, &STATS, B::SIGNAL);
        let export = Export::<B> { client, retry: self.retry_on_failure.clone(), stats, signal: PhantomData };
        let queue = Queue::build(&self.sending_queue, Arc::new(export), &cx)?;
        Ok(Box::pin(queue.run(cx.input)))
    }
}

struct Export<B> {
    client: client::Client,
    retry: RetryConfig,
    stats: Stats,
    signal: PhantomData<fn() -> B>,
}

impl<B: OtlpSignal> Export<B> {
    /// Call until delivered or refused; `Ok` carries the partial success's rejected count.
    async fn send(&self, body: Bytes, items: usize) -> Result<i64, String> {
        let attempt = || async {
            match self.client.call(B::GRPC_METHOD, body.clone()).await {
                Ok(response) => Attempt::Done(partial_success::<B>(&response)),
                Err(status) => match status::verdict(&status, &self.client.endpoint) {
                    Attempt::Done(()) => Attempt::Done(0),
                    Attempt::Permanent(e) => Attempt::Permanent(e),
                    Attempt::Retry { error, delay } => Attempt::Retry { error, delay },
                },
            }
        };
        with_retries(&self.retry, &self.stats.retries, items, attempt).await
    }
}

/// Log a partial success as otelcol does; its rejected count. An answer that
/// cannot be read is logged too: the server accepted the request.
fn partial_success<B: OtlpSignal>(response: &[u8]) -> i64 {
    match B::partial_success(response, Encoding::Protobuf) {
        Ok((rejected, message)) => log_partial_success(B::SIGNAL, rejected, &message),
        Err(e) => {
            warn!(error = %e, "the server accepted the request but its response is invalid");
            0
        }
    }
}

impl<B: OtlpSignal> queue::Export<B> for Export<B> {
    fn stats(&self) -> &Stats {
        &self.stats
    }

    async fn export(self: Arc<Self>, mut batch: B) {
        let items = batch.item_count();
        // Requests the receiver did not decode go out as they came, after the decoded part.
        let encoded = batch.encoded_mut().map(std::mem::take).unwrap_or_default();
        let (data, acks) = batch.into_parts();
        let mut body = match B::encode_protobuf(&data, usize::MAX) {
            Ok(bytes) => bytes,
            Err(_) => unreachable!("no size limit"),
        };
        drop(data);
        body.reserve(encoded.bytes());
        for chunk in encoded.chunks() {
            body.extend_from_slice(chunk);
        }
        self.deliver(Bytes::from(body), items, acks).await;
    }

    /// The queue's bytes are the request as they are: sent without decoding.
    async fn export_encoded(self: Arc<Self>, body: Encoded, acks: Acks) {
        self.deliver(body.concat(), body.items(), acks).await;
    }
}

impl<B: OtlpSignal> Export<B> {
    /// Send one request body and settle its acks.
    async fn deliver(&self, body: Bytes, items: usize, acks: Acks) {
        let size = body.len();
        match self.send(body, items).await {
            Ok(rejected) => {
                self.stats.delivered(items, size, size, rejected);
                acks.deliver();
            }
            Err(reason) => {
                self.stats.rejected(items, &reason);
                acks.reject();
            }
        }
    }
}
