//! Metrics at `detailed` verbosity: otelcol's `otlptext` metrics marshaler,
//! byte for byte. Each metric's descriptor, then every data point with its
//! attributes, timestamps, value, buckets and exemplars; doubles as Go's `%f`.

use std::fmt::Write;

use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, metric::Data, number_data_point, Exemplar, ExponentialHistogramDataPoint, HistogramDataPoint, Metric,
    NumberDataPoint, ResourceMetrics, SummaryDataPoint,
};

use super::detailed::{id_hex, write_attributes, write_resource, write_scope, write_timestamp};
use super::metrics::{bucket_index, scale_factor};
use crate::event::KeyValue;
use crate::ottl::converters::format::go_f;
use crate::signal::metric_type_name;

pub(crate) fn write_detailed(out: &mut String, metrics: &[ResourceMetrics]) {
    for (i, rm) in metrics.iter().enumerate() {
        write_resource(out, "ResourceMetrics", i, &rm.schema_url, rm.resource.as_ref());
        for (j, sm) in rm.scope_metrics.iter().enumerate() {
            write_scope(out, "ScopeMetrics", j, &sm.schema_url, sm.scope.as_ref());
            for (k, m) in sm.metrics.iter().enumerate() {
                let _ = writeln!(out, "Metric #{k}");
                write_descriptor(out, m);
                write_data_points(out, m);
            }
        }
    }
}

fn write_descriptor(out: &mut String, m: &Metric) {
    out.push_str("Descriptor:\n");
    let _ = writeln!(out, "     -> Name: {}", m.name);
    let _ = writeln!(out, "     -> Description: {}", m.description);
    let _ = writeln!(out, "     -> Unit: {}", m.unit);
    let _ = writeln!(out, "     -> DataType: {}", metric_type_name(m.data.as_ref()));
    write_attributes(out, "     -> Metadata", &m.metadata);
}

/// `pmetric.AggregationTemporality.String()`; an unknown value has no name.
fn temporality_name(t: i32) -> &'static str {
    ["Unspecified", "Delta", "Cumulative"].get(usize::try_from(t).unwrap_or(usize::MAX)).copied().unwrap_or("")
}

fn write_data_points(out: &mut String, m: &Metric) {
    let temporality = |out: &mut String, t: i32| {
        let _ = writeln!(out, "     -> AggregationTemporality: {}", temporality_name(t));
    };
    match &m.data {
        None => {}
        Some(Data::Gauge(g)) => write_numbers(out, &g.data_points),
        Some(Data::Sum(s)) => {
            let _ = writeln!(out, "     -> IsMonotonic: {}", s.is_monotonic);
            temporality(out, s.aggregation_temporality);
            write_numbers(out, &s.data_points);
        }
        Some(Data::Histogram(h)) => {
            temporality(out, h.aggregation_temporality);
            for (i, p) in h.data_points.iter().enumerate() {
                write_histogram(out, i, p);
            }
        }
        Some(Data::ExponentialHistogram(h)) => {
            temporality(out, h.aggregation_temporality);
            for (i, p) in h.data_points.iter().enumerate() {
                write_exp_histogram(out, i, p);
            }
        }
        Some(Data::Summary(s)) => {
            for (i, p) in s.data_points.iter().enumerate() {
                write_summary(out, i, p);
            }
        }
    }
}

/// `<label> #i`, the data point's attributes and its two timestamps.
fn point_header(out: &mut String, label: &str, i: usize, attrs: &[KeyValue], start: u64, time: u64) {
    let _ = writeln!(out, "{label} #{i}");
    write_attributes(out, "Data point attributes", attrs);
    out.push_str("StartTimestamp: ");
    write_timestamp(out, start);
    out.push_str("\nTimestamp: ");
    write_timestamp(out, time);
    out.push('\n');
}

fn write_numbers(out: &mut String, points: &[NumberDataPoint]) {
    for (i, p) in points.iter().enumerate() {
        point_header(out, "NumberDataPoints", i, &p.attributes, p.start_time_unix_nano, p.time_unix_nano);
        match p.value {
            Some(number_data_point::Value::AsInt(v)) => {
                let _ = writeln!(out, "Value: {v}");
            }
            Some(number_data_point::Value::AsDouble(v)) => {
                let _ = writeln!(out, "Value: {}", go_f(v));
            }
            None => {}
        }
        write_exemplars(out, &p.exemplars);
    }
}

/// `Count`, then `Sum`, `Min`, `Max` when set.
fn count_sum_min_max(out: &mut String, count: u64, sum: Option<f64>, min: Option<f64>, max: Option<f64>) {
    let _ = writeln!(out, "Count: {count}");
    for (name, v) in [("Sum", sum), ("Min", min), ("Max", max)] {
        if let Some(v) = v {
            let _ = writeln!(out, "{name}: {}", go_f(v));
        }
    }
}

fn write_histogram(out: &mut String, i: usize, p: &HistogramDataPoint) {
    point_header(out, "HistogramDataPoints", i, &p.attributes, p.start_time_unix_nano, p.time_unix_nano);
    count_sum_min_max(out, p.count, p.sum, p.min, p.max);
    for (i, b) in p.explicit_bounds.iter().enumerate() {
        let _ = writeln!(out, "ExplicitBounds #{i}: {}", go_f(*b));
    }
    for (j, c) in p.bucket_counts.iter().enumerate() {
        let _ = writeln!(out, "Buckets #{j}, Count: {c}");
    }
    write_exemplars(out, &p.exemplars);
}

fn write_exp_histogram(out: &mut String, i: usize, p: &ExponentialHistogramDataPoint) {
    point_header(out, "ExponentialHistogramDataPoints", i, &p.attributes, p.start_time_unix_nano, p.time_unix_nano);
    count_sum_min_max(out, p.count, p.sum, p.min, p.max);
    let factor = scale_factor(p.scale);
    // As otelcol does: bounds are exp(index · factor), which reports +Inf as the
    // lower bound of the bucket nearest infinity.
    if let Some(neg) = &p.negative {
        for (j, count) in neg.bucket_counts.iter().enumerate().rev() {
            let index = bucket_index(neg, j);
            let lower = (index * factor).exp();
            let upper = ((index + 1.0) * factor).exp();
            let _ = writeln!(out, "Bucket [{}, {}), Count: {count}", go_f(-upper), go_f(-lower));
        }
    }
    if p.zero_count != 0 {
        let _ = writeln!(out, "Bucket [0, 0], Count: {}", p.zero_count);
    }
    if let Some(pos) = &p.positive {
        for (j, count) in pos.bucket_counts.iter().enumerate() {
            let index = bucket_index(pos, j);
            let lower = (index * factor).exp();
            let upper = ((index + 1.0) * factor).exp();
            let _ = writeln!(out, "Bucket ({}, {}], Count: {count}", go_f(lower), go_f(upper));
        }
    }
    write_exemplars(out, &p.exemplars);
}

fn write_summary(out: &mut String, i: usize, p: &SummaryDataPoint) {
    point_header(out, "SummaryDataPoints", i, &p.attributes, p.start_time_unix_nano, p.time_unix_nano);
    let _ = writeln!(out, "Count: {}", p.count);
    let _ = writeln!(out, "Sum: {}", go_f(p.sum));
    for (i, q) in p.quantile_values.iter().enumerate() {
        let _ = writeln!(out, "QuantileValue #{i}: Quantile {}, Value {}", go_f(q.quantile), go_f(q.value));
    }
}

fn write_exemplars(out: &mut String, exemplars: &[Exemplar]) {
    if exemplars.is_empty() {
        return;
    }
    out.push_str("Exemplars:\n");
    for (i, e) in exemplars.iter().enumerate() {
        let _ = writeln!(out, "Exemplar #{i}");
        let _ = writeln!(out, "     -> Trace ID: {}", id_hex(&e.trace_id));
        let _ = writeln!(out, "     -> Span ID: {}", id_hex(&e.span_id));
        out.push_str("     -> Timestamp: ");
        write_timestamp(out, e.time_unix_nano);
        out.push('\n');
        match e.value {
            Some(exemplar::Value::AsInt(v)) => {
                let _ = writeln!(out, "     -> Value: {v}");
            }
            Some(exemplar::Value::AsDouble(v)) => {
                let _ = writeln!(out, "     -> Value: {}", go_f(v));
            }
            None => {}
        }
        write_attributes(out, "     -> FilteredAttributes", &e.filtered_attributes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names() {
        assert_eq!(temporality_name(0), "Unspecified");
        assert_eq!(temporality_name(2), "Cumulative");
        assert_eq!(temporality_name(3), "");
        assert_eq!(metric_type_name(None), "Empty");
    }
}
