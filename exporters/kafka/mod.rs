//! The `kafka` exporter: each batch of traces, metrics or logs becomes Kafka
//! messages (OTLP protobuf by default, OTLP/JSON, or one message per log body
//! with `raw`), produced through librdkafka to a topic per signal.
//!
//! Delivery: a batch's ack is delivered only once the broker acknowledged
//! every message of it (per `producer::required_acks`); a transient failure
//! retries only the messages not yet acknowledged (`retry_on_failure`), a
//! permanent one (message too large, not authorized) rejects the batch.
//!
//! Backpressure: the shared `sending_queue` ([`crate::export::queue`]) blocks
//! by default, so a broker that is down slows receivers instead of losing data.
//!
//! Layout: [`config`] (settings, checks), [`messages`] (topics, keys, payloads,
//! splitting to `max_message_bytes`), [`producer`] (librdkafka, attempts).

mod config;
mod messages;
mod producer;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use tracing::warn;

use crate::component::{ExporterConfig, ExporterContext, ExporterFactory, Factory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::event::LogBatch;
use crate::export::queue::{self, Queue};
use crate::export::retry::RetryConfig;
use crate::export::stats::{Names, Stats};
use crate::signal::{MetricBatch, Signal, TraceBatch};

pub use config::KafkaExporterConfig;
pub use messages::{Partition, Route, Routing};

pub static FACTORY: ExporterFactory = Factory {
    type_name: "kafka",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<KafkaExporterConfig>(n)?)),
};

static STATS: Names = Names {
    requests: "ferrocol_kafka_exporter_messages_total",
    sent_bytes: (
        "ferrocol_kafka_exporter_sent_bytes_total",
        "Payload bytes of acknowledged messages, before compression.",
    ),
    partially_rejected: [
        "ferrocol_kafka_exporter_partial_success_rejected_spans_total",
        "ferrocol_kafka_exporter_partial_success_rejected_metric_points_total",
        "ferrocol_kafka_exporter_partial_success_rejected_log_records_total",
    ],
    retries: "ferrocol_kafka_exporter_retries_total",
    stopped: "kafka exporter stopped",
};

impl ExporterConfig for KafkaExporterConfig {
    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn validate(&self) -> Vec<FieldError> {
        KafkaExporterConfig::validate(self)
    }

    fn build(&self, cx: ExporterContext) -> Result<StageTask, StageError> {
        let partition = match (self.partition_logs_by_resource_attributes, self.partition_logs_by_trace_id) {
            (true, _) => Partition::ResourceAttributes,
            (_, true) => Partition::TraceId,
            _ => Partition::None,
        };
        self.start::<LogBatch>(cx, partition)
    }

    fn build_traces(&self, cx: ExporterContext<TraceBatch>) -> Result<StageTask, StageError> {
        let partition = if self.partition_traces_by_id { Partition::TraceId } else { Partition::None };
        self.start(cx, partition)
    }

    fn build_metrics(&self, cx: ExporterContext<MetricBatch>) -> Result<StageTask, StageError> {
        let partition =
            if self.partition_metrics_by_resource_attributes { Partition::ResourceAttributes } else { Partition::None };
        self.start(cx, partition)
    }
}

impl KafkaExporterConfig {
    /// The routing of signal `B`'s messages.
    pub fn routing<B: Route>(&self, partition: Partition) -> Routing
    where
        B::Resource: prost::Message,
    {
        let name = B::SIGNAL.as_str();
        Routing {
            topic: self.topic(name, B::DEFAULT_TOPIC),
            topic_from_attribute: self.topic_from_attribute.clone(),
            partition,
            encoding: self.encoding(name),
            max_message_bytes: self.producer.max_message_bytes,
        }
    }

    /// Creates the producer (start mode; it connects in the background).
    fn start<B: Route>(&self, cx: ExporterContext<B>, partition: Partition) -> Result<StageTask, StageError>
    where
        B::Resource: prost::Message,
    {
        for w in self.warnings() {
            warn!(component_id = %cx.id, "{w}");
        }
        let routing = self.routing::<B>(partition);
        if !cx.startup.is_start() {
            // Check mode: the TLS files are read; librdkafka would start threads.
            producer::client_config(self)?;
            return Ok(Box::pin(async { Ok(()) }));
        }
        let producer = producer::Producer::new(self)?;
        let stats = Stats::new(&cx.id, &STATS, B::SIGNAL);
        let export = Export { producer, routing, retry: self.retry_on_failure.clone(), stats };
        let export = Arc::new(export);
        let queue = Queue::build(&self.sending_queue, export.clone(), &cx)?;
        Ok(Box::pin(async move {
            let result = queue.run(cx.input).await;
            export.producer.flush(StdDuration::from_secs(1));
            result
        }))
    }
}

struct Export {
    producer: producer::Producer,
    routing: Routing,
    retry: RetryConfig,
    stats: Stats,
}

impl<B: Route> queue::Export<B> for Export
where
    B::Resource: prost::Message,
{
    fn stats(&self) -> &Stats {
        &self.stats
    }

    async fn export(self: Arc<Self>, batch: B) {
        let (data, acks) = batch.into_parts();
        let records = B::count(&data);
        let messages = match messages::messages::<B>(&self.routing, data) {
            Ok(m) => m,
            Err(reason) => {
                self.stats.rejected(records, &format!("not retryable error: {reason}"));
                return acks.reject();
            }
        };
        let (count, bytes) = (messages.len(), messages.iter().map(|m| m.payload.len()).sum::<usize>());
        match self.producer.send(messages, &self.retry, &self.stats.retries, records).await {
            Ok(()) => {
                self.stats.sent_records.add(records);
                self.stats.sent_requests.add(count);
                self.stats.sent_bytes.add(bytes);
                self.stats.encoded_bytes.add(bytes);
                acks.deliver();
            }
            Err(reason) => {
                self.stats.rejected(records, &reason);
                acks.reject();
            }
        }
    }
}
