//! Where the otlp receiver's data goes, for HTTP and gRPC alike: one fan-out
//! per signal into the pipelines of that signal, and one delivery step that
//! hands a request's resources on and waits for every exporter to settle
//! them. The answer follows from [`Delivery`]: delivered → OK; the pipeline
//! full, the receiver closing or the collector stopping first → "retry"
//! (HTTP 503 / gRPC UNAVAILABLE); rejected by an exporter → "do not retry"
//! (HTTP 400 / gRPC INVALID_ARGUMENT), as otelcol maps permanent errors.

use std::sync::RwLock;

use crate::ack::{Ack, Acks, Outcome};
use crate::event::LogBatch;
use crate::signal::{Batch, MetricBatch, Signal, TraceBatch};
use crate::topology::{Fanout, TrySendError};

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
    /// `None` once shutdown began: taken then so that the pipelines drain.
    outputs: RwLock<Option<Outputs>>,
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
        Pipelines { outputs: RwLock::new(Some(outputs)), wired }
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
        let (ack, waiter) = Ack::new();
        let batch = B::from_parts(data, Acks::one(ack));
        let sent = match &*self.outputs.read().unwrap_or_else(|p| p.into_inner()) {
            Some(out) => B::fanout(out).try_send(batch),
            None => Err(TrySendError::Closed(batch)),
        };
        match sent {
            Ok(()) => {}
            // Nobody waits on these acks any more: the client is told to send again.
            Err(TrySendError::Full(_)) => return Delivery::Busy,
            Err(TrySendError::Closed(_)) => return Delivery::Closing,
        }
        match waiter.wait().await {
            Outcome::Delivered => Delivery::Delivered,
            Outcome::Rejected => Delivery::Rejected,
            Outcome::Abandoned => Delivery::Abandoned,
        }
    }
}
