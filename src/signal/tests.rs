use super::*;
use opentelemetry_proto::tonic::metrics::v1::{Gauge, NumberDataPoint, Sum};

fn spans(names: &[&str]) -> ResourceSpans {
    ResourceSpans {
        scope_spans: vec![ScopeSpans {
            spans: names.iter().map(|n| Span { name: n.to_string(), ..Default::default() }).collect(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn points(n: usize) -> Vec<NumberDataPoint> {
    (0..n).map(|i| NumberDataPoint { time_unix_nano: i as u64, ..Default::default() }).collect()
}

#[test]
fn spans_split_keeping_resource_and_scope() {
    let mut data = vec![spans(&["a", "b", "c"]), spans(&["d"])];
    let head = TraceBatch::take(&mut data, 2);
    assert_eq!(TraceBatch::count(&head), 2);
    assert_eq!(head[0].scope_spans[0].spans[1].name, "b");
    assert_eq!(TraceBatch::count(&data), 2);
    assert_eq!(data[0].scope_spans[0].spans[0].name, "c");
    let rest = TraceBatch::take(&mut data, 10);
    assert_eq!(TraceBatch::count(&rest), 2);
    assert!(data.is_empty());
}

#[test]
fn metrics_count_and_split_data_points() {
    let gauge = Metric {
        name: "g".into(),
        data: Some(metric::Data::Gauge(Gauge { data_points: points(3) })),
        ..Default::default()
    };
    let sum = Metric {
        name: "s".into(),
        unit: "By".into(),
        data: Some(metric::Data::Sum(Sum { data_points: points(4), aggregation_temporality: 2, is_monotonic: true })),
        ..Default::default()
    };
    let mut data = vec![ResourceMetrics {
        scope_metrics: vec![ScopeMetrics { metrics: vec![gauge, sum], ..Default::default() }],
        ..Default::default()
    }];
    assert_eq!(MetricBatch::count(&data), 7);
    let head = MetricBatch::take(&mut data, 5);
    assert_eq!(MetricBatch::count(&head), 5);
    assert_eq!(MetricBatch::count(&data), 2);
    // The sum was split: both halves keep its name, unit, temporality and monotonicity.
    let split = &head[0].scope_metrics[0].metrics[1];
    let left = &data[0].scope_metrics[0].metrics[0];
    for m in [split, left] {
        assert_eq!((m.name.as_str(), m.unit.as_str()), ("s", "By"));
        let Some(metric::Data::Sum(s)) = &m.data else { panic!("a sum") };
        assert!(s.is_monotonic && s.aggregation_temporality == 2);
    }
    let Some(metric::Data::Sum(s)) = &left.data else { unreachable!() };
    assert_eq!(s.data_points[0].time_unix_nano, 2, "the rest starts after the taken points");
}

#[test]
fn signals_parse_and_name_items_as_otelcol() {
    assert_eq!(Signal::parse("traces"), Some(Signal::Traces));
    assert_eq!(Signal::parse("profiles"), None);
    assert_eq!(Signal::Metrics.items(), "metric_points");
}
