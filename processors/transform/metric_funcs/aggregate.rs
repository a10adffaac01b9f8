//! `aggregate_on_attributes` and `aggregate_on_attribute_value` (metric
//! context): points that share their attributes and timestamps (and, for
//! delta metrics, start timestamps; for histograms, their bounds or scale and
//! offsets) become one, as otelcol's `aggregateutil` merges them. Groups keep
//! the order of their first point (otelcol's order is a Go map's).

use std::collections::HashMap;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as V;
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, Metric, NumberDataPoint};

use super::metric_mut;
use crate::ottl::compile::Args;
use crate::ottl::editors::{editor, Editor};
use crate::ottl::lexer::PosError;
use crate::ottl::EvalError;

mod histograms;

/// The aggregation functions, by their names in statements.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Agg {
    Sum,
    Mean,
    Min,
    Max,
    Median,
    Count,
}

const NAMES: [(&str, Agg); 6] = [
    ("sum", Agg::Sum),
    ("mean", Agg::Mean),
    ("min", Agg::Min),
    ("max", Agg::Max),
    ("median", Agg::Median),
    ("count", Agg::Count),
];

fn function(a: &mut Args<'_>) -> Result<Agg, PosError> {
    let at = a.at_of(0);
    let name = a.str_lit(0)?;
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, f)| *f).ok_or_else(|| {
        let valid: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
        a.err(
            at,
            format!(
                "invalid aggregation function: 'unsupported function: '{name}'', valid options: {}",
                valid.join(", ")
            ),
        )
    })
}

/// `aggregate_on_attributes(function, Optional[attributes])`: without
/// `attributes` the points keep all theirs; with a list they keep only those
/// (none for `[]`). Summaries are an error.
pub(super) fn on_attributes(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let agg = function(a)?;
    let keep = a.opt_str_list_lit(1)?;
    Ok(editor(move |ctx| {
        let (m, _) = metric_mut(ctx)?;
        if matches!(m.data, Some(Data::Summary(_))) {
            return Err(EvalError::new("aggregate_on_attributes does not support aggregating Summary metrics"));
        }
        if let Some(keep) = &keep {
            for_each_attrs(m, |attrs| attrs.retain(|kv| keep.contains(&kv.key)));
        }
        aggregate(m, agg);
        Ok(())
    }))
}

/// `aggregate_on_attribute_value(function, attribute, values, new_value)`:
/// points whose `attribute` has one of `values` get `new_value` instead, then
/// points are aggregated. (otelcol empties a Summary here; ferrocol leaves it.)
pub(super) fn on_attribute_value(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let agg = function(a)?;
    let attribute = a.str_lit(1)?;
    let values = a.str_list_lit(2)?;
    let new_value = a.str_lit(3)?;
    Ok(editor(move |ctx| {
        let (m, _) = metric_mut(ctx)?;
        for_each_attrs(m, |attrs| {
            for kv in attrs.iter_mut().filter(|kv| kv.key == attribute) {
                if let Some(AnyValue { value: Some(Av::StringValue(s)) }) = &kv.value {
                    if values.contains(s) {
                        kv.value = Some(AnyValue { value: Some(Av::StringValue(new_value.clone())) });
                    }
                }
            }
        });
        aggregate(m, agg);
        Ok(())
    }))
}

/// Run `f` on the attributes of each of the metric's points.
fn for_each_attrs(m: &mut Metric, mut f: impl FnMut(&mut Vec<KeyValue>)) {
    match &mut m.data {
        Some(Data::Gauge(g)) => g.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Sum(s)) => s.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Histogram(h)) => h.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::ExponentialHistogram(h)) => h.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        Some(Data::Summary(s)) => s.data_points.iter_mut().for_each(|p| f(&mut p.attributes)),
        None => {}
    }
}

fn aggregate(m: &mut Metric, agg: Agg) {
    let delta = |t: i32| t == AggregationTemporality::Delta as i32;
    match &mut m.data {
        Some(Data::Gauge(g)) => g.data_points = merge_numbers(std::mem::take(&mut g.data_points), false, agg),
        Some(Data::Sum(s)) => {
            s.data_points = merge_numbers(std::mem::take(&mut s.data_points), delta(s.aggregation_temporality), agg)
        }
        Some(Data::Histogram(h)) => {
            h.data_points = histograms::merge(std::mem::take(&mut h.data_points), delta(h.aggregation_temporality))
        }
        Some(Data::ExponentialHistogram(h)) => {
            h.data_points =
                histograms::merge_exponential(std::mem::take(&mut h.data_points), delta(h.aggregation_temporality))
        }
        Some(Data::Summary(_)) | None => {}
    }
}

/// A point's group: its attributes (in any order), timestamp and `extra`.
fn key(attrs: &[KeyValue], time: u64, extra: String) -> String {
    let mut a: Vec<(&str, String)> = attrs.iter().map(|kv| (kv.key.as_str(), format!("{:?}", kv.value))).collect();
    a.sort();
    format!("{a:?}|{time}|{extra}")
}

/// `points` in groups of the same key, in the order of each group's first point.
fn group<T>(points: Vec<T>, key: impl Fn(&T) -> String) -> Vec<Vec<T>> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Vec<T>> = Vec::new();
    for p in points {
        let i = *index.entry(key(&p)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(p);
    }
    groups
}

fn as_f64(p: &NumberDataPoint) -> f64 {
    match p.value {
        Some(V::AsDouble(d)) => d,
        Some(V::AsInt(n)) => n as f64,
        None => 0.0,
    }
}

fn as_i64(p: &NumberDataPoint) -> i64 {
    match p.value {
        Some(V::AsDouble(d)) => d as i64,
        Some(V::AsInt(n)) => n,
        None => 0,
    }
}

/// Merge number points as otelcol does: the first point of a group takes
/// the group's value (its own type, int or double) and earliest start time.
fn merge_numbers(points: Vec<NumberDataPoint>, by_start: bool, agg: Agg) -> Vec<NumberDataPoint> {
    let groups = group(points, |p| {
        key(&p.attributes, p.time_unix_nano, if by_start { p.start_time_unix_nano.to_string() } else { String::new() })
    });
    groups
        .into_iter()
        .map(|g| {
            let start = g.iter().map(|p| p.start_time_unix_nano).min().unwrap_or_default();
            let n = g.len();
            let mut first = g[0].clone();
            first.start_time_unix_nano = start;
            // otelcol only sets the count when there is more than one point.
            if n == 1 {
                return first;
            }
            first.value = Some(match first.value {
                Some(V::AsDouble(_)) => V::AsDouble(fold(g.iter().map(as_f64).collect(), agg, n as f64)),
                _ => V::AsInt(fold_int(g.iter().map(as_i64).collect(), agg)),
            });
            first
        })
        .collect()
}

fn fold(mut v: Vec<f64>, agg: Agg, n: f64) -> f64 {
    match agg {
        Agg::Sum => v.iter().sum(),
        Agg::Mean => v.iter().sum::<f64>() / n,
        Agg::Max => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Agg::Min => v.iter().copied().fold(f64::INFINITY, f64::min),
        Agg::Count => n,
        Agg::Median => {
            v.sort_by(f64::total_cmp);
            let m = v.len() / 2;
            if v.len() % 2 == 1 {
                v[m]
            } else {
                (v[m - 1] + v[m]) / 2.0
            }
        }
    }
}

fn fold_int(mut v: Vec<i64>, agg: Agg) -> i64 {
    let n = v.len() as i64;
    match agg {
        Agg::Sum => v.iter().sum(),
        Agg::Mean => v.iter().sum::<i64>() / n,
        Agg::Max => v.iter().copied().max().unwrap_or_default(),
        Agg::Min => v.iter().copied().min().unwrap_or_default(),
        Agg::Count => n,
        Agg::Median => {
            v.sort_unstable();
            let m = v.len() / 2;
            if v.len() % 2 == 1 {
                v[m]
            } else {
                (v[m - 1] + v[m]) / 2
            }
        }
    }
}
