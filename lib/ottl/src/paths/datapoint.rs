//! The data point context's fields (`pkg/ottl/contexts/ottldatapoint`), read
//! and written on the four OTLP data point kinds; the field names and enums
//! are in [`super::metric`].

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Num;
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogramDataPoint as Exp, HistogramDataPoint as Hist, NumberDataPoint, SummaryDataPoint,
};

use super::metric::{any, PointField};
use super::write::{expects, set_map};
use super::{Ctx, RKey, Record};
use crate::value::{type_error, EvalError, EvalResult, Records, Struct, Time as GoTime, Value};

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

fn ints(v: &[u64]) -> Value<'static> {
    Value::List(Cow::Owned(v.iter().map(|n| any(Av::IntValue(*n as i64))).collect()))
}

fn doubles(v: &[f64]) -> Value<'static> {
    Value::List(Cow::Owned(v.iter().map(|n| any(Av::DoubleValue(*n))).collect()))
}

fn attrs_of<'c>(p: &Pt<'c>) -> &'c [KeyValue] {
    match p {
        Pt::N(p) => &p.attributes,
        Pt::H(p) => &p.attributes,
        Pt::E(p) => &p.attributes,
        Pt::S(p) => &p.attributes,
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
        (Positive, Pt::E(e)) => whole(e.positive.as_ref()),
        (Negative, Pt::E(e)) => whole(e.negative.as_ref()),
        (PositiveOffset, Pt::E(e)) => Value::Int(e.positive.as_ref().map_or(0, |b| b.offset.into())),
        (NegativeOffset, Pt::E(e)) => Value::Int(e.negative.as_ref().map_or(0, |b| b.offset.into())),
        (PositiveBucketCounts, Pt::E(e)) => ints(e.positive.as_ref().map_or(&[], |b| &b.bucket_counts[..])),
        (NegativeBucketCounts, Pt::E(e)) => ints(e.negative.as_ref().map_or(&[], |b| &b.bucket_counts[..])),
        (QuantileValues, Pt::S(s)) => Value::Records(Records::Quantiles(Cow::Borrowed(&s.quantile_values))),
        (Exemplars, Pt::N(n)) => Value::Records(Records::Exemplars(Cow::Borrowed(&n.exemplars))),
        (Exemplars, Pt::H(h)) => Value::Records(Records::Exemplars(Cow::Borrowed(&h.exemplars))),
        (Exemplars, Pt::E(e)) => Value::Records(Records::Exemplars(Cow::Borrowed(&e.exemplars))),
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

/// `positive` or `negative` read whole (pdata gives empty buckets when unset).
fn whole(b: Option<&Buckets>) -> Value<'_> {
    Value::Struct(Struct::Buckets(b.map_or_else(Default::default, Cow::Borrowed)))
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
        Exemplars => set_exemplars(p, v)?,
        // As otelcol: the type is checked first, then only an exponential
        // histogram point changes.
        Positive | Negative => {
            let Value::Struct(Struct::Buckets(new)) = v else {
                return Err(expects("pmetric.ExponentialHistogramDataPointBuckets", &v));
            };
            if let PtMut::E(e) = p {
                *if field == Positive { &mut e.positive } else { &mut e.negative } = Some(new.into_owned());
            }
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
            (QuantileValues, PtMut::S(s)) => match v {
                Value::Records(Records::Quantiles(q)) => s.quantile_values = q.into_owned(),
                v => return Err(expects("pmetric.SummaryDataPointValueAtQuantileSlice", &v)),
            },
            _ => {}
        },
    }
    Ok(())
}

/// `set(exemplars, ...)` takes a `pmetric.ExemplarSlice` and replaces the
/// point's exemplars (a summary point has none: nothing changes).
fn set_exemplars(p: PtMut, v: Value) -> EvalResult<()> {
    let Value::Records(Records::Exemplars(new)) = v else {
        return Err(expects("pmetric.ExemplarSlice", &v));
    };
    match p {
        PtMut::N(n) => n.exemplars = new.into_owned(),
        PtMut::H(h) => h.exemplars = new.into_owned(),
        PtMut::E(e) => e.exemplars = new.into_owned(),
        PtMut::S(_) => {}
    }
    Ok(())
}
