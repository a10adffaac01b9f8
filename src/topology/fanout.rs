//! Sending a batch to every next stage. Each output is a bounded channel, so a
//! slow consumer slows the sender (and, through it, its siblings): backpressure
//! instead of memory growth.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::budget::Budget;
use crate::event::LogBatch;
use crate::metrics::add;
use crate::signal::Batch;

/// The next stages of a component: one sender per downstream stage.
#[derive(Debug)]
pub struct Fanout<B = LogBatch> {
    outputs: Vec<mpsc::Sender<B>>,
    /// Each output's byte budget ([`super::budget`]), when it has one.
    budgets: Vec<Option<Arc<Budget>>>,
    counters: Counters,
}

impl<B> Clone for Fanout<B> {
    fn clone(&self) -> Self {
        Fanout { outputs: self.outputs.clone(), budgets: self.budgets.clone(), counters: self.counters.clone() }
    }
}

impl<B> Default for Fanout<B> {
    fn default() -> Self {
        Fanout { outputs: Vec::new(), budgets: Vec::new(), counters: Counters::default() }
    }
}

/// What the topology counts on a fan-out (see [`crate::metrics`]).
#[derive(Clone, Debug, Default)]
pub struct Counters {
    /// Records sent on: a receiver's "accepted", a processor's "outgoing".
    pub sent: Option<Arc<AtomicU64>>,
    /// Records a non-blocking send could not place: a receiver's "refused".
    pub refused: Option<Arc<AtomicU64>>,
    /// Per output: the downstream processor's "incoming".
    pub into: Vec<Option<Arc<AtomicU64>>>,
}

impl Counters {
    fn count_sent(&self, n: usize) {
        add(&self.sent, n);
        self.into.iter().for_each(|c| add(c, n));
    }

    fn enabled(&self) -> bool {
        self.sent.is_some() || self.refused.is_some() || self.into.iter().any(Option::is_some)
    }
}

/// Every downstream stage has stopped; nothing can be delivered any more.
#[derive(Debug)]
pub struct Closed<B = LogBatch>(pub B);

/// Why a non-blocking send failed; the batch is handed back.
#[derive(Debug)]
pub enum TrySendError<B = LogBatch> {
    /// A downstream channel is full (backpressure): try again later.
    Full(B),
    Closed(B),
}

impl<B: Batch> Fanout<B> {
    pub fn new(outputs: Vec<mpsc::Sender<B>>) -> Self {
        let budgets = vec![None; outputs.len()];
        Fanout { outputs, budgets, counters: Counters::default() }
    }

    /// Outputs bounded in bytes too: each sender with its channel's budget.
    pub fn budgeted(outputs: Vec<(mpsc::Sender<B>, Option<Arc<Budget>>)>) -> Self {
        let (outputs, budgets) = outputs.into_iter().unzip();
        Fanout { outputs, budgets, counters: Counters::default() }
    }

    /// The protobuf size the budgets count, if any output has one; carried
    /// with the batch so that the receiving end does not measure it again.
    fn bytes(&self, batch: &mut B) -> u64 {
        let n = match self.budgets.iter().any(Option::is_some) {
            true => Some(batch.byte_size() as u64),
            false => None,
        };
        *batch.carried_size() = n;
        n.unwrap_or(0)
    }

    /// The same fan-out, counting what it sends.
    pub fn counted(mut self, counters: Counters) -> Self {
        self.counters = counters;
        self
    }

    fn records(&self, batch: &B) -> usize {
        if self.counters.enabled() {
            batch.item_count()
        } else {
            0
        }
    }

    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// Send to every output, waiting for room (in batches and bytes); clones
    /// for all but the last.
    pub async fn send(&self, mut batch: B) -> Result<(), Closed<B>> {
        let n = self.records(&batch);
        let bytes = self.bytes(&mut batch);
        let Some((last, rest)) = self.outputs.split_last() else {
            std::mem::take(batch.acks_mut()).deliver();
            return Ok(());
        };
        for (out, budget) in rest.iter().zip(&self.budgets) {
            if let Some(b) = budget {
                b.acquire(bytes).await;
            }
            if out.send(batch.clone()).await.is_err() {
                return Err(Closed(batch));
            }
        }
        if let Some(b) = &self.budgets[rest.len()] {
            b.acquire(bytes).await;
        }
        last.send(batch).await.map_err(|e| Closed(e.0))?;
        self.counters.count_sent(n);
        Ok(())
    }

    /// Send from a blocking thread (libsystemd readers): waits for room.
    pub fn blocking_send(&self, mut batch: B) -> Result<(), Closed<B>> {
        let n = self.records(&batch);
        let bytes = self.bytes(&mut batch);
        let Some((last, rest)) = self.outputs.split_last() else {
            std::mem::take(batch.acks_mut()).deliver();
            return Ok(());
        };
        for (out, budget) in rest.iter().zip(&self.budgets) {
            if let Some(b) = budget {
                b.blocking_acquire(bytes);
            }
            if out.blocking_send(batch.clone()).is_err() {
                return Err(Closed(batch));
            }
        }
        if let Some(b) = &self.budgets[rest.len()] {
            b.blocking_acquire(bytes);
        }
        last.blocking_send(batch).map_err(|e| Closed(e.0))?;
        self.counters.count_sent(n);
        Ok(())
    }

    /// Count `batch` as refused (a request-driven receiver told its client to
    /// retry it).
    pub fn count_refused(&self, batch: &B) {
        add(&self.counters.refused, self.records(batch));
    }

    /// Send only if every output has room right now (all or nothing), so a
    /// request-driven receiver can decide to wait or answer "busy"; a refusal
    /// is not counted here (see [`Fanout::count_refused`]).
    pub fn try_send(&self, mut batch: B) -> Result<(), TrySendError<B>> {
        let n = self.records(&batch);
        let bytes = self.bytes(&mut batch);
        // The same channel can appear more than once (two pipelines straight into one
        // exporter): reserve all its slots (and bytes) in one go.
        let mut permits = Vec::with_capacity(self.outputs.len());
        let mut taken: Vec<(&Arc<Budget>, u64)> = Vec::new();
        for (i, out) in self.outputs.iter().enumerate() {
            if self.outputs[..i].iter().any(|o| o.same_channel(out)) {
                continue;
            }
            let copies = self.outputs[i..].iter().filter(|o| o.same_channel(out)).count();
            let room = match &self.budgets[i] {
                Some(b) if b.try_acquire(bytes * copies as u64) => {
                    taken.push((b, bytes * copies as u64));
                    Ok(())
                }
                Some(_) => Err(mpsc::error::TrySendError::Full(())),
                None => Ok(()),
            };
            let refused = match room.and_then(|()| out.try_reserve_many(copies)) {
                Ok(p) => {
                    permits.extend(p);
                    continue;
                }
                Err(mpsc::error::TrySendError::Full(())) => TrySendError::Full(batch),
                Err(mpsc::error::TrySendError::Closed(())) => TrySendError::Closed(batch),
            };
            for (b, k) in taken {
                b.release(k);
            }
            return Err(refused);
        }
        self.counters.count_sent(n);
        let Some(last) = permits.pop() else {
            std::mem::take(batch.acks_mut()).deliver();
            return Ok(());
        };
        for p in permits {
            p.send(batch.clone());
        }
        last.send(batch);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ack::{Ack, Acks, Outcome};

    #[tokio::test]
    async fn fans_out_copies_with_acks() {
        let (tx1, mut rx1) = mpsc::channel(1);
        let (tx2, mut rx2) = mpsc::channel(1);
        let f = Fanout::new(vec![tx1, tx2]);
        let (ack, waiter) = Ack::new();
        f.send(LogBatch::new(vec![], Acks::one(ack))).await.unwrap();
        let a = rx1.recv().await.unwrap();
        let b = rx2.recv().await.unwrap();
        a.acks.deliver();
        b.acks.reject();
        assert_eq!(waiter.wait().await, Outcome::Rejected);
    }

    #[tokio::test]
    async fn try_send_reserves_repeated_outputs_together() {
        let (tx, mut rx) = mpsc::channel(2);
        let f = Fanout::new(vec![tx.clone(), tx.clone()]);
        f.try_send(LogBatch::default()).unwrap();
        assert!(rx.try_recv().is_ok() && rx.try_recv().is_ok(), "two copies into the one channel");
        let small = Fanout::new(vec![tx.clone(), tx.clone(), tx]);
        assert!(matches!(small.try_send(LogBatch::default()), Err(TrySendError::Full(_))), "needs 3 slots, has 2");
        assert!(rx.try_recv().is_err(), "nothing partially sent");
    }

    #[tokio::test]
    async fn try_send_is_all_or_nothing() {
        let (tx1, mut rx1) = mpsc::channel(1);
        let (tx2, _rx2) = mpsc::channel(1);
        let f = Fanout::new(vec![tx1, tx2.clone()]);
        tx2.try_send(LogBatch::default()).unwrap(); // fill output 2
        assert!(matches!(f.try_send(LogBatch::default()), Err(TrySendError::Full(_))));
        assert!(rx1.try_recv().is_err(), "nothing sent to output 1 either");
    }
}
