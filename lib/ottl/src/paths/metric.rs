//! The metric and data point contexts (`pkg/ottl/contexts/ottlmetric`,
//! `ottldatapoint`): their fields, read and written on the OTLP `Metric` and
//! its data points (number, histogram, exponential histogram, summary), and
//! their enums `METRIC_DATA_TYPE_*`, `AGGREGATION_TEMPORALITY_*`, `FLAG_*`
//! (the data point fields are read and written in `datapoint.rs`).
//!
//! As in pdata, a field a data point does not have reads as nil (`count` of a
//! gauge's point) and setting it does nothing; `value_int` of a double point
//! reads 0. `data_points`, `exemplars` and `quantile_values` are pdata slices
//! ([`Records`]: `Len` counts them, and they can be set to a slice of their
//! type); `type` cannot be changed.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::Metric;

use super::write::{expects, set_map, set_string};
use super::{Ctx, RKey, Record};
use crate::value::{type_error, EvalError, EvalResult, Records, Value};

pub const METRIC_FIELDS: &str =
    "name, description, unit, type, aggregation_temporality, is_monotonic, data_points, metadata";
pub const POINT_FIELDS: &str = "attributes, start_time_unix_nano, time_unix_nano, start_time, time, value_double, \
value_int, exemplars, flags, count, sum, min, max, bucket_counts, explicit_bounds, scale, zero_count, positive, negative, \
quantile_values";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricField {
    Name,
    Description,
    Unit,
    Type,
    AggregationTemporality,
    IsMonotonic,
    DataPoints,
    Metadata,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointField {
    Attributes,
    StartTimeUnixNano,
    TimeUnixNano,
    StartTime,
    Time,
    ValueDouble,
    ValueInt,
    Exemplars,
    Flags,
    Count,
    Sum,
    BucketCounts,
    ExplicitBounds,
    Scale,
    ZeroCount,
    /// The whole `pmetric.ExponentialHistogramDataPointBuckets`.
    Positive,
    PositiveOffset,
    PositiveBucketCounts,
    Negative,
    NegativeOffset,
    NegativeBucketCounts,
    QuantileValues,
}

pub fn metric_field(name: &str, sub: Option<&str>) -> Option<MetricField> {
    use MetricField::*;
    Some(match (name, sub) {
        ("name", None) => Name,
        ("description", None) => Description,
        ("unit", None) => Unit,
        ("type", None) => Type,
        ("aggregation_temporality", None) => AggregationTemporality,
        ("is_monotonic", None) => IsMonotonic,
        ("data_points", None) => DataPoints,
        ("metadata", None) => Metadata,
        _ => return None,
    })
}

pub fn point_field(name: &str, sub: Option<&str>) -> Option<PointField> {
    use PointField::*;
    Some(match (name, sub) {
        ("attributes", None) => Attributes,
        ("start_time_unix_nano", None) => StartTimeUnixNano,
        ("time_unix_nano", None) => TimeUnixNano,
        ("start_time", None) => StartTime,
        ("time", None) => Time,
        ("value_double", None) => ValueDouble,
        ("value_int", None) => ValueInt,
        ("exemplars", None) => Exemplars,
        ("flags", None) => Flags,
        ("count", None) => Count,
        ("sum", None) => Sum,
        ("bucket_counts", None) => BucketCounts,
        ("explicit_bounds", None) => ExplicitBounds,
        ("scale", None) => Scale,
        ("zero_count", None) => ZeroCount,
        ("positive", None) => Positive,
        ("positive", Some("offset")) => PositiveOffset,
        ("positive", Some("bucket_counts")) => PositiveBucketCounts,
        ("negative", None) => Negative,
        ("negative", Some("offset")) => NegativeOffset,
        ("negative", Some("bucket_counts")) => NegativeBucketCounts,
        ("quantile_values", None) => QuantileValues,
        _ => return None,
    })
}

/// `METRIC_DATA_TYPE_*` (pdata's numbering) and `AGGREGATION_TEMPORALITY_*`;
/// the data point context adds `FLAG_*`.
pub fn enum_value(name: &str, datapoint: bool) -> Option<i64> {
    Some(match name {
        "METRIC_DATA_TYPE_NONE" => 0,
        "METRIC_DATA_TYPE_GAUGE" => 1,
        "METRIC_DATA_TYPE_SUM" => 2,
        "METRIC_DATA_TYPE_HISTOGRAM" => 3,
        "METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM" => 4,
        "METRIC_DATA_TYPE_SUMMARY" => 5,
        "AGGREGATION_TEMPORALITY_UNSPECIFIED" => 0,
        "AGGREGATION_TEMPORALITY_DELTA" => 1,
        "AGGREGATION_TEMPORALITY_CUMULATIVE" => 2,
        "FLAG_NONE" if datapoint => 0,
        "FLAG_NO_RECORDED_VALUE" if datapoint => 1,
        _ => return None,
    })
}

/// pdata's `MetricType` number of a metric.
pub fn metric_type(m: &Metric) -> i64 {
    match &m.data {
        None => 0,
        Some(Data::Gauge(_)) => 1,
        Some(Data::Sum(_)) => 2,
        Some(Data::Histogram(_)) => 3,
        Some(Data::ExponentialHistogram(_)) => 4,
        Some(Data::Summary(_)) => 5,
    }
}

/// How many data points a metric has.
pub fn point_count(m: &Metric) -> usize {
    match &m.data {
        None => 0,
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(e)) => e.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
    }
}

/// Keep the data points whose entry in `keep` is true.
pub fn retain_points(m: &mut Metric, keep: &[bool]) {
    fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
        let mut i = 0;
        v.retain(|_| {
            i += 1;
            keep.get(i - 1).copied().unwrap_or(true)
        });
    }
    match &mut m.data {
        None => {}
        Some(Data::Gauge(g)) => retain(&mut g.data_points, keep),
        Some(Data::Sum(s)) => retain(&mut s.data_points, keep),
        Some(Data::Histogram(h)) => retain(&mut h.data_points, keep),
        Some(Data::ExponentialHistogram(e)) => retain(&mut e.data_points, keep),
        Some(Data::Summary(s)) => retain(&mut s.data_points, keep),
    }
}

fn metric<'c>(ctx: &'c Ctx<'_>) -> EvalResult<&'c Metric> {
    match &ctx.record {
        Record::Metric(m, _) => Ok(m),
        _ => Err(EvalError::new("no metric in this context")),
    }
}

fn metric_mut<'c>(ctx: &'c mut Ctx<'_>) -> EvalResult<&'c mut Metric> {
    match &mut ctx.record {
        Record::Metric(m, _) => Ok(m),
        _ => Err(EvalError::new("no metric in this context")),
    }
}

pub(super) fn any(v: Av) -> AnyValue {
    AnyValue { value: Some(v) }
}

pub fn get_metric<'c>(field: MetricField, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    let m = metric(ctx)?;
    Ok(match field {
        MetricField::Name => Value::str(&m.name),
        MetricField::Description => Value::str(&m.description),
        MetricField::Unit => Value::str(&m.unit),
        MetricField::Type => Value::Int(metric_type(m)),
        MetricField::AggregationTemporality => Value::Int(match &m.data {
            Some(Data::Sum(s)) => s.aggregation_temporality.into(),
            Some(Data::Histogram(h)) => h.aggregation_temporality.into(),
            Some(Data::ExponentialHistogram(e)) => e.aggregation_temporality.into(),
            _ => 0,
        }),
        MetricField::IsMonotonic => Value::Bool(matches!(&m.data, Some(Data::Sum(s)) if s.is_monotonic)),
        MetricField::Metadata => Value::Map(Cow::Borrowed(&m.metadata)),
        MetricField::DataPoints => match &m.data {
            None => Value::Nil,
            Some(Data::Gauge(g)) => Value::Records(Records::NumberPoints(Cow::Borrowed(&g.data_points))),
            Some(Data::Sum(s)) => Value::Records(Records::NumberPoints(Cow::Borrowed(&s.data_points))),
            Some(Data::Histogram(h)) => Value::Records(Records::HistogramPoints(Cow::Borrowed(&h.data_points))),
            Some(Data::ExponentialHistogram(e)) => {
                Value::Records(Records::ExponentialHistogramPoints(Cow::Borrowed(&e.data_points)))
            }
            Some(Data::Summary(s)) => Value::Records(Records::SummaryPoints(Cow::Borrowed(&s.data_points))),
        },
    })
}

/// `set(data_points, ...)` takes the point slice of the metric's own type
/// (`pmetric.NumberDataPointSlice` for a gauge or sum) and replaces the
/// points, as otelcol's setter; a metric without data is left alone.
fn set_data_points(m: &mut Metric, v: Value) -> EvalResult<()> {
    let (want, Some(data)) = (point_slice_type(m), &mut m.data) else { return Ok(()) };
    match (data, v) {
        (Data::Gauge(g), Value::Records(Records::NumberPoints(p))) => g.data_points = p.into_owned(),
        (Data::Sum(s), Value::Records(Records::NumberPoints(p))) => s.data_points = p.into_owned(),
        (Data::Histogram(h), Value::Records(Records::HistogramPoints(p))) => h.data_points = p.into_owned(),
        (Data::ExponentialHistogram(e), Value::Records(Records::ExponentialHistogramPoints(p))) => {
            e.data_points = p.into_owned()
        }
        (Data::Summary(s), Value::Records(Records::SummaryPoints(p))) => s.data_points = p.into_owned(),
        (_, v) => return Err(expects(want, &v)),
    }
    Ok(())
}

fn point_slice_type(m: &Metric) -> &'static str {
    match &m.data {
        Some(Data::Gauge(_) | Data::Sum(_)) | None => "pmetric.NumberDataPointSlice",
        Some(Data::Histogram(_)) => "pmetric.HistogramDataPointSlice",
        Some(Data::ExponentialHistogram(_)) => "pmetric.ExponentialHistogramDataPointSlice",
        Some(Data::Summary(_)) => "pmetric.SummaryDataPointSlice",
    }
}

pub fn metric_metadata_mut<'c>(ctx: &'c mut Ctx<'_>) -> EvalResult<&'c mut Vec<KeyValue>> {
    Ok(&mut metric_mut(ctx)?.metadata)
}

pub fn set_metric(field: MetricField, keys: &[RKey], ctx: &mut Ctx, v: Value) -> EvalResult<()> {
    let m = metric_mut(ctx)?;
    match field {
        MetricField::Name => set_string(&mut m.name, v),
        MetricField::Description => set_string(&mut m.description, v),
        MetricField::Unit => set_string(&mut m.unit, v),
        MetricField::Metadata => set_map(&mut m.metadata, keys, v),
        MetricField::AggregationTemporality => {
            let t = v.expect_int()? as i32;
            match &mut m.data {
                Some(Data::Sum(s)) => s.aggregation_temporality = t,
                Some(Data::Histogram(h)) => h.aggregation_temporality = t,
                Some(Data::ExponentialHistogram(e)) => e.aggregation_temporality = t,
                _ => {}
            }
            Ok(())
        }
        MetricField::IsMonotonic => {
            let Value::Bool(b) = v else { return Err(type_error("bool", &v)) };
            if let Some(Data::Sum(s)) = &mut m.data {
                s.is_monotonic = b;
            }
            Ok(())
        }
        // pdata cannot change a metric's type in place; otelcol ignores it too.
        MetricField::Type => Ok(()),
        MetricField::DataPoints => set_data_points(m, v),
    }
}
