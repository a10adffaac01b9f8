//! Sending a batch to every next stage. Each output is a bounded channel, so a
//! slow consumer slows the sender (and, through it, its siblings): backpressure
//! instead of memory growth.

use tokio::sync::mpsc;

use crate::event::LogBatch;

/// The next stages of a component: one sender per downstream stage.
#[derive(Clone, Debug, Default)]
pub struct Fanout {
    outputs: Vec<mpsc::Sender<LogBatch>>,
}

/// Every downstream stage has stopped; nothing can be delivered any more.
#[derive(Debug)]
pub struct Closed(pub LogBatch);

/// Why a non-blocking send failed; the batch is handed back.
#[derive(Debug)]
pub enum TrySendError {
    /// A downstream channel is full (backpressure): try again later.
    Full(LogBatch),
    Closed(LogBatch),
}

impl Fanout {
    pub fn new(outputs: Vec<mpsc::Sender<LogBatch>>) -> Self {
        Fanout { outputs }
    }

    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// Send to every output, waiting for room; clones for all but the last.
    pub async fn send(&self, batch: LogBatch) -> Result<(), Closed> {
        let Some((last, rest)) = self.outputs.split_last() else {
            batch.acks.deliver();
            return Ok(());
        };
        for out in rest {
            if out.send(batch.clone()).await.is_err() {
                return Err(Closed(batch));
            }
        }
        last.send(batch).await.map_err(|e| Closed(e.0))
    }

    /// Send from a blocking thread (libsystemd readers): waits for room.
    pub fn blocking_send(&self, batch: LogBatch) -> Result<(), Closed> {
        let Some((last, rest)) = self.outputs.split_last() else {
            batch.acks.deliver();
            return Ok(());
        };
        for out in rest {
            if out.blocking_send(batch.clone()).is_err() {
                return Err(Closed(batch));
            }
        }
        last.blocking_send(batch).map_err(|e| Closed(e.0))
    }

    /// Send only if every output has room right now (all or nothing), so a
    /// request-driven receiver can answer "busy" instead of waiting.
    pub fn try_send(&self, batch: LogBatch) -> Result<(), TrySendError> {
        let mut permits = Vec::with_capacity(self.outputs.len());
        for out in &self.outputs {
            match out.try_reserve() {
                Ok(p) => permits.push(p),
                Err(mpsc::error::TrySendError::Full(())) => return Err(TrySendError::Full(batch)),
                Err(mpsc::error::TrySendError::Closed(())) => return Err(TrySendError::Closed(batch)),
            }
        }
        let Some(last) = permits.pop() else {
            batch.acks.deliver();
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
    async fn try_send_is_all_or_nothing() {
        let (tx1, mut rx1) = mpsc::channel(1);
        let (tx2, _rx2) = mpsc::channel(1);
        let f = Fanout::new(vec![tx1, tx2.clone()]);
        tx2.try_send(LogBatch::default()).unwrap(); // fill output 2
        assert!(matches!(f.try_send(LogBatch::default()), Err(TrySendError::Full(_))));
        assert!(rx1.try_recv().is_err(), "nothing sent to output 1 either");
    }
}
