//! What the topology measures between stages, under otelcol's metric names:
//! receivers' accepted/refused records, processors' incoming/outgoing items, and
//! for each exporter the records it sent or failed to send and its queue depth.
//! Exporters are measured through their [`ExporterInput`], which hands each batch
//! over with a tally that counts it when the exporter settles it, so no exporter
//! needs code for it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::budget::Budget;
use crate::ack::Tally;
use crate::config::ComponentId;
use crate::event::LogBatch;
use crate::metrics::{counter, gauge};
use crate::signal::{Batch, Signal};

use super::Counters;

fn label(kind: &'static str, id: &ComponentId) -> Vec<(&'static str, String)> {
    vec![(kind, id.to_string())]
}

fn signal_label(signal: Signal, kind: &'static str, id: &ComponentId) -> Vec<(&'static str, String)> {
    vec![("otel_signal", signal.as_str().to_string()), (kind, id.to_string())]
}

/// otelcol's per-signal metric names and help texts.
struct Names {
    accepted: (&'static str, &'static str),
    refused: (&'static str, &'static str),
    sent: (&'static str, &'static str),
    failed: (&'static str, &'static str),
}

fn names(signal: Signal) -> Names {
    match signal {
        Signal::Logs => Names {
            accepted: (
                "otelcol_receiver_accepted_log_records_total",
                "Number of log records successfully pushed into the pipeline.",
            ),
            refused: (
                "otelcol_receiver_refused_log_records_total",
                "Number of log records that could not be pushed into the pipeline.",
            ),
            sent: (
                "otelcol_exporter_sent_log_records_total",
                "Number of log records successfully sent to destination.",
            ),
            failed: (
                "otelcol_exporter_send_failed_log_records_total",
                "Number of log records in failed attempts to send to destination.",
            ),
        },
        Signal::Traces => Names {
            accepted: (
                "otelcol_receiver_accepted_spans_total",
                "Number of spans successfully pushed into the pipeline.",
            ),
            refused: (
                "otelcol_receiver_refused_spans_total",
                "Number of spans that could not be pushed into the pipeline.",
            ),
            sent: ("otelcol_exporter_sent_spans_total", "Number of spans successfully sent to destination."),
            failed: (
                "otelcol_exporter_send_failed_spans_total",
                "Number of spans in failed attempts to send to destination.",
            ),
        },
        Signal::Metrics => Names {
            accepted: (
                "otelcol_receiver_accepted_metric_points_total",
                "Number of metric points successfully pushed into the pipeline.",
            ),
            refused: (
                "otelcol_receiver_refused_metric_points_total",
                "Number of metric points that could not be pushed into the pipeline.",
            ),
            sent: (
                "otelcol_exporter_sent_metric_points_total",
                "Number of metric points successfully sent to destination.",
            ),
            failed: (
                "otelcol_exporter_send_failed_metric_points_total",
                "Number of metric points in failed attempts to send to destination.",
            ),
        },
    }
}

/// Counters for a receiver's fan-out of one signal.
pub fn receiver(signal: Signal, id: &ComponentId, into: Vec<Option<Arc<AtomicU64>>>) -> Counters {
    let n = names(signal);
    Counters {
        sent: Some(counter(n.accepted.0, n.accepted.1, label("receiver", id))),
        refused: Some(counter(n.refused.0, n.refused.1, label("receiver", id))),
        into,
    }
}

/// The counter of items entering a processor.
pub fn processor_incoming(signal: Signal, id: &ComponentId) -> Arc<AtomicU64> {
    counter(
        "otelcol_processor_incoming_items_total",
        "Number of items passed to the processor.",
        signal_label(signal, "processor", id),
    )
}

/// Counters for a processor's fan-out.
pub fn processor(signal: Signal, id: &ComponentId, into: Vec<Option<Arc<AtomicU64>>>) -> Counters {
    Counters {
        sent: Some(counter(
            "otelcol_processor_outgoing_items_total",
            "Number of items emitted from the processor.",
            signal_label(signal, "processor", id),
        )),
        refused: None,
        into,
    }
}

/// What an exporter reads: its input channel, counted. Each batch it receives
/// carries the exporter's [`Tally`], so records are counted as sent or failed
/// where the exporter settles the batch — no task or channel in between.
#[derive(Debug)]
pub struct ExporterInput<B = LogBatch> {
    rx: mpsc::Receiver<B>,
    tally: Arc<Tally>,
    /// The labels of this exporter's metrics; `None` when unregistered.
    labels: Option<Vec<(&'static str, String)>>,
    queue_size: Arc<AtomicU64>,
    queue_capacity: Arc<AtomicU64>,
    /// Set once a sending queue reports its own size in `queue_size`.
    queue_owned: bool,
    /// The channel's byte budget, given back as batches are taken.
    budget: Option<Arc<Budget>>,
}

/// The gauges a sending queue keeps up to date, under its exporter's labels.
#[derive(Clone, Debug, Default)]
pub struct QueueGauges {
    /// `otelcol_exporter_queue_size`: queued and in flight, in `sizer` units.
    pub size: Arc<AtomicU64>,
    /// Bytes (protobuf) of the batches the queue holds in memory, queued and in flight.
    pub bytes: Arc<AtomicU64>,
    /// The most `bytes` has been since the start.
    pub bytes_peak: Arc<AtomicU64>,
    /// Queued batches found damaged on disk (set aside, not sent).
    pub corrupt: Arc<AtomicU64>,
}

impl QueueGauges {
    /// Record what the queue holds in memory now.
    pub fn hold(&self, bytes: u64) {
        self.bytes.store(bytes, Ordering::Relaxed);
        self.bytes_peak.fetch_max(bytes, Ordering::Relaxed);
    }
}

impl<B: Batch> ExporterInput<B> {
    /// The input of exporter `id`, counted under otelcol's names.
    pub fn new(id: &ComponentId, rx: mpsc::Receiver<B>, capacity: usize) -> Self {
        let n = names(B::SIGNAL);
        let tally = Tally {
            sent: counter(n.sent.0, n.sent.1, label("exporter", id)),
            failed: counter(n.failed.0, n.failed.1, label("exporter", id)),
        };
        let labels = signal_label(B::SIGNAL, "exporter", id);
        let queue_size =
            gauge("otelcol_exporter_queue_size", "Current size of the retry queue (in batches).", labels.clone());
        let queue_capacity =
            gauge("otelcol_exporter_queue_capacity", "Fixed capacity of the retry queue (in batches).", labels.clone());
        queue_capacity.store(capacity as u64, Ordering::Relaxed);
        ExporterInput {
            rx,
            tally: Arc::new(tally),
            labels: Some(labels),
            queue_size,
            queue_capacity,
            queue_owned: false,
            budget: None,
        }
    }

    /// An input that counts into counters of its own (tests, benchmarks).
    pub fn unregistered(rx: mpsc::Receiver<B>) -> Self {
        ExporterInput {
            rx,
            tally: Arc::default(),
            labels: None,
            queue_size: Arc::default(),
            queue_capacity: Arc::default(),
            queue_owned: false,
            budget: None,
        }
    }

    /// The next batch; `None` once every pipeline feeding this exporter has stopped.
    pub async fn recv(&mut self) -> Option<B> {
        let (mut batch, _) = self.recv_uncounted().await?;
        let n = batch.item_count() as u64;
        batch.acks_mut().count_into(&self.tally, n);
        Some(batch)
    }

    /// The next batch, not yet counted: the caller counts it with [`Self::count`]
    /// on the acks that will be settled when it is sent (a persistent queue
    /// settles the received ones once the batch is on disk). With its protobuf
    /// size when the channel has a byte budget (measured to give it back).
    pub async fn recv_uncounted(&mut self) -> Option<(B, Option<u64>)> {
        let mut batch = self.rx.recv().await?;
        if !self.queue_owned {
            self.queue_size.store(self.rx.len() as u64, Ordering::Relaxed);
        }
        let size = Budget::received(self.budget.as_deref(), &mut batch);
        Some((batch, size))
    }

    /// The same input, its channel bounded in bytes by `budget` too.
    pub fn budgeted(mut self, budget: Arc<Budget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The counters of sent and failed items, for batches made after receipt.
    pub fn tally(&self) -> Arc<Tally> {
        self.tally.clone()
    }

    /// Count `batch`'s items as sent or failed when its acks are settled.
    pub fn count(&self, batch: &mut B) {
        let n = batch.item_count() as u64;
        batch.acks_mut().count_into(&self.tally, n);
    }

    /// A sending queue's gauges: from now on `otelcol_exporter_queue_size` and
    /// `otelcol_exporter_queue_capacity` are the queue's, in its `sizer` units.
    pub fn queue_gauges(&mut self, capacity: u64) -> QueueGauges {
        self.queue_owned = true;
        self.queue_capacity.store(capacity, Ordering::Relaxed);
        let gauge = |name, help| match &self.labels {
            Some(l) => gauge(name, help, l.clone()),
            None => Arc::default(),
        };
        QueueGauges {
            size: self.queue_size.clone(),
            bytes: gauge(
                "ferrocol_exporter_queue_bytes",
                "Protobuf bytes of the batches the sending queue holds in memory, queued and in flight.",
            ),
            bytes_peak: gauge(
                "ferrocol_exporter_queue_bytes_peak",
                "The most ferrocol_exporter_queue_bytes has been since the start.",
            ),
            corrupt: match &self.labels {
                Some(l) => counter(
                    "ferrocol_exporter_queue_corrupt_batches_total",
                    "Batches of the persistent sending queue found damaged, set aside and not sent.",
                    l.clone(),
                ),
                None => Arc::default(),
            },
        }
    }

    /// Batches waiting.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}
