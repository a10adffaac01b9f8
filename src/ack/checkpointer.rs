//! Checkpoint after ack: the one loop by which receivers (journald, and the
//! file-tailing ones through `file_source`) store how far they got.
//!
//! The receiver sends each batch's position with the batch's [`AckWaiter`]
//! (progress that no batch carries goes with [`AckWaiter::delivered`]). The
//! [`Checkpointer`] keeps them in an [`OrderedAcks`] and folds each settled
//! position, in send order, into its [`CheckpointState`].
//!
//! Guarantee: the checkpoint only ever moves past contiguously settled batches
//! (delivered, or rejected for good); after an abandoned batch it never moves
//! again until restart, so that batch and everything after it are read again.
//!
//! Promptness: a write starts as soon as the checkpoint advanced and no write
//! is under way, at most every [`MIN_WRITE_INTERVAL`]; it runs on the blocking
//! pool while the loop keeps folding in settled positions, so one write covers
//! every advance made meanwhile and a slow disk never holds up the acks. After a
//! kill, what was delivered but not yet in a written checkpoint (the duplicates
//! of the next start) is thus what settled within one write and the interval,
//! about one batch at full speed. A failed write is retried after
//! [`RETRY_INTERVAL`]. The checkpoint is written once more on every way the loop
//! ends that can still write it: the sender is dropped (the reader stopped) and
//! every batch is settled, or the queue is stuck behind an abandoned batch.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, warn};

use super::{AckWaiter, OrderedAcks};
use crate::storage::StorageClient;

/// Least time between the starts of two checkpoint writes (each is durable, so
/// costs two fsyncs): at most 50 a second.
pub const MIN_WRITE_INTERVAL: Duration = Duration::from_millis(20);

/// Wait before trying a failed write again.
pub const RETRY_INTERVAL: Duration = Duration::from_millis(500);

/// Where a receiver sends `(position, waiter)` for each batch, in send order.
pub type PositionSender<P> = mpsc::Sender<(P, AckWaiter)>;

/// What a receiver stores: settled positions folded in send order.
pub trait CheckpointState: Send + 'static {
    type Position: Send + 'static;
    /// Fold in the next settled position (positions may be deltas).
    fn advance(&mut self, position: Self::Position);
    /// The bytes stored under the checkpoint's key.
    fn encode(&self) -> Vec<u8>;
}

/// Owns the ordered acks and the state; writes the state to `client` under `key`.
pub struct Checkpointer<S: CheckpointState> {
    state: S,
    acks: OrderedAcks<S::Position>,
    input: mpsc::Receiver<(S::Position, AckWaiter)>,
    /// Positions held at most, beside the ones queued in the channel.
    max_in_flight: usize,
    /// [`MIN_WRITE_INTERVAL`] (tests lengthen it).
    min_interval: Duration,
    client: Arc<dyn StorageClient>,
    key: &'static str,
}

impl<S: CheckpointState> Checkpointer<S> {
    /// A checkpointer starting from `state`, and its sender. At most `capacity`
    /// positions wait in the channel and `capacity` more for their batches to
    /// settle; a sender then waits (backpressure on the reader).
    pub fn new(
        state: S,
        client: Arc<dyn StorageClient>,
        key: &'static str,
        capacity: usize,
    ) -> (PositionSender<S::Position>, Checkpointer<S>) {
        let (tx, input) = mpsc::channel(capacity);
        let acks = OrderedAcks::default();
        (
            tx,
            Checkpointer { state, acks, input, max_in_flight: capacity, min_interval: MIN_WRITE_INTERVAL, client, key },
        )
    }

    /// Until every sender is dropped and every batch sent is settled (or the
    /// queue is stuck); then the last write.
    pub async fn run(mut self) {
        let mut open = true;
        let mut dirty = false;
        let mut next_write = Instant::now();
        let mut writing: Option<JoinHandle<bool>> = None;
        let mut warned = false;
        loop {
            // Stuck, positions are dropped as they come: never hold the reader up.
            let receive = open && (self.acks.is_stuck() || self.acks.in_flight() < self.max_in_flight);
            let can_write = dirty && writing.is_none();
            tokio::select! {
                got = self.input.recv(), if receive => match got {
                    // Behind an abandoned batch nothing is committed: drop them.
                    Some((position, waiter)) if !self.acks.is_stuck() => self.acks.push(position, waiter),
                    Some(_) => {}
                    None => open = false,
                },
                () = self.acks.settled() => {}
                done = async { writing.as_mut().expect("guarded").await }, if writing.is_some() => {
                    writing = None;
                    if !matches!(done, Ok(true)) {
                        // Try again later, with whatever has advanced by then.
                        dirty = true;
                        next_write = Instant::now() + RETRY_INTERVAL;
                    }
                }
                () = tokio::time::sleep_until(next_write), if can_write => {}
            }
            while let Some(position) = self.acks.pop_settled() {
                self.state.advance(position);
                dirty = true;
            }
            if self.acks.is_stuck() && !warned {
                warned = true;
                warn!(
                    key = self.key,
                    "a batch was not delivered: the checkpoint stays before it, and it is read again after a restart"
                );
            }
            if !open && (self.acks.in_flight() == 0 || self.acks.is_stuck()) {
                break;
            }
            if dirty && writing.is_none() && Instant::now() >= next_write {
                writing = Some(self.start_write());
                dirty = false;
                next_write = Instant::now() + self.min_interval;
            }
        }
        // The last write goes after the one under way, so it is the one that stays.
        let last_failed = match writing {
            Some(w) => !matches!(w.await, Ok(true)),
            None => false,
        };
        if dirty || last_failed {
            let _ = self.start_write().await;
        }
    }

    /// Store the state on the blocking pool; the task says whether it worked.
    fn start_write(&self) -> JoinHandle<bool> {
        let (client, key, bytes) = (self.client.clone(), self.key, self.state.encode());
        // Logged in the receiver's span, as the loop's own messages are.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            match client.set(key, &bytes) {
                Ok(()) => {
                    debug!(key, "checkpoint written");
                    true
                }
                Err(e) => {
                    warn!(key, error = %e, "cannot write the checkpoint; will retry");
                    false
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ack::Ack;
    use crate::storage::MemStorage;

    /// Positions as deltas: the state is their sum.
    struct Sum(u32);

    impl CheckpointState for Sum {
        type Position = u32;
        fn advance(&mut self, delta: u32) {
            self.0 += delta;
        }
        fn encode(&self) -> Vec<u8> {
            self.0.to_string().into_bytes()
        }
    }

    fn written(log: &MemStorage) -> Vec<String> {
        log.writes("k").into_iter().map(|b| String::from_utf8(b).unwrap()).collect()
    }

    #[tokio::test]
    async fn folds_every_settled_delta_in_order_and_stops_at_an_abandoned_batch() {
        let log = Arc::new(MemStorage::default());
        let (tx, cp) = Checkpointer::new(Sum(0), log.clone(), "k", 4);
        let task = tokio::spawn(cp.run());
        let (a1, w1) = Ack::new();
        let (a2, w2) = Ack::new();
        let (a3, w3) = Ack::new();
        tx.send((1, w1)).await.unwrap();
        tx.send((10, w2)).await.unwrap();
        tx.send((100, AckWaiter::delivered())).await.unwrap();
        tx.send((1000, w3)).await.unwrap();
        a2.deliver();
        a1.reject(); // permanently refused: moving past it is right
        drop(a3); // abandoned: 1000 is never folded in
        let (a4, w4) = Ack::new();
        tx.send((10000, w4)).await.unwrap();
        a4.deliver();
        drop(tx);
        task.await.unwrap();
        assert_eq!(written(&log).last().map(String::as_str), Some("111"));
    }

    #[tokio::test]
    async fn writes_at_once_after_an_advance_then_coalesces_within_the_interval() {
        let log = Arc::new(MemStorage::default());
        let (tx, mut cp) = Checkpointer::new(Sum(0), log.clone(), "k", 4);
        cp.min_interval = Duration::from_secs(3600);
        let task = tokio::spawn(cp.run());
        let (a1, w1) = Ack::new();
        tx.send((1, w1)).await.unwrap();
        a1.deliver();
        while written(&log).is_empty() {
            tokio::task::yield_now().await;
        }
        for d in [2, 3] {
            let (a, w) = Ack::new();
            tx.send((d, w)).await.unwrap();
            a.deliver();
        }
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert_eq!(written(&log), ["1"], "the next write waits out the interval");
        drop(tx);
        task.await.unwrap();
        assert_eq!(written(&log), ["1", "6"], "both advances in the last write");
    }

    #[tokio::test]
    async fn behind_an_abandoned_batch_the_reader_is_never_held_up() {
        let log = Arc::new(MemStorage::default());
        let (tx, cp) = Checkpointer::new(Sum(0), log.clone(), "k", 1);
        let task = tokio::spawn(cp.run());
        let sends = async {
            let (a, w) = Ack::new();
            tx.send((1, w)).await.unwrap();
            drop(a);
            for d in 0..100 {
                let (a, w) = Ack::new();
                tx.send((d, w)).await.unwrap();
                a.deliver();
            }
        };
        tokio::time::timeout(Duration::from_secs(10), sends).await.expect("the sender was held up");
        drop(tx);
        task.await.unwrap();
        assert!(written(&log).is_empty());
    }

    #[tokio::test]
    async fn the_reader_waits_when_too_many_batches_are_unsettled() {
        let log = Arc::new(MemStorage::default());
        let (tx, cp) = Checkpointer::new(Sum(0), log.clone(), "k", 1);
        let task = tokio::spawn(cp.run());
        let mut acks = Vec::new();
        for d in 0..2 {
            let (a, w) = Ack::new();
            tx.send((d, w)).await.unwrap();
            acks.push(a);
        }
        tokio::task::yield_now().await;
        let (a, w) = Ack::new();
        assert!(tx.try_send((5, w)).is_err(), "one held and one queued: full");
        acks.into_iter().for_each(Ack::deliver);
        tx.send((5, AckWaiter::delivered())).await.unwrap();
        drop((a, tx));
        task.await.unwrap();
        assert_eq!(written(&log).last().map(String::as_str), Some("6"));
    }

    /// A storage whose writes wait until the gate opens, to play a slow disk.
    struct Gated {
        mem: MemStorage,
        open: std::sync::atomic::AtomicBool,
    }

    impl StorageClient for Gated {
        fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
            self.mem.get(key)
        }
        fn set(&self, key: &str, value: &[u8]) -> std::io::Result<()> {
            while !self.open.load(std::sync::atomic::Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(1));
            }
            self.mem.set(key, value)
        }
        fn delete(&self, key: &str) -> std::io::Result<()> {
            self.mem.delete(key)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_write_never_holds_up_acks_and_the_next_write_covers_them_all() {
        let store = Arc::new(Gated { mem: MemStorage::default(), open: Default::default() });
        let (tx, mut cp) = Checkpointer::new(Sum(0), store.clone(), "k", 2);
        cp.min_interval = Duration::ZERO;
        let task = tokio::spawn(cp.run());
        // The first write starts and waits at the gate.
        tx.send((1, AckWaiter::delivered())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Meanwhile far more batches than the loop holds settle: it keeps folding.
        let more = async {
            for _ in 0..100 {
                let (a, w) = Ack::new();
                tx.send((1, w)).await.unwrap();
                a.deliver();
            }
        };
        tokio::time::timeout(Duration::from_secs(10), more).await.expect("acks were held up by the write");
        store.open.store(true, std::sync::atomic::Ordering::Release);
        let mem = &store.mem;
        while written(mem).len() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // The channel and the loop hold two positions each, so at least 97 of the
        // 100 were folded while the first write waited.
        let second: u32 = written(mem)[1].parse().unwrap();
        assert!(second >= 98, "one write covers the advances made during the slow one: {:?}", written(mem));
        drop(tx);
        task.await.unwrap();
        assert_eq!(written(mem).last().map(String::as_str), Some("101"));
    }
}
