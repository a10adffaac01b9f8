//! Functions that add a metric made from another one's points:
//! `extract_sum_metric`, `extract_count_metric` and
//! `convert_summary_quantile_val_to_gauge` (metric context),
//! `convert_summary_sum_val_to_sum` and `convert_summary_count_val_to_sum`
//! (data point context).

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as V;
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, Gauge, Metric, NumberDataPoint, Sum};

use super::{metric_mut, temporality, type_name};
use crate::ottl::compile::Args;
use crate::ottl::editors::{editor, Editor};
use crate::ottl::lexer::PosError;
use crate::ottl::pdata::{kv, str_value};
use crate::ottl::EvalError;

/// What of a point goes into the new metric.
#[derive(Clone, Copy)]
pub(super) enum Field {
    Sum,
    Count,
}

/// A point of the new Sum: the source point's attributes and times, and `value`.
fn point(attributes: &[KeyValue], start: u64, time: u64, value: V) -> NumberDataPoint {
    NumberDataPoint {
        attributes: attributes.to_vec(),
        start_time_unix_nano: start,
        time_unix_nano: time,
        value: Some(value),
        ..Default::default()
    }
}

/// A source point's attributes, start time, time, sum and count.
type Source<'a> = (&'a [KeyValue], u64, u64, Option<f64>, u64);

/// The sums (points without one left out) or counts of a Histogram,
/// ExponentialHistogram or Summary's points, and its aggregation temporality
/// (cumulative for a Summary); `None` for other metrics.
fn points_of(m: &Metric, field: Field) -> Option<(Vec<NumberDataPoint>, i32)> {
    let points = |sources: Vec<Source<'_>>| -> Vec<NumberDataPoint> {
        let pick = |sum: Option<f64>, count: u64| match field {
            Field::Sum => sum.map(V::AsDouble),
            Field::Count => Some(V::AsInt(count as i64)),
        };
        sources
            .into_iter()
            .filter_map(|(a, start, time, sum, count)| Some(point(a, start, time, pick(sum, count)?)))
            .collect()
    };
    Some(match &m.data {
        Some(Data::Histogram(h)) => {
            let s = h
                .data_points
                .iter()
                .map(|p| (&p.attributes[..], p.start_time_unix_nano, p.time_unix_nano, p.sum, p.count));
            (points(s.collect()), h.aggregation_temporality)
        }
        Some(Data::ExponentialHistogram(h)) => {
            let s = h
                .data_points
                .iter()
                .map(|p| (&p.attributes[..], p.start_time_unix_nano, p.time_unix_nano, p.sum, p.count));
            (points(s.collect()), h.aggregation_temporality)
        }
        Some(Data::Summary(h)) => {
            let s = h
                .data_points
                .iter()
                .map(|p| (&p.attributes[..], p.start_time_unix_nano, p.time_unix_nano, Some(p.sum), p.count));
            (points(s.collect()), AggregationTemporality::Cumulative as i32)
        }
        _ => return None,
    })
}

/// `extract_sum_metric(is_monotonic, Optional[suffix])`.
pub(super) fn sum_metric(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    extract(a, Field::Sum, "extract_sum_metric", "_sum")
}

/// `extract_count_metric(is_monotonic, Optional[suffix])`; the new metric's unit is `1`.
pub(super) fn count_metric(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    extract(a, Field::Count, "extract_count_metric", "_count")
}

/// A new Sum `<name><suffix>` from a Histogram, ExponentialHistogram or
/// Summary's sums or counts, added when it has a point; other metric types
/// are an error.
fn extract(a: &mut Args<'_>, field: Field, fname: &'static str, suffix: &str) -> Result<Box<dyn Editor>, PosError> {
    let is_monotonic = a.bool_lit(0)?;
    let suffix = a.opt_str_lit(1)?.unwrap_or_else(|| suffix.to_string());
    Ok(editor(move |ctx| {
        let (m, _) = metric_mut(ctx)?;
        let Some((data_points, aggregation_temporality)) = points_of(m, field) else {
            return Err(EvalError::new(format!(
                "{fname} requires an input metric of type Histogram, ExponentialHistogram or Summary, got {}",
                type_name(m)
            )));
        };
        if data_points.is_empty() {
            return Ok(());
        }
        let unit = match field {
            Field::Sum => m.unit.clone(),
            Field::Count => "1".to_string(),
        };
        let new = Metric {
            name: format!("{}{suffix}", m.name),
            description: m.description.clone(),
            unit,
            data: Some(Data::Sum(Sum { data_points, aggregation_temporality, is_monotonic })),
            ..Default::default()
        };
        ctx.new_metrics.push(new);
        Ok(())
    }))
}

/// `convert_summary_sum_val_to_sum` / `convert_summary_count_val_to_sum
/// (aggregation_temporality, is_monotonic, Optional[suffix])`, data point
/// context: a new Sum from the sums or counts of all the Summary's points. As
/// in otelcol it is added once per point the statement runs on.
pub(super) fn summary_to_sum(a: &mut Args<'_>, field: Field) -> Result<Box<dyn Editor>, PosError> {
    let aggregation_temporality = temporality(a, 0)?;
    let is_monotonic = a.bool_lit(1)?;
    let default = match field {
        Field::Sum => "_sum",
        Field::Count => "_count",
    };
    let suffix = a.opt_str_lit(2)?.unwrap_or_else(|| default.to_string());
    Ok(editor(move |ctx| {
        let (m, _) = metric_mut(ctx)?;
        if !matches!(m.data, Some(Data::Summary(_))) {
            return Ok(());
        }
        let (data_points, _) = points_of(m, field).unwrap_or_default();
        let new = Metric {
            name: format!("{}{suffix}", m.name),
            description: m.description.clone(),
            unit: m.unit.clone(),
            data: Some(Data::Sum(Sum { data_points, aggregation_temporality, is_monotonic })),
            ..Default::default()
        };
        ctx.new_metrics.push(new);
        Ok(())
    }))
}

/// `convert_summary_quantile_val_to_gauge(Optional[attribute_key],
/// Optional[suffix])`: a new Gauge with a point per quantile of each of the
/// Summary's points, the quantile in attribute `attribute_key` (`quantile`).
pub(super) fn quantiles_to_gauge(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let key = a.opt_str_lit(0)?.unwrap_or_else(|| "quantile".to_string());
    let suffix = a.opt_str_lit(1)?.unwrap_or_else(|| ".quantiles".to_string());
    Ok(editor(move |ctx| {
        let (m, _) = metric_mut(ctx)?;
        let Some(Data::Summary(s)) = &m.data else {
            return Ok(());
        };
        let mut data_points = Vec::new();
        for p in &s.data_points {
            for q in &p.quantile_values {
                let mut gp = point(&p.attributes, p.start_time_unix_nano, p.time_unix_nano, V::AsDouble(q.value));
                let v = str_value(quantile_text(q.quantile));
                match gp.attributes.iter_mut().find(|kv| kv.key == key) {
                    Some(kv) => kv.value = Some(v),
                    None => gp.attributes.push(kv(key.as_str(), v)),
                }
                data_points.push(gp);
            }
        }
        let new = Metric {
            name: format!("{}{suffix}", m.name),
            description: m.description.clone(),
            unit: m.unit.clone(),
            data: Some(Data::Gauge(Gauge { data_points })),
            ..Default::default()
        };
        ctx.new_metrics.push(new);
        Ok(())
    }))
}

/// A quantile as otelcol writes it: the shortest decimal, padded to two
/// decimals below 1 (`0.5` → `"0.50"`, `0.99` → `"0.99"`, `1` → `"1"`).
fn quantile_text(q: f64) -> String {
    let mut s = format!("{q}");
    if s.len() < 4 && s != "0" && s != "1" {
        s.push('0');
    }
    s
}
