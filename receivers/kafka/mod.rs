//! The `kafka` receiver: consumes traces, metrics and logs from Kafka topics
//! (one consumer of the `group_id` group per signal that has a pipeline),
//! decodes each message (OTLP protobuf by default, OTLP/JSON; for logs also
//! `raw`, `text`, `json`) and hands its records to the pipelines.
//!
//! Delivery: at least once. A message's offset is committed only after every
//! exporter settled its records, and only past messages that were all
//! settled before it, per partition ([`offsets`]); otelcol's default marks a
//! message when it is read, so a crash can lose what was in flight. After a
//! crash or a rebalance, what was in flight is read again by the partition's
//! next owner: duplicates are bounded by the messages in flight per
//! partition. A message that cannot be decoded is logged, counted and skipped.
//!
//! Layout: [`config`] (settings, checks), [`consume`] (the loop of one
//! signal), [`offsets`] (per-partition ordered acks, the rebalance hook).

mod config;
mod consume;
mod offsets;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use rdkafka::consumer::{Consumer, StreamConsumer};
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::component::{Factory, ReceiverConfig, ReceiverContext, ReceiverFactory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::kafka::encoding::KafkaSignal;
use crate::signal::Signal;
use crate::topology::Fanout;

pub use config::KafkaReceiverConfig;
use consume::Consume;
use offsets::{Context, Offsets};

pub static FACTORY: ReceiverFactory = Factory {
    type_name: "kafka",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<KafkaReceiverConfig>(n)?)),
};

impl ReceiverConfig for KafkaReceiverConfig {
    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn validate(&self) -> Vec<FieldError> {
        KafkaReceiverConfig::validate(self)
    }

    /// Creates and subscribes a consumer per signal that has a pipeline (start
    /// mode; they connect in the background).
    fn build(&self, cx: ReceiverContext) -> Result<StageTask, StageError> {
        for w in self.warnings() {
            warn!(component_id = %cx.id, "{w}");
        }
        if !cx.startup.is_start() {
            self.client_config()?;
            return Ok(Box::pin(async { Ok(()) }));
        }
        let decode_errors = crate::metrics::counter(
            "ferrocol_receiver_kafka_decode_errors_total",
            "Kafka messages that could not be decoded (logged and skipped).",
            vec![("receiver", cx.id.to_string())],
        );
        let resets = crate::metrics::counter(
            "ferrocol_receiver_kafka_offset_resets_total",
            "Times a partition's position fell off the log (records deleted before they were read) and was reset.",
            vec![("receiver", cx.id.to_string())],
        );
        let counters = Counters { decode_errors, resets };
        let traces = self.consume(cx.traces, &counters)?;
        let metrics = self.consume(cx.metrics, &counters)?;
        let logs = self.consume(cx.output, &counters)?;
        let shutdown = cx.shutdown;
        Ok(Box::pin(async move {
            let (t, m, l) =
                tokio::join!(run(traces, shutdown.clone()), run(metrics, shutdown.clone()), run(logs, shutdown));
            t.and(m).and(l)
        }))
    }
}

/// The receiver's self-metrics, shared by its consumers.
struct Counters {
    decode_errors: Arc<AtomicU64>,
    resets: Arc<AtomicU64>,
}

/// One signal's loop, if it has a pipeline.
async fn run<B: KafkaSignal>(c: Option<Consume<B>>, shutdown: CancellationToken) -> Result<(), StageError>
where
    B::Resource: prost::Message,
{
    match c {
        Some(c) => c.run(shutdown).await,
        None => Ok(()),
    }
}

impl KafkaReceiverConfig {
    /// The consumer of signal `B`, subscribed; `None` without a pipeline.
    fn consume<B: KafkaSignal>(&self, output: Fanout<B>, counters: &Counters) -> Result<Option<Consume<B>>, StageError>
    where
        B::Resource: prost::Message,
    {
        if output.is_empty() {
            return Ok(None);
        }
        let name = B::SIGNAL.as_str();
        let offsets = Arc::new(Mutex::new(Offsets::default()));
        let context =
            Context { offsets: offsets.clone(), resets: counters.resets.clone(), commit_failed: Default::default() };
        let consumer: StreamConsumer<Context> = self
            .client_config()?
            .create_with_context(context)
            .map_err(|e| StageError::new(format!("cannot create the Kafka consumer for {name}: {e}")))?;
        let topics = self.topics(name, B::DEFAULT_TOPIC);
        let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&refs).map_err(|e| {
            StageError::new(format!("cannot subscribe to {topics:?}: {e}")).at(&format!("{name}::topics"))
        })?;
        let headers =
            if self.header_extraction.extract_headers { self.header_extraction.headers.clone() } else { Vec::new() };
        Ok(Some(Consume {
            consumer,
            offsets,
            encoding: self.encoding(name),
            headers,
            commit_each: !self.autocommit.enable,
            output,
            decode_errors: counters.decode_errors.clone(),
        }))
    }
}
