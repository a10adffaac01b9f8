//! Test data for the processors' traces and metrics paths: spans with events
//! and metrics of each kind, shaped like upstream's processor tests
//! (`operationA` / `operationB` spans, a sum and a histogram).

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Num;
use opentelemetry_proto::tonic::metrics::v1::{Gauge, Histogram, HistogramDataPoint, NumberDataPoint, Sum};
use opentelemetry_proto::tonic::trace::v1::span::Event;

use crate::event::{kv, str_value, KeyValue, Resource};
use crate::signal::{Metric, ResourceMetrics, ResourceSpans, ScopeMetrics, ScopeSpans, Span};

fn attrs(pairs: &[(&str, &str)]) -> Vec<KeyValue> {
    pairs.iter().map(|(k, v)| kv(*k, str_value(*v))).collect()
}

/// One resource (`host.name: h1`) with spans `operationA` (server, one event
/// `test: pass` and one `test: keep`) and `operationB` (client, `test: pass`).
pub fn spans() -> Vec<ResourceSpans> {
    let event = |name: &str, test: &str| Event {
        name: name.into(),
        attributes: attrs(&[("test", test)]),
        ..Default::default()
    };
    vec![ResourceSpans {
        resource: Some(Resource { attributes: attrs(&[("host.name", "h1")]), ..Default::default() }),
        scope_spans: vec![ScopeSpans {
            spans: vec![
                Span {
                    name: "operationA".into(),
                    kind: 2,
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    attributes: attrs(&[("http.path", "/health")]),
                    events: vec![event("e1", "pass"), event("e2", "keep")],
                    ..Default::default()
                },
                Span {
                    name: "operationB".into(),
                    kind: 3,
                    attributes: attrs(&[("test", "pass")]),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }],
        ..Default::default()
    }]
}

fn number(v: i64, test: &str) -> NumberDataPoint {
    NumberDataPoint { attributes: attrs(&[("test", test)]), value: Some(Num::AsInt(v)), ..Default::default() }
}

/// One resource with a sum `operationA` (points `test: pass` and `test:
/// keep`), a gauge `pass` and a histogram `operationB` (one point, `test: pass`).
pub fn metrics() -> Vec<ResourceMetrics> {
    let metric = |name: &str, data: Data| Metric { name: name.into(), data: Some(data), ..Default::default() };
    vec![ResourceMetrics {
        resource: Some(Resource { attributes: attrs(&[("host.name", "h1")]), ..Default::default() }),
        scope_metrics: vec![ScopeMetrics {
            metrics: vec![
                metric(
                    "operationA",
                    Data::Sum(Sum {
                        data_points: vec![number(1, "pass"), number(2, "keep")],
                        aggregation_temporality: 2,
                        is_monotonic: true,
                    }),
                ),
                metric("pass", Data::Gauge(Gauge { data_points: vec![number(3, "keep")] })),
                metric(
                    "operationB",
                    Data::Histogram(Histogram {
                        data_points: vec![HistogramDataPoint {
                            attributes: attrs(&[("test", "pass")]),
                            count: 2,
                            sum: Some(3.0),
                            bucket_counts: vec![1, 1],
                            explicit_bounds: vec![1.0],
                            ..Default::default()
                        }],
                        aggregation_temporality: 1,
                    }),
                ),
            ],
            ..Default::default()
        }],
        ..Default::default()
    }]
}
