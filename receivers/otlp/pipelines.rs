//! Where the otlp receiver's data goes, for HTTP and gRPC alike: one fan-out
//! per signal into the pipelines of that signal, and one delivery step that
//! hands a request's resources on and waits for every exporter to settle
//! them. The answer follows from [`Delivery`]: delivered → OK; the pipeline
//! full, the receiver closing or the collector stopping first → "retry"
//! (HTTP 503 / gRPC UNAVAILABLE); rejected by an exporter → "do not retry"
//! (HTTP 400 / gRPC INVALID_ARGUMENT), as otelcol maps permanent errors.
//!
//! A full pipeline first makes a request wait, as otelcol's receiver blocks
//! in its consumer: up to [`WAITING_BYTES`] of requests (their protobuf size)
//! may wait for room together; a request that would exceed that is answered
//! "busy" at once, so memory stays bounded however many clients send.

use std::sync::{Arc, RwLock};

use crate::ack::{Ack, Acks, Outcome};
use crate::event::LogBatch;
use crate::signal::{Batch, Encoded, MetricBatch, Signal, TraceBatch};
use crate::topology::{Budget, Fanout, TrySendError};

/// The bytes of requests that may wait together for room in a full pipeline.
pub const WAITING_BYTES: u64 = 4 << 20;

/// How a request's data ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// Permanently refused by an exporter.
    Rejected,
    /// The pipeline is full: backpressure.
    Busy,
    /// The receiver is shutting down.
    Closing,
    /// The collector stopped before every exporter settled the data.
    Abandoned,
}

impl Delivery {
    /// The message of a failure, for the client.
    pub fn message(self) -> &'static str {
        match self {
            Delivery::Delivered => "",
            Delivery::Rejected => "data was permanently rejected by an exporter",
            Delivery::Busy => "the pipeline is busy; retry later",
            Delivery::Closing => "the receiver is shutting down; retry later",
            Delivery::Abandoned => "the collector stopped before the data was delivered; retry later",
        }
    }
}

/// The fan-outs of each signal; empty where no pipeline of that signal lists
/// this receiver (its endpoint then answers as an unknown path / unimplemented
/// service, as otelcol registers only the signals it has consumers for).
#[derive(Default)]
pub struct Outputs {
    pub logs: Fanout<LogBatch>,
    pub traces: Fanout<TraceBatch>,
    pub metrics: Fanout<MetricBatch>,
}

/// A signal's fan-out within [`Outputs`].
pub trait Routed: Batch {
    fn fanout(outputs: &Outputs) -> &Fanout<Self>;
}

impl Routed for LogBatch {
    fn fanout(o: &Outputs) -> &Fanout<Self> {
        &o.logs
    }
}

impl Routed for TraceBatch {
    fn fanout(o: &Outputs) -> &Fanout<Self> {
        &o.traces
    }
}

impl Routed for MetricBatch {
    fn fanout(o: &Outputs) -> &Fanout<Self> {
        &o.metrics
    }
}

/// Shared by the HTTP and gRPC servers of one receiver.
pub struct Pipelines {
    /// `None` once shutdown began: taken then so that the pipelines drain
    /// (once the requests still waiting for room have handed their data on).
    outputs: RwLock<Option<Arc<Outputs>>>,
    /// Requests waiting for room in a full pipeline.
    waiting: Arc<Budget>,
    /// The signals with at least one pipeline, fixed at build.
    wired: Vec<Signal>,
}

impl Pipelines {
    pub fn new(outputs: Outputs) -> Pipelines {
        let mut wired = Vec::new();
        for (signal, empty) in [
            (Signal::Logs, outputs.logs.is_empty()),
            (Signal::Traces, outputs.traces.is_empty()),
            (Signal::Metrics, outputs.metrics.is_empty()),
        ] {
            if !empty {
                wired.push(signal);
            }
        }
        Pipelines { outputs: RwLock::new(Some(Arc::new(outputs))), waiting: Budget::new(WAITING_BYTES), wired }
    }

    /// Whether some pipeline takes this signal from this receiver.
    pub fn takes(&self, signal: Signal) -> bool {
        self.wired.contains(&signal)
    }

    /// Drop the pipeline senders: requests still being read will answer
    /// "retry", and the downstream stages can drain and settle pending acks.
    pub fn close(&self) {
        let taken = self.outputs.write().unwrap_or_else(|p| p.into_inner()).take();
        drop(taken);
    }

    /// Send `data` on and wait until every exporter has settled it. A request
    /// with no items is delivered at once.
    pub async fn deliver<B: Routed>(&self, data: Vec<B::Resource>) -> Delivery {
        if B::count(&data) == 0 {
            return Delivery::Delivered;
        }
        self.deliver_batch(|acks| B::from_parts(data, acks)).await
    }

    /// The same for a checked request body not decoded yet (see [`Encoded`]).
    pub async fn deliver_encoded<B: Routed>(&self, body: Encoded) -> Delivery {
        if body.items() == 0 {
            return Delivery::Delivered;
        }
        self.deliver_batch(|acks| B::from_encoded(body, acks)).await
    }

    async fn deliver_batch<B: Routed>(&self, make: impl FnOnce(Acks) -> B) -> Delivery {
        let (ack, waiter) = Ack::new();
        let batch = make(Acks::one(ack));
        let Some(outputs) = self.outputs.read().unwrap_or_else(|p| p.into_inner()).clone() else {
            return Delivery::Closing;
        };
        let fanout = B::fanout(&outputs);
        // Where the batch is not sent on, nobody waits on its acks any more:
        // the client is told to send again.
        match fanout.try_send(batch) {
            Ok(()) => {}
            Err(TrySendError::Closed(batch)) => {
                fanout.count_refused(&batch);
                return Delivery::Closing;
            }
            Err(TrySendError::Full(batch)) => {
                let bytes = batch.byte_size() as u64;
                if !self.waiting.try_acquire(bytes) {
                    fanout.count_refused(&batch);
                    return Delivery::Busy;
                }
                let sent = fanout.send(batch).await;
                self.waiting.release(bytes);
                if let Err(closed) = sent {
                    fanout.count_refused(&closed.0);
                    return Delivery::Closing;
                }
            }
        }
        drop(outputs);
        match waiter.wait().await {
            Outcome::Delivered => Delivery::Delivered,
            Outcome::Rejected => Delivery::Rejected,
            Outcome::Abandoned => Delivery::Abandoned,
        }
    }
}
