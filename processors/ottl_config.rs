//! What `filter` and `transform` share: list entries that are either an OTTL
//! text or a group `{context, conditions, statements, error_mode}`, compiled
//! at load time with each error placed at its entry in the YAML; the walk
//! over a batch's resources, scopes and records; and running a compiled
//! program as a stage, where a failure drops the batch and rejects its acks.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::component::{ProcessorConfig, ProcessorContext, StageError, StageTask};
use crate::config::FieldError;
use crate::event::{LogBatch, ResourceLogs};
use crate::ottl::{self, Condition, ContextKind, Ctx, ErrorMode, EvalError, Statement};
pub use crate::processors::ottl_walk::Walk;
use crate::signal::{Batch, MetricBatch, ResourceMetrics, ResourceSpans, Signal, TraceBatch};
use crate::topology::run_function;

/// One entry of `log_statements` / `log_conditions`.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A statement or condition; its context is inferred from its paths.
    Text(String),
    Group(Group),
}

/// A group with its own context, conditions and error mode.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Group {
    /// `log`, `scope` or `resource`; inferred from the paths when left out.
    pub context: Option<String>,
    /// Where-clause bodies, ORed: the group applies when one holds (none: always).
    pub conditions: Vec<String>,
    pub statements: Vec<String>,
    /// Overrides the processor's `error_mode` for this group.
    pub error_mode: Option<ErrorMode>,
    /// transform's groups: share the `cache` with the other groups. Accepted
    /// where otelcol accepts it; see each processor for what it does.
    pub shared_cache: Option<bool>,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entry;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OTTL string or a map with context, conditions, statements, error_mode")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Entry, E> {
                Ok(Entry::Text(s.to_string()))
            }

            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Entry, E> {
                Ok(Entry::Text(b.to_string()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Entry, A::Error> {
                Group::deserialize(de::value::MapAccessDeserializer::new(map)).map(Entry::Group)
            }
        }
        d.deserialize_any(V)
    }
}

/// Entries in order, consecutive texts gathered into one run: a run is one
/// group whose context is inferred from all its texts.
pub enum Run<'a> {
    /// (index in the list, text)
    Texts(Vec<(usize, &'a str)>),
    Group(usize, &'a Group),
}

pub fn runs(entries: &[Entry]) -> Vec<Run<'_>> {
    let mut out: Vec<Run> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        match (e, out.last_mut()) {
            (Entry::Text(t), Some(Run::Texts(texts))) => texts.push((i, t)),
            (Entry::Text(t), _) => out.push(Run::Texts(vec![(i, t)])),
            (Entry::Group(g), _) => out.push(Run::Group(i, g)),
        }
    }
    out
}

/// Compiled conditions of one context, ORed, with their error mode.
#[derive(Debug)]
pub struct CondGroup {
    pub context: ContextKind,
    pub conditions: Vec<Condition>,
    pub mode: ErrorMode,
}

impl CondGroup {
    /// True when a condition holds; an empty group always holds.
    pub fn holds(&self, ctx: &Ctx<'_>) -> Result<bool, EvalError> {
        if self.conditions.is_empty() {
            return Ok(true);
        }
        ottl::any_true(&self.conditions, ctx, self.mode)
    }
}

/// Compile `texts` (the list at `key`) as conditions in `cx`; errors are
/// collected with the key of each text.
pub fn compile_conditions(
    texts: &[String],
    key: &str,
    cx: ContextKind,
    errors: &mut Vec<FieldError>,
) -> Vec<Condition> {
    texts.iter().enumerate().filter_map(|(i, t)| compile_condition(t, &format!("{key}[{i}]"), cx, errors)).collect()
}

/// Compile one condition written at `key`.
pub fn compile_condition(text: &str, key: &str, cx: ContextKind, errors: &mut Vec<FieldError>) -> Option<Condition> {
    Condition::parse(text, cx, ottl::functions())
        .map_err(|e| errors.push(FieldError::new(key, format!("invalid condition {text:?}: {e}"))))
        .ok()
}

pub fn compile_statements(
    texts: &[String],
    key: &str,
    cx: ContextKind,
    errors: &mut Vec<FieldError>,
) -> Vec<Statement> {
    texts.iter().enumerate().filter_map(|(i, t)| compile_statement(t, &format!("{key}[{i}]"), cx, errors)).collect()
}

/// Compile one statement written at `key`.
pub fn compile_statement(text: &str, key: &str, cx: ContextKind, errors: &mut Vec<FieldError>) -> Option<Statement> {
    Statement::parse(text, cx, ottl::functions())
        .map_err(|e| errors.push(FieldError::new(key, format!("invalid statement {text:?}: {e}"))))
        .ok()
}

/// A group's context: as written (one of the signal's), or inferred from its texts.
pub fn group_context<W: Walk>(g: &Group, key: &str, errors: &mut Vec<FieldError>) -> ContextKind {
    match &g.context {
        Some(c) => ContextKind::parse(&c.to_lowercase()).filter(|k| W::CONTEXTS.contains(k)).unwrap_or_else(|| {
            let valid: Vec<&str> = W::CONTEXTS.iter().rev().map(|k| k.name()).collect();
            errors.push(FieldError::new(
                format!("{key}::context"),
                format!("unknown context {c:?} (valid values: {})", valid.join(", ")),
            ));
            W::RECORD
        }),
        None => infer_context::<W>(
            g.statements.iter().map(String::as_str).collect(),
            g.conditions.iter().map(String::as_str),
        ),
    }
}

/// The context of statements and conditions without a given one: the
/// deepest their paths name, or, when a statement calls a function only a
/// deeper context offers (`merge_histogram_buckets`: data point,
/// `convert_sum_to_gauge`: metric), that context, as otelcol infers it.
pub fn infer_context<'a, W: Walk>(
    statements: Vec<&'a str>,
    conditions: impl IntoIterator<Item = &'a str>,
) -> ContextKind {
    let cx = ottl::infer_context_in(W::RECORD, statements.iter().copied(), conditions);
    let funcs = ottl::functions();
    for s in statements {
        let Ok(st) = ottl::parser::parse_statement(s) else { continue };
        if funcs.editor_in(&st.editor.name, cx).is_some() {
            continue;
        }
        if let Some((c, _)) = funcs.scoped_editor(&st.editor.name) {
            if W::CONTEXTS.contains(&c) && c.sees(cx) {
                return c;
            }
        }
    }
    cx
}

/// A processor's work on a batch, compiled from its config.
pub trait BatchProgram: Send + Sync + 'static {
    /// Change or filter the log records; an error means the batch must be dropped.
    fn apply(&self, resource_logs: &mut Vec<ResourceLogs>) -> Result<(), EvalError>;
    /// The same for spans.
    fn apply_traces(&self, resource_spans: &mut Vec<ResourceSpans>) -> Result<(), EvalError>;
    /// The same for metrics.
    fn apply_metrics(&self, resource_metrics: &mut Vec<ResourceMetrics>) -> Result<(), EvalError>;

    /// Batches dropped because `apply` failed (under `error_mode: propagate`).
    fn failed_batches(&self) -> &AtomicU64;

    /// Apply to one batch. On failure the batch is emptied and its acks are
    /// rejected: otelcol returns the error to the receiver and drops the data.
    fn process<B: Programmable>(&self, batch: &mut B)
    where
        Self: Sized,
    {
        if let Err(e) = B::apply(self, batch.data_mut()) {
            self.failed_batches().fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, items = batch.item_count(), "failed processing {}; the batch is dropped and its acknowledgement rejected", B::SIGNAL.as_str());
            batch.data_mut().clear();
            std::mem::take(batch.acks_mut()).reject();
        }
    }
}

/// A signal's batch a [`BatchProgram`] runs on, and the self-metric counting
/// what it drops.
pub trait Programmable: Batch {
    const DROPPED: (&'static str, &'static str);
    fn apply<P: BatchProgram>(p: &P, data: &mut Vec<Self::Resource>) -> Result<(), EvalError>;
}

impl Programmable for LogBatch {
    const DROPPED: (&'static str, &'static str) = (
        "ferrocol_processor_dropped_log_records_total",
        "Log records a processor dropped: filtered out, or in a batch that failed under error_mode propagate.",
    );
    fn apply<P: BatchProgram>(p: &P, data: &mut Vec<ResourceLogs>) -> Result<(), EvalError> {
        p.apply(data)
    }
}

impl Programmable for TraceBatch {
    const DROPPED: (&'static str, &'static str) = (
        "ferrocol_processor_dropped_spans_total",
        "Spans a processor dropped: filtered out, or in a batch that failed under error_mode propagate.",
    );
    fn apply<P: BatchProgram>(p: &P, data: &mut Vec<ResourceSpans>) -> Result<(), EvalError> {
        p.apply_traces(data)
    }
}

impl Programmable for MetricBatch {
    const DROPPED: (&'static str, &'static str) = (
        "ferrocol_processor_dropped_metric_points_total",
        "Metric data points a processor dropped: filtered out, or in a batch that failed under error_mode propagate.",
    );
    fn apply<P: BatchProgram>(p: &P, data: &mut Vec<ResourceMetrics>) -> Result<(), EvalError> {
        p.apply_metrics(data)
    }
}

/// A processor config: the compiled program, or what is wrong with the config.
pub struct Compiled<P>(pub Result<Arc<P>, Vec<FieldError>>);

impl<P> Compiled<P> {
    pub fn new(program: P, errors: Vec<FieldError>) -> Self {
        Compiled(if errors.is_empty() { Ok(Arc::new(program)) } else { Err(errors) })
    }

    pub fn program(&self) -> Option<&Arc<P>> {
        self.0.as_ref().ok()
    }
}

impl<P: BatchProgram> Compiled<P> {
    /// Synchronous: the topology's function loop runs the program on each batch
    /// (a batch left empty counts as delivered).
    fn stage<B: Programmable>(&self, cx: ProcessorContext<B>) -> Result<StageTask, StageError> {
        let program = self.0.as_ref().map_err(|_| StageError::new("invalid configuration"))?.clone();
        let (name, help) = B::DROPPED;
        let dropped = crate::metrics::counter(name, help, vec![("processor", cx.id.to_string())]);
        Ok(run_function(cx.input, cx.output, move |batch: &mut B| {
            let before = batch.item_count();
            program.process(batch);
            dropped.fetch_add(before.saturating_sub(batch.item_count()) as u64, Ordering::Relaxed);
            Ok(())
        }))
    }
}

impl<P: BatchProgram> ProcessorConfig for Compiled<P> {
    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn validate(&self) -> Vec<FieldError> {
        self.0.as_ref().err().cloned().unwrap_or_default()
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        self.stage(cx)
    }

    fn build_traces(&self, cx: ProcessorContext<TraceBatch>) -> Result<StageTask, StageError> {
        self.stage(cx)
    }

    fn build_metrics(&self, cx: ProcessorContext<MetricBatch>) -> Result<StageTask, StageError> {
        self.stage(cx)
    }
}
