//! The three signals a pipeline carries — logs, traces, metrics — and what the
//! topology needs of each batch type: its items (log records, spans, metric
//! data points, as otelcol counts them), its acks, and splitting off the first
//! `n` items with their resource and scope. Everything generic over a signal
//! (channels, fan-out, exporter inputs, the batch processor) is written once
//! against [`Batch`]; [`LogBatch`], [`TraceBatch`] and [`MetricBatch`] are the
//! OTLP prost types of each signal plus the batch's delivery acks.

use std::fmt;

pub use opentelemetry_proto::tonic::metrics::v1::{metric, Metric, ResourceMetrics, ScopeMetrics};
pub use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

use crate::ack::Acks;
use crate::event::{LogBatch, Resource, ResourceLogs};
use crate::otlp::protobuf::Envelope;

mod encoded;
pub use encoded::Encoded;

/// A pipeline's signal: `logs`, `traces` or `metrics` in `service::pipelines`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }

    pub fn parse(s: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What otelcol's metric names call the items: `spans`, `metric_points`, `log_records`.
    pub fn items(self) -> &'static str {
        match self {
            Signal::Traces => "spans",
            Signal::Metrics => "metric_points",
            Signal::Logs => "log_records",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A batch of one signal on its way through a pipeline.
pub trait Batch: Clone + fmt::Debug + Default + Send + Sync + 'static {
    /// `ResourceLogs`, `ResourceSpans` or `ResourceMetrics`.
    type Resource: prost::Message + Default + Clone + fmt::Debug + Send + Sync + HasResource + Envelope + 'static;
    const SIGNAL: Signal;

    fn from_parts(data: Vec<Self::Resource>, acks: Acks) -> Self;
    fn into_parts(self) -> (Vec<Self::Resource>, Acks);
    fn acks_mut(&mut self) -> &mut Acks;
    /// Items in `data`.
    fn count(data: &[Self::Resource]) -> usize;
    /// Remove and return the first `n` items of `data`, each keeping its
    /// resource and scope (and metric); what remains stays in `data`.
    fn take(data: &mut Vec<Self::Resource>, n: usize) -> Vec<Self::Resource>;
    /// The decoded data: all of it unless the batch type carries an
    /// [`Encoded`] part (see [`Batch::encoded_mut`]); `data_mut` and
    /// `into_parts` decode that part first.
    fn data(&self) -> &[Self::Resource];
    fn data_mut(&mut self) -> &mut Vec<Self::Resource>;

    /// The part still in protobuf, for batch types that carry one (after
    /// their decoded data, in item order).
    fn encoded_mut(&mut self) -> Option<&mut Encoded> {
        None
    }

    /// A batch of one checked request body (see [`Encoded`]); batch types
    /// without an encoded part decode it.
    fn from_encoded(body: Encoded, acks: Acks) -> Self {
        let mut data = Vec::new();
        body.decode_into(&mut data);
        Self::from_parts(data, acks)
    }

    fn item_count(&self) -> usize {
        Self::count(self.data())
    }

    /// The size of `data` as the body of an OTLP export request in protobuf
    /// (otelcol's `bytes` sizer): what byte bounds count.
    fn encoded_len(data: &[Self::Resource]) -> usize {
        data.iter().map(|r| prost::encoding::message::encoded_len(1, r)).sum()
    }

    fn byte_size(&self) -> usize {
        Self::encoded_len(self.data())
    }

    /// The [`Batch::byte_size`] a byte-bounded channel measured as the batch
    /// went in, so that its receiving end gives the same bytes back without
    /// measuring again (the batch cannot change in between). Set only by
    /// `topology::Fanout`, taken by the receiving `Input`.
    fn carried_size(&mut self) -> &mut Option<u64>;
}

impl Batch for LogBatch {
    type Resource = ResourceLogs;
    const SIGNAL: Signal = Signal::Logs;

    fn from_parts(data: Vec<ResourceLogs>, acks: Acks) -> Self {
        LogBatch::new(data, acks)
    }
    fn into_parts(self) -> (Vec<ResourceLogs>, Acks) {
        (self.resource_logs, self.acks)
    }
    fn acks_mut(&mut self) -> &mut Acks {
        &mut self.acks
    }
    fn carried_size(&mut self) -> &mut Option<u64> {
        &mut self.carried_size
    }
    fn count(data: &[ResourceLogs]) -> usize {
        crate::event::count_records(data)
    }
    fn take(data: &mut Vec<ResourceLogs>, n: usize) -> Vec<ResourceLogs> {
        crate::event::take_records(data, n)
    }
    fn data(&self) -> &[ResourceLogs] {
        &self.resource_logs
    }
    fn data_mut(&mut self) -> &mut Vec<ResourceLogs> {
        &mut self.resource_logs
    }
}

/// The top-level item of a signal, which carries the resource.
pub trait HasResource {
    fn resource_mut(&mut self) -> &mut Option<Resource>;
}

impl HasResource for ResourceLogs {
    fn resource_mut(&mut self) -> &mut Option<Resource> {
        &mut self.resource
    }
}

impl HasResource for ResourceSpans {
    fn resource_mut(&mut self) -> &mut Option<Resource> {
        &mut self.resource
    }
}

impl HasResource for ResourceMetrics {
    fn resource_mut(&mut self) -> &mut Option<Resource> {
        &mut self.resource
    }
}

/// Spans on their way through a traces pipeline: decoded, plus (from the
/// otlp receiver's gRPC side) request bodies not decoded yet.
#[derive(Clone, Debug, Default)]
pub struct TraceBatch {
    pub resource_spans: Vec<ResourceSpans>,
    pub acks: Acks,
    encoded: Encoded,
    carried_size: Option<u64>,
}

impl TraceBatch {
    fn decode(&mut self) {
        if !self.encoded.is_empty() {
            std::mem::take(&mut self.encoded).decode_into(&mut self.resource_spans);
        }
    }
}

impl Batch for TraceBatch {
    type Resource = ResourceSpans;
    const SIGNAL: Signal = Signal::Traces;

    fn from_parts(resource_spans: Vec<ResourceSpans>, acks: Acks) -> Self {
        TraceBatch { resource_spans, acks, encoded: Encoded::default(), carried_size: None }
    }
    fn from_encoded(encoded: Encoded, acks: Acks) -> Self {
        TraceBatch { resource_spans: Vec::new(), acks, encoded, carried_size: None }
    }
    fn into_parts(mut self) -> (Vec<ResourceSpans>, Acks) {
        self.decode();
        (self.resource_spans, self.acks)
    }
    fn acks_mut(&mut self) -> &mut Acks {
        &mut self.acks
    }
    fn carried_size(&mut self) -> &mut Option<u64> {
        &mut self.carried_size
    }
    fn count(data: &[ResourceSpans]) -> usize {
        data.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum()
    }
    fn take(data: &mut Vec<ResourceSpans>, n: usize) -> Vec<ResourceSpans> {
        SPAN_TREE.take(data, n)
    }
    fn data(&self) -> &[ResourceSpans] {
        &self.resource_spans
    }
    fn data_mut(&mut self) -> &mut Vec<ResourceSpans> {
        self.decode();
        &mut self.resource_spans
    }
    fn encoded_mut(&mut self) -> Option<&mut Encoded> {
        Some(&mut self.encoded)
    }
    fn item_count(&self) -> usize {
        Self::count(&self.resource_spans) + self.encoded.items()
    }
    fn byte_size(&self) -> usize {
        Self::encoded_len(&self.resource_spans) + self.encoded.bytes()
    }
}

/// Metrics on their way through a metrics pipeline; items are data points.
#[derive(Clone, Debug, Default)]
pub struct MetricBatch {
    pub resource_metrics: Vec<ResourceMetrics>,
    pub acks: Acks,
    carried_size: Option<u64>,
}

impl Batch for MetricBatch {
    type Resource = ResourceMetrics;
    const SIGNAL: Signal = Signal::Metrics;

    fn from_parts(resource_metrics: Vec<ResourceMetrics>, acks: Acks) -> Self {
        MetricBatch { resource_metrics, acks, carried_size: None }
    }
    fn into_parts(self) -> (Vec<ResourceMetrics>, Acks) {
        (self.resource_metrics, self.acks)
    }
    fn acks_mut(&mut self) -> &mut Acks {
        &mut self.acks
    }
    fn carried_size(&mut self) -> &mut Option<u64> {
        &mut self.carried_size
    }
    fn count(data: &[ResourceMetrics]) -> usize {
        data.iter().flat_map(|r| &r.scope_metrics).flat_map(|s| &s.metrics).map(data_points).sum()
    }
    fn take(data: &mut Vec<ResourceMetrics>, n: usize) -> Vec<ResourceMetrics> {
        let mut out = Vec::new();
        let mut left = n;
        while left > 0 && !data.is_empty() {
            let rm_count = Self::count(&data[..1]);
            if rm_count <= left {
                left -= rm_count;
                out.push(data.remove(0));
                continue;
            }
            let rm = &mut data[0];
            let mut head = ResourceMetrics {
                resource: rm.resource.clone(),
                scope_metrics: Vec::new(),
                schema_url: rm.schema_url.clone(),
            };
            while left > 0 {
                let sm = &mut rm.scope_metrics[0];
                let sm_count: usize = sm.metrics.iter().map(data_points).sum();
                if sm_count <= left {
                    left -= sm_count;
                    head.scope_metrics.push(rm.scope_metrics.remove(0));
                    continue;
                }
                let mut part =
                    ScopeMetrics { scope: sm.scope.clone(), metrics: Vec::new(), schema_url: sm.schema_url.clone() };
                while left > 0 {
                    let m = &mut sm.metrics[0];
                    let c = data_points(m);
                    if c <= left {
                        left -= c;
                        part.metrics.push(sm.metrics.remove(0));
                    } else {
                        part.metrics.push(split_metric(m, left));
                        left = 0;
                    }
                }
                head.scope_metrics.push(part);
            }
            out.push(head);
        }
        out
    }
    fn data(&self) -> &[ResourceMetrics] {
        &self.resource_metrics
    }
    fn data_mut(&mut self) -> &mut Vec<ResourceMetrics> {
        &mut self.resource_metrics
    }
}

/// Data points of one metric (otelcol's `DataPointCount`).
pub fn data_points(m: &Metric) -> usize {
    use metric::Data;
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

/// The name of a metric's type, as pdata's `pmetric.MetricType.String()`.
pub fn metric_type_name(data: Option<&metric::Data>) -> &'static str {
    use metric::Data;
    match data {
        None => "Empty",
        Some(Data::Gauge(_)) => "Gauge",
        Some(Data::Sum(_)) => "Sum",
        Some(Data::Histogram(_)) => "Histogram",
        Some(Data::ExponentialHistogram(_)) => "ExponentialHistogram",
        Some(Data::Summary(_)) => "Summary",
    }
}

/// The first `n` data points of `m` as a metric of their own; `m` keeps the rest.
fn split_metric(m: &mut Metric, n: usize) -> Metric {
    use metric::Data;
    use opentelemetry_proto::tonic::metrics::v1::{ExponentialHistogram, Gauge, Histogram, Sum, Summary};
    let data = match &mut m.data {
        Some(Data::Gauge(g)) => Some(Data::Gauge(Gauge { data_points: g.data_points.drain(..n).collect() })),
        Some(Data::Sum(s)) => Some(Data::Sum(Sum {
            data_points: s.data_points.drain(..n).collect(),
            aggregation_temporality: s.aggregation_temporality,
            is_monotonic: s.is_monotonic,
        })),
        Some(Data::Histogram(h)) => Some(Data::Histogram(Histogram {
            data_points: h.data_points.drain(..n).collect(),
            aggregation_temporality: h.aggregation_temporality,
        })),
        Some(Data::ExponentialHistogram(h)) => Some(Data::ExponentialHistogram(ExponentialHistogram {
            data_points: h.data_points.drain(..n).collect(),
            aggregation_temporality: h.aggregation_temporality,
        })),
        Some(Data::Summary(s)) => Some(Data::Summary(Summary { data_points: s.data_points.drain(..n).collect() })),
        None => None,
    };
    Metric {
        name: m.name.clone(),
        description: m.description.clone(),
        unit: m.unit.clone(),
        metadata: m.metadata.clone(),
        data,
    }
}

/// How a resource → scope → item tree is taken apart (logs and traces).
pub struct Tree<R, S, I> {
    pub scopes: fn(&mut R) -> &mut Vec<S>,
    pub items: fn(&mut S) -> &mut Vec<I>,
    /// A resource like this one, with no scopes.
    pub empty_resource: fn(&R) -> R,
    /// A scope like this one, holding `items`.
    pub scope_with: fn(&S, Vec<I>) -> S,
}

impl<R, S, I> Tree<R, S, I> {
    /// Remove and return the first `n` items of `data`, each keeping its
    /// resource and scope; what remains stays in `data`.
    pub fn take(&self, data: &mut Vec<R>, mut n: usize) -> Vec<R> {
        let mut out = Vec::new();
        while n > 0 && !data.is_empty() {
            let count: usize = (self.scopes)(&mut data[0]).iter_mut().map(|s| (self.items)(s).len()).sum();
            if count <= n {
                n -= count;
                out.push(data.remove(0));
                continue;
            }
            // Split inside this resource.
            let mut head = (self.empty_resource)(&data[0]);
            let scopes = (self.scopes)(&mut data[0]);
            while n > 0 {
                let items = (self.items)(&mut scopes[0]);
                if items.len() <= n {
                    n -= items.len();
                    let whole = scopes.remove(0);
                    (self.scopes)(&mut head).push(whole);
                } else {
                    let taken: Vec<I> = items.drain(..n).collect();
                    let part = (self.scope_with)(&scopes[0], taken);
                    (self.scopes)(&mut head).push(part);
                    n = 0;
                }
            }
            out.push(head);
        }
        out
    }
}

const SPAN_TREE: Tree<ResourceSpans, ScopeSpans, Span> = Tree {
    scopes: |r| &mut r.scope_spans,
    items: |s| &mut s.spans,
    empty_resource: |r| ResourceSpans {
        resource: r.resource.clone(),
        scope_spans: Vec::new(),
        schema_url: r.schema_url.clone(),
    },
    scope_with: |s, spans| ScopeSpans { scope: s.scope.clone(), spans, schema_url: s.schema_url.clone() },
};

#[cfg(test)]
mod tests;
