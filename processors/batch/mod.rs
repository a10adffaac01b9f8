//! The `batch` processor: gathers records into larger batches before export,
//! for logs, traces and metrics (items counted as otelcol counts them: log
//! records, spans, metric data points).
//!
//! Sends when `send_batch_size` records are buffered or `timeout` has passed since
//! the oldest buffered record arrived; never sends more than `send_batch_max_size`
//! records at once (when set), splitting larger inputs. Resources and scopes are
//! kept as they came (appended, not merged), as otelcol does.
//!
//! *ferrocol's own:* it also sends once [`MAX_BUFFERED_BYTES`] of protobuf are
//! buffered, whatever `send_batch_size` says, so that batches of large records
//! (a journal entry with a big binary field is hundreds of kilobytes) stay
//! bounded in bytes.
//!
//! Acks follow the records: a merged batch carries the acks of every input it
//! holds, and an input split across pieces has a copy of its ack in each of
//! them, so it is delivered only when every piece holding its records is (and a
//! piece that is rejected rejects only the inputs it holds records of).

mod config;

use std::collections::VecDeque;

use tokio::time::{sleep_until, Instant};

use crate::ack::Acks;
use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::signal::{Batch, Encoded, MetricBatch, Signal, TraceBatch};
use crate::topology::{Fanout, Input};

pub use config::BatchConfig;

/// Buffered protobuf bytes that trigger a send, like `send_batch_size` does
/// for records: 2 MiB (8,192 records of 250 bytes), so a batch stays a few
/// megabytes in memory. Larger than a channel's byte budget: it passes the
/// next channel alone.
pub const MAX_BUFFERED_BYTES: u64 = 2 << 20;

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "batch",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<BatchConfig>(n)?)),
};

impl ProcessorConfig for BatchConfig {
    fn validate(&self) -> Vec<FieldError> {
        BatchConfig::validate(self)
    }

    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        Ok(self.batcher(cx))
    }

    fn build_traces(&self, cx: ProcessorContext<TraceBatch>) -> Result<StageTask, StageError> {
        Ok(self.batcher(cx))
    }

    fn build_metrics(&self, cx: ProcessorContext<MetricBatch>) -> Result<StageTask, StageError> {
        Ok(self.batcher(cx))
    }
}

impl BatchConfig {
    fn batcher<B: Batch>(&self, cx: ProcessorContext<B>) -> StageTask {
        let batcher = Batcher {
            size: self.send_batch_size.max(1),
            max: self.send_batch_max_size,
            timeout: self.timeout.0,
            buf: Vec::new(),
            enc: Encoded::default(),
            acks: VecDeque::new(),
            count: 0,
            bytes: 0,
            out: cx.output,
        };
        Box::pin(batcher.run(cx.input))
    }
}

/// One batcher per pipeline; counts items as otelcol does (log records,
/// spans, metric data points).
struct Batcher<B: Batch> {
    size: usize,
    max: usize,
    timeout: std::time::Duration,
    buf: Vec<B::Resource>,
    /// Buffered data still in protobuf ([`Encoded`]): appended as it is while
    /// every buffered input came encoded (then `buf` is empty), and decoded
    /// into `buf` as soon as inputs mix or a batch must be split.
    enc: Encoded,
    /// Each buffered input's acks with how many of its items are still buffered, oldest first.
    acks: VecDeque<(Acks, usize)>,
    count: usize,
    /// Protobuf bytes buffered (split pieces are counted pro rata).
    bytes: u64,
    out: Fanout<B>,
}

impl<B: Batch> Batcher<B> {
    /// Runs until every upstream sender is dropped, then flushes what is buffered.
    async fn run(mut self, mut input: Input<B>) -> Result<(), StageError> {
        // The deadline of the oldest buffered record; far away while the buffer is empty.
        let mut deadline: Option<Instant> = None;
        loop {
            let far = Instant::now() + std::time::Duration::from_secs(3600);
            let timer = sleep_until(deadline.unwrap_or(far));
            tokio::select! {
                msg = input.recv_sized() => match msg {
                    Some((batch, bytes)) => {
                        if self.count == 0 {
                            deadline = Instant::now().checked_add(self.timeout);
                        }
                        self.bytes += bytes.unwrap_or_else(|| batch.byte_size() as u64);
                        self.push(batch);
                        if self.timeout.is_zero() {
                            self.flush().await?;
                        } else {
                            self.send_full().await?;
                        }
                        if self.count == 0 {
                            deadline = None;
                        }
                    }
                    None => break, // upstream closed: drain below
                },
                _ = timer, if deadline.is_some() => {
                    self.flush().await?;
                    deadline = None;
                }
            }
        }
        self.flush().await
    }

    fn push(&mut self, mut batch: B) {
        let n = batch.item_count();
        let encoded = batch.encoded_mut().map(std::mem::take).unwrap_or_default();
        let (data, acks) = batch.into_parts();
        if n == 0 {
            // Nothing to carry: the input is done.
            acks.deliver();
            return;
        }
        self.count += n;
        if data.is_empty() && self.buf.is_empty() {
            self.enc.append(encoded);
        } else {
            // In item order: what is buffered, then the input's decoded part, then its encoded part.
            self.decode_buffered();
            self.buf.extend(data);
            encoded.decode_into(&mut self.buf);
        }
        self.acks.push_back((acks, n));
    }

    fn decode_buffered(&mut self) {
        if !self.enc.is_empty() {
            std::mem::take(&mut self.enc).decode_into(&mut self.buf);
        }
    }

    /// Send while at least `send_batch_size` records (or [`MAX_BUFFERED_BYTES`]) are buffered.
    async fn send_full(&mut self) -> Result<(), StageError> {
        while self.count >= self.size || (self.count > 0 && self.bytes >= MAX_BUFFERED_BYTES) {
            let mut take = if self.max > 0 { self.count.min(self.max) } else { self.count };
            // Large records: about MAX_BUFFERED_BYTES per batch (pro rata), at least one record.
            // Encoded requests are not split for bytes: they exceed the bound by one request at most.
            if self.enc.is_empty() {
                let per_bytes = (MAX_BUFFERED_BYTES as u128 * self.count as u128 / self.bytes.max(1) as u128) as usize;
                take = take.min(per_bytes.max(1));
            }
            self.send(take).await?;
        }
        Ok(())
    }

    /// Send everything buffered, in pieces of at most `send_batch_max_size`.
    async fn flush(&mut self) -> Result<(), StageError> {
        while self.count > 0 {
            let take = if self.max > 0 { self.count.min(self.max) } else { self.count };
            self.send(take).await?;
        }
        Ok(())
    }

    /// Send the first `n` buffered records.
    async fn send(&mut self, n: usize) -> Result<(), StageError> {
        if n < self.count {
            self.decode_buffered();
        }
        let acks = self.take_acks(n);
        let batch = if self.enc.is_empty() {
            let items = if n >= self.count { std::mem::take(&mut self.buf) } else { B::take(&mut self.buf, n) };
            B::from_parts(items, acks)
        } else {
            B::from_encoded(std::mem::take(&mut self.enc), acks)
        };
        self.bytes -= (self.bytes as u128 * n as u128 / self.count as u128) as u64;
        self.count -= n;
        self.out.send(batch).await.map_err(|_| StageError::new("downstream stopped"))
    }

    /// The acks of the inputs the first `n` buffered records came from; an input
    /// whose records are split keeps a copy of its acks for the rest.
    fn take_acks(&mut self, mut n: usize) -> Acks {
        let mut out = Acks::none();
        while n > 0 {
            let Some((acks, left)) = self.acks.front_mut() else { break };
            if *left <= n {
                n -= *left;
                let (acks, _) = self.acks.pop_front().expect("front exists");
                out.merge(acks);
            } else {
                out.merge(acks.clone());
                *left -= n;
                n = 0;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
