//! The metric and data point contexts (`pkg/ottl/contexts/ottlmetric`,
//! `ottldatapoint`): their fields, read and written on the OTLP `Metric` and
//! its data points (number, histogram, exponential histogram, summary), and
//! their enums `METRIC_DATA_TYPE_*`, `AGGREGATION_TEMPORALITY_*`, `FLAG_*`.
//!
//! As in pdata, a field a data point does not have reads as nil (`count` of a
//! gauge's point) and setting it does nothing; `value_int` of a double point
//! reads 0. `data_points`, `exemplars` and `quantile_values` read as lists of
//! maps (so `Len` works) and cannot be set; `type` cannot be changed.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Num;
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, ExponentialHistogramDataPoint as Exp, HistogramDataPoint as Hist, Metric, NumberDataPoint,
    SummaryDataPoint,
};

use super::write::{set_map, set_string};
use super::{Ctx, RKey, Record};
use crate::pdata::kv;
use crate::value::{type_error, EvalError, EvalResult, Time as GoTime, Value};

pub const METRIC_FIELDS: &str =
    "name, description, unit, type, aggregation_temporality, is_monotonic, data_points, metadata";
pub const POINT_FIELDS: &str = "attributes, start_time_unix_nano, time_unix_nano, start_time, time, value_double, \
value_int, exemplars, flags, count, sum, bucket_counts, explicit_bounds, scale, zero_count, positive, negative, \
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
    PositiveOffset,
    PositiveBucketCounts,
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
        ("positive", Some("offset")) => PositiveOffset,
        ("positive", Some("bucket_counts")) => PositiveBucketCounts,
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

enum Pt<'a> {
    N(&'a NumberDataPoint),
    H(&'a Hist),
    E(&'a Exp),
    S(&'a SummaryDataPoint),
}

enum PtMut<'a> {
    N(&'a mut NumberDataPoint),
    H(&'a mut Hist),
    E(&'a mut Exp),
    S(&'a mut SummaryDataPoint),
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

fn point<'c>(ctx: &'c Ctx<'_>) -> EvalResult<Pt<'c>> {
    let p = match &ctx.record {
        Record::Metric(m, Some(i)) => match &m.data {
            Some(Data::Gauge(g)) => g.data_points.get(*i).map(Pt::N),
            Some(Data::Sum(s)) => s.data_points.get(*i).map(Pt::N),
            Some(Data::Histogram(h)) => h.data_points.get(*i).map(Pt::H),
            Some(Data::ExponentialHistogram(e)) => e.data_points.get(*i).map(Pt::E),
            Some(Data::Summary(s)) => s.data_points.get(*i).map(Pt::S),
            None => None,
        },
        _ => None,
    };
    p.ok_or_else(|| EvalError::new("no data point in this context"))
}

fn point_mut<'c>(ctx: &'c mut Ctx<'_>) -> EvalResult<PtMut<'c>> {
    let p = match &mut ctx.record {
        Record::Metric(m, Some(i)) => match &mut m.data {
            Some(Data::Gauge(g)) => g.data_points.get_mut(*i).map(PtMut::N),
            Some(Data::Sum(s)) => s.data_points.get_mut(*i).map(PtMut::N),
            Some(Data::Histogram(h)) => h.data_points.get_mut(*i).map(PtMut::H),
            Some(Data::ExponentialHistogram(e)) => e.data_points.get_mut(*i).map(PtMut::E),
            Some(Data::Summary(s)) => s.data_points.get_mut(*i).map(PtMut::S),
            None => None,
        },
        _ => None,
    };
    p.ok_or_else(|| EvalError::new("no data point in this context"))
}

fn any(v: Av) -> AnyValue {
    AnyValue { value: Some(v) }
}

fn map(kvs: Vec<KeyValue>) -> AnyValue {
    any(Av::KvlistValue(KeyValueList { values: kvs }))
}

fn ints(v: &[u64]) -> Value<'static> {
    Value::List(Cow::Owned(v.iter().map(|n| any(Av::IntValue(*n as i64))).collect()))
}

fn doubles(v: &[f64]) -> Value<'static> {
    Value::List(Cow::Owned(v.iter().map(|n| any(Av::DoubleValue(*n))).collect()))
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
        MetricField::DataPoints => {
            let attrs = |a: &[KeyValue], t: u64| {
                map(vec![kv("attributes", map(a.to_vec())), kv("time_unix_nano", any(Av::IntValue(t as i64)))])
            };
            let points: Vec<AnyValue> = match &m.data {
                None => Vec::new(),
                Some(Data::Gauge(g)) => g.data_points.iter().map(|p| attrs(&p.attributes, p.time_unix_nano)).collect(),
                Some(Data::Sum(s)) => s.data_points.iter().map(|p| attrs(&p.attributes, p.time_unix_nano)).collect(),
                Some(Data::Histogram(h)) => {
                    h.data_points.iter().map(|p| attrs(&p.attributes, p.time_unix_nano)).collect()
                }
                Some(Data::ExponentialHistogram(e)) => {
                    e.data_points.iter().map(|p| attrs(&p.attributes, p.time_unix_nano)).collect()
                }
                Some(Data::Summary(s)) => {
                    s.data_points.iter().map(|p| attrs(&p.attributes, p.time_unix_nano)).collect()
                }
            };
            Value::List(Cow::Owned(points))
        }
    })
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
        MetricField::DataPoints => Err(EvalError::new("data_points cannot be set")),
    }
}

fn attrs_of<'c>(p: &Pt<'c>) -> &'c [KeyValue] {
    match p {
        Pt::N(p) => &p.attributes,
        Pt::H(p) => &p.attributes,
        Pt::E(p) => &p.attributes,
        Pt::S(p) => &p.attributes,
    }
}

fn exemplars_of<'c>(p: &Pt<'c>) -> &'c [opentelemetry_proto::tonic::metrics::v1::Exemplar] {
    match p {
        Pt::N(p) => &p.exemplars,
        Pt::H(p) => &p.exemplars,
        Pt::E(p) => &p.exemplars,
        Pt::S(_) => &[],
    }
}

/// (start, time, flags) of any data point.
fn common(p: &Pt) -> (u64, u64, u32) {
    match p {
        Pt::N(p) => (p.start_time_unix_nano, p.time_unix_nano, p.flags),
        Pt::H(p) => (p.start_time_unix_nano, p.time_unix_nano, p.flags),
        Pt::E(p) => (p.start_time_unix_nano, p.time_unix_nano, p.flags),
        Pt::S(p) => (p.start_time_unix_nano, p.time_unix_nano, p.flags),
    }
}

pub fn get_point<'c>(field: PointField, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    use PointField::*;
    let p = point(ctx)?;
    let (start, time, flags) = common(&p);
    Ok(match (field, &p) {
        (Attributes, _) => Value::Map(Cow::Borrowed(attrs_of(&p))),
        (StartTimeUnixNano, _) => Value::Int(start as i64),
        (TimeUnixNano, _) => Value::Int(time as i64),
        (StartTime, _) => Value::Time(GoTime::utc(start.into())),
        (Time, _) => Value::Time(GoTime::utc(time.into())),
        (Flags, _) => Value::Int(flags.into()),
        (ValueDouble, Pt::N(n)) => Value::Double(match n.value {
            Some(Num::AsDouble(d)) => d,
            _ => 0.0,
        }),
        (ValueInt, Pt::N(n)) => Value::Int(match n.value {
            Some(Num::AsInt(i)) => i,
            _ => 0,
        }),
        (Count, Pt::H(h)) => Value::Int(h.count as i64),
        (Count, Pt::E(e)) => Value::Int(e.count as i64),
        (Count, Pt::S(s)) => Value::Int(s.count as i64),
        (Sum, Pt::H(h)) => Value::Double(h.sum.unwrap_or(0.0)),
        (Sum, Pt::E(e)) => Value::Double(e.sum.unwrap_or(0.0)),
        (Sum, Pt::S(s)) => Value::Double(s.sum),
        (BucketCounts, Pt::H(h)) => ints(&h.bucket_counts),
        (ExplicitBounds, Pt::H(h)) => doubles(&h.explicit_bounds),
        (Scale, Pt::E(e)) => Value::Int(e.scale.into()),
        (ZeroCount, Pt::E(e)) => Value::Int(e.zero_count as i64),
        (PositiveOffset, Pt::E(e)) => Value::Int(e.positive.as_ref().map_or(0, |b| b.offset.into())),
        (NegativeOffset, Pt::E(e)) => Value::Int(e.negative.as_ref().map_or(0, |b| b.offset.into())),
        (PositiveBucketCounts, Pt::E(e)) => ints(e.positive.as_ref().map_or(&[], |b| &b.bucket_counts[..])),
        (NegativeBucketCounts, Pt::E(e)) => ints(e.negative.as_ref().map_or(&[], |b| &b.bucket_counts[..])),
        (QuantileValues, Pt::S(s)) => Value::List(Cow::Owned(
            s.quantile_values
                .iter()
                .map(|q| {
                    map(vec![
                        kv("quantile", any(Av::DoubleValue(q.quantile))),
                        kv("value", any(Av::DoubleValue(q.value))),
                    ])
                })
                .collect(),
        )),
        (Exemplars, _) => Value::List(Cow::Owned(
            exemplars_of(&p)
                .iter()
                .map(|e| {
                    let value = match e.value {
                        Some(exemplar::Value::AsInt(i)) => any(Av::IntValue(i)),
                        Some(exemplar::Value::AsDouble(d)) => any(Av::DoubleValue(d)),
                        None => AnyValue { value: None },
                    };
                    map(vec![
                        kv("filtered_attributes", map(e.filtered_attributes.clone())),
                        kv("time_unix_nano", any(Av::IntValue(e.time_unix_nano as i64))),
                        kv("value", value),
                        kv("trace_id", any(Av::StringValue(hex::encode(&e.trace_id)))),
                        kv("span_id", any(Av::StringValue(hex::encode(&e.span_id)))),
                    ])
                })
                .collect(),
        )),
        _ => Value::Nil,
    })
}

pub fn point_attrs_mut<'c>(ctx: &'c mut Ctx<'_>) -> EvalResult<&'c mut Vec<KeyValue>> {
    Ok(match point_mut(ctx)? {
        PtMut::N(p) => &mut p.attributes,
        PtMut::H(p) => &mut p.attributes,
        PtMut::E(p) => &mut p.attributes,
        PtMut::S(p) => &mut p.attributes,
    })
}

fn u64_list(v: &Value) -> EvalResult<Vec<u64>> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|i| match i.value {
                Some(Av::IntValue(n)) => Ok(n as u64),
                _ => Err(type_error("[]uint64", v)),
            })
            .collect(),
        _ => Err(type_error("[]uint64", v)),
    }
}

fn f64_list(v: &Value) -> EvalResult<Vec<f64>> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|i| match i.value {
                Some(Av::DoubleValue(d)) => Ok(d),
                Some(Av::IntValue(n)) => Ok(n as f64),
                _ => Err(type_error("[]float64", v)),
            })
            .collect(),
        _ => Err(type_error("[]float64", v)),
    }
}

fn double(v: &Value) -> EvalResult<f64> {
    match v {
        Value::Double(d) => Ok(*d),
        _ => Err(type_error("float64", v)),
    }
}

fn buckets(b: &mut Option<Buckets>) -> &mut Buckets {
    b.get_or_insert_with(Default::default)
}

fn common_mut<'c>(p: &'c mut PtMut<'_>) -> (&'c mut u64, &'c mut u64, &'c mut u32, &'c mut Vec<KeyValue>) {
    match p {
        PtMut::N(p) => (&mut p.start_time_unix_nano, &mut p.time_unix_nano, &mut p.flags, &mut p.attributes),
        PtMut::H(p) => (&mut p.start_time_unix_nano, &mut p.time_unix_nano, &mut p.flags, &mut p.attributes),
        PtMut::E(p) => (&mut p.start_time_unix_nano, &mut p.time_unix_nano, &mut p.flags, &mut p.attributes),
        PtMut::S(p) => (&mut p.start_time_unix_nano, &mut p.time_unix_nano, &mut p.flags, &mut p.attributes),
    }
}

pub fn set_point(field: PointField, keys: &[RKey], ctx: &mut Ctx, v: Value) -> EvalResult<()> {
    use PointField::*;
    let mut p = point_mut(ctx)?;
    let (start, time, flags, attrs) = common_mut(&mut p);
    match field {
        Attributes => return set_map(attrs, keys, v),
        StartTimeUnixNano => *start = v.expect_int()? as u64,
        TimeUnixNano => *time = v.expect_int()? as u64,
        StartTime => *start = v.expect_time()?.unix_nanos as u64,
        Time => *time = v.expect_time()?.unix_nanos as u64,
        Flags => *flags = v.expect_int()? as u32,
        Exemplars | QuantileValues => {
            return Err(EvalError::new(format!("{field:?} cannot be set").to_lowercase()));
        }
        _ => match (field, p) {
            (ValueDouble, PtMut::N(n)) => n.value = Some(Num::AsDouble(double(&v)?)),
            (ValueInt, PtMut::N(n)) => n.value = Some(Num::AsInt(v.expect_int()?)),
            (Count, PtMut::H(h)) => h.count = v.expect_int()? as u64,
            (Count, PtMut::E(e)) => e.count = v.expect_int()? as u64,
            (Count, PtMut::S(s)) => s.count = v.expect_int()? as u64,
            (Sum, PtMut::H(h)) => h.sum = Some(double(&v)?),
            (Sum, PtMut::E(e)) => e.sum = Some(double(&v)?),
            (Sum, PtMut::S(s)) => s.sum = double(&v)?,
            (BucketCounts, PtMut::H(h)) => h.bucket_counts = u64_list(&v)?,
            (ExplicitBounds, PtMut::H(h)) => h.explicit_bounds = f64_list(&v)?,
            (Scale, PtMut::E(e)) => e.scale = v.expect_int()? as i32,
            (ZeroCount, PtMut::E(e)) => e.zero_count = v.expect_int()? as u64,
            (PositiveOffset, PtMut::E(e)) => buckets(&mut e.positive).offset = v.expect_int()? as i32,
            (NegativeOffset, PtMut::E(e)) => buckets(&mut e.negative).offset = v.expect_int()? as i32,
            (PositiveBucketCounts, PtMut::E(e)) => buckets(&mut e.positive).bucket_counts = u64_list(&v)?,
            (NegativeBucketCounts, PtMut::E(e)) => buckets(&mut e.negative).bucket_counts = u64_list(&v)?,
            _ => {}
        },
    }
    Ok(())
}
