//! What the topology measures between stages, under otelcol's metric names:
//! receivers' accepted/refused records, processors' incoming/outgoing items, and
//! for each exporter the records it sent or failed to send and its queue depth.
//! Exporters are measured by a relay in front of them that adds an ack of its own
//! to each batch, so no exporter needs code for it.

use std::sync::atomic::Ordering;

use tokio::sync::mpsc;

use crate::ack::{Ack, Acks, Outcome};
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

/// Relay batches to an exporter, counting how each ends and the queue depth.
pub async fn exporter_relay(
    id: ComponentId,
    mut input: mpsc::Receiver<LogBatch>,
    output: mpsc::Sender<LogBatch>,
    capacity: usize,
) {
    let sent = counter(
        "otelcol_exporter_sent_log_records_total",
        "Number of log records successfully sent to destination.",
        label("exporter", &id),
    );
    let failed = counter(
        "otelcol_exporter_send_failed_log_records_total",
        "Number of log records in failed attempts to send to destination.",
        label("exporter", &id),
    );
    let size = gauge(
        "otelcol_exporter_queue_size",
        "Current size of the retry queue (in batches).",
        signal_label("exporter", &id),
    );
    gauge(
        "otelcol_exporter_queue_capacity",
        "Fixed capacity of the retry queue (in batches).",
        signal_label("exporter", &id),
    )
    .store(capacity as u64, Ordering::Relaxed);
    while let Some(mut batch) = input.recv().await {
        size.store(input.len() as u64, Ordering::Relaxed);
        let n = batch.record_count() as u64;
        let (ack, waiter) = Ack::new();
        batch.acks.merge(Acks::one(ack));
        let (sent, failed) = (sent.clone(), failed.clone());
        tokio::spawn(async move {
            match waiter.wait().await {
                Outcome::Delivered => sent.fetch_add(n, Ordering::Relaxed),
                Outcome::Rejected => failed.fetch_add(n, Ordering::Relaxed),
                Outcome::Abandoned => 0,
            };
        });
        if output.send(batch).await.is_err() {
            break; // the exporter stopped; what is left is abandoned
        }
    }
    size.store(0, Ordering::Relaxed);
}
