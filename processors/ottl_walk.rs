//! Walking a batch of any signal by OTTL context: each resource, each scope,
//! or each record (log record, span, span event, metric, data point), with a
//! [`Ctx`] built for it. `filter` and `transform` run their programs through it.

use crate::event::ResourceLogs;
use crate::ottl::paths::metric::point_count;
use crate::ottl::{ContextKind, Ctx, EvalError};
use crate::signal::{ResourceMetrics, ResourceSpans};

/// The resources of one signal's batch.
pub trait Walk: Sized {
    /// The context of paths without a prefix, and of texts without paths.
    const RECORD: ContextKind;
    /// The contexts this signal's statements may run in.
    const CONTEXTS: &'static [ContextKind];

    /// Run `f` for every context of kind `cx` in `data`; stops at the first error.
    fn for_each_ctx(
        data: &mut [Self],
        cx: ContextKind,
        f: impl FnMut(&mut Ctx<'_>) -> Result<(), EvalError>,
    ) -> Result<(), EvalError>;
}

type Res = Result<(), EvalError>;

impl Walk for ResourceLogs {
    const RECORD: ContextKind = ContextKind::Log;
    const CONTEXTS: &'static [ContextKind] = &[ContextKind::Resource, ContextKind::Scope, ContextKind::Log];

    fn for_each_ctx(data: &mut [Self], cx: ContextKind, mut f: impl FnMut(&mut Ctx<'_>) -> Res) -> Res {
        for rl in data {
            if cx == ContextKind::Resource {
                f(&mut Ctx::resource(&mut rl.resource).with_schema_urls(&mut rl.schema_url, None))?;
                continue;
            }
            for sl in &mut rl.scope_logs {
                if cx == ContextKind::Scope {
                    f(&mut Ctx::scope(&mut rl.resource, &mut sl.scope)
                        .with_schema_urls(&mut rl.schema_url, Some(&mut sl.schema_url)))?;
                    continue;
                }
                for rec in &mut sl.log_records {
                    f(&mut Ctx::log(&mut rl.resource, &mut sl.scope, rec)
                        .with_schema_urls(&mut rl.schema_url, Some(&mut sl.schema_url)))?;
                }
            }
        }
        Ok(())
    }
}

impl Walk for ResourceSpans {
    const RECORD: ContextKind = ContextKind::Span;
    const CONTEXTS: &'static [ContextKind] =
        &[ContextKind::Resource, ContextKind::Scope, ContextKind::Span, ContextKind::SpanEvent];

    fn for_each_ctx(data: &mut [Self], cx: ContextKind, mut f: impl FnMut(&mut Ctx<'_>) -> Res) -> Res {
        for rs in data {
            if cx == ContextKind::Resource {
                f(&mut Ctx::resource(&mut rs.resource).with_schema_urls(&mut rs.schema_url, None))?;
                continue;
            }
            for ss in &mut rs.scope_spans {
                if cx == ContextKind::Scope {
                    f(&mut Ctx::scope(&mut rs.resource, &mut ss.scope)
                        .with_schema_urls(&mut rs.schema_url, Some(&mut ss.schema_url)))?;
                    continue;
                }
                for span in &mut ss.spans {
                    if cx == ContextKind::SpanEvent {
                        for i in 0..span.events.len() {
                            f(&mut Ctx::span(&mut rs.resource, &mut ss.scope, span, Some(i))
                                .with_schema_urls(&mut rs.schema_url, Some(&mut ss.schema_url)))?;
                        }
                    } else {
                        f(&mut Ctx::span(&mut rs.resource, &mut ss.scope, span, None)
                            .with_schema_urls(&mut rs.schema_url, Some(&mut ss.schema_url)))?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Walk for ResourceMetrics {
    const RECORD: ContextKind = ContextKind::Metric;
    const CONTEXTS: &'static [ContextKind] =
        &[ContextKind::Resource, ContextKind::Scope, ContextKind::Metric, ContextKind::DataPoint];

    /// Metrics a statement adds (`copy_metric`, `extract_sum_metric`, ...) are
    /// appended to the scope's metrics once the current metric is done, and
    /// walked in turn, as otelcol's loop over the growing metric slice does.
    fn for_each_ctx(data: &mut [Self], cx: ContextKind, mut f: impl FnMut(&mut Ctx<'_>) -> Res) -> Res {
        for rm in data {
            if cx == ContextKind::Resource {
                f(&mut Ctx::resource(&mut rm.resource).with_schema_urls(&mut rm.schema_url, None))?;
                continue;
            }
            for sm in &mut rm.scope_metrics {
                if cx == ContextKind::Scope {
                    f(&mut Ctx::scope(&mut rm.resource, &mut sm.scope)
                        .with_schema_urls(&mut rm.schema_url, Some(&mut sm.schema_url)))?;
                    continue;
                }
                let limit = sm.metrics.len().max(1) * MAX_GROWTH;
                let mut k = 0;
                while k < sm.metrics.len() {
                    let mut added = Vec::new();
                    let metric = &mut sm.metrics[k];
                    let points: Vec<Option<usize>> = match cx {
                        ContextKind::DataPoint => (0..point_count(metric)).map(Some).collect(),
                        _ => vec![None],
                    };
                    for point in points {
                        let mut ctx = Ctx::metric(&mut rm.resource, &mut sm.scope, metric, point)
                            .with_schema_urls(&mut rm.schema_url, Some(&mut sm.schema_url));
                        f(&mut ctx)?;
                        added.append(&mut ctx.new_metrics);
                    }
                    sm.metrics.append(&mut added);
                    if sm.metrics.len() > limit {
                        return Err(EvalError::new(format!(
                            "statements added metrics to a scope until it held {} (more than {MAX_GROWTH} times what it came with); is a where clause missing that keeps a new metric from matching again?",
                            sm.metrics.len()
                        )));
                    }
                    k += 1;
                }
            }
        }
        Ok(())
    }
}

/// How many times its size a scope's metrics may grow by statements that add
/// metrics; otelcol loops until memory runs out on `copy_metric()` without a
/// where clause, ferrocol stops with an error.
pub const MAX_GROWTH: usize = 64;
