//! `kafka` exporter settings: otelcol-contrib's keys and defaults, and its checks.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::{Duration, FieldError};
use crate::export::queue::QueueConfig;
use crate::export::retry::RetryConfig;
use crate::kafka::kafka_settings;

kafka_settings! {
    pub struct KafkaExporterConfig(signals: SignalConfig, produce: true) {
        /// A resource attribute whose value, where present, is the topic.
        pub topic_from_attribute: String = String::new(),
        /// Accepted with a warning: ferrocol's batches carry no request metadata.
        pub include_metadata_keys: Vec<String> = Vec::new(),
        /// Headers added to every message.
        pub record_headers: BTreeMap<String, String> = BTreeMap::new(),
        /// One message per trace, keyed by its trace ID.
        pub partition_traces_by_id: bool = false,
        /// One message per resource, keyed by a hash of its sorted attributes.
        pub partition_metrics_by_resource_attributes: bool = false,
        pub partition_logs_by_resource_attributes: bool = false,
        /// One message per trace ID of the records (records without one together).
        pub partition_logs_by_trace_id: bool = false,
        /// Accepted; librdkafka's default partitioner (consistent hash of the key,
        /// random without one) is used.
        pub record_partitioner: Option<BTreeMap<String, serde_json::Value>> = None,
        /// Time one attempt may take to have every message of a batch acknowledged.
        pub timeout: Duration = Duration::from_secs(5),
        pub retry_on_failure: RetryConfig = RetryConfig::default(),
        pub sending_queue: QueueConfig = QueueConfig::default(),
        pub producer: ProducerConfig = ProducerConfig::default(),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignalConfig {
    /// Default `otlp_spans`, `otlp_metrics`, `otlp_logs`.
    pub topic: Option<String>,
    /// `otlp_proto` (default), `otlp_json`; logs also `raw`.
    pub encoding: Option<String>,
    /// Accepted with a warning: ferrocol's batches carry no request metadata.
    pub topic_from_metadata_key: String,
    /// Accepted with a warning: ferrocol's batches carry no request metadata.
    pub message_key_from_metadata_key: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProducerConfig {
    /// Largest message, before compression; a larger batch is split.
    pub max_message_bytes: usize,
    /// Largest produce request.
    pub max_broker_write_bytes: usize,
    /// 0 (no ack), 1 (the leader), -1 (every in-sync replica).
    pub required_acks: i16,
    /// `none`, `gzip`, `snappy`, `lz4` or `zstd`.
    pub compression: String,
    pub compression_params: CompressionParams,
    /// Most messages in one produce request.
    pub flush_max_messages: usize,
    /// Accepted; whether topics are created is the broker's `auto.create.topics.enable`.
    pub allow_auto_topic_creation: bool,
    /// How long a partition's messages wait for more before a request is sent.
    pub linger: Duration,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            max_message_bytes: 1_000_000,
            max_broker_write_bytes: 104_857_600,
            required_acks: 1,
            compression: "none".into(),
            compression_params: CompressionParams { level: -1 },
            flush_max_messages: 10_000,
            allow_auto_topic_creation: true,
            linger: Duration::from_millis(10),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CompressionParams {
    /// -1: the codec's default.
    pub level: i32,
}

impl Default for CompressionParams {
    fn default() -> Self {
        CompressionParams { level: -1 }
    }
}

impl KafkaExporterConfig {
    pub fn topic(&self, name: &'static str, default: &str) -> String {
        let s = self.signal(name);
        s.topic.clone().or_else(|| self.topic.clone()).unwrap_or_else(|| default.to_string())
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = self.shared_errors();
        if self.partition_logs_by_resource_attributes && self.partition_logs_by_trace_id {
            errors.push(FieldError::new(
                "partition_logs_by_trace_id",
                "partition_logs_by_resource_attributes and partition_logs_by_trace_id cannot both be enabled",
            ));
        }
        let p = &self.producer;
        if ![-1, 0, 1].contains(&p.required_acks) {
            errors.push(FieldError::new(
                "producer::required_acks",
                format!("producer.required_acks has to be between -1 and 1. configured value {}", p.required_acks),
            ));
        }
        if !["none", "gzip", "snappy", "lz4", "zstd"].contains(&p.compression.as_str()) {
            errors.push(FieldError::new(
                "producer::compression",
                format!("{} compression is not supported (none, gzip, snappy, lz4, zstd)", p.compression),
            ));
        }
        if p.max_message_bytes == 0 {
            errors.push(FieldError::new("producer::max_message_bytes", "max_message_bytes must be positive"));
        }
        if p.max_broker_write_bytes < p.max_message_bytes {
            errors.push(FieldError::new(
                "producer::max_broker_write_bytes",
                "max_broker_write_bytes must be greater than or equal to max_message_bytes",
            ));
        }
        errors.extend(self.retry_on_failure.validate());
        errors.extend(self.sending_queue.validate());
        errors
    }

    /// Settings accepted that change nothing.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.shared_warnings();
        w.extend(self.sending_queue.warnings());
        let metadata = ["traces", "metrics", "logs"].iter().any(|n| {
            let s = self.signal(n);
            !s.topic_from_metadata_key.is_empty() || !s.message_key_from_metadata_key.is_empty()
        });
        if metadata || !self.include_metadata_keys.is_empty() {
            w.push("metadata keys are ignored: ferrocol's batches carry no request metadata".into());
        }
        w
    }
}
