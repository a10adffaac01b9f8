//! Wiring a checked config into tasks: one channel in front of every exporter
//! (fed by all pipelines that name it), one processor instance per pipeline with
//! its own input channel, and each receiver fanned out to the first stage of
//! every pipeline it belongs to. The topology keeps no sender of its own, so a
//! stage's input ends exactly when everything upstream of it has stopped.
//!
//! Components are built downstream first — extensions (storage), then for each
//! signal its exporters and processors, then receivers — one file per kind.
//! Each signal has channels of its own batch type; an exporter or processor
//! used by pipelines of several signals is built once per signal. Every build error is collected
//! and reported like a config error: at the position of the component's
//! section (or of the key the error names), with the component id.

mod exporters;
mod extensions;
mod processors;
mod receivers;

use std::fmt;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::component::{
    ExporterConfig, ExporterContext, ProcessorConfig, ProcessorContext, StageError, StageTask, StorageRegistry,
};
use crate::config::yaml::Node;
use crate::config::{ComponentId, Config, ConfigError, FieldError};
use crate::event::LogBatch;
use crate::signal::{Batch, MetricBatch, TraceBatch};
use crate::startup::{Listeners, Startup};
use crate::storage::Kind;

/// A stage's input sender, with the channel's byte budget.
type Sender<B> = (tokio::sync::mpsc::Sender<B>, Option<std::sync::Arc<crate::topology::Budget>>);

/// A built component, ready to spawn.
pub struct Stage {
    pub kind: Kind,
    pub id: ComponentId,
    /// The pipeline of a processor instance; the signal of an exporter's
    /// instance other than its logs one.
    pub pipeline: Option<String>,
    pub task: StageTask,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s::{}", self.kind.as_str(), self.id)?;
        match (&self.pipeline, self.kind) {
            (Some(signal), Kind::Exporter) => write!(f, " ({signal})"),
            (Some(p), _) => write!(f, " (pipeline {p})"),
            (None, _) => Ok(()),
        }
    }
}

impl Stage {
    /// The task, wrapped in a span that carries the component's kind and id.
    pub fn instrumented(self) -> (String, StageTask) {
        let label = self.to_string();
        let span = match &self.pipeline {
            Some(p) => tracing::info_span!("component", kind = self.kind.as_str(), id = %self.id, pipeline = %p),
            None => tracing::info_span!("component", kind = self.kind.as_str(), id = %self.id),
        };
        (label, Box::pin(self.task.instrument(span)))
    }
}

/// Everything `run` needs: the stages, in start order, and the shutdown handles.
pub struct Built {
    pub extensions: Vec<Stage>,
    pub exporters: Vec<Stage>,
    pub processors: Vec<Stage>,
    pub receivers: Vec<Stage>,
    /// Fired first on shutdown: receivers stop reading.
    pub receivers_stop: CancellationToken,
    /// Fired last, once every pipeline has drained.
    pub extensions_stop: CancellationToken,
    /// `true` while all pipelines run (read by health_check).
    pub ready: watch::Sender<bool>,
    /// The sockets this build bound, for a reload to take over.
    pub listeners: Listeners,
}

/// What the per-kind builders share.
struct Wiring<'a> {
    config: &'a Config,
    startup: Startup,
    storage: StorageRegistry,
    errors: Vec<ConfigError>,
}

impl Wiring<'_> {
    /// Record a build error of the component at `section` (`scope` is
    /// `receivers::otlp` and so on), positioned at the key it names.
    fn error(&mut self, section: &Node, scope: String, e: StageError) {
        self.errors.push(FieldError::new(e.key, e.message).locate(section, &scope));
    }
}

/// The exporters and processors of every pipeline of signal `B`; returns
/// each pipeline's entry.
fn signal<B: Wire>(
    w: &mut Wiring<'_>,
    exporters: &mut Vec<Stage>,
    processors: &mut Vec<Stage>,
) -> std::collections::BTreeMap<String, processors::Entry<B>> {
    let (mut stages, senders) = exporters::build::<B>(w);
    exporters.append(&mut stages);
    let (mut stages, entries) = processors::build::<B>(w, senders);
    processors.append(&mut stages);
    entries
}

/// How each signal's stages are built: the component's build method for it.
pub(super) trait Wire: Batch {
    fn processor(c: &dyn ProcessorConfig, cx: ProcessorContext<Self>) -> Result<StageTask, StageError>;
    fn exporter(c: &dyn ExporterConfig, cx: ExporterContext<Self>) -> Result<StageTask, StageError>;
}

impl Wire for LogBatch {
    fn processor(c: &dyn ProcessorConfig, cx: ProcessorContext<Self>) -> Result<StageTask, StageError> {
        c.build(cx)
    }
    fn exporter(c: &dyn ExporterConfig, cx: ExporterContext<Self>) -> Result<StageTask, StageError> {
        c.build(cx)
    }
}

impl Wire for TraceBatch {
    fn processor(c: &dyn ProcessorConfig, cx: ProcessorContext<Self>) -> Result<StageTask, StageError> {
        c.build_traces(cx)
    }
    fn exporter(c: &dyn ExporterConfig, cx: ExporterContext<Self>) -> Result<StageTask, StageError> {
        c.build_traces(cx)
    }
}

impl Wire for MetricBatch {
    fn processor(c: &dyn ProcessorConfig, cx: ProcessorContext<Self>) -> Result<StageTask, StageError> {
        c.build_metrics(cx)
    }
    fn exporter(c: &dyn ExporterConfig, cx: ExporterContext<Self>) -> Result<StageTask, StageError> {
        c.build_metrics(cx)
    }
}

/// Build every used component, in check mode (nothing bound or opened) or in
/// start mode (all startup I/O done). Errors are positioned, sorted, all at once.
pub fn build(config: &Config, startup: Startup) -> Result<Built, Vec<ConfigError>> {
    let receivers_stop = CancellationToken::new();
    let extensions_stop = CancellationToken::new();
    let (ready, ready_rx) = watch::channel(false);
    let mut w = Wiring { config, startup, storage: StorageRegistry::default(), errors: Vec::new() };

    // Extensions first: receivers and exporters look up storage in them.
    let extensions = extensions::build(&mut w, ready_rx, &extensions_stop);
    // Then each signal's exporters and processors, downstream first.
    let (mut exporters, mut processors) = (Vec::new(), Vec::new());
    let logs = signal::<LogBatch>(&mut w, &mut exporters, &mut processors);
    let traces = signal::<TraceBatch>(&mut w, &mut exporters, &mut processors);
    let metrics = signal::<MetricBatch>(&mut w, &mut exporters, &mut processors);
    let receivers = receivers::build(&mut w, receivers::Entries { logs, traces, metrics }, &receivers_stop);

    if !w.errors.is_empty() {
        w.errors.sort();
        return Err(w.errors);
    }
    let listeners = w.startup.listeners();
    Ok(Built { extensions, exporters, processors, receivers, receivers_stop, extensions_stop, ready, listeners })
}
