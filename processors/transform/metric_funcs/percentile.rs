//! `extract_percentile_metric(percentile, Optional[suffix])` (metric
//! context): a new Gauge `<name><suffix>` (`_p<percentile>`) with the
//! percentile of each Histogram or ExponentialHistogram point, interpolated
//! within its bucket: linearly between explicit bounds (the lowest bucket
//! from `min`, or 0 when its bound is not negative; the overflow bucket up to
//! `max`, else its lower bound), logarithmically between exponential ones. A
//! point without observations gives NaN; other metric types are left alone.

use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as V;
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogramDataPoint, Gauge, HistogramDataPoint, Metric, NumberDataPoint,
};

use super::metric_mut;
use crate::ottl::compile::Args;
use crate::ottl::editors::{editor, Editor};
use crate::ottl::lexer::PosError;
use crate::ottl::EvalError;

pub(super) fn extract_percentile_metric(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let at = a.at_of(0);
    let p = a.float_lit(0)?;
    if !(0.0..=100.0).contains(&p) {
        return Err(a.err(at, format!("percentile must be between 0 and 100, got {p:.6}")));
    }
    let suffix = a.opt_str_lit(1)?.unwrap_or_else(|| format!("_p{p}"));
    Ok(editor(move |ctx| {
        let (m, _) = metric_mut(ctx)?;
        let point = |attrs: &[_], start, time, v| NumberDataPoint {
            attributes: <[_]>::to_vec(attrs),
            start_time_unix_nano: start,
            time_unix_nano: time,
            value: Some(V::AsDouble(v)),
            ..Default::default()
        };
        let data_points = match &m.data {
            Some(Data::Histogram(h)) => h
                .data_points
                .iter()
                .map(|d| Ok(point(&d.attributes, d.start_time_unix_nano, d.time_unix_nano, explicit(d, p)?)))
                .collect::<Result<Vec<_>, EvalError>>()?,
            Some(Data::ExponentialHistogram(h)) => h
                .data_points
                .iter()
                .map(|d| Ok(point(&d.attributes, d.start_time_unix_nano, d.time_unix_nano, exponential(d, p)?)))
                .collect::<Result<Vec<_>, EvalError>>()?,
            _ => return Ok(()),
        };
        if data_points.is_empty() {
            return Ok(());
        }
        let new = Metric {
            name: format!("{}{suffix}", m.name),
            description: format!("{} (p{p})", m.description),
            unit: m.unit.clone(),
            data: Some(Data::Gauge(Gauge { data_points })),
            ..Default::default()
        };
        ctx.new_metrics.push(new);
        Ok(())
    }))
}

fn target(count: u64, p: f64) -> u64 {
    (count as f64 * (p / 100.0)).ceil() as u64
}

fn linear(lower: f64, upper: f64, ratio: f64) -> f64 {
    lower + ratio * (upper - lower)
}

fn logarithmic(lower: f64, upper: f64, ratio: f64) -> f64 {
    let (l, u) = (lower.log2(), upper.log2());
    (l + (u - l) * ratio).exp2()
}

fn not_reached(p: f64, target: u64, total: u64) -> EvalError {
    EvalError::new(format!(
        "percentile p{p:.2} not found in histogram buckets: targetCount={target}, total cumulative count={total} (malformed data: cumulative count doesn't reach target)"
    ))
}

fn explicit(d: &HistogramDataPoint, p: f64) -> Result<f64, EvalError> {
    let (counts, bounds) = (&d.bucket_counts, &d.explicit_bounds);
    if d.count == 0 || counts.is_empty() || bounds.is_empty() {
        return Ok(f64::NAN);
    }
    let target = target(d.count, p);
    let mut cumulative = 0u64;
    for (i, &c) in counts.iter().enumerate() {
        let before = cumulative;
        cumulative += c;
        if cumulative < target {
            continue;
        }
        let (lower, upper) = match (i.checked_sub(1).and_then(|j| bounds.get(j)), bounds.get(i)) {
            (None, Some(&upper)) => match d.min {
                Some(min) => (min, upper),
                None if upper >= 0.0 => (0.0, upper),
                None => return Ok(upper),
            },
            (Some(&lower), Some(&upper)) => (lower, upper),
            (Some(&lower), None) => match d.max {
                Some(max) if max > lower => (lower, max),
                _ => return Ok(lower),
            },
            (None, None) => return Ok(f64::NAN),
        };
        let ratio = if c == 0 { 0.0 } else { (target - before) as f64 / c as f64 };
        return Ok(linear(lower, upper, ratio));
    }
    Err(not_reached(p, target, cumulative))
}

/// The lower bound of exponential bucket `index` at `scale`.
fn bound(index: i64, scale: i32) -> f64 {
    if scale <= 0 {
        2f64.powi((index << -scale) as i32)
    } else {
        (index as f64 * std::f64::consts::LN_2 * 2f64.powi(-scale)).exp()
    }
}

fn exponential(d: &ExponentialHistogramDataPoint, p: f64) -> Result<f64, EvalError> {
    let counts = |b: &Option<Buckets>| b.as_ref().map_or(0, |b| b.bucket_counts.len());
    let (neg, pos) = (counts(&d.negative), counts(&d.positive));
    if d.count == 0 || (neg == 0 && pos == 0 && d.zero_count == 0) {
        return Ok(f64::NAN);
    }
    let target = target(d.count, p);
    let mut cumulative = 0u64;
    if let Some(b) = &d.negative {
        for (i, &c) in b.bucket_counts.iter().enumerate() {
            let before = cumulative;
            cumulative += c;
            if cumulative >= target {
                let index = i64::from(b.offset) + i as i64;
                let ratio = (target as f64 - before as f64) / c as f64;
                return Ok(-logarithmic(bound(index, d.scale), bound(index + 1, d.scale), 1.0 - ratio));
            }
        }
    }
    if cumulative + d.zero_count >= target {
        let lower = if neg == 0 && pos > 0 { 0.0 } else { -d.zero_threshold };
        let upper = if pos == 0 && neg > 0 { 0.0 } else { d.zero_threshold };
        return Ok(linear(lower, upper, (target - cumulative) as f64 / d.zero_count as f64));
    }
    cumulative += d.zero_count;
    if let Some(b) = &d.positive {
        for (i, &c) in b.bucket_counts.iter().enumerate() {
            let before = cumulative;
            cumulative += c;
            if cumulative >= target {
                let index = i64::from(b.offset) + i as i64;
                let ratio = (target - before) as f64 / c as f64;
                return Ok(logarithmic(bound(index, d.scale), bound(index + 1, d.scale), ratio));
            }
        }
    }
    Err(not_reached(p, target, cumulative))
}
