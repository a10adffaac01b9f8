//! `sending_queue`, shared by the exporters that send over the network: its
//! settings (otelcol's keys and defaults, except that a full queue blocks), and
//! the running queue in front of `num_consumers` concurrent exports, each of
//! which settles its batch's acks.
//!
//! A full queue stops the input from being read (`block_on_overflow`, ferrocol's
//! default), so the pipeline's channels fill and receivers slow down; with
//! `block_on_overflow: false` the batch is dropped instead: rejected, logged
//! and counted. When the input ends, what is queued and in flight is finished
//! before the task returns; the topology's shutdown deadline ends it otherwise,
//! and the acks it holds are then abandoned (read again after a restart).

use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::sync::Arc;

use serde::Deserialize;
use tokio::task::JoinSet;
use tracing::{warn, Instrument};

use super::stats::Stats;
use crate::component::StageError;
use crate::config::FieldError;
use crate::event::LogBatch;
use crate::signal::Batch;

/// `sending_queue`: batches waiting for a free consumer.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    /// When false, one request at a time, straight from the input.
    pub enabled: bool,
    /// Requests in flight at once.
    pub num_consumers: usize,
    /// Capacity, in `sizer` units.
    pub queue_size: u64,
    /// What `queue_size` counts: `requests` (batches), `items` (records) or `bytes`
    /// (encoded protobuf size).
    pub sizer: Sizer,
    /// *Default differs from otelcol.* When full, stop reading the input (the
    /// pipeline and its receivers slow down) instead of dropping the batch.
    pub block_on_overflow: bool,
    /// Deprecated otelcol name of `block_on_overflow`; wins when set.
    pub blocking: Option<bool>,
    /// Accepted; no effect: a batch's ack already waits for its delivery.
    pub wait_for_result: bool,
    /// Accepted with a warning: the queue is in memory; durable receivers re-read
    /// what was not delivered after a restart.
    pub storage: Option<String>,
    /// Accepted with a warning: use the `batch` processor.
    pub batch: Option<BTreeMap<String, serde_json::Value>>,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            enabled: true,
            num_consumers: 10,
            queue_size: 1000,
            sizer: Sizer::Requests,
            block_on_overflow: true,
            blocking: None,
            wait_for_result: false,
            storage: None,
            batch: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sizer {
    #[default]
    Requests,
    Items,
    Bytes,
}

impl QueueConfig {
    /// Whether a full queue blocks the input (ferrocol's default) or drops.
    pub fn blocks(&self) -> bool {
        self.blocking.unwrap_or(self.block_on_overflow)
    }

    /// otelcol's checks; keys are `sending_queue::...`.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if !self.enabled {
            return errors;
        }
        if self.num_consumers == 0 {
            errors.push(FieldError::new("sending_queue::num_consumers", "`num_consumers` must be positive"));
        }
        if self.queue_size == 0 {
            errors.push(FieldError::new("sending_queue::queue_size", "`queue_size` must be positive"));
        }
        errors
    }

    /// Settings accepted that change nothing.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.storage.is_some() {
            w.push(
                "sending_queue::storage is ignored: ferrocol's queue is in memory, and receivers with a durable \
                 source checkpoint only delivered data, so what was queued is read again after a restart"
                    .into(),
            );
        }
        if self.batch.is_some() {
            w.push("sending_queue::batch is ignored: use the batch processor".into());
        }
        if self.blocking.is_some() {
            w.push("sending_queue::blocking is deprecated: use block_on_overflow".into());
        }
        w
    }
}

/// One exporter's way of sending a batch of signal `B`, run by the queue's consumers.
pub trait Export<B = LogBatch>: Send + Sync + 'static {
    /// Send `batch` (never empty) and settle its acks: delivered only once the
    /// server accepted it, rejected when it refused it for good.
    fn export(self: Arc<Self>, batch: B) -> impl Future<Output = ()> + Send;

    /// The exporter's counters (the queue counts drops and logs the summary).
    fn stats(&self) -> &Stats;
}

/// A batch read from the input, with its size in `sizer` units.
struct Job<B> {
    batch: B,
    size: u64,
}

/// The queue and its consumers.
pub struct Queue<E> {
    pub config: QueueConfig,
    pub export: Arc<E>,
}

impl<E> Queue<E> {
    fn size_of<B: Batch>(&self, data: &[B::Resource]) -> u64
    where
        B::Resource: prost::Message,
    {
        match self.config.sizer {
            Sizer::Requests => 1,
            Sizer::Items => B::count(data) as u64,
            Sizer::Bytes => data.iter().map(|r| prost::encoding::message::encoded_len(1, r) as u64).sum(),
        }
    }

    /// Runs until the input ends and every batch is settled.
    pub async fn run<B: Batch>(self, mut input: crate::topology::ExporterInput<B>) -> Result<(), StageError>
    where
        E: Export<B>,
        B::Resource: prost::Message,
    {
        let (consumers, capacity) = match self.config.enabled {
            true => (self.config.num_consumers.max(1), self.config.queue_size),
            false => (1, 0),
        };
        let blocks = self.config.blocks();
        let mut queue: VecDeque<Job<B>> = VecDeque::new();
        let mut queued_size = 0u64;
        // Read, but waiting for room in the queue: the input is not read meanwhile.
        let mut held: Option<Job<B>> = None;
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
                    in_flight.spawn(self.export.clone().export(job.batch).in_current_span());
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
                    // Nothing to send: delivered as it is.
                    Some(mut batch) if batch.item_count() == 0 => std::mem::take(batch.acks_mut()).deliver(),
                    Some(batch) => {
                        let job = Job { size: self.size_of::<B>(batch.data()), batch };
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
        self.export.stats().log();
        Ok(())
    }

    fn drop_full<B: Batch>(&self, mut job: Job<B>)
    where
        E: Export<B>,
    {
        let records = job.batch.item_count();
        let total = self.export.stats().dropped_records.add(records);
        warn!(
            dropped_items = records,
            dropped_records_total = total,
            "Dropping data because sending_queue is full (block_on_overflow is false)"
        );
        std::mem::take(job.batch.acks_mut()).reject();
    }
}
