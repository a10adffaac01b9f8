//! `sending_queue`, shared by the exporters that send over the network: its
//! settings ([`config`]: otelcol's keys; bounded in bytes unless sized, and
//! blocking when full), and the running queue in front of `num_consumers`
//! concurrent exports, each of which settles its batch's acks.
//!
//! The capacity counts what is queued *and* in flight (as otelcol's queue does,
//! releasing a batch's size when its export is done). A full queue stops the
//! input from being read (`block_on_overflow`, ferrocol's default), so the
//! pipeline's channels fill and receivers slow down; with `block_on_overflow:
//! false` the batch is dropped instead: rejected, logged and counted. A batch
//! larger than the whole capacity is let in alone, never dropped for its size.
//!
//! With `storage` ([`persist`]), each batch is encoded once, as the protobuf
//! of its export request, and written to disk before its acks are settled
//! upstream; the queue keeps at most [`config::PERSISTENT_MEMORY_BYTES`] of
//! those bytes in memory besides, and reads the rest back when a consumer is
//! free. Consumers get the bytes, not a decoded batch
//! ([`Export::export_encoded`]): an exporter that sends protobuf sends them as
//! they are, so the disk costs a write, not a second encode and a decode.
//! After a restart, what was on disk is sent first, in order.
//!
//! When the input ends, what is queued and in flight is finished before the
//! task returns; the topology's shutdown deadline ends it otherwise, and the
//! acks it holds are then abandoned (read again after a restart), while the
//! batches on disk stay there for the next start.

pub mod config;
mod durable;
mod group;
mod persist;
#[cfg(test)]
mod tests;
mod writer;

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{info, warn, Instrument};

use super::stats::Stats;
use crate::ack::Acks;
use crate::component::{ExporterContext, StageError};
use crate::signal::{Batch, Encoded};
use crate::storage::{Kind, StorageClient, Stored};
use crate::topology::{ExporterInput, QueueGauges};

pub use config::{Limit, QueueConfig, Sizer};
use config::{PERSISTENT_MEMORY_BYTES, SPILL_AFTER};
use durable::{lost, wait_written, DiskState};

/// One exporter's way of sending a batch, run by the queue's consumers.
pub trait Export<B>: Send + Sync + 'static {
    /// Send `batch` (never empty) and settle its acks: delivered only once the
    /// server accepted it, rejected when it refused it for good.
    fn export(self: Arc<Self>, batch: B) -> impl Future<Output = ()> + Send;

    /// Send a batch the queue holds in protobuf (as it wrote it to disk: the
    /// export request's items, undecoded) and settle `acks` as `export` does.
    /// By default it is decoded and exported as any batch; an exporter that
    /// sends protobuf sends the bytes as they are.
    fn export_encoded(self: Arc<Self>, body: Encoded, acks: Acks) -> impl Future<Output = ()> + Send
    where
        B: Batch,
    {
        self.export(B::from_encoded(body, acks))
    }

    /// The exporter's counters (the queue counts drops and logs the summary).
    fn stats(&self) -> &Stats;
}

/// What the queue holds of a batch.
enum Payload<B> {
    /// As the input gave it (a queue without storage).
    Batch(B),
    /// In protobuf, as written to disk; a fraction of the decoded size. The
    /// acks are upstream's until the write is durable, then only counted.
    Encoded(Encoded, Acks),
    /// On disk only: read back when a consumer is free.
    Disk,
}

/// A batch in the queue.
struct Job<B> {
    payload: Payload<B>,
    /// Its number on disk; `None` for a batch held in memory only.
    index: Option<u64>,
    /// In `sizer` units.
    size: u64,
    /// Protobuf bytes.
    bytes: u64,
}

/// What a finished consumer hands back.
struct Done {
    index: Option<u64>,
    size: u64,
    /// Bytes it held in memory.
    mem: u64,
}

/// A batch being written to disk, and the write's answer.
struct Writing<B> {
    job: Job<B>,
    done: oneshot::Receiver<std::io::Result<()>>,
}

/// The queue and its consumers.
pub struct Queue<E> {
    config: QueueConfig,
    export: Arc<E>,
    storage: Option<Arc<dyn StorageClient>>,
}

impl<E> Queue<E> {
    /// The queue of exporter `cx.id`; with `storage`, looks the extension up.
    pub fn build<B>(config: &QueueConfig, export: Arc<E>, cx: &ExporterContext<B>) -> Result<Self, StageError> {
        let storage = match config.storage_id().filter(|_| config.enabled) {
            None => None,
            Some(Err(e)) => return Err(StageError::new(e.message).at("sending_queue::storage")),
            Some(Ok(ext)) => Some(
                cx.storage
                    .client(&ext, Kind::Exporter, &cx.id)
                    .map_err(|e| StageError::new(e.message).at("sending_queue::storage"))?,
            ),
        };
        Ok(Queue { config: config.clone(), export, storage })
    }

    /// A queue in memory (tests, tools).
    pub fn in_memory(config: QueueConfig, export: Arc<E>) -> Self {
        Queue { config, export, storage: None }
    }
}

/// The running state of one queue.
struct State<B> {
    limit: Limit,
    capacity: u64,
    consumers: usize,
    queue: VecDeque<Job<B>>,
    /// Queued and in flight, in `sizer` units.
    used: u64,
    /// Bytes held in memory, queued and in flight.
    mem: u64,
    in_flight: JoinSet<Done>,
    gauges: QueueGauges,
    disk: Option<DiskState<B>>,
}

impl<B: Batch> State<B> {
    fn size_of(&self, items: usize, bytes: u64) -> u64 {
        match self.limit.sizer {
            Sizer::Requests => 1,
            Sizer::Items => items as u64,
            Sizer::Bytes => bytes,
        }
    }

    /// Room for `size` more? A batch larger than the capacity gets in alone.
    fn has_room(&self, size: u64) -> bool {
        self.used == 0 || self.used + size <= self.capacity
    }

    fn publish(&self) {
        self.gauges.size.store(self.used, Ordering::Relaxed);
        self.gauges.hold(self.mem);
    }

    fn settle(&mut self, done: Done) {
        self.used -= done.size;
        self.mem -= done.mem;
        if let (Some(d), Some(i)) = (&mut self.disk, done.index) {
            d.settle(i);
        }
    }
}

impl<E> Queue<E> {
    /// Runs until the input ends and every batch is settled.
    pub async fn run<B: Batch>(self, mut input: ExporterInput<B>) -> Result<(), StageError>
    where
        E: Export<B>,
    {
        let limit = self.config.limit();
        let (consumers, capacity) = match self.config.enabled {
            true => (self.config.num_consumers.max(1), limit.size),
            false => (1, 0),
        };
        let gauges = input.queue_gauges(capacity);
        let mut st = State {
            limit,
            capacity,
            consumers,
            queue: VecDeque::new(),
            used: 0,
            mem: 0,
            in_flight: JoinSet::new(),
            gauges,
            disk: None,
        };
        if let Some(client) = self.storage.clone() {
            st.disk = Some(self.open_disk(client, &mut st, &input).await?);
        }
        let blocks = self.config.blocks();
        // Read, but waiting for room in the queue: the input is not read meanwhile.
        let mut held: Option<Job<B>> = None;
        // Since when the held batch has waited for memory (spilling off).
        let mut waits_since: Option<Instant> = None;
        let mut input_open = true;
        loop {
            st.end_spill(held.as_ref());
            self.start_consumers(&mut st, &input);
            // Admit the held batch as soon as the queue has room for it.
            if let Some(job) = held.take_if(|j| st.has_room(j.size) && st.may_write(j.bytes)) {
                self.admit(&mut st, job);
                continue;
            }
            st.publish();
            match st.may_spill(held.as_ref()) {
                true => _ = waits_since.get_or_insert_with(Instant::now),
                false => waits_since = None,
            }
            let writing = st.disk.as_ref().is_some_and(|d| !d.writing.is_empty());
            if !input_open && held.is_none() && !writing && st.queue.is_empty() && st.in_flight.is_empty() {
                break;
            }
            // Without a queue, the next batch is read only when a consumer is free.
            let want_input = input_open && held.is_none() && (self.config.enabled || st.in_flight.is_empty());
            tokio::select! {
                batch = input.recv_uncounted(), if want_input => match batch {
                    None => input_open = false,
                    // Nothing to send: delivered as it is.
                    Some((batch, _)) if batch.item_count() == 0 => batch.into_parts().1.deliver(),
                    Some((mut batch, bytes)) => {
                        let bytes = bytes.unwrap_or_else(|| batch.byte_size() as u64);
                        let size = st.size_of(batch.item_count(), bytes);
                        if st.disk.is_none() {
                            input.count(&mut batch);
                        }
                        let job = Job { payload: Payload::Batch(batch), index: None, size, bytes };
                        if st.has_room(size) || blocks {
                            held = Some(job);
                        } else {
                            self.drop_full(job, &input);
                        }
                    }
                },
                written = wait_written(&mut st.disk), if writing => self.written(&mut st, written, &input),
                _ = tokio::time::sleep_until(waits_since.unwrap_or_else(Instant::now) + SPILL_AFTER), if waits_since.is_some() => {
                    if let Some(d) = st.disk.as_mut() {
                        d.spilling = true;
                        info!("sending_queue: the exporter is not keeping up; batches past the memory budget are kept on disk only until it does");
                    }
                }
                Some(done) = st.in_flight.join_next(), if !st.in_flight.is_empty() => match done {
                    Ok(done) => st.settle(done),
                    Err(e) if e.is_panic() => return Err(StageError::new("an export task panicked")),
                    Err(_) => {}
                },
            }
        }
        st.publish();
        if let Some(d) = st.disk.take() {
            if let Ok(disk) = Arc::try_unwrap(d.disk) {
                let _ = tokio::task::spawn_blocking(move || disk.close()).await;
            }
        }
        self.export.stats().log();
        Ok(())
    }

    /// The held batch has room: into the queue, or first onto disk.
    fn admit<B: Batch>(&self, st: &mut State<B>, mut job: Job<B>) {
        let Some(d) = &mut st.disk else {
            st.used += job.size;
            st.mem += job.bytes;
            st.queue.push_back(job);
            return;
        };
        let Payload::Batch(mut batch) = std::mem::replace(&mut job.payload, Payload::Disk) else {
            unreachable!("a received batch is in memory")
        };
        let value = persist::encode(&mut batch);
        let body = persist::body(value.clone()).expect("a value just encoded");
        let index = d.next;
        d.next += 1;
        job.index = Some(index);
        // Held in memory, encoded, while it is written; its acks wait for the write.
        job.payload = Payload::Encoded(body, batch.into_parts().1);
        st.used += job.size;
        st.mem += job.bytes;
        let done = d.disk.put(index, value);
        d.writing.push_back(Writing { job, done });
    }

    /// Start what there are free consumers (and, with a disk, memory) for.
    fn start_consumers<B: Batch>(&self, st: &mut State<B>, input: &ExporterInput<B>)
    where
        E: Export<B>,
    {
        while st.in_flight.len() < st.consumers {
            let Some(job) = st.queue.front() else { break };
            // A batch read back from disk must fit in memory next to those in flight.
            let load = if matches!(job.payload, Payload::Disk) { job.bytes } else { 0 };
            if load > 0 && !st.in_flight.is_empty() && st.mem + load > PERSISTENT_MEMORY_BYTES {
                break;
            }
            let job = st.queue.pop_front().expect("front exists");
            st.mem += load;
            let done = Done { index: job.index, size: job.size, mem: job.bytes };
            let export = self.export.clone();
            // The consumers run in the exporter's span, so their logs name it.
            match job.payload {
                Payload::Batch(batch) => {
                    st.in_flight.spawn(
                        async move {
                            export.export(batch).await;
                            done
                        }
                        .in_current_span(),
                    );
                }
                Payload::Encoded(body, acks) => {
                    st.in_flight.spawn(
                        async move {
                            export.export_encoded(body, acks).await;
                            done
                        }
                        .in_current_span(),
                    );
                }
                Payload::Disk => {
                    let d = st.disk.as_mut().expect("only a disk holds batches out of memory");
                    d.spilled -= 1;
                    let disk = d.disk.clone();
                    let index = job.index.expect("a batch on disk has a number");
                    let corrupt = st.gauges.corrupt.clone();
                    let tally = input.tally();
                    st.in_flight.spawn(
                        async move {
                            let loaded = tokio::task::spawn_blocking(move || disk.load(index)).await;
                            match loaded.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())) {
                                Ok(Stored::Value(v)) => match persist::checked_body::<B>(Bytes::from(v)) {
                                    Ok(body) => {
                                        let mut acks = Acks::none();
                                        acks.count_into(&tally, body.items() as u64);
                                        export.export_encoded(body, acks).await;
                                    }
                                    Err(e) => lost(&corrupt, index, &e),
                                },
                                Ok(other) => lost(&corrupt, index, &format!("{other:?}")),
                                Err(e) => lost(&corrupt, index, &e),
                            }
                            done
                        }
                        .in_current_span(),
                    );
                }
            }
        }
    }

    fn drop_full<B: Batch>(&self, job: Job<B>, input: &ExporterInput<B>)
    where
        E: Export<B>,
    {
        let Payload::Batch(mut batch) = job.payload else { return };
        input.count(&mut batch);
        let records = batch.item_count();
        let total = self.export.stats().dropped_records.add(records);
        warn!(
            dropped_items = records,
            dropped_records_total = total,
            "Dropping data because sending_queue is full (block_on_overflow is false)"
        );
        batch.into_parts().1.reject();
    }
}
