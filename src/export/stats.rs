//! What a network exporter did: counted for the summary logged when it stops,
//! and mirrored in ferrocol's metrics under the exporter's id. Records sent and
//! failed are counted by the topology from the acks
//! (`otelcol_exporter_sent_log_records`, `otelcol_exporter_send_failed_log_records`);
//! these are the rest.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tracing::{error, info, warn};

use crate::config::ComponentId;
use crate::metrics::counter;
use crate::signal::Signal;

/// A count for this exporter instance, and the process-wide metric it feeds.
#[derive(Debug, Default)]
pub struct Count {
    local: AtomicU64,
    metric: Option<Arc<AtomicU64>>,
}

impl Count {
    fn metric(name: &'static str, help: &'static str, id: &ComponentId) -> Count {
        Count { local: AtomicU64::new(0), metric: Some(counter(name, help, vec![("exporter", id.to_string())])) }
    }

    /// Add `n`; returns this instance's new total.
    pub fn add(&self, n: usize) -> u64 {
        if let Some(m) = &self.metric {
            m.fetch_add(n as u64, Ordering::Relaxed);
        }
        self.local.fetch_add(n as u64, Ordering::Relaxed) + n as u64
    }

    pub fn get(&self) -> u64 {
        self.local.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Default)]
pub struct Stats {
    pub sent_records: Count,
    pub sent_requests: Count,
    /// Bytes on the wire (after compression).
    pub sent_bytes: Count,
    /// The same before compression.
    pub encoded_bytes: Count,
    /// Refused for good: permanent errors, retries exhausted, records too large.
    pub rejected_records: Count,
    /// Dropped because the queue was full (`block_on_overflow: false`).
    pub dropped_records: Count,
    /// Counted by the server in partial-success answers.
    pub partially_rejected_records: Count,
    /// Requests sent again after a transient failure.
    pub retries: Count,
    stopped: &'static str,
}

/// The names of one exporter's own metrics, and of its summary line.
pub struct Names {
    /// Requests the server accepted.
    pub requests: &'static str,
    /// Bytes of accepted requests, and what they count.
    pub sent_bytes: (&'static str, &'static str),
    /// Items the server reported as rejected in partial-success answers, by
    /// signal in [`Signal::ALL`]'s order (spans, data points, log records).
    pub partially_rejected: [&'static str; 3],
    /// Requests sent again after a transient failure.
    pub retries: &'static str,
    /// The message logged when the exporter stops.
    pub stopped: &'static str,
}

impl Stats {
    /// The counters of exporter `id` for `signal`.
    pub fn new(id: &ComponentId, names: &'static Names, signal: Signal) -> Stats {
        let (enqueue_failed, partial_help) = match signal {
            Signal::Traces => (
                (
                    "otelcol_exporter_enqueue_failed_spans_total",
                    "Number of spans failed to be added to the sending queue.",
                ),
                "Spans the server reported as rejected in partial-success answers.",
            ),
            Signal::Metrics => (
                (
                    "otelcol_exporter_enqueue_failed_metric_points_total",
                    "Number of metric points failed to be added to the sending queue.",
                ),
                "Data points the server reported as rejected in partial-success answers.",
            ),
            Signal::Logs => (
                (
                    "otelcol_exporter_enqueue_failed_log_records_total",
                    "Number of log records failed to be added to the sending queue.",
                ),
                "Log records the server reported as rejected in partial-success answers.",
            ),
        };
        let index = Signal::ALL.iter().position(|s| *s == signal).expect("a signal");
        Stats {
            sent_requests: Count::metric(names.requests, "Requests the server accepted.", id),
            sent_bytes: Count::metric(names.sent_bytes.0, names.sent_bytes.1, id),
            dropped_records: Count::metric(enqueue_failed.0, enqueue_failed.1, id),
            partially_rejected_records: Count::metric(names.partially_rejected[index], partial_help, id),
            retries: Count::metric(names.retries, "Requests sent again after a retryable failure.", id),
            stopped: names.stopped,
            ..Stats::default()
        }
    }

    /// A request the server accepted: `wire` bytes sent for `encoded` encoded,
    /// `rejected` records refused in a partial success.
    pub fn delivered(&self, records: usize, wire: usize, encoded: usize, rejected: i64) {
        self.sent_records.add(records);
        self.sent_requests.add(1);
        self.sent_bytes.add(wire);
        self.encoded_bytes.add(encoded);
        if rejected > 0 {
            self.partially_rejected_records.add(rejected as usize);
        }
    }

    /// Records refused for good: logged as otelcol does, and counted.
    pub fn rejected(&self, records: usize, reason: &str) {
        let total = self.rejected_records.add(records);
        error!(error = %reason, dropped_items = records, rejected_records_total = total, "Exporting failed. Dropping data.");
    }

    /// The summary line logged when the exporter stops.
    pub fn log(&self) {
        info!(
            sent_records = self.sent_records.get(),
            sent_requests = self.sent_requests.get(),
            sent_bytes = self.sent_bytes.get(),
            encoded_bytes = self.encoded_bytes.get(),
            rejected_records = self.rejected_records.get(),
            dropped_records = self.dropped_records.get(),
            partially_rejected_records = self.partially_rejected_records.get(),
            retries = self.retries.get(),
            "{}",
            self.stopped
        );
    }
}

/// A server's partial success, logged as otelcol's exporters log it (the
/// count's name says what was rejected); returns the count.
pub fn log_partial_success(signal: Signal, rejected: i64, message: &str) -> i64 {
    if rejected == 0 && message.is_empty() {
        return 0;
    }
    match signal {
        Signal::Traces => warn!(message, dropped_spans = rejected, "Partial success response"),
        Signal::Metrics => warn!(message, dropped_data_points = rejected, "Partial success response"),
        Signal::Logs => warn!(message, dropped_log_records = rejected, "Partial success response"),
    }
    rejected
}
