//! What the topology measures between stages, under otelcol's metric names:
//! receivers' accepted/refused records, processors' incoming/outgoing items, and
//! for each exporter the records it sent or failed to send and its queue depth.
//! Exporters are measured through their [`ExporterInput`], which hands each batch
//! over with a tally that counts it when the exporter settles it, so no exporter
//! needs code for it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

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
    queue_size: Arc<AtomicU64>,
}

impl<B: Batch> ExporterInput<B> {
    /// The input of exporter `id`, counted under otelcol's names.
    pub fn new(id: &ComponentId, rx: mpsc::Receiver<B>, capacity: usize) -> Self {
        let n = names(B::SIGNAL);
        let tally = Tally {
            sent: counter(n.sent.0, n.sent.1, label("exporter", id)),
            failed: counter(n.failed.0, n.failed.1, label("exporter", id)),
        };
        let queue_size = gauge(
            "otelcol_exporter_queue_size",
            "Current size of the retry queue (in batches).",
            signal_label(B::SIGNAL, "exporter", id),
        );
        gauge(
            "otelcol_exporter_queue_capacity",
            "Fixed capacity of the retry queue (in batches).",
            signal_label(B::SIGNAL, "exporter", id),
        )
        .store(capacity as u64, Ordering::Relaxed);
        ExporterInput { rx, tally: Arc::new(tally), queue_size }
    }

    /// An input that counts into counters of its own (tests, benchmarks).
    pub fn unregistered(rx: mpsc::Receiver<B>) -> Self {
        ExporterInput { rx, tally: Arc::default(), queue_size: Arc::default() }
    }

    /// The next batch; `None` once every pipeline feeding this exporter has stopped.
    pub async fn recv(&mut self) -> Option<B> {
        let got = self.rx.recv().await;
        self.queue_size.store(self.rx.len() as u64, Ordering::Relaxed);
        let mut batch = got?;
        let n = batch.item_count() as u64;
        batch.acks_mut().count_into(&self.tally, n);
        Some(batch)
    }

    /// Batches waiting.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}
