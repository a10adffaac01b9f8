//! Wiring a checked config into tasks: one channel in front of every exporter
//! (fed by all pipelines that name it), one processor instance per pipeline with
//! its own input channel, and each receiver fanned out to the first stage of
//! every pipeline it belongs to. The topology keeps no sender of its own, so a
//! stage's input ends exactly when everything upstream of it has stopped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::component::{
    ExporterContext, ExtensionContext, ProcessorContext, ReceiverContext, StageTask, StorageRegistry,
};
use crate::config::{ComponentId, Config};
use crate::event::LogBatch;
use crate::storage::Kind;

use super::{observe, Fanout};

type Counter = Option<std::sync::Arc<std::sync::atomic::AtomicU64>>;

/// A built component, ready to spawn.
pub struct Stage {
    pub kind: Kind,
    pub id: ComponentId,
    /// The pipeline of a processor instance.
    pub pipeline: Option<String>,
    pub task: StageTask,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s::{}", self.kind.as_str(), self.id)?;
        if let Some(p) = &self.pipeline {
            write!(f, " (pipeline {p})")?;
        }
        Ok(())
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
}

/// Build every used component. Errors name the component: `receivers::otlp: ...`.
pub fn build(config: &Config) -> Result<Built, Vec<String>> {
    let mut errors = Vec::new();
    let capacity = config.service.channel_capacity;
    let receivers_stop = CancellationToken::new();
    let extensions_stop = CancellationToken::new();
    let (ready, ready_rx) = watch::channel(false);

    // Extensions first: receivers and exporters look up storage in them.
    let mut storage = StorageRegistry::default();
    let mut extensions = Vec::new();
    for id in &config.service.extensions {
        let ext = &config.extensions[id];
        let cx = ExtensionContext { id: id.clone(), ready: ready_rx.clone(), shutdown: extensions_stop.clone() };
        match ext.config.build(cx) {
            Ok(built) => {
                if let Some(s) = built.storage {
                    storage.0.insert(id.clone(), s);
                }
                if let Some(task) = built.task {
                    extensions.push(Stage { kind: Kind::Extension, id: id.clone(), pipeline: None, task });
                }
            }
            Err(e) => errors.push(format!("extensions::{id}: {e}")),
        }
    }

    for endpoint in &config.service.telemetry.metrics_endpoints {
        extensions.push(Stage {
            kind: Kind::Extension,
            id: ComponentId::new("telemetry", Some("metrics")),
            pipeline: None,
            task: crate::metrics::serve(endpoint.clone(), extensions_stop.clone()),
        });
    }

    // One input channel per exporter, shared by every pipeline that uses it (fan-in).
    let used_exporters: BTreeSet<&ComponentId> = config.service.pipelines.iter().flat_map(|p| &p.exporters).collect();
    let mut exporter_tx: BTreeMap<&ComponentId, mpsc::Sender<LogBatch>> = BTreeMap::new();
    let mut exporters = Vec::new();
    for id in used_exporters {
        // Room for one copy from every pipeline at once: a receiver in several
        // pipelines that lead straight here reserves them all together.
        let feeding = config.service.pipelines.iter().filter(|p| p.exporters.contains(id)).count();
        let (tx, rx) = mpsc::channel(capacity.max(feeding));
        exporter_tx.insert(id, tx);
        // A one-slot hop through the metrics relay keeps backpressure intact.
        let (relay_tx, relay_rx) = mpsc::channel(1);
        let cx = ExporterContext { id: id.clone(), input: relay_rx, storage: storage.clone() };
        match config.exporters[id].config.build(cx) {
            Ok(export) => {
                let relay = observe::exporter_relay(id.clone(), rx, relay_tx, capacity);
                let task: StageTask = Box::pin(async move {
                    tokio::pin!(relay);
                    tokio::pin!(export);
                    tokio::select! {
                        // The exporter ended (done or failed): the relay goes with it.
                        result = &mut export => result,
                        // Input ended and the relay dropped its sender: let the exporter drain.
                        _ = &mut relay => export.await,
                    }
                });
                exporters.push(Stage { kind: Kind::Exporter, id: id.clone(), pipeline: None, task })
            }
            Err(e) => errors.push(format!("exporters::{id}: {e}")),
        }
    }

    // Processors per pipeline, built back to front so each knows its next stage.
    // Each pipeline's entry: its first stage's senders, with a processor's "incoming" counter.
    let mut processors = Vec::new();
    let mut pipeline_entry: BTreeMap<&str, (Vec<mpsc::Sender<LogBatch>>, Vec<Counter>)> = BTreeMap::new();
    for pipeline in &config.service.pipelines {
        let mut next: Vec<mpsc::Sender<LogBatch>> =
            pipeline.exporters.iter().map(|id| exporter_tx[id].clone()).collect();
        let mut next_counters: Vec<Counter> = vec![None; next.len()];
        for id in pipeline.processors.iter().rev() {
            let (tx, rx) = mpsc::channel(capacity);
            let counters = observe::processor(id, std::mem::take(&mut next_counters));
            let cx = ProcessorContext {
                id: id.clone(),
                pipeline: pipeline.name.clone(),
                input: rx,
                output: Fanout::new(std::mem::take(&mut next)).counted(counters),
                storage: storage.clone(),
            };
            match config.processors[id].config.build(cx) {
                Ok(task) => processors.push(Stage {
                    kind: Kind::Processor,
                    id: id.clone(),
                    pipeline: Some(pipeline.name.clone()),
                    task,
                }),
                Err(e) => errors.push(format!("processors::{id} (pipeline {}): {e}", pipeline.name)),
            }
            next = vec![tx];
            next_counters = vec![Some(observe::processor_incoming(id))];
        }
        pipeline_entry.insert(&pipeline.name, (next, next_counters));
    }
    // Only pipelines hold exporter senders now.
    drop(exporter_tx);

    let used_receivers: BTreeSet<&ComponentId> = config.service.pipelines.iter().flat_map(|p| &p.receivers).collect();
    let mut receivers = Vec::new();
    for id in used_receivers {
        let (mut outputs, mut into) = (Vec::new(), Vec::new());
        for p in config.service.pipelines.iter().filter(|p| p.receivers.contains(id)) {
            let (senders, counters) = &pipeline_entry[p.name.as_str()];
            outputs.extend(senders.iter().cloned());
            into.extend(counters.iter().cloned());
        }
        let cx = ReceiverContext {
            id: id.clone(),
            output: Fanout::new(outputs).counted(observe::receiver(id, into)),
            shutdown: receivers_stop.clone(),
            storage: storage.clone(),
        };
        match config.receivers[id].config.build(cx) {
            Ok(task) => receivers.push(Stage { kind: Kind::Receiver, id: id.clone(), pipeline: None, task }),
            Err(e) => errors.push(format!("receivers::{id}: {e}")),
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Built { extensions, exporters, processors, receivers, receivers_stop, extensions_stop, ready })
}
