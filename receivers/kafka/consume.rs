//! One signal's consumer loop: read a message, decode it, hand its records to
//! the pipelines with an ack, and store each partition's offset once the
//! records up to it were delivered.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{Headers, Message};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::offsets::{store, Context, Offsets};
use crate::ack::{Ack, AckWaiter, Acks};
use crate::component::StageError;
use crate::event::{kv, str_value};
use crate::kafka::encoding::{Encoding, KafkaSignal};
use crate::topology::Fanout;

/// Messages handed to the pipelines and not yet settled, at most (per signal):
/// past it, reading waits, so memory stays bounded even when exporters hold
/// batches for long.
pub const MAX_IN_FLIGHT: usize = 1000;

/// How often settled offsets are looked for.
const POLL: StdDuration = StdDuration::from_millis(50);

/// Longest wait at shutdown for the records in flight to be delivered before
/// the last commit.
const DRAIN: StdDuration = StdDuration::from_secs(10);

pub struct Consume<B> {
    pub consumer: StreamConsumer<Context>,
    pub offsets: Arc<Mutex<Offsets>>,
    pub encoding: Encoding,
    pub headers: Vec<String>,
    /// Commit after each store (autocommit disabled) instead of librdkafka's timer.
    pub commit_each: bool,
    pub output: Fanout<B>,
    pub decode_errors: Arc<AtomicU64>,
}

impl<B: KafkaSignal> Consume<B>
where
    B::Resource: prost::Message,
{
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), StageError> {
        let Consume { consumer, offsets, encoding, headers, commit_each, output, decode_errors } = self;
        let mut tick = tokio::time::interval(POLL);
        loop {
            let full = offsets.lock().expect("not poisoned").in_flight() >= MAX_IN_FLIGHT;
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => settle(&consumer, &offsets, commit_each),
                msg = consumer.recv(), if !full => {
                    let msg = match msg {
                        Ok(m) => m,
                        Err(e) => {
                            warn!(error = %e, "Kafka consumer error");
                            continue;
                        }
                    };
                    let (topic, partition, offset) = (msg.topic().to_string(), msg.partition(), msg.offset());
                    let decoded = B::decode(encoding, msg.payload().unwrap_or_default());
                    let extracted = extract(&msg, &headers);
                    drop(msg);
                    let waiter = match decoded {
                        Ok(mut data) if B::count(&data) > 0 => {
                            for r in &mut data {
                                B::resource_attributes_mut(r).extend(extracted.iter().cloned());
                            }
                            let (ack, waiter) = Ack::new();
                            if output.send(B::from_parts(data, Acks::one(ack))).await.is_err() {
                                break;
                            }
                            waiter
                        }
                        Ok(_) => AckWaiter::delivered(),
                        Err(e) => {
                            decode_errors.fetch_add(1, Ordering::Relaxed);
                            warn!(topic, partition, offset, error = %e, "failed to unmarshal message; it is skipped");
                            AckWaiter::delivered()
                        }
                    };
                    offsets.lock().expect("not poisoned").push(&topic, partition, offset, waiter);
                }
            }
        }
        // Stop feeding the pipelines, let them deliver what they hold, then
        // commit what was delivered and leave the group.
        drop(output);
        let deadline = tokio::time::Instant::now() + DRAIN;
        while offsets.lock().expect("not poisoned").in_flight() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(POLL).await;
            settle(&consumer, &offsets, false);
        }
        settle(&consumer, &offsets, false);
        let left = offsets.lock().expect("not poisoned").in_flight();
        if let Err(e) = consumer.commit_consumer_state(CommitMode::Sync) {
            info!(error = %e, "final commit");
        }
        if left > 0 {
            warn!(messages = left, "stopped with messages not delivered; they are read again after a restart");
        }
        consumer.unsubscribe();
        Ok(())
    }
}

/// Store (and with `commit`, commit) every newly settled offset; with
/// `commit`, commit again after a failed commit even when nothing is new.
fn settle(consumer: &StreamConsumer<Context>, offsets: &Mutex<Offsets>, commit: bool) {
    let ready = offsets.lock().expect("not poisoned").take_ready();
    let stored = store(consumer, ready);
    if commit && (stored || consumer.context().commit_failed.swap(false, Ordering::Relaxed)) {
        if let Err(e) = consumer.commit_consumer_state(CommitMode::Async) {
            warn!(error = %e, "committing offsets failed");
        }
    }
}

/// The configured headers of a message as `kafka.header.<name>` attributes.
fn extract(msg: &impl Message, names: &[String]) -> Vec<crate::event::KeyValue> {
    let Some(headers) = msg.headers() else { return Vec::new() };
    let mut out = Vec::new();
    for h in headers.iter() {
        if names.iter().any(|n| n == h.key) {
            let value = String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned();
            out.push(kv(format!("kafka.header.{}", h.key), str_value(value)));
        }
    }
    out
}
