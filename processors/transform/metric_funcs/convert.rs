//! `convert_sum_to_gauge`, `convert_gauge_to_sum`, `scale_metric` and
//! `copy_metric` (metric context).

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::{exemplar, number_data_point, Exemplar, Gauge, NumberDataPoint, Sum};

use super::{metric_mut, temporality};
use crate::ottl::compile::{Args, Expr};
use crate::ottl::editors::{editor, Editor};
use crate::ottl::eval::eval;
use crate::ottl::lexer::PosError;
use crate::ottl::{Ctx, EvalError};

/// `convert_sum_to_gauge()`: a Sum becomes a Gauge with the same points;
/// other metrics are left alone.
pub(super) fn sum_to_gauge(_: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    Ok(editor(|ctx| {
        let (m, _) = metric_mut(ctx)?;
        m.data = match m.data.take() {
            Some(Data::Sum(s)) => Some(Data::Gauge(Gauge { data_points: s.data_points })),
            other => other,
        };
        Ok(())
    }))
}

/// `convert_gauge_to_sum(aggregation_temporality, is_monotonic)`: a Gauge
/// becomes a Sum with the same points; other metrics are left alone.
pub(super) fn gauge_to_sum(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let aggregation_temporality = temporality(a, 0)?;
    let is_monotonic = a.bool_lit(1)?;
    Ok(editor(move |ctx| {
        let (m, _) = metric_mut(ctx)?;
        m.data = match m.data.take() {
            Some(Data::Gauge(g)) => {
                Some(Data::Sum(Sum { data_points: g.data_points, aggregation_temporality, is_monotonic }))
            }
            other => other,
        };
        Ok(())
    }))
}

/// An optional string argument, evaluated when the statement runs.
fn opt_string(e: &Option<Expr>, ctx: &Ctx<'_>) -> Result<Option<String>, EvalError> {
    e.as_ref().map(|e| eval(e, ctx)?.expect_str().map(str::to_string)).transpose()
}

/// `scale_metric(factor, Optional[unit])`: every value of a Gauge, Sum,
/// Histogram (sum, min, max, bounds, exemplars) or Summary (sum, quantile
/// values) times `factor`; an int value stays an int (truncated).
pub(super) fn scale_metric(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let factor = a.float_lit(0)?;
    let unit = a.opt_getter(1)?;
    Ok(editor(move |ctx| {
        let unit = opt_string(&unit, ctx).map_err(|e| EvalError::new(format!("could not get unit: {}", e.0)))?;
        let (m, _) = metric_mut(ctx)?;
        match &mut m.data {
            Some(Data::Gauge(g)) => g.data_points.iter_mut().for_each(|p| scale_number(p, factor)),
            Some(Data::Sum(s)) => s.data_points.iter_mut().for_each(|p| scale_number(p, factor)),
            Some(Data::Histogram(h)) => {
                for p in &mut h.data_points {
                    for v in [&mut p.sum, &mut p.min, &mut p.max].into_iter().flatten() {
                        *v *= factor;
                    }
                    p.explicit_bounds.iter_mut().for_each(|b| *b *= factor);
                    p.exemplars.iter_mut().for_each(|e| scale_exemplar(e, factor));
                }
            }
            Some(Data::Summary(s)) => {
                for p in &mut s.data_points {
                    p.sum *= factor;
                    p.quantile_values.iter_mut().for_each(|q| q.value *= factor);
                }
            }
            Some(Data::ExponentialHistogram(_)) => {
                return Err(EvalError::new("exponential histograms are not supported by the 'scale_metric' function"))
            }
            None => return Err(EvalError::new("unsupported metric type: 'Empty'")),
        }
        if let Some(unit) = unit {
            m.unit = unit;
        }
        Ok(())
    }))
}

fn scale_number(p: &mut NumberDataPoint, factor: f64) {
    use number_data_point::Value as V;
    p.value = match p.value {
        Some(V::AsInt(n)) => Some(V::AsInt((n as f64 * factor) as i64)),
        Some(V::AsDouble(d)) => Some(V::AsDouble(d * factor)),
        None => None,
    };
}

fn scale_exemplar(e: &mut Exemplar, factor: f64) {
    use exemplar::Value as V;
    e.value = match e.value {
        Some(V::AsInt(n)) => Some(V::AsInt((n as f64 * factor) as i64)),
        Some(V::AsDouble(d)) => Some(V::AsDouble(d * factor)),
        None => None,
    };
}

/// `copy_metric(Optional[name], Optional[description], Optional[unit])`: a
/// copy of the metric, renamed as asked, added at the end of the scope's metrics.
pub(super) fn copy_metric(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let name = a.opt_getter(0)?;
    let description = a.opt_getter(1)?;
    let unit = a.opt_getter(2)?;
    Ok(editor(move |ctx| {
        let (name, description, unit) =
            (opt_string(&name, ctx)?, opt_string(&description, ctx)?, opt_string(&unit, ctx)?);
        let (m, _) = metric_mut(ctx)?;
        let mut copy = m.clone();
        for (field, v) in [(&mut copy.name, name), (&mut copy.description, description), (&mut copy.unit, unit)] {
            if let Some(v) = v {
                *field = v;
            }
        }
        ctx.new_metrics.push(copy);
        Ok(())
    }))
}
