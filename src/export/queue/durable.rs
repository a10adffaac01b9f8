//! The queue's side of `storage`: reading back what a previous run left on
//! disk, and settling a batch's upstream acks once its write is durable.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tracing::{debug, error};

use super::config::{PERSISTENT_MEMORY_BYTES, SPILL_WRITE_BYTES};
use super::persist::{self, Disk};
use super::{Export, Job, Payload, Queue, State, Writing};
use crate::ack::Acks;
use crate::component::StageError;
use crate::signal::Batch;
use crate::storage::StorageClient;
use crate::topology::ExporterInput;

pub(super) struct DiskState<B> {
    pub(super) disk: Arc<Disk>,
    pub(super) next: u64,
    pub(super) head: u64,
    /// Settled numbers above the head.
    pub(super) settled: BTreeSet<u64>,
    /// Writes not yet answered, oldest first (the writer answers in order).
    pub(super) writing: VecDeque<Writing<B>>,
    /// Written batches go to disk only, past the memory budget: the input
    /// waited [`SPILL_AFTER`](super::config::SPILL_AFTER) for room. Until then
    /// the input waits, as for a queue in memory, and nothing is read back.
    pub(super) spilling: bool,
    /// Queued batches held on disk only.
    pub(super) spilled: usize,
}

impl<B> DiskState<B> {
    /// Batch `index` needs its copy on disk no more: move the head past every
    /// settled number.
    pub(super) fn settle(&mut self, index: u64) {
        self.settled.insert(index);
        let before = self.head;
        while self.settled.remove(&self.head) {
            self.head += 1;
        }
        if self.head != before {
            self.disk.advance(self.head);
        }
    }
}

/// The memory budget of a queue with a disk, and when it spills.
impl<B: Batch> State<B> {
    /// With a disk, may a batch of `bytes` start its write? While the memory
    /// budget holds it (batches written together share a group commit; a
    /// batch stays in memory while it is written). Past the budget: alone
    /// when nothing else is in memory (a batch larger than the budget), and
    /// while spilling, up to [`SPILL_WRITE_BYTES`] being written; otherwise
    /// it waits for a consumer to free room.
    pub(super) fn may_write(&self, bytes: u64) -> bool {
        self.disk.as_ref().is_none_or(|d| {
            let writing = || d.writing.iter().map(|w| w.job.bytes).sum::<u64>();
            self.mem + bytes <= PERSISTENT_MEMORY_BYTES
                || (d.writing.is_empty() && self.mem == 0)
                || (d.spilling && (d.writing.is_empty() || writing() + bytes <= SPILL_WRITE_BYTES))
        })
    }

    /// Is the held batch waiting for memory (not for room in the queue), with
    /// spilling off? Then it starts spilling after [`SPILL_AFTER`](super::config::SPILL_AFTER).
    pub(super) fn may_spill(&self, held: Option<&Job<B>>) -> bool {
        self.disk.as_ref().is_some_and(|d| !d.spilling)
            && held.is_some_and(|j| self.has_room(j.size) && !self.may_write(j.bytes))
    }

    /// Spilling ends once nothing waits on disk only and the held batch fits
    /// in memory again: the exporter caught up.
    pub(super) fn end_spill(&mut self, held: Option<&Job<B>>) {
        let fits = held.is_none_or(|j| self.mem + j.bytes <= PERSISTENT_MEMORY_BYTES);
        if let Some(d) = self.disk.as_mut().filter(|d| d.spilling && d.spilled == 0 && fits) {
            d.spilling = false;
            debug!("sending_queue: the exporter caught up; batches are kept in memory again");
        }
    }
}

impl<E> Queue<E> {
    /// Read what a previous run left on disk into the queue.
    pub(super) async fn open_disk<B: Batch>(
        &self,
        client: Arc<dyn StorageClient>,
        st: &mut State<B>,
        input: &ExporterInput<B>,
    ) -> Result<DiskState<B>, StageError>
    where
        E: Export<B>,
    {
        let opened = tokio::task::spawn_blocking(move || Disk::open(client, B::SIGNAL)).await;
        let (disk, restored) = match opened {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => return Err(StageError::new(format!("sending_queue: cannot open the queue on disk: {e}"))),
            Err(e) => return Err(StageError::new(format!("sending_queue: opening the queue on disk failed: {e}"))),
        };
        st.gauges.corrupt.fetch_add(restored.corrupt as u64, Ordering::Relaxed);
        let mut d = DiskState {
            disk: Arc::new(disk),
            next: restored.tail,
            head: restored.head,
            settled: restored.skipped.into_iter().collect(),
            writing: VecDeque::new(),
            spilling: false,
            spilled: 0,
        };
        if !restored.found.is_empty() {
            tracing::info!(
                batches = restored.found.len(),
                "sending_queue: sending the batches queued before the restart"
            );
        }
        for found in restored.found {
            let bytes = found.value.len() as u64;
            let size = st.size_of(found.items, bytes);
            // Kept in memory (encoded) while the budget allows; read again later otherwise.
            let payload = match (st.mem + bytes <= PERSISTENT_MEMORY_BYTES)
                .then(|| persist::checked_body::<B>(found.value.into()))
            {
                Some(Ok(body)) => {
                    st.mem += bytes;
                    Payload::Encoded(body, counted(input, found.items))
                }
                _ => {
                    d.spilled += 1;
                    Payload::Disk
                }
            };
            st.used += size;
            st.queue.push_back(Job { payload, index: Some(found.index), size, bytes });
        }
        // Tombstones at the head are settled already.
        while d.settled.remove(&d.head) {
            d.head += 1;
        }
        d.disk.advance(d.head);
        Ok(d)
    }

    /// A write ended: on disk, the upstream acks are settled; otherwise the
    /// batch stays in memory with them, and they wait for its delivery.
    pub(super) fn written<B: Batch>(&self, st: &mut State<B>, result: std::io::Result<()>, input: &ExporterInput<B>) {
        let d = st.disk.as_mut().expect("writing implies a disk");
        let Writing { mut job, .. } = d.writing.pop_front().expect("a write was pending");
        let Payload::Encoded(body, mut acks) = std::mem::replace(&mut job.payload, Payload::Disk) else {
            unreachable!("a batch is held encoded while it is written")
        };
        let items = body.items();
        match result {
            Ok(()) => {
                acks.deliver();
                if st.mem > PERSISTENT_MEMORY_BYTES {
                    // On disk only: read back when a consumer is free.
                    st.mem -= job.bytes;
                    d.spilled += 1;
                } else {
                    job.payload = Payload::Encoded(body, counted(input, items));
                }
            }
            Err(e) => {
                error!(error = %e, "sending_queue: cannot write the batch to storage; it is kept in memory and acknowledged once delivered");
                // Its number becomes a tombstone on disk: settled already.
                if let Some(i) = job.index.take() {
                    d.settle(i);
                }
                acks.count_into(&input.tally(), items as u64);
                job.payload = Payload::Encoded(body, acks);
            }
        }
        st.queue.push_back(job);
    }
}

/// Acks of a batch whose upstream acks are settled: they only count its items
/// as sent or failed.
fn counted<B: Batch>(input: &ExporterInput<B>, items: usize) -> Acks {
    let mut acks = Acks::none();
    acks.count_into(&input.tally(), items as u64);
    acks
}

/// A queued batch that could not be read back: reported and counted.
pub(super) fn lost(corrupt: &std::sync::atomic::AtomicU64, index: u64, reason: &str) {
    corrupt.fetch_add(1, Ordering::Relaxed);
    error!(index, reason, "sending_queue: a queued batch could not be read back from storage; it is not sent");
}

/// The answer of the pending write (only polled while there is one).
pub(super) async fn wait_written<B>(disk: &mut Option<DiskState<B>>) -> std::io::Result<()> {
    let w = disk.as_mut().and_then(|d| d.writing.front_mut()).expect("polled only while writing");
    (&mut w.done).await.unwrap_or_else(|_| Err(std::io::Error::other("the storage writer stopped")))
}
