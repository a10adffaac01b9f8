//! `convert_exponential_histogram_to_histogram(distribution, explicit_bounds)`
//! (metric context): an ExponentialHistogram becomes a Histogram with the
//! given bounds, each positive bucket's count placed by `distribution`:
//! `upper`, `midpoint`, `uniform` or `random` (the default for `""`). As in
//! otelcol, a point gets one count per bound, the last one also taking what
//! lies above it; the zero count goes to the first bound when that is 0, and
//! negative buckets are dropped.

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::{ExponentialHistogramDataPoint, Histogram, HistogramDataPoint, Metric};

use super::metric_mut;
use crate::export::retry::random_unit;
use crate::ottl::compile::{Args, Expr, ListArg};
use crate::ottl::editors::{editor, Editor};
use crate::ottl::lexer::PosError;
use crate::ottl::Value;

#[derive(Clone, Copy)]
enum Dist {
    Upper,
    Midpoint,
    Uniform,
    Random,
}

pub(super) fn exponential_to_histogram(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let at = a.at_of(0);
    let dist = match a.str_lit(0)?.as_str() {
        "upper" => Dist::Upper,
        "midpoint" => Dist::Midpoint,
        "uniform" => Dist::Uniform,
        "random" | "" => Dist::Random,
        other => {
            let msg =
                format!("invalid conversion function: {other}, must be one of [upper, midpoint, random, uniform]");
            return Err(a.err(at, msg));
        }
    };
    let at = a.at_of(1);
    let bounds = float_list(a.list(1)?).ok_or_else(|| a.err(at, "explicit_bounds must be a list of numbers"))?;
    if bounds.is_empty() {
        return Err(a.err(at, "explicit bounds cannot be empty: []"));
    }
    Ok(editor(move |ctx| {
        let (m, _) = metric_mut(ctx)?;
        if !matches!(m.data, Some(Data::ExponentialHistogram(_))) {
            return Ok(());
        }
        let Some(Data::ExponentialHistogram(e)) = m.data.take() else { return Ok(()) };
        let data_points = e.data_points.into_iter().map(|p| convert(p, &bounds, dist)).collect();
        let data = Data::Histogram(Histogram { data_points, aggregation_temporality: e.aggregation_temporality });
        *m = Metric {
            name: std::mem::take(&mut m.name),
            description: std::mem::take(&mut m.description),
            unit: std::mem::take(&mut m.unit),
            data: Some(data),
            ..Default::default()
        };
        Ok(())
    }))
}

fn float_list(l: ListArg) -> Option<Vec<f64>> {
    let ListArg::Items(items) = l else { return None };
    items
        .into_iter()
        .map(|e| match e {
            Expr::Lit(Value::Double(d)) => Some(d),
            Expr::Lit(Value::Int(n)) => Some(n as f64),
            _ => None,
        })
        .collect()
}

fn convert(p: ExponentialHistogramDataPoint, bounds: &[f64], dist: Dist) -> HistogramDataPoint {
    HistogramDataPoint {
        bucket_counts: bucket_counts(&p, bounds, dist),
        explicit_bounds: bounds.to_vec(),
        attributes: p.attributes,
        start_time_unix_nano: p.start_time_unix_nano,
        time_unix_nano: p.time_unix_nano,
        count: p.count,
        sum: Some(p.sum.unwrap_or_default()),
        min: Some(p.min.unwrap_or_default()),
        max: Some(p.max.unwrap_or_default()),
        exemplars: p.exemplars,
        ..Default::default()
    }
}

fn bucket_counts(p: &ExponentialHistogramDataPoint, bounds: &[f64], dist: Dist) -> Vec<u64> {
    let factor = std::f64::consts::LN_2 * 2f64.powi(-p.scale);
    let mut counts = vec![0u64; bounds.len()];
    let last = bounds.len() - 1;
    if p.zero_count > 0 && bounds[0] == 0.0 {
        counts[0] += p.zero_count;
    }
    let Some(positive) = &p.positive else { return counts };
    for (pos, &count) in positive.bucket_counts.iter().enumerate() {
        let index = f64::from(positive.offset) + pos as f64;
        let (lower, upper) = ((index * factor).exp(), ((index + 1.0) * factor).exp());
        if lower > bounds[last] {
            counts[last] += count;
        } else if let Some(i) = (1..bounds.len()).find(|&i| lower > bounds[i - 1] && upper <= bounds[i]) {
            counts[i - 1] += count;
        } else {
            distribute(dist, count, lower, upper, bounds, &mut counts);
        }
    }
    counts
}

fn distribute(dist: Dist, count: u64, lower: f64, upper: f64, bounds: &[f64], counts: &mut [u64]) {
    let last = bounds.len() - 1;
    match dist {
        Dist::Upper => counts[bounds.iter().position(|&b| upper <= b).unwrap_or(last)] += count,
        Dist::Midpoint => {
            let mid = (upper + lower) / 2.0;
            counts[bounds.iter().position(|&b| mid <= b).map_or(last, |j| j.saturating_sub(1))] += count;
        }
        Dist::Uniform => {
            let start = bounds.iter().position(|&b| lower <= b).unwrap_or(bounds.len());
            let end = (start..bounds.len()).find(|&j| upper <= bounds[j]).unwrap_or(bounds.len()).min(last);
            if end > start {
                let n = (end - start + 1) as u64;
                let mut remainder = count % n;
                for c in &mut counts[start..=end] {
                    *c += count / n + u64::from(remainder > 0);
                    remainder = remainder.saturating_sub(1);
                }
            } else {
                counts[start.min(last)] += count;
            }
        }
        Dist::Random => {
            let start = bounds.iter().position(|&b| b >= lower).unwrap_or(bounds.len());
            let end = (start..bounds.len()).find(|&j| bounds[j] >= upper).unwrap_or(bounds.len()).min(last);
            if end <= start {
                counts[start.min(last)] += count;
                return;
            }
            let mut allocated = 0u64;
            for j in start..=end {
                let low = if j == 0 { lower } else { bounds[j - 1] };
                let overlap = bounds[j].min(upper) - low.max(lower);
                let share = (count as f64 * (overlap / (upper - lower))) as u64;
                let given = ((random_unit() * share as f64) as u64).min(count - allocated);
                counts[j] += given;
                allocated += given;
            }
            for _ in allocated..count {
                counts[start + ((random_unit() * (end - start + 1) as f64) as usize).min(end - start)] += 1;
            }
        }
    }
}
