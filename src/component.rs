//! What a component is: a factory (type name + parse), a config (`validate`, then
//! `build`), and the task `build` returns. Build does all fallible setup (compile
//! a regex; in start mode also bind a port, open a file: see [`crate::startup`])
//! so that start-up errors name the component, at its section's position, before
//! anything runs; the task then runs until its input ends (processors,
//! exporters) or until its shutdown token fires (receivers).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::config::de::DeError;
use crate::config::yaml::Node;
use crate::config::{ComponentId, FieldError};
use crate::event::LogBatch;
use crate::signal::{Batch, MetricBatch, Signal, TraceBatch};
use crate::startup::{Mode, Startup};
use crate::storage::{Kind, StorageClient, StorageProvider};
use crate::topology::{ExporterInput, Fanout, Input};

/// A running component. `Err` is a run-time failure: logged with the id, and the
/// process shuts down and exits non-zero.
pub type StageTask = Pin<Box<dyn Future<Output = Result<(), StageError>> + Send>>;

/// An error of a running stage or of a build; shown after the component id.
/// A build error may name the key of the component's section it is about, so
/// that it is reported at that key's position, like a config error.
#[derive(Debug)]
pub struct StageError {
    /// Key path inside the component's section (`protocols::http::endpoint`), or empty.
    pub key: String,
    pub message: String,
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StageError {}

impl StageError {
    pub fn new(msg: impl Into<String>) -> Self {
        StageError { key: String::new(), message: msg.into() }
    }

    /// The same error, about `key` of the component's section.
    pub fn at(mut self, key: &str) -> Self {
        self.key = key.to_string();
        self
    }
}

/// Stability levels, as `ferrocol components` prints them.
#[derive(Clone, Copy, Debug)]
pub enum Stability {
    Development,
    Alpha,
    Beta,
    Stable,
}

impl Stability {
    pub fn as_str(self) -> &'static str {
        match self {
            Stability::Development => "Development",
            Stability::Alpha => "Alpha",
            Stability::Beta => "Beta",
            Stability::Stable => "Stable",
        }
    }
}

/// Makes configs of one component type. `T` is `dyn ReceiverConfig` and so on.
pub struct Factory<T: ?Sized> {
    /// The part before `/` in an id.
    pub type_name: &'static str,
    /// Other accepted type names (`otlp_http` for `otlphttp`).
    pub aliases: &'static [&'static str],
    pub stability: Stability,
    /// Defaults, then the user's section on top (`#[serde(default, deny_unknown_fields)]`).
    pub parse: fn(&Node) -> Result<Box<T>, DeError>,
}

impl<T: ?Sized> Factory<T> {
    pub fn accepts(&self, type_name: &str) -> bool {
        self.type_name == type_name || self.aliases.contains(&type_name)
    }
}

pub type ReceiverFactory = Factory<dyn ReceiverConfig>;
pub type ProcessorFactory = Factory<dyn ProcessorConfig>;
pub type ExporterFactory = Factory<dyn ExporterConfig>;
pub type ExtensionFactory = Factory<dyn ExtensionConfig>;

/// The error of a component asked to build for a signal it does not support
/// (the config check refuses such pipelines first).
pub fn unsupported(signal: Signal) -> StageError {
    StageError::new(format!("{signal}: telemetry type is not supported"))
}

pub trait ReceiverConfig: Send + Sync {
    /// The signals it receives; pipelines of other signals may not name it.
    fn signals(&self) -> &'static [Signal] {
        &[Signal::Logs]
    }
    /// Pure checks, no I/O, so `ferrocol validate` runs anywhere.
    fn validate(&self) -> Vec<FieldError> {
        Vec::new()
    }
    /// Fallible setup; returns the task to spawn.
    fn build(&self, cx: ReceiverContext) -> Result<StageTask, StageError>;
}

/// A processor is built once per pipeline, with the build method of the
/// pipeline's signal.
pub trait ProcessorConfig: Send + Sync {
    /// The signals it processes; pipelines of other signals may not name it.
    fn signals(&self) -> &'static [Signal] {
        &[Signal::Logs]
    }
    fn validate(&self) -> Vec<FieldError> {
        Vec::new()
    }
    /// For a logs pipeline.
    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError>;
    fn build_traces(&self, _cx: ProcessorContext<TraceBatch>) -> Result<StageTask, StageError> {
        Err(unsupported(Signal::Traces))
    }
    fn build_metrics(&self, _cx: ProcessorContext<MetricBatch>) -> Result<StageTask, StageError> {
        Err(unsupported(Signal::Metrics))
    }
}

/// An exporter is built once per signal it is used for, each with an input of
/// its own.
pub trait ExporterConfig: Send + Sync {
    /// The signals it exports; pipelines of other signals may not name it.
    fn signals(&self) -> &'static [Signal] {
        &[Signal::Logs]
    }
    fn validate(&self) -> Vec<FieldError> {
        Vec::new()
    }
    /// For logs.
    fn build(&self, cx: ExporterContext) -> Result<StageTask, StageError>;
    fn build_traces(&self, _cx: ExporterContext<TraceBatch>) -> Result<StageTask, StageError> {
        Err(unsupported(Signal::Traces))
    }
    fn build_metrics(&self, _cx: ExporterContext<MetricBatch>) -> Result<StageTask, StageError> {
        Err(unsupported(Signal::Metrics))
    }
}

pub trait ExtensionConfig: Send + Sync {
    fn validate(&self) -> Vec<FieldError> {
        Vec::new()
    }
    fn build(&self, cx: ExtensionContext) -> Result<BuiltExtension, StageError>;
}

/// What an extension offers once built.
#[derive(Default)]
pub struct BuiltExtension {
    /// A server or background job, stopped by the extension shutdown token.
    pub task: Option<StageTask>,
    /// Set by storage extensions.
    pub storage: Option<Arc<dyn StorageProvider>>,
}

/// The storage extensions, by id, for components that name one in `storage:`.
#[derive(Clone, Default)]
pub struct StorageRegistry(pub HashMap<ComponentId, Arc<dyn StorageProvider>>);

impl StorageRegistry {
    /// A client for component `id` from storage extension `ext`.
    pub fn client(
        &self,
        ext: &ComponentId,
        kind: Kind,
        id: &ComponentId,
    ) -> Result<Arc<dyn StorageClient>, StageError> {
        let provider = self.0.get(ext).ok_or_else(|| {
            StageError::new(format!(
                "storage extension {:?} not found (is it configured and listed in service::extensions?)",
                ext.to_string()
            ))
        })?;
        provider.client(kind, id).map_err(|e| StageError::new(format!("storage extension {:?}: {e}", ext.to_string())))
    }
}

/// What a receiver gets at build time.
pub struct ReceiverContext {
    pub id: ComponentId,
    /// The first stage of every logs pipeline this receiver feeds.
    pub output: Fanout,
    /// The same for traces and metrics pipelines (empty where there are none).
    pub traces: Fanout<TraceBatch>,
    pub metrics: Fanout<MetricBatch>,
    /// Fires on shutdown: stop reading, flush, return (dropping `output`).
    pub shutdown: CancellationToken,
    pub storage: StorageRegistry,
    pub startup: Startup,
}

impl ReceiverContext {
    pub fn storage_client(&self, ext: &ComponentId) -> Result<Arc<dyn StorageClient>, StageError> {
        self.storage.client(ext, Kind::Receiver, &self.id)
    }
}

/// What a processor gets at build time. It runs until `input` ends, then flushes.
pub struct ProcessorContext<B = LogBatch> {
    pub id: ComponentId,
    /// `logs` or `logs/<name>`: processors are built once per pipeline.
    pub pipeline: String,
    pub input: Input<B>,
    pub output: Fanout<B>,
    pub storage: StorageRegistry,
    pub startup: Startup,
}

impl<B> ProcessorContext<B> {
    pub fn storage_client(&self, ext: &ComponentId) -> Result<Arc<dyn StorageClient>, StageError> {
        self.storage.client(ext, Kind::Processor, &self.id)
    }
}

/// What an exporter gets at build time. It runs until `input` ends (every
/// pipeline feeding it has drained), then flushes and settles every ack.
pub struct ExporterContext<B = LogBatch> {
    pub id: ComponentId,
    pub input: ExporterInput<B>,
    pub storage: StorageRegistry,
    pub startup: Startup,
}

/// What an extension gets at build time.
pub struct ExtensionContext {
    pub id: ComponentId,
    /// True while every pipeline runs (health_check answers 200 then).
    pub ready: watch::Receiver<bool>,
    /// Fires after every pipeline has stopped.
    pub shutdown: CancellationToken,
    pub startup: Startup,
}

// Contexts outside a topology (tests, benchmarks, tools): start mode, no storage
// extensions, counters that no endpoint shows.

impl ReceiverContext {
    pub fn new(id: ComponentId, output: Fanout, shutdown: CancellationToken) -> Self {
        ReceiverContext {
            id,
            output,
            traces: Fanout::default(),
            metrics: Fanout::default(),
            shutdown,
            storage: StorageRegistry::default(),
            startup: Startup::new(Mode::Start),
        }
    }
}

impl<B: Batch> ProcessorContext<B> {
    pub fn new(id: ComponentId, input: mpsc::Receiver<B>, output: Fanout<B>) -> Self {
        ProcessorContext {
            id,
            pipeline: B::SIGNAL.as_str().to_string(),
            input: input.into(),
            output,
            storage: StorageRegistry::default(),
            startup: Startup::new(Mode::Start),
        }
    }
}

impl<B: Batch> ExporterContext<B> {
    pub fn new(id: ComponentId, input: mpsc::Receiver<B>) -> Self {
        ExporterContext {
            id,
            input: ExporterInput::unregistered(input),
            storage: StorageRegistry::default(),
            startup: Startup::new(Mode::Start),
        }
    }
}

impl ExtensionContext {
    pub fn new(id: ComponentId, ready: watch::Receiver<bool>, shutdown: CancellationToken) -> Self {
        ExtensionContext { id, ready, shutdown, startup: Startup::new(Mode::Start) }
    }
}
