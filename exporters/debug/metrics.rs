//! Metrics at `normal` verbosity: otelcol's `normal` metrics marshaler, byte
//! for byte. One line per data point: `name{k=v,k=v} value`, where the value
//! of a histogram, exponential histogram or summary lists its count, sum and
//! buckets. Numbers print as Go's `%v` does.

use std::fmt::Write;

use opentelemetry_proto::tonic::metrics::v1::{
    exponential_histogram_data_point::Buckets, metric::Data, number_data_point, ExponentialHistogramDataPoint,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, SummaryDataPoint,
};

use super::normal::{write_attributes_joined, write_resource_line, write_scope_line};
use crate::event::KeyValue;
use crate::ottl::converters::format::{go_f, go_v};

pub(crate) fn write_normal(out: &mut String, metrics: &[ResourceMetrics]) {
    for (i, rm) in metrics.iter().enumerate() {
        write_resource_line(out, "ResourceMetrics", i, &rm.schema_url, rm.resource.as_ref());
        for (j, sm) in rm.scope_metrics.iter().enumerate() {
            write_scope_line(out, "ScopeMetrics", j, sm.scope.as_ref(), &sm.schema_url);
            for m in &sm.metrics {
                write_metric(out, m);
            }
        }
    }
}

fn write_metric(out: &mut String, m: &Metric) {
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.iter().for_each(|p| number_line(out, m, p)),
        Some(Data::Sum(s)) => s.data_points.iter().for_each(|p| number_line(out, m, p)),
        Some(Data::Histogram(h)) => h.data_points.iter().for_each(|p| histogram_line(out, m, p)),
        Some(Data::ExponentialHistogram(h)) => h.data_points.iter().for_each(|p| exp_histogram_line(out, m, p)),
        Some(Data::Summary(s)) => s.data_points.iter().for_each(|p| summary_line(out, m, p)),
        None => {}
    }
}

/// `name{k=v,k=v} ` — the start of every data point line.
fn line_start(out: &mut String, m: &Metric, attrs: &[KeyValue]) {
    out.push_str(&m.name);
    out.push('{');
    write_attributes_joined(out, attrs, ",");
    out.push_str("} ");
}

fn number_line(out: &mut String, m: &Metric, p: &NumberDataPoint) {
    line_start(out, m, &p.attributes);
    match p.value {
        Some(number_data_point::Value::AsInt(i)) => {
            let _ = write!(out, "{i}");
        }
        Some(number_data_point::Value::AsDouble(d)) => out.push_str(&go_v(d)),
        None => {}
    }
    out.push('\n');
}

/// ` sum=… min=… max=…`, each only when set.
fn sum_min_max(out: &mut String, sum: Option<f64>, min: Option<f64>, max: Option<f64>) {
    for (name, v) in [("sum", sum), ("min", min), ("max", max)] {
        if let Some(v) = v {
            let _ = write!(out, " {name}={}", go_v(v));
        }
    }
}

fn histogram_line(out: &mut String, m: &Metric, p: &HistogramDataPoint) {
    line_start(out, m, &p.attributes);
    let _ = write!(out, "count={}", p.count);
    sum_min_max(out, p.sum, p.min, p.max);
    for (i, count) in p.bucket_counts.iter().enumerate() {
        // The last bucket (above every bound) has no `le`.
        match p.explicit_bounds.get(i) {
            Some(bound) => {
                let _ = write!(out, " le{}={count}", go_v(*bound));
            }
            None => {
                let _ = write!(out, " {count}");
            }
        }
    }
    out.push('\n');
}

/// The base-2 logarithm of an exponential histogram's bucket growth:
/// `ln 2 · 2^-scale` (Go's `math.Ldexp(math.Ln2, -scale)`).
pub(super) fn scale_factor(scale: i32) -> f64 {
    std::f64::consts::LN_2 * 2f64.powi(-scale)
}

/// The bucket index `offset + j` as a float, as Go computes it.
pub(super) fn bucket_index(b: &Buckets, j: usize) -> f64 {
    f64::from(b.offset) + j as f64
}

fn exp_histogram_line(out: &mut String, m: &Metric, p: &ExponentialHistogramDataPoint) {
    line_start(out, m, &p.attributes);
    let _ = write!(out, "count={}", p.count);
    sum_min_max(out, p.sum, p.min, p.max);
    let factor = scale_factor(p.scale);
    // Negative buckets from the most negative bound, each printed with its
    // upper bound; then the zero bucket; then positive buckets upwards.
    if let Some(neg) = &p.negative {
        for (j, count) in neg.bucket_counts.iter().enumerate().rev() {
            let upper = -(bucket_index(neg, j) * factor).exp();
            let _ = write!(out, " le{}={count}", go_v(upper));
        }
    }
    if p.zero_count != 0 {
        let _ = write!(out, " zero={}", p.zero_count);
    }
    if let Some(pos) = &p.positive {
        for (j, count) in pos.bucket_counts.iter().enumerate() {
            let upper = ((bucket_index(pos, j) + 1.0) * factor).exp();
            let _ = write!(out, " le{}={count}", go_v(upper));
        }
    }
    out.push('\n');
}

fn summary_line(out: &mut String, m: &Metric, p: &SummaryDataPoint) {
    line_start(out, m, &p.attributes);
    // The sum alone is printed with `%f`.
    let _ = write!(out, "count={} sum={}", p.count, go_f(p.sum));
    for q in &p.quantile_values {
        let _ = write!(out, " q{}={}", go_v(q.quantile), go_v(q.value));
    }
    out.push('\n');
}
