//! `merge_histogram_buckets(target_value, Optional[method])` (data point
//! context): on a histogram point, `remove_explicit_bound` (the default)
//! merges the bucket ending at bound `target_value` into the next one;
//! `limit_buckets` merges neighbouring buckets in groups of the smallest size
//! that leaves at most `target_value` buckets. Count and sum are untouched;
//! a point whose bounds and counts do not fit together is left alone.

use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::HistogramDataPoint;

use super::metric_mut;
use crate::ottl::compile::{Args, Expr};
use crate::ottl::editors::{editor, Editor};
use crate::ottl::eval::eval;
use crate::ottl::lexer::PosError;
use crate::ottl::{EvalError, Value};

const REMOVE: &str = "remove_explicit_bound";
const LIMIT: &str = "limit_buckets";

pub(super) fn merge_histogram_buckets(a: &mut Args<'_>) -> Result<Box<dyn Editor>, PosError> {
    let target_at = a.at_of(0);
    let target = a.getter(0)?;
    let method_at = a.at_of(1);
    let method = a.opt_str_lit(1)?.unwrap_or_else(|| REMOVE.to_string());
    let limit = match method.as_str() {
        REMOVE => false,
        LIMIT => true,
        other => {
            return Err(a.err(method_at, format!("unsupported method {other:?}, expected {REMOVE:?} or {LIMIT:?}")))
        }
    };
    if let (true, Expr::Lit(v)) = (limit, &target) {
        float_like(v).and_then(max_buckets).map_err(|e| a.err(target_at, e.0))?;
    }
    Ok(editor(move |ctx| {
        let (m, point) = metric_mut(ctx)?;
        if !matches!(m.data, Some(Data::Histogram(_))) || point.is_none() {
            return Ok(());
        }
        let t = float_like(&eval(&target, ctx)?)?;
        let (m, point) = metric_mut(ctx)?;
        let (Some(Data::Histogram(h)), Some(i)) = (&mut m.data, point) else { return Ok(()) };
        let Some(dp) = h.data_points.get_mut(i) else { return Ok(()) };
        match limit {
            false => remove_bound(dp, t),
            true => limit_buckets(dp, max_buckets(t)?),
        }
        Ok(())
    }))
}

/// A number, or a string holding one (OTTL's `FloatLikeGetter`).
fn float_like(v: &Value) -> Result<f64, EvalError> {
    match v {
        Value::Double(d) => Ok(*d),
        Value::Int(n) => Ok(*n as f64),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Str(s) => s.parse().map_err(|_| EvalError::new(format!("target_value {s:?} is not a number"))),
        Value::Nil => Err(EvalError::new("target_value must not be nil")),
        other => Err(EvalError::new(format!("target_value must be a number, got {}", other.type_name()))),
    }
}

fn max_buckets(t: f64) -> Result<usize, EvalError> {
    if t < 1.0 || t.trunc() != t || t > i64::MAX as f64 {
        return Err(EvalError::new(format!(
            "target_value must be a positive integer when method is {LIMIT:?}, got {t}"
        )));
    }
    Ok(t as usize)
}

fn remove_bound(dp: &mut HistogramDataPoint, bound: f64) {
    if dp.explicit_bounds.len() + 1 != dp.bucket_counts.len() || dp.bucket_counts.len() == 1 {
        return;
    }
    let Some(i) = dp.explicit_bounds.iter().position(|b| (b - bound).abs() < 1e-12) else { return };
    dp.bucket_counts[i + 1] += dp.bucket_counts[i];
    dp.bucket_counts.remove(i);
    dp.explicit_bounds.remove(i);
}

fn limit_buckets(dp: &mut HistogramDataPoint, max: usize) {
    let n = dp.bucket_counts.len();
    if dp.explicit_bounds.len() + 1 != n || n <= max || n <= 1 {
        return;
    }
    if dp.explicit_bounds.windows(2).any(|w| w[1] <= w[0] || w[1].is_nan() || w[0].is_nan()) {
        return;
    }
    let size = n.div_ceil(max);
    dp.bucket_counts = dp.bucket_counts.chunks(size).map(|c| c.iter().sum()).collect();
    dp.explicit_bounds = dp.explicit_bounds.iter().skip(size - 1).step_by(size).copied().collect();
}
