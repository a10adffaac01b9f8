//! Which offsets may be committed: per partition, the messages handed to the
//! pipelines in offset order, each with its [`AckWaiter`]; an offset is stored
//! (for librdkafka to commit) only once it and every message before it were
//! settled. Revoked partitions hand over what is stored: the offsets are
//! committed before the partition goes, and messages still in flight there are
//! read again by the next owner (at least once; duplicates are bounded by what
//! was in flight).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;
use tracing::{debug, error, info, warn};

use crate::ack::{AckWaiter, OrderedAcks};

/// Messages in flight, by topic and partition.
#[derive(Default)]
pub struct Offsets {
    partitions: HashMap<(String, i32), OrderedAcks<i64>>,
    in_flight: usize,
}

impl Offsets {
    pub fn push(&mut self, topic: &str, partition: i32, offset: i64, waiter: AckWaiter) {
        let q = self.partitions.entry((topic.to_string(), partition)).or_default();
        q.push(offset, waiter);
        self.in_flight += 1;
    }

    /// Messages handed over and not yet settled (or behind one that is not).
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// The newest settled offset of each partition that moved.
    pub fn take_ready(&mut self) -> Vec<(String, i32, i64)> {
        let mut ready = Vec::new();
        for ((topic, partition), q) in &mut self.partitions {
            let before = q.in_flight();
            if let Some(offset) = q.poll_ready() {
                ready.push((topic.clone(), *partition, offset));
            }
            self.in_flight -= before - q.in_flight();
        }
        ready
    }

    /// Forget a partition (revoked): its unsettled messages are read again by its next owner.
    fn forget(&mut self, topic: &str, partition: i32) {
        if let Some(q) = self.partitions.remove(&(topic.to_string(), partition)) {
            self.in_flight -= q.in_flight();
            if q.in_flight() > 0 {
                debug!(topic, partition, in_flight = q.in_flight(), "partition revoked with messages in flight");
            }
        }
    }
}

/// Store the settled offsets in `consumer` (for its next commit).
pub fn store<C: Consumer<X>, X: ConsumerContext>(consumer: &C, ready: Vec<(String, i32, i64)>) -> bool {
    let any = !ready.is_empty();
    for (topic, partition, offset) in ready {
        // Stores offset + 1: the next message to read.
        if let Err(e) = consumer.store_offset(&topic, partition, offset) {
            debug!(topic, partition, offset, error = %e, "offset not stored (partition no longer assigned)");
        }
    }
    any
}

/// The consumer's context: on a revocation, stores what is settled, commits,
/// and forgets the revoked partitions; librdkafka's log goes to `tracing`, and
/// offset resets (the position fell off the log: records never read) are
/// counted in `resets`.
pub struct Context {
    pub offsets: Arc<Mutex<Offsets>>,
    pub resets: Arc<AtomicU64>,
    /// Set when a commit failed (say, during a rebalance): committing after
    /// each delivery must try again even when nothing new was delivered, or
    /// the last offsets would stay uncommitted.
    pub commit_failed: AtomicBool,
}

impl ClientContext for Context {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        use RDKafkaLogLevel::*;
        let serious = matches!(level, Emerg | Alert | Critical | Error | Warning);
        if fac == "OFFSET" && message.contains("offset reset") && serious {
            // librdkafka warns only when a fetch failed (offset out of range):
            // the records between the position and the new one are skipped.
            self.resets.fetch_add(1, Ordering::Relaxed);
            error!(librdkafka = fac, "{message}; records were deleted (retention) before they were read");
            return;
        }
        match level {
            Emerg | Alert | Critical | Error => error!(librdkafka = fac, "{message}"),
            Warning => warn!(librdkafka = fac, "{message}"),
            Notice | Info => info!(librdkafka = fac, "{message}"),
            Debug => debug!(librdkafka = fac, "{message}"),
        }
    }
}

impl ConsumerContext for Context {
    fn pre_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let Rebalance::Revoke(revoked) = rebalance else { return };
        let mut offsets = self.offsets.lock().unwrap_or_else(|p| p.into_inner());
        store(consumer, offsets.take_ready());
        match consumer.commit_consumer_state(CommitMode::Sync) {
            // Nothing stored since the last commit is the usual case.
            Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            // Say, the rebalance is in progress: the partitions kept are
            // committed again after it (no commit callback for this one).
            Err(e) => {
                self.commit_failed.store(true, Ordering::Relaxed);
                debug!(error = %e, "commit before revocation");
            }
        }
        for e in revoked.elements() {
            offsets.forget(e.topic(), e.partition());
        }
    }

    fn commit_callback(&self, result: rdkafka::error::KafkaResult<()>, _offsets: &rdkafka::TopicPartitionList) {
        match result {
            Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(e) => {
                self.commit_failed.store(true, Ordering::Relaxed);
                warn!(error = %e, "committing offsets failed; they are committed again");
            }
        }
    }
}
