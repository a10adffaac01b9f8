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

use super::Counters;

fn label(kind: &'static str, id: &ComponentId) -> Vec<(&'static str, String)> {
    vec![(kind, id.to_string())]
}

fn signal_label(kind: &'static str, id: &ComponentId) -> Vec<(&'static str, String)> {
    vec![("otel_signal", "logs".to_string()), (kind, id.to_string())]
}

/// Counters for a receiver's fan-out.
pub fn receiver(id: &ComponentId, into: Vec<Option<std::sync::Arc<std::sync::atomic::AtomicU64>>>) -> Counters {
    Counters {
        sent: Some(counter(
            "otelcol_receiver_accepted_log_records_total",
            "Number of log records successfully pushed into the pipeline.",
            label("receiver", id),
        )),
        refused: Some(counter(
            "otelcol_receiver_refused_log_records_total",
            "Number of log records that could not be pushed into the pipeline.",
            label("receiver", id),
        )),
        into,
    }
}

/// The counter of records entering a processor.
pub fn processor_incoming(id: &ComponentId) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
    counter(
        "otelcol_processor_incoming_items_total",
        "Number of items passed to the processor.",
        signal_label("processor", id),
    )
}

/// Counters for a processor's fan-out.
pub fn processor(id: &ComponentId, into: Vec<Option<std::sync::Arc<std::sync::atomic::AtomicU64>>>) -> Counters {
    Counters {
        sent: Some(counter(
            "otelcol_processor_outgoing_items_total",
            "Number of items emitted from the processor.",
            signal_label("processor", id),
        )),
        refused: None,
        into,
    }
}

/// What an exporter reads: its input channel, counted. Each batch it receives
/// carries the exporter's [`Tally`], so records are counted as sent or failed
/// where the exporter settles the batch — no task or channel in between.
#[derive(Debug)]
pub struct ExporterInput {
    rx: mpsc::Receiver<LogBatch>,
    tally: Arc<Tally>,
    queue_size: Arc<AtomicU64>,
}

impl ExporterInput {
    /// The input of exporter `id`, counted under otelcol's names.
    pub fn new(id: &ComponentId, rx: mpsc::Receiver<LogBatch>, capacity: usize) -> ExporterInput {
        let tally = Tally {
            sent: counter(
                "otelcol_exporter_sent_log_records_total",
                "Number of log records successfully sent to destination.",
                label("exporter", id),
            ),
            failed: counter(
                "otelcol_exporter_send_failed_log_records_total",
                "Number of log records in failed attempts to send to destination.",
                label("exporter", id),
            ),
        };
        let queue_size = gauge(
            "otelcol_exporter_queue_size",
            "Current size of the retry queue (in batches).",
            signal_label("exporter", id),
        );
        gauge(
            "otelcol_exporter_queue_capacity",
            "Fixed capacity of the retry queue (in batches).",
            signal_label("exporter", id),
        )
        .store(capacity as u64, Ordering::Relaxed);
        ExporterInput { rx, tally: Arc::new(tally), queue_size }
    }

    /// An input that counts into counters of its own (tests, benchmarks).
    pub fn unregistered(rx: mpsc::Receiver<LogBatch>) -> ExporterInput {
        ExporterInput { rx, tally: Arc::default(), queue_size: Arc::default() }
    }

    /// The next batch; `None` once every pipeline feeding this exporter has stopped.
    pub async fn recv(&mut self) -> Option<LogBatch> {
        let got = self.rx.recv().await;
        self.queue_size.store(self.rx.len() as u64, Ordering::Relaxed);
        let mut batch = got?;
        let n = batch.record_count() as u64;
        batch.acks.count_into(&self.tally, n);
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
