//! filter for traces and metrics pipelines: `traces.resource`, `traces.span`,
//! `traces.spanevent` and the flat `trace_conditions`; `metrics.resource`,
//! `metrics.metric`, `metrics.datapoint` and `metric_conditions`.
//!
//! As in otelcol: a true resource condition drops the resource, a span
//! condition the span, a span event condition the event (the span stays); a
//! metric condition drops the metric, a data point condition the point, and a
//! metric left without data points goes too. Scopes and resources left empty
//! are removed. The legacy `spans` and `metrics` `include` / `exclude` are
//! refused: ferrocol does not run them.

use std::sync::atomic::Ordering;

use tracing::debug;

use super::{any_holds, flat_conditions, Counters, FilterConfig, Program};
use crate::config::FieldError;
use crate::ottl::paths::metric::{point_count, retain_points};
use crate::ottl::{ContextKind, Ctx, EvalError};
use crate::processors::ottl_config::{compile_conditions, CondGroup};
use crate::signal::{Batch, MetricBatch, ResourceMetrics, ResourceSpans, TraceBatch};

/// One signal's drop conditions, by level: `record` is the span or metric,
/// `inner` the span event or data point.
#[derive(Debug, Default)]
pub struct SignalConds {
    resource: Vec<CondGroup>,
    scope: Vec<CondGroup>,
    record: Vec<CondGroup>,
    inner: Vec<CondGroup>,
}

impl SignalConds {
    fn push(&mut self, g: impl Into<Option<CondGroup>>) {
        let Some(g) = g.into() else { return };
        match g.context {
            ContextKind::Resource => self.resource.push(g),
            ContextKind::Scope => self.scope.push(g),
            ContextKind::SpanEvent | ContextKind::DataPoint => self.inner.push(g),
            _ => self.record.push(g),
        }
    }

    fn is_empty(&self) -> bool {
        self.resource.is_empty() && self.scope.is_empty() && self.record.is_empty() && self.inner.is_empty()
    }
}

/// Compile the traces and metrics settings into `p`. A signal whose settings
/// otelcol's checks (`other_signal_errors`) refused is not compiled again.
pub fn compile(cfg: &FilterConfig, p: &mut Program, errors: &mut Vec<FieldError>) {
    let refused =
        |errors: &[FieldError], keys: &[&str]| errors.iter().any(|e| keys.iter().any(|k| e.key.starts_with(k)));
    let legacy = [
        ("spans::include", cfg.spans.include.is_some()),
        ("spans::exclude", cfg.spans.exclude.is_some()),
        ("metrics::include", cfg.metrics.include.is_some()),
        ("metrics::exclude", cfg.metrics.exclude.is_some()),
        ("metrics::regexp", cfg.metrics.regexp.is_some()),
    ];
    for (key, set) in legacy {
        if set {
            errors.push(FieldError::new(
                key,
                "ferrocol's filter does not run the legacy span and metric matching; use OTTL conditions (traces.span, metrics.metric, ...)",
            ));
        }
    }
    let mode = cfg.error_mode;
    let group = |texts: &Option<Vec<String>>, key: &str, cx: ContextKind, errors: &mut Vec<FieldError>| {
        let texts = texts.as_deref().unwrap_or_default();
        let conditions = compile_conditions(texts, key, cx, errors);
        (!texts.is_empty()).then_some(CondGroup { context: cx, conditions, mode })
    };
    if !refused(errors, &["traces", "trace_conditions", "spans"]) {
        let t = &cfg.traces;
        p.traces.push(group(&t.resource, "traces::resource", ContextKind::Resource, errors));
        p.traces.push(group(&t.span, "traces::span", ContextKind::Span, errors));
        p.traces.push(group(&t.spanevent, "traces::spanevent", ContextKind::SpanEvent, errors));
        for g in flat_conditions::<ResourceSpans>(&cfg.trace_conditions, "trace_conditions", mode, errors) {
            p.traces.push(g);
        }
    }
    if !refused(errors, &["metrics", "metric_conditions"]) {
        let m = &cfg.metrics;
        p.metrics.push(group(&m.resource, "metrics::resource", ContextKind::Resource, errors));
        p.metrics.push(group(&m.metric, "metrics::metric", ContextKind::Metric, errors));
        p.metrics.push(group(&m.datapoint, "metrics::datapoint", ContextKind::DataPoint, errors));
        for g in flat_conditions::<ResourceMetrics>(&cfg.metric_conditions, "metric_conditions", mode, errors) {
            p.metrics.push(g);
        }
    }
}

/// A condition's answer; a failure is kept and answers false.
fn answer(r: Result<bool, EvalError>, failure: &mut Option<EvalError>) -> bool {
    r.unwrap_or_else(|e| {
        failure.get_or_insert(e);
        false
    })
}

/// Keep the items whose entry in `keep` is true.
fn retain_by<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    items.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

fn count_dropped(counters: &Counters, before: usize, after: usize, what: &str) {
    let dropped = before - after;
    if dropped > 0 {
        counters.dropped_records.fetch_add(dropped as u64, Ordering::Relaxed);
        debug!(dropped, kept = after, "filter dropped {what}");
    }
}

impl SignalConds {
    /// Remove what the conditions drop. After a failure the rest is left as
    /// it is: the batch is dropped anyway.
    pub fn apply_spans(&self, data: &mut Vec<ResourceSpans>, counters: &Counters) -> Result<(), EvalError> {
        if self.is_empty() {
            return Ok(());
        }
        let before = TraceBatch::count(data);
        let mut failure: Option<EvalError> = None;
        data.retain_mut(|rs| {
            if failure.is_some() {
                return true;
            }
            if !self.resource.is_empty()
                && answer(
                    any_holds(
                        &self.resource,
                        &Ctx::resource(&mut rs.resource).with_schema_urls(&mut rs.schema_url, None),
                    ),
                    &mut failure,
                )
            {
                return false;
            }
            let resource = &mut rs.resource;
            let resource_url = &mut rs.schema_url;
            rs.scope_spans.retain_mut(|ss| {
                if failure.is_some() {
                    return true;
                }
                if !self.scope.is_empty()
                    && answer(
                        any_holds(
                            &self.scope,
                            &Ctx::scope(resource, &mut ss.scope)
                                .with_schema_urls(&mut *resource_url, Some(&mut ss.schema_url)),
                        ),
                        &mut failure,
                    )
                {
                    return false;
                }
                let scope = &mut ss.scope;
                let scope_url = &mut ss.schema_url;
                ss.spans.retain_mut(|span| {
                    if failure.is_some() {
                        return true;
                    }
                    if !self.record.is_empty()
                        && answer(
                            any_holds(
                                &self.record,
                                &Ctx::span(resource, scope, span, None)
                                    .with_schema_urls(&mut *resource_url, Some(&mut *scope_url)),
                            ),
                            &mut failure,
                        )
                    {
                        return false;
                    }
                    if !self.inner.is_empty() {
                        let keep: Vec<bool> = (0..span.events.len())
                            .map(|i| {
                                failure.is_some()
                                    || !answer(
                                        any_holds(
                                            &self.inner,
                                            &Ctx::span(resource, scope, span, Some(i))
                                                .with_schema_urls(&mut *resource_url, Some(&mut *scope_url)),
                                        ),
                                        &mut failure,
                                    )
                            })
                            .collect();
                        retain_by(&mut span.events, &keep);
                    }
                    true
                });
                !ss.spans.is_empty()
            });
            !rs.scope_spans.is_empty()
        });
        count_dropped(counters, before, TraceBatch::count(data), "spans");
        failure.map_or(Ok(()), Err)
    }

    pub fn apply_metrics(&self, data: &mut Vec<ResourceMetrics>, counters: &Counters) -> Result<(), EvalError> {
        if self.is_empty() {
            return Ok(());
        }
        let before = MetricBatch::count(data);
        let mut failure: Option<EvalError> = None;
        data.retain_mut(|rm| {
            if failure.is_some() {
                return true;
            }
            if !self.resource.is_empty()
                && answer(
                    any_holds(
                        &self.resource,
                        &Ctx::resource(&mut rm.resource).with_schema_urls(&mut rm.schema_url, None),
                    ),
                    &mut failure,
                )
            {
                return false;
            }
            let resource = &mut rm.resource;
            let resource_url = &mut rm.schema_url;
            rm.scope_metrics.retain_mut(|sm| {
                if failure.is_some() {
                    return true;
                }
                if !self.scope.is_empty()
                    && answer(
                        any_holds(
                            &self.scope,
                            &Ctx::scope(resource, &mut sm.scope)
                                .with_schema_urls(&mut *resource_url, Some(&mut sm.schema_url)),
                        ),
                        &mut failure,
                    )
                {
                    return false;
                }
                let scope = &mut sm.scope;
                let scope_url = &mut sm.schema_url;
                sm.metrics.retain_mut(|metric| {
                    if failure.is_some() {
                        return true;
                    }
                    if !self.record.is_empty()
                        && answer(
                            any_holds(
                                &self.record,
                                &Ctx::metric(resource, scope, metric, None)
                                    .with_schema_urls(&mut *resource_url, Some(&mut *scope_url)),
                            ),
                            &mut failure,
                        )
                    {
                        return false;
                    }
                    if self.inner.is_empty() {
                        return true;
                    }
                    let keep: Vec<bool> = (0..point_count(metric))
                        .map(|i| {
                            failure.is_some()
                                || !answer(
                                    any_holds(
                                        &self.inner,
                                        &Ctx::metric(resource, scope, metric, Some(i))
                                            .with_schema_urls(&mut *resource_url, Some(&mut *scope_url)),
                                    ),
                                    &mut failure,
                                )
                        })
                        .collect();
                    retain_points(metric, &keep);
                    failure.is_some() || point_count(metric) > 0
                });
                !sm.metrics.is_empty()
            });
            !rm.scope_metrics.is_empty()
        });
        count_dropped(counters, before, MetricBatch::count(data), "metric data points");
        failure.map_or(Ok(()), Err)
    }
}
