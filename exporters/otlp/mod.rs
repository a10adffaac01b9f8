//! The `otlp` exporter: sends batches over OTLP/gRPC (unary `Export` calls of
//! the collector services), gzip- or zstd-compressed, over HTTP/2 with TLS
//! (rustls) unless told otherwise, to one endpoint.
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
//! dialer, metadata, one call), [`status`] (codes, `RetryInfo`); the signal
//! itself is [`logs_request`] and [`LOGS_EXPORT`].

mod client;
mod config;
mod status;

#[cfg(test)]
mod config_tests;

use std::sync::Arc;

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use tracing::warn;

use crate::component::{ExporterConfig, ExporterContext, ExporterFactory, Factory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::event::{count_records, LogBatch, ResourceLogs};
use crate::export::queue::{self, Queue};
use crate::export::retry::{with_retries, Attempt, RetryConfig};
use crate::export::stats::{Names, Stats};

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
    partially_rejected: "ferrocol_otlp_exporter_partial_success_rejected_log_records_total",
    retries: "ferrocol_otlp_exporter_retries_total",
    stopped: "otlp exporter stopped",
};

/// The logs service's method.
pub const LOGS_EXPORT: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// A batch's records as an encoded `ExportLogsServiceRequest`.
pub fn logs_request(logs: &[ResourceLogs]) -> Bytes {
    let sizes = crate::otlp::protobuf::sizes(logs);
    Bytes::from(crate::otlp::protobuf::encode(logs, &sizes))
}

impl ExporterConfig for OtlpExporterConfig {
    fn validate(&self) -> Vec<FieldError> {
        OtlpExporterConfig::validate(self)
    }

    /// Reads the TLS files (start mode) and prepares the channel; connects only when sending.
    fn build(&self, cx: ExporterContext) -> Result<StageTask, StageError> {
        for w in self.warnings() {
            warn!(component_id = %cx.id, "{w}");
        }
        let client = client::Client::new(self, cx.startup.is_start())?;
        let export = Export { client, retry: self.retry_on_failure.clone(), stats: Stats::new(&cx.id, &STATS) };
        let queue = Queue::build(&self.sending_queue, Arc::new(export), &cx)?;
        Ok(Box::pin(queue.run(cx.input)))
    }
}

struct Export {
    client: client::Client,
    retry: RetryConfig,
    stats: Stats,
}

impl Export {
    /// Call until delivered or refused; `Ok` carries the partial success's rejected count.
    async fn send(&self, body: Bytes, records: usize) -> Result<i64, String> {
        let attempt = || async {
            match self.client.call::<ExportLogsServiceResponse>(LOGS_EXPORT, body.clone()).await {
                Ok(response) => Attempt::Done(partial_success(response)),
                Err(status) => match status::verdict(&status, &self.client.endpoint) {
                    Attempt::Done(()) => Attempt::Done(0),
                    Attempt::Permanent(e) => Attempt::Permanent(e),
                    Attempt::Retry { error, delay } => Attempt::Retry { error, delay },
                },
            }
        };
        with_retries(&self.retry, &self.stats.retries, records, attempt).await
    }
}

/// Log a partial success as otelcol does; its rejected count.
fn partial_success(response: ExportLogsServiceResponse) -> i64 {
    match response.partial_success {
        Some(p) if p.rejected_log_records != 0 || !p.error_message.is_empty() => {
            warn!(message = %p.error_message, dropped_log_records = p.rejected_log_records, "Partial success response");
            p.rejected_log_records
        }
        _ => 0,
    }
}

impl queue::Export<LogBatch> for Export {
    fn stats(&self) -> &Stats {
        &self.stats
    }

    async fn export(self: Arc<Self>, batch: LogBatch) {
        let LogBatch { resource_logs, acks } = batch;
        let records = count_records(&resource_logs);
        let body = logs_request(&resource_logs);
        drop(resource_logs);
        let size = body.len();
        match self.send(body, records).await {
            Ok(rejected) => {
                self.stats.delivered(records, size, size, rejected);
                acks.deliver();
            }
            Err(reason) => {
                self.stats.rejected(records, &reason);
                acks.reject();
            }
        }
    }
}
