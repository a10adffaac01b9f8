//! The transform processor's metric-only functions (otelcol-contrib's
//! `processor/transformprocessor/internal/metrics`), registered as editors
//! that only the metric or the data point context offers:
//!
//! - metric context: `convert_sum_to_gauge`, `convert_gauge_to_sum`,
//!   `scale_metric`, `copy_metric` ([`convert`]); `extract_sum_metric`,
//!   `extract_count_metric`, `convert_summary_quantile_val_to_gauge`
//!   ([`extract`]); `extract_percentile_metric` ([`percentile`]);
//!   `aggregate_on_attributes`, `aggregate_on_attribute_value` ([`aggregate`]);
//!   `convert_exponential_histogram_to_histogram` ([`exp_to_hist`]);
//! - data point context: `convert_summary_sum_val_to_sum`,
//!   `convert_summary_count_val_to_sum` ([`extract`]), `merge_histogram_buckets`
//!   ([`buckets`]).
//!
//! Functions that add a metric put it in [`Ctx::new_metrics`]; the walk
//! appends it to the scope's metrics after the current one is done, and the
//! statements then see it in turn, as in otelcol.

mod aggregate;
mod buckets;
mod convert;
mod exp_to_hist;
mod extract;
mod percentile;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_more;

use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, Metric};

use crate::ottl::compile::{opt, req, Args};
use crate::ottl::editors::Spec;
use crate::ottl::lexer::PosError;
use crate::ottl::{Ctx, EvalError, Record};

/// The functions of the metric context.
pub static METRIC_SPECS: &[Spec] = &[
    Spec { name: "convert_sum_to_gauge", params: &[], build: convert::sum_to_gauge },
    Spec {
        name: "convert_gauge_to_sum",
        params: &[req("aggregation_temporality"), req("is_monotonic")],
        build: convert::gauge_to_sum,
    },
    Spec { name: "scale_metric", params: &[req("factor"), opt("unit")], build: convert::scale_metric },
    Spec { name: "copy_metric", params: &[opt("name"), opt("description"), opt("unit")], build: convert::copy_metric },
    Spec { name: "extract_sum_metric", params: &[req("is_monotonic"), opt("suffix")], build: extract::sum_metric },
    Spec { name: "extract_count_metric", params: &[req("is_monotonic"), opt("suffix")], build: extract::count_metric },
    Spec {
        name: "extract_percentile_metric",
        params: &[req("percentile"), opt("suffix")],
        build: percentile::extract_percentile_metric,
    },
    Spec {
        name: "convert_summary_quantile_val_to_gauge",
        params: &[opt("attribute_key"), opt("suffix")],
        build: extract::quantiles_to_gauge,
    },
    Spec {
        name: "aggregate_on_attributes",
        params: &[req("function"), opt("attributes")],
        build: aggregate::on_attributes,
    },
    Spec {
        name: "aggregate_on_attribute_value",
        params: &[req("function"), req("attribute"), req("values"), req("new_value")],
        build: aggregate::on_attribute_value,
    },
    Spec {
        name: "convert_exponential_histogram_to_histogram",
        params: &[req("distribution"), req("explicit_bounds")],
        build: exp_to_hist::exponential_to_histogram,
    },
];

/// The functions of the data point context.
pub static POINT_SPECS: &[Spec] = &[
    Spec {
        name: "convert_summary_sum_val_to_sum",
        params: &[req("aggregation_temporality"), req("is_monotonic"), opt("suffix")],
        build: |a| extract::summary_to_sum(a, extract::Field::Sum),
    },
    Spec {
        name: "convert_summary_count_val_to_sum",
        params: &[req("aggregation_temporality"), req("is_monotonic"), opt("suffix")],
        build: |a| extract::summary_to_sum(a, extract::Field::Count),
    },
    Spec {
        name: "merge_histogram_buckets",
        params: &[req("target_value"), opt("method")],
        build: buckets::merge_histogram_buckets,
    },
];

/// The metric a statement runs on, and the index of its data point in the
/// data point context.
fn metric_mut<'c>(ctx: &'c mut Ctx<'_>) -> Result<(&'c mut Metric, Option<usize>), EvalError> {
    match &mut ctx.record {
        Record::Metric(m, point) => Ok((m, *point)),
        _ => Err(EvalError::new("no metric in this context")),
    }
}

/// `"delta"` or `"cumulative"`, as written in the statement.
fn temporality(a: &mut Args<'_>, i: usize) -> Result<i32, PosError> {
    let at = a.at_of(i);
    match a.str_lit(i)?.as_str() {
        "delta" => Ok(AggregationTemporality::Delta as i32),
        "cumulative" => Ok(AggregationTemporality::Cumulative as i32),
        other => Err(a.err(at, format!("unknown aggregation temporality: {other}"))),
    }
}

/// pdata's name of a metric's type.
fn type_name(m: &Metric) -> &'static str {
    crate::signal::metric_type_name(m.data.as_ref())
}
