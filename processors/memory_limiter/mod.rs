//! The `memory_limiter` processor: keeps the process's memory under a limit by
//! holding data back while usage is above the soft limit (`limit - spike`).
//!
//! otelcol refuses data with an error at that point, and what happens to it is
//! up to the receiver (stanza receivers drop it). ferrocol instead holds the
//! batch it has in hand and measures again every `check_interval`: its bounded
//! input channel fills, the durable receivers' blocking sends wait (they stop
//! reading and resume later, losing nothing) and the otlp receiver's
//! non-blocking send finds the pipeline full and answers 503 with
//! `Retry-After`. Usage is the process's resident set (`/proc/self/statm`), the
//! figure the kernel's OOM killer counts.
//!
//! The hold lasts while usage stays above the soft limit *and* data this
//! processor passed on is still in flight downstream: delivering that data is
//! what frees memory. With nothing in flight, holding cannot help (the memory is
//! held elsewhere) and the batch goes on, so the pipeline never stalls for good
//! (and a shutdown always completes).

mod config;
mod memory;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::ack::{Ack, AckWaiter, Acks};
use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::signal::{Batch, MetricBatch, Signal, TraceBatch};
use crate::topology::{Fanout, Input};

pub use config::{Limits, MemoryLimiterConfig};

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "memory_limiter",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<MemoryLimiterConfig>(n)?)),
};

impl ProcessorConfig for MemoryLimiterConfig {
    fn validate(&self) -> Vec<FieldError> {
        MemoryLimiterConfig::validate(self)
    }

    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        self.limiter(cx)
    }

    fn build_traces(&self, cx: ProcessorContext<TraceBatch>) -> Result<StageTask, StageError> {
        self.limiter(cx)
    }

    fn build_metrics(&self, cx: ProcessorContext<MetricBatch>) -> Result<StageTask, StageError> {
        self.limiter(cx)
    }
}

/// otelcol's refusal counters, one per signal.
fn refused_counter(signal: Signal) -> &'static str {
    match signal {
        Signal::Logs => "otelcol_processor_refused_log_records_total",
        Signal::Traces => "otelcol_processor_refused_spans_total",
        Signal::Metrics => "otelcol_processor_refused_metric_points_total",
    }
}

impl MemoryLimiterConfig {
    fn limiter<B: Batch>(&self, cx: ProcessorContext<B>) -> Result<StageTask, StageError> {
        let limits = self.limits(memory::total_bytes).map_err(|e| StageError::new(e).at("limit_percentage"))?;
        let limiter = Limiter {
            limits,
            check_interval: self.check_interval.0,
            gc: (!self.disable_gc).then_some(GcIntervals {
                soft: self.min_gc_interval_when_soft_limited.0,
                hard: self.min_gc_interval_when_hard_limited.0,
            }),
            last_gc: None,
            measure: Box::new(|| memory::rss_bytes().unwrap_or(0)),
            in_flight: VecDeque::new(),
            last_used: 0,
            limited: false,
            refused: crate::metrics::counter(
                refused_counter(B::SIGNAL),
                "Items otelcol's memory_limiter would have refused: ferrocol held them until memory was available.",
                vec![("processor", cx.id.to_string())],
            ),
            out: cx.output,
        };
        tracing::info!(
            processor = %cx.id,
            limit_mib = limits.hard >> 20,
            spike_limit_mib = (limits.hard - limits.soft) >> 20,
            check_interval = ?self.check_interval.0,
            "Memory limiter configured"
        );
        Ok(Box::pin(limiter.run(cx.input)))
    }
}

struct GcIntervals {
    soft: Duration,
    hard: Duration,
}

struct Limiter<B> {
    limits: Limits,
    check_interval: Duration,
    gc: Option<GcIntervals>,
    last_gc: Option<Instant>,
    /// Current usage in bytes (the resident set; replaceable in tests).
    measure: Box<dyn FnMut() -> u64 + Send>,
    /// One waiter per batch passed on, resolved when downstream settled it; oldest first.
    in_flight: VecDeque<AckWaiter>,
    /// The last measurement, and whether it was at or above the soft limit.
    last_used: u64,
    limited: bool,
    refused: Arc<AtomicU64>,
    out: Fanout<B>,
}

impl<B: Batch> Limiter<B> {
    async fn run(mut self, mut input: Input<B>) -> Result<(), StageError> {
        while let Some(mut batch) = input.recv().await {
            // Reading /proc/self/statm costs microseconds: measure for every batch, so
            // that nothing enters between two checks.
            if self.above_soft_limit() {
                self.refused.fetch_add(batch.item_count() as u64, Ordering::Relaxed);
                while self.anything_in_flight() {
                    tokio::time::sleep(self.check_interval).await;
                    if !self.above_soft_limit() {
                        break;
                    }
                }
            }
            let (ack, waiter) = Ack::new();
            batch.acks_mut().merge(Acks::one(ack));
            self.forget_settled();
            self.in_flight.push_back(waiter);
            self.out.send(batch).await.map_err(|_| StageError::new("downstream stopped"))?;
        }
        Ok(())
    }

    /// Measure; above the soft limit, first ask the allocator to return freed
    /// memory (no more often than the min_gc intervals allow) and measure again.
    /// Logs when the state changes, with otelcol's messages.
    fn above_soft_limit(&mut self) -> bool {
        let above = self.measure_above();
        if above != self.limited {
            let mib = self.last_used >> 20;
            if above {
                tracing::warn!(cur_mem_mib = mib, "Memory usage is above soft limit. Holding data.");
            } else {
                tracing::info!(cur_mem_mib = mib, "Memory usage back within limits. Resuming normal operation.");
            }
            self.limited = above;
        }
        above
    }

    fn measure_above(&mut self) -> bool {
        self.last_used = (self.measure)();
        if self.last_used < self.limits.soft {
            return false;
        }
        let Some(gc) = &self.gc else { return true };
        let min = if self.last_used >= self.limits.hard { gc.hard } else { gc.soft };
        if self.last_gc.is_some_and(|t| t.elapsed() <= min) {
            return true;
        }
        memory::collect();
        self.last_gc = Some(Instant::now());
        self.last_used = (self.measure)();
        self.last_used >= self.limits.soft
    }

    /// Drop the waiters of batches already settled at the front (settlement is mostly in order).
    fn forget_settled(&mut self) {
        while let Some(w) = self.in_flight.front_mut() {
            if w.try_outcome().is_none() {
                break;
            }
            self.in_flight.pop_front();
        }
    }

    fn anything_in_flight(&mut self) -> bool {
        self.in_flight.retain_mut(|w| w.try_outcome().is_none());
        !self.in_flight.is_empty()
    }
}

#[cfg(test)]
mod tests;
