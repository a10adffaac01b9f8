//! Settling batches in the order they were sent: out-of-order completions
//! become positions handed out in send order, never past a batch that is not
//! settled, and never past one that was abandoned.

use std::collections::VecDeque;

use super::AckWaiter;

/// A receiver pushes each batch's position with its waiter;
/// [`OrderedAcks::pop_settled`] hands the positions back oldest first, each only
/// once its batch and every batch before it are settled. An abandoned batch
/// stops the queue there for good (until restart), so nothing after a gap is
/// handed out.
pub struct OrderedAcks<P> {
    pending: VecDeque<(P, AckWaiter)>,
    stuck: bool,
}

impl<P> Default for OrderedAcks<P> {
    fn default() -> Self {
        OrderedAcks { pending: VecDeque::new(), stuck: false }
    }
}

impl<P> OrderedAcks<P> {
    pub fn push(&mut self, position: P, waiter: AckWaiter) {
        self.pending.push_back((position, waiter));
    }

    /// Batches sent but not handed back yet.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// True once a batch was abandoned: no later position may be committed.
    pub fn is_stuck(&self) -> bool {
        self.stuck
    }

    /// The oldest position if its batch is settled, without waiting.
    pub fn pop_settled(&mut self) -> Option<P> {
        if self.stuck {
            return None;
        }
        let (_, waiter) = self.pending.front_mut()?;
        match waiter.try_outcome()? {
            o if o.is_final() => self.pending.pop_front().map(|(p, _)| p),
            _ => {
                self.stuck = true;
                None
            }
        }
    }

    /// The newest position whose batch and all before it are settled, without waiting.
    pub fn poll_ready(&mut self) -> Option<P> {
        std::iter::from_fn(|| self.pop_settled()).last()
    }

    /// Wait until the oldest batch is settled (then [`Self::pop_settled`] has
    /// something, or the queue is stuck). Never returns while nothing is pending
    /// or the queue is stuck. Cancel-safe: the outcome is kept in the waiter.
    pub async fn settled(&mut self) {
        match self.pending.front_mut() {
            Some((_, waiter)) if !self.stuck => {
                waiter.wait_mut().await;
            }
            _ => std::future::pending().await,
        }
    }

    /// Wait for the oldest batch to settle, then return what [`Self::poll_ready`] would.
    /// Returns `None` at once when nothing is pending or the queue is stuck.
    pub async fn next_ready(&mut self) -> Option<P> {
        if self.stuck || self.pending.is_empty() {
            return None;
        }
        self.settled().await;
        self.poll_ready()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ack::Ack;

    #[tokio::test]
    async fn ordered_acks_commit_only_contiguous() {
        let mut q = OrderedAcks::default();
        let (a1, w1) = Ack::new();
        let (a2, w2) = Ack::new();
        let (a3, w3) = Ack::new();
        q.push(1, w1);
        q.push(2, w2);
        q.push(3, w3);
        a2.deliver();
        assert_eq!(q.poll_ready(), None, "batch 1 is not settled yet");
        a1.deliver();
        assert_eq!(q.poll_ready(), Some(2));
        drop(a3);
        assert_eq!(q.poll_ready(), None);
        assert!(q.is_stuck());
        let (a4, w4) = Ack::new();
        q.push(4, w4);
        a4.deliver();
        assert_eq!(q.poll_ready(), None, "nothing after an abandoned batch is committed");
    }

    #[tokio::test]
    async fn positions_come_back_one_by_one_in_order() {
        let mut q = OrderedAcks::default();
        let (a1, w1) = Ack::new();
        let (a2, w2) = Ack::new();
        q.push(1, w1);
        q.push(2, w2);
        q.push(3, AckWaiter::delivered());
        a2.deliver();
        a1.deliver();
        let got: Vec<i32> = std::iter::from_fn(|| q.pop_settled()).collect();
        assert_eq!(got, [1, 2, 3]);
    }

    #[tokio::test]
    async fn next_ready_is_cancel_safe() {
        let mut q = OrderedAcks::default();
        let (a1, w1) = Ack::new();
        q.push(1, w1);
        // Cancelled while waiting: the batch must still be pending afterwards.
        assert!(tokio::time::timeout(std::time::Duration::from_millis(10), q.next_ready()).await.is_err());
        assert_eq!(q.in_flight(), 1);
        a1.deliver();
        assert_eq!(q.next_ready().await, Some(1));
        assert_eq!(q.in_flight(), 0);
    }

    #[tokio::test]
    async fn next_ready_waits() {
        let mut q = OrderedAcks::default();
        let (a1, w1) = Ack::new();
        q.push("x", w1);
        let h = tokio::spawn(async move { q.next_ready().await });
        tokio::task::yield_now().await;
        a1.deliver();
        assert_eq!(h.await.unwrap(), Some("x"));
    }
}
