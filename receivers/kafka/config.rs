//! `kafka` receiver settings: otelcol-contrib's keys and defaults, and its checks.

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::{Duration, FieldError};
use crate::kafka::{kafka_settings, millis, DEFAULT_CLIENT_ID};

kafka_settings! {
    pub struct KafkaReceiverConfig(signals: TopicsConfig, produce: false) {
        pub group_id: String = DEFAULT_CLIENT_ID.into(),
        /// Fetch from the closest replica where brokers are rack-aware.
        pub rack_id: String = String::new(),
        /// Accepted; librdkafka uses leader epochs where brokers support them.
        pub use_leader_epoch: bool = true,
        /// Where a group with no committed offset starts: `latest` or `earliest`.
        pub initial_offset: String = "latest".into(),
        pub session_timeout: Duration = Duration::from_secs(10),
        pub heartbeat_interval: Duration = Duration::from_secs(3),
        /// Deprecated otelcol name of `group_rebalance_strategies` (one strategy).
        pub group_rebalance_strategy: String = String::new(),
        /// `range`, `roundrobin` or `cooperative-sticky` (default).
        pub group_rebalance_strategies: Vec<String> = Vec::new(),
        /// A static member's id: it keeps its partitions across restarts.
        pub group_instance_id: String = String::new(),
        pub min_fetch_size: i32 = 1,
        pub max_fetch_size: i32 = 1_048_576,
        pub max_fetch_wait: Duration = Duration::from_millis(250),
        pub max_partition_fetch_size: i32 = 1_048_576,
        pub autocommit: AutoCommit = AutoCommit::default(),
        /// Accepted: ferrocol always marks a message after every exporter delivered it.
        pub message_marking: MessageMarking = MessageMarking::default(),
        /// Accepted; each signal's partitions are consumed by one loop.
        pub partition_processing: Option<IgnoredAny> = None,
        pub header_extraction: HeaderExtraction = HeaderExtraction::default(),
        /// Accepted; exporters retry, and a message is committed only once delivered.
        pub error_backoff: Option<IgnoredAny> = None,
        /// Accepted; `kafka_receiver_records_delay` is not reported.
        pub telemetry: Option<IgnoredAny> = None,
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TopicsConfig {
    /// Default `otlp_spans`, `otlp_metrics`, `otlp_logs`; `^` starts a regex.
    pub topics: Option<Vec<String>>,
    /// Deprecated otelcol form of `topics` (one topic).
    pub topic: Option<String>,
    /// `otlp_proto` (default), `otlp_json`; logs also `raw`, `text`, `json`.
    pub encoding: Option<String>,
    /// Not supported (a config error when set).
    pub exclude_topics: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoCommit {
    /// Commit delivered offsets every `interval`; when false, after each delivery.
    pub enable: bool,
    pub interval: Duration,
}

impl Default for AutoCommit {
    fn default() -> Self {
        AutoCommit { enable: true, interval: Duration::from_secs(1) }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessageMarking {
    pub after: bool,
    pub on_error: bool,
    pub on_permanent_error: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HeaderExtraction {
    /// Copy the `headers` below to resource attributes `kafka.header.<name>`.
    pub extract_headers: bool,
    pub headers: Vec<String>,
}

impl KafkaReceiverConfig {
    pub fn topics(&self, name: &'static str, default: &str) -> Vec<String> {
        let s = self.signal(name);
        s.topics
            .clone()
            .or_else(|| s.topic.clone().map(|t| vec![t]))
            .or_else(|| self.topic.clone().map(|t| vec![t]))
            .unwrap_or_else(|| vec![default.to_string()])
    }

    fn strategy(&self) -> String {
        match (self.group_rebalance_strategies.is_empty(), self.group_rebalance_strategy.is_empty()) {
            (false, _) => self.group_rebalance_strategies.join(","),
            (true, false) => self.group_rebalance_strategy.clone(),
            (true, true) => "cooperative-sticky".into(),
        }
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = self.shared_errors();
        for name in ["traces", "metrics", "logs"] {
            if !self.signal(name).exclude_topics.is_empty() {
                errors.push(FieldError::new(
                    format!("{name}::exclude_topics"),
                    "exclude_topics is not supported by ferrocol: write the exclusion into the ^regex of topics",
                ));
            }
            if self.topics(name, "x").iter().any(String::is_empty) {
                errors.push(FieldError::new(format!("{name}::topics"), "a topic must not be empty"));
            }
        }
        if self.group_id.is_empty() {
            errors.push(FieldError::new("group_id", "group_id must not be empty"));
        }
        if !["latest", "earliest"].contains(&self.initial_offset.as_str()) {
            errors.push(FieldError::new(
                "initial_offset",
                format!(
                    "initial_offset should be one of 'latest' or 'earliest'. configured value {}",
                    self.initial_offset
                ),
            ));
        }
        if !self.group_rebalance_strategies.is_empty() && !self.group_rebalance_strategy.is_empty() {
            errors.push(FieldError::new(
                "group_rebalance_strategy",
                "group_rebalance_strategy and group_rebalance_strategies are mutually exclusive",
            ));
        }
        for s in self.strategy().split(',') {
            if !["range", "roundrobin", "cooperative-sticky"].contains(&s) {
                errors.push(FieldError::new(
                    "group_rebalance_strategies",
                    format!("unsupported rebalance strategy {s:?} (range, roundrobin, cooperative-sticky)"),
                ));
            }
        }
        if self.max_fetch_size < self.min_fetch_size {
            errors.push(FieldError::new(
                "max_fetch_size",
                "max_fetch_size must be greater than or equal to min_fetch_size",
            ));
        }
        errors
    }

    /// Settings accepted that change nothing.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = self.shared_warnings();
        if !self.group_rebalance_strategy.is_empty() {
            w.push("group_rebalance_strategy is deprecated: use group_rebalance_strategies".into());
        }
        if self.message_marking.after
            || self.message_marking.on_error
            || self.message_marking.on_permanent_error.is_some()
        {
            w.push("message_marking is ignored: ferrocol commits a message once every exporter settled it".into());
        }
        w
    }

    /// librdkafka's consumer settings.
    pub fn client_config(&self) -> Result<rdkafka::ClientConfig, crate::component::StageError> {
        let mut c = self.connection().client_config()?;
        c.set("group.id", &self.group_id);
        c.set("auto.offset.reset", &self.initial_offset);
        c.set("session.timeout.ms", millis(self.session_timeout));
        c.set("heartbeat.interval.ms", millis(self.heartbeat_interval));
        c.set("partition.assignment.strategy", self.strategy());
        c.set("fetch.min.bytes", self.min_fetch_size.to_string());
        c.set("fetch.max.bytes", self.max_fetch_size.to_string());
        c.set("fetch.wait.max.ms", millis(self.max_fetch_wait));
        c.set("max.partition.fetch.bytes", self.max_partition_fetch_size.to_string());
        // Offsets are stored by the receiver once a message's records are
        // delivered, never when librdkafka hands the message over.
        c.set("enable.auto.offset.store", "false");
        c.set("enable.auto.commit", self.autocommit.enable.to_string());
        c.set("auto.commit.interval.ms", millis(self.autocommit.interval));
        if !self.group_instance_id.is_empty() {
            c.set("group.instance.id", &self.group_instance_id);
        }
        if !self.rack_id.is_empty() {
            c.set("client.rack", &self.rack_id);
        }
        Ok(c)
    }
}
