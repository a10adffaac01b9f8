//! Delivery acknowledgements: how a receiver learns that a batch it emitted has
//! been delivered, so that it checkpoints only what is safe.
//!
//! A receiver makes an [`Ack`] and keeps its [`AckWaiter`]. The ack travels with
//! the batch. Every copy of a batch (fan-out to several pipelines, a split into
//! smaller batches) holds a clone of the ack, and every clone must be *settled*:
//! [`Ack::deliver`] by an exporter that delivered it or a processor that dropped
//! the records on purpose, [`Ack::reject`] by an exporter whose backend refused it
//! for good. A clone dropped without being settled (an exporter aborted at the
//! shutdown deadline, a stage that crashed) marks the batch [`Outcome::Abandoned`].
//! The waiter resolves once the last clone is gone, with the worst outcome seen.
//!
//! Receivers checkpoint on `Delivered` and `Rejected` (retrying a permanent
//! rejection cannot help) and never on `Abandoned`: those records will be read
//! again after a restart. [`OrderedAcks`] turns out-of-order completions into
//! settled positions in send order, and [`Checkpointer`] (the one way receivers
//! checkpoint) folds them into the stored checkpoint.

mod checkpointer;
mod ordered;

pub use checkpointer::{CheckpointState, Checkpointer, PositionSender};
pub use ordered::OrderedAcks;

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// How a batch ended, worst copy wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Delivered = 0,
    Rejected = 1,
    Abandoned = 2,
}

impl Outcome {
    /// May the receiver move its checkpoint past this batch?
    pub fn is_final(self) -> bool {
        self != Outcome::Abandoned
    }

    fn from_u8(v: u8) -> Outcome {
        match v {
            0 => Outcome::Delivered,
            1 => Outcome::Rejected,
            _ => Outcome::Abandoned,
        }
    }
}

struct Shared {
    worst: AtomicU8,
    tx: Mutex<Option<oneshot::Sender<Outcome>>>,
}

impl Drop for Shared {
    // The last clone is gone: report the worst outcome.
    fn drop(&mut self) {
        let tx = self.tx.get_mut().map(Option::take).unwrap_or_else(|p| p.into_inner().take());
        if let Some(tx) = tx {
            let _ = tx.send(Outcome::from_u8(self.worst.load(Ordering::Acquire)));
        }
    }
}

/// One pending copy of a batch's delivery.
pub struct Ack {
    shared: Arc<Shared>,
    settled: bool,
}

impl Ack {
    /// A new ack and the waiter that resolves when every copy is settled.
    pub fn new() -> (Ack, AckWaiter) {
        let (tx, rx) = oneshot::channel();
        let shared = Arc::new(Shared { worst: AtomicU8::new(0), tx: Mutex::new(Some(tx)) });
        (Ack { shared, settled: false }, AckWaiter { rx, known: None })
    }

    /// This copy was delivered (or deliberately dropped by a processor).
    pub fn deliver(mut self) {
        self.settled = true;
    }

    /// This copy was permanently refused.
    pub fn reject(mut self) {
        self.shared.worst.fetch_max(Outcome::Rejected as u8, Ordering::AcqRel);
        self.settled = true;
    }
}

impl Clone for Ack {
    /// Another copy that must be settled on its own.
    fn clone(&self) -> Ack {
        Ack { shared: self.shared.clone(), settled: false }
    }
}

impl Drop for Ack {
    fn drop(&mut self) {
        if !self.settled {
            self.shared.worst.fetch_max(Outcome::Abandoned as u8, Ordering::AcqRel);
        }
    }
}

impl std::fmt::Debug for Ack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ack")
    }
}

/// Resolves once every copy of the batch is settled.
pub struct AckWaiter {
    rx: oneshot::Receiver<Outcome>,
    /// The outcome once received (the channel yields it only once).
    known: Option<Outcome>,
}

impl AckWaiter {
    /// A waiter for progress that no batch carries (nothing to wait for).
    pub fn delivered() -> AckWaiter {
        AckWaiter { rx: oneshot::channel().1, known: Some(Outcome::Delivered) }
    }

    pub async fn wait(mut self) -> Outcome {
        self.wait_mut().await
    }

    /// Wait without consuming the waiter (cancel-safe); the outcome is kept.
    async fn wait_mut(&mut self) -> Outcome {
        if let Some(o) = self.known {
            return o;
        }
        let o = (&mut self.rx).await.unwrap_or(Outcome::Abandoned);
        self.known = Some(o);
        o
    }

    /// The outcome if it is already known.
    pub fn try_outcome(&mut self) -> Option<Outcome> {
        if self.known.is_none() {
            self.known = match self.rx.try_recv() {
                Ok(o) => Some(o),
                Err(oneshot::error::TryRecvError::Empty) => None,
                Err(oneshot::error::TryRecvError::Closed) => Some(Outcome::Abandoned),
            };
        }
        self.known
    }
}

/// The acks a batch carries: one per receiver batch merged into it, and, once
/// an exporter received it, that exporter's [`Tally`] with the batch's record
/// count, so its sent/failed records are counted where the batch is settled.
#[derive(Default, Debug)]
pub struct Acks {
    acks: Vec<Ack>,
    counted: Option<(Arc<Tally>, u64)>,
}

impl Clone for Acks {
    /// Another copy to settle; a tally counts only the copy that carried it in.
    fn clone(&self) -> Acks {
        Acks { acks: self.acks.clone(), counted: None }
    }
}

impl Acks {
    pub fn none() -> Acks {
        Acks::default()
    }

    pub fn one(ack: Ack) -> Acks {
        Acks { acks: vec![ack], counted: None }
    }

    /// Take over another batch's acks (the batch processor merging batches).
    pub fn merge(&mut self, other: Acks) {
        self.acks.extend(other.acks);
    }

    /// Count `records` in `tally` when this batch is settled (an exporter's input).
    pub fn count_into(&mut self, tally: &Arc<Tally>, records: u64) {
        self.counted = Some((tally.clone(), records));
    }

    pub fn deliver(self) {
        if let Some((tally, n)) = &self.counted {
            tally.sent.fetch_add(*n, Ordering::Relaxed);
        }
        self.acks.into_iter().for_each(Ack::deliver);
    }

    pub fn reject(self) {
        if let Some((tally, n)) = &self.counted {
            tally.failed.fetch_add(*n, Ordering::Relaxed);
        }
        self.acks.into_iter().for_each(Ack::reject);
    }

    pub fn len(&self) -> usize {
        self.acks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.acks.is_empty()
    }
}

/// An exporter's counts of records by how their batches were settled
/// (otelcol's `exporter_sent` / `exporter_send_failed`). Abandoned batches are
/// neither: they will be read again.
#[derive(Debug, Default)]
pub struct Tally {
    pub sent: Arc<AtomicU64>,
    pub failed: Arc<AtomicU64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn all_copies_must_settle() {
        let (ack, waiter) = Ack::new();
        let copy = ack.clone();
        ack.deliver();
        let mut waiter = waiter;
        assert_eq!(waiter.try_outcome(), None, "one copy still pending");
        copy.deliver();
        assert_eq!(waiter.wait().await, Outcome::Delivered);
    }

    #[tokio::test]
    async fn worst_outcome_wins() {
        let (ack, waiter) = Ack::new();
        let copy = ack.clone();
        ack.reject();
        copy.deliver();
        assert_eq!(waiter.wait().await, Outcome::Rejected);

        let (ack, waiter) = Ack::new();
        let copy = ack.clone();
        ack.reject();
        drop(copy); // never settled: e.g. aborted at the shutdown deadline
        assert_eq!(waiter.wait().await, Outcome::Abandoned);
    }

    #[tokio::test]
    async fn a_tally_counts_the_settled_copy_once() {
        let tally = Arc::new(Tally::default());
        let (ack, waiter) = Ack::new();
        let mut acks = Acks::one(ack);
        acks.count_into(&tally, 5);
        let copy = acks.clone();
        acks.deliver();
        copy.deliver();
        assert_eq!(waiter.wait().await, Outcome::Delivered);
        assert_eq!(tally.sent.load(Ordering::Relaxed), 5, "the clone carries no tally");
        let mut rejected = Acks::none();
        rejected.count_into(&tally, 3);
        rejected.reject();
        assert_eq!(tally.failed.load(Ordering::Relaxed), 3);
        let mut abandoned = Acks::none();
        abandoned.count_into(&tally, 7);
        drop(abandoned);
        assert_eq!((tally.sent.load(Ordering::Relaxed), tally.failed.load(Ordering::Relaxed)), (5, 3));
    }
}
