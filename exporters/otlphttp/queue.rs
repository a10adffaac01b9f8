//! The running exporter: the `sending_queue` in front of `num_consumers`
//! concurrent exports, and one export (encode, send every piece, settle the
//! batch's acks).
//!
//! A full queue stops the input from being read (`block_on_overflow`, ferrocol's
//! default), so the pipeline's channels fill and receivers slow down; with
//! `block_on_overflow: false` the batch is dropped instead: rejected, logged
//! and counted. When the input ends, what is queued and in flight is finished
//! before the task returns; the topology's shutdown deadline ends it otherwise,
//! and the acks it holds are then abandoned (read again after a restart).

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::task::JoinSet;
use tracing::{error, warn, Instrument};

use super::config::{QueueConfig, Sizer};
use super::encode::{Encoder, Piece};
use super::sender::{Outcome, Sender};
use crate::component::StageError;
use crate::event::{count_records, LogBatch, ResourceLogs};

/// Batches with at least this many records are encoded on a blocking thread,
/// so that compressing them does not hold up other tasks.
const BLOCKING_ENCODE_RECORDS: usize = 1024;

/// Everything one export needs; shared by the consumers.
pub struct Export {
    pub encoder: Encoder,
    pub sender: Sender,
}

impl Export {
    /// Encode and send one batch, then settle its acks: delivered when every
    /// piece was (a partial success included), rejected otherwise.
    pub async fn run(self: Arc<Self>, batch: LogBatch) {
        let LogBatch { resource_logs, acks } = batch;
        let records = count_records(&resource_logs);
        if records == 0 {
            acks.deliver();
            return;
        }
        let pieces = if records >= BLOCKING_ENCODE_RECORDS {
            let this = self.clone();
            match tokio::task::spawn_blocking(move || this.encoder.encode(resource_logs)).await {
                Ok(p) => p,
                Err(e) => {
                    // A bug: the acks are dropped unsettled, so the batch is abandoned
                    // (read again after a restart) rather than called delivered.
                    error!(error = %e, records, "encoding a batch failed");
                    return;
                }
            }
        } else {
            self.encoder.encode(resource_logs)
        };
        let stats = &self.sender.stats;
        let mut all_delivered = true;
        for piece in pieces {
            match piece {
                Piece::TooLarge { size } => {
                    all_delivered = false;
                    let total = stats.rejected_records.add(1);
                    error!(
                        size,
                        max_request_size = self.encoder.max_request_size,
                        rejected_records_total = total,
                        "a log record is larger than max_request_size on its own; dropping it"
                    );
                }
                Piece::Body(body) => {
                    let (n, wire, encoded) = (body.records, body.bytes.len(), body.encoded_size);
                    match self.sender.send(body.bytes, n).await {
                        Outcome::Delivered { rejected } => {
                            stats.sent_records.add(n);
                            stats.sent_requests.add(1);
                            stats.sent_bytes.add(wire);
                            stats.encoded_bytes.add(encoded);
                            if rejected > 0 {
                                stats.partially_rejected_records.add(rejected as usize);
                            }
                        }
                        Outcome::Rejected(reason) => {
                            all_delivered = false;
                            let total = stats.rejected_records.add(n);
                            error!(error = %reason, dropped_items = n, rejected_records_total = total, "Exporting failed. Dropping data.");
                        }
                    }
                }
            }
        }
        if all_delivered {
            acks.deliver();
        } else {
            acks.reject();
        }
    }
}

/// A batch read from the input, with its size in `sizer` units.
struct Job {
    batch: LogBatch,
    size: u64,
}

/// The queue and its consumers.
pub struct Queue {
    pub config: QueueConfig,
    pub export: Arc<Export>,
}

impl Queue {
    fn size_of(&self, logs: &[ResourceLogs]) -> u64 {
        match self.config.sizer {
            Sizer::Requests => 1,
            Sizer::Items => count_records(logs) as u64,
            Sizer::Bytes => logs.iter().map(|rl| prost::encoding::message::encoded_len(1, rl) as u64).sum(),
        }
    }

    /// Runs until the input ends and every batch is settled.
    pub async fn run(self, mut input: crate::topology::ExporterInput) -> Result<(), StageError> {
        let (consumers, capacity) = match self.config.enabled {
            true => (self.config.num_consumers.max(1), self.config.queue_size),
            false => (1, 0),
        };
        let blocks = self.config.blocks();
        let mut queue: VecDeque<Job> = VecDeque::new();
        let mut queued_size = 0u64;
        // Read, but waiting for room in the queue: the input is not read meanwhile.
        let mut held: Option<Job> = None;
        let mut in_flight = JoinSet::new();
        let mut input_open = true;
        loop {
            // Start what there are free consumers for, admitting the held batch
            // as soon as the queue has room for it.
            loop {
                while in_flight.len() < consumers {
                    let Some(job) = queue.pop_front() else { break };
                    queued_size -= job.size;
                    // The consumers run in the exporter's span, so their logs name it.
                    in_flight.spawn(self.export.clone().run(job.batch).in_current_span());
                }
                match held.take() {
                    // A batch larger than the whole queue is let in alone.
                    Some(job) if queue.is_empty() || queued_size + job.size <= capacity => {
                        queued_size += job.size;
                        queue.push_back(job);
                    }
                    still_held => {
                        held = still_held;
                        break;
                    }
                }
            }
            if !input_open && held.is_none() && queue.is_empty() && in_flight.is_empty() {
                break;
            }
            // Without a queue, the next batch is read only when a consumer is free.
            let want_input = input_open && held.is_none() && (self.config.enabled || in_flight.len() < consumers);
            tokio::select! {
                batch = input.recv(), if want_input => match batch {
                    None => input_open = false,
                    Some(batch) => {
                        let job = Job { size: self.size_of(&batch.resource_logs), batch };
                        if queue.is_empty() || queued_size + job.size <= capacity || blocks {
                            held = Some(job);
                        } else {
                            self.drop_full(job);
                        }
                    }
                },
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    if let Err(e) = done {
                        if e.is_panic() {
                            return Err(StageError::new("an export task panicked"));
                        }
                    }
                }
            }
        }
        self.export.sender.stats.log();
        Ok(())
    }

    fn drop_full(&self, job: Job) {
        let records = job.batch.record_count();
        let total = self.export.sender.stats.dropped_records.add(records);
        warn!(
            dropped_items = records,
            dropped_records_total = total,
            "Dropping data because sending_queue is full (block_on_overflow is false)"
        );
        job.batch.acks.reject();
    }
}
