//! Byte bounds on the channels between stages. Each channel the topology
//! wires is bounded in batches (`service::channel_capacity`) *and* in bytes
//! ([`CHANNEL_BYTES`] of protobuf): a sender waits until the batch fits, and
//! the receiving stage gives the bytes back as it takes the batch. A batch
//! larger than the whole budget passes alone, once the channel is empty, so
//! nothing is ever refused for its size.
//!
//! Batch counts alone bound nothing: a receiver's batch of 256 journal entries
//! with 16 KiB binary fields is 46 MB of protobuf, and sixteen of them wait in
//! one channel. The budget is counted in the same unit as the sending queue's
//! (`Batch::byte_size`), measured once by the sender and carried with the
//! batch (`Batch::carried_size`), so the receiver gives back exactly what was
//! taken without measuring again — the batch does not change while it waits.

use std::pin::pin;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use tokio::sync::{mpsc, Notify};

use crate::signal::Batch;

/// The bytes one channel may hold: 1 MiB of protobuf (a few times that in
/// memory). Several receiver batches of small records fit, so throughput does
/// not suffer; a `batch` processor's batch (up to 2 MiB) passes alone. With
/// 2 MiB, the 1 GiB Teleport benchmark peaked 4–11 MB higher for the same
/// time (bench/README.md).
pub const CHANNEL_BYTES: u64 = 1 << 20;

/// A byte budget shared by a channel's senders and its receiver.
#[derive(Debug)]
pub struct Budget {
    cap: u64,
    used: Mutex<u64>,
    /// Wakes blocked (thread) senders.
    freed: Condvar,
    /// Wakes async senders.
    notify: Notify,
}

impl Budget {
    pub fn new(cap: u64) -> Arc<Budget> {
        Arc::new(Budget { cap, used: Mutex::new(0), freed: Condvar::new(), notify: Notify::new() })
    }

    fn fits(&self, used: u64, n: u64) -> bool {
        used == 0 || used + n <= self.cap
    }

    /// Take `n` bytes if they fit now.
    pub fn try_acquire(&self, n: u64) -> bool {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        let ok = self.fits(*used, n);
        if ok {
            *used += n;
        }
        ok
    }

    /// Wait until `n` bytes fit, then take them.
    pub async fn acquire(&self, n: u64) {
        loop {
            let mut freed = pin!(self.notify.notified());
            // Registered before the check, so a release in between is not missed.
            freed.as_mut().enable();
            if self.try_acquire(n) {
                return;
            }
            freed.await;
        }
    }

    /// The same from a thread outside the runtime (libsystemd readers).
    pub fn blocking_acquire(&self, n: u64) {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        while !self.fits(*used, n) {
            used = self.freed.wait(used).unwrap_or_else(PoisonError::into_inner);
        }
        *used += n;
    }

    pub fn release(&self, n: u64) {
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        *used = used.saturating_sub(n);
        drop(used);
        self.freed.notify_all();
        self.notify.notify_waiters();
    }

    /// On receipt of `batch` from a channel bounded by `budget` (if any): take
    /// the size its sender measured, so the batch may change from here, and
    /// give those bytes back. The size, when the channel has a budget.
    pub fn received<B: Batch>(budget: Option<&Budget>, batch: &mut B) -> Option<u64> {
        let carried = batch.carried_size().take();
        let budget = budget?;
        let n = carried.unwrap_or_else(|| batch.byte_size() as u64);
        budget.release(n);
        Some(n)
    }

    /// Bytes held now.
    pub fn used(&self) -> u64 {
        *self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A stage's input: the channel, and the budget its batches are given back to.
#[derive(Debug)]
pub struct Input<B> {
    rx: mpsc::Receiver<B>,
    budget: Option<Arc<Budget>>,
}

impl<B: Batch> Input<B> {
    pub fn new(rx: mpsc::Receiver<B>, budget: Option<Arc<Budget>>) -> Self {
        Input { rx, budget }
    }

    /// The next batch; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<B> {
        Some(self.recv_sized().await?.0)
    }

    /// The next batch and its protobuf size (computed only when the channel has a budget).
    pub async fn recv_sized(&mut self) -> Option<(B, Option<u64>)> {
        let mut batch = self.rx.recv().await?;
        let size = Budget::received(self.budget.as_deref(), &mut batch);
        Some((batch, size))
    }

    /// Batches waiting.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}

impl<B: Batch> From<mpsc::Receiver<B>> for Input<B> {
    fn from(rx: mpsc::Receiver<B>) -> Self {
        Input::new(rx, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn senders_wait_for_room_and_big_ones_pass_alone() {
        let b = Budget::new(100);
        assert!(b.try_acquire(60) && !b.try_acquire(50) && b.try_acquire(40));
        let waiter = {
            let b = b.clone();
            tokio::spawn(async move { b.acquire(500).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "waits while anything is held");
        b.release(60);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        b.release(40);
        waiter.await.unwrap();
        assert_eq!(b.used(), 500, "alone, over the cap");
        let t = {
            let b = b.clone();
            std::thread::spawn(move || b.blocking_acquire(10))
        };
        b.release(500);
        t.join().unwrap();
        assert_eq!(b.used(), 10);
    }

    #[tokio::test]
    async fn the_receiver_gives_back_what_the_sender_measured() {
        use crate::event::{kv, str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
        use crate::topology::Fanout;
        let record = LogRecord { attributes: vec![kv("k", str_value("v".repeat(100)))], ..Default::default() };
        let data = vec![ResourceLogs {
            scope_logs: vec![ScopeLogs { log_records: vec![record; 3], ..Default::default() }],
            ..Default::default()
        }];
        let size = LogBatch::new(data.clone(), Default::default()).byte_size() as u64;
        let budget = Budget::new(1 << 20);
        let (tx, rx) = mpsc::channel(4);
        let fanout = Fanout::budgeted(vec![(tx, Some(budget.clone()))]);
        fanout.send(LogBatch::new(data.clone(), Default::default())).await.unwrap();
        assert_eq!(budget.used(), size);
        let mut input = Input::new(rx, Some(budget.clone()));
        let (mut got, n) = input.recv_sized().await.unwrap();
        assert_eq!((n, budget.used()), (Some(size), 0));
        assert_eq!(*got.carried_size(), None, "taken on receipt: the batch may change from here");
        // Without a budget nothing is measured, and a stale size is not kept.
        let (tx, rx) = mpsc::channel(4);
        let mut stale = LogBatch::new(data, Default::default());
        *stale.carried_size() = Some(7);
        tx.send(stale).await.unwrap();
        let (mut got, n) = Input::new(rx, None).recv_sized().await.unwrap();
        assert_eq!((n, *got.carried_size()), (None, None));
    }
}
