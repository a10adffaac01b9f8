//! Building processors: one instance per pipeline, back to front, so each
//! knows its next stage.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::{Sender, Stage, Wire, Wiring};
use crate::component::{ProcessorContext, StageError};
use crate::config::ComponentId;
use crate::storage::Kind;
use crate::topology::{observe, Budget, Fanout, Input, CHANNEL_BYTES};

type Counter = Option<Arc<AtomicU64>>;

/// Where a pipeline starts: its first stage's senders, each with that stage's
/// "incoming" counter (a processor's; none for an exporter).
pub(super) struct Entry<B> {
    pub senders: Vec<Sender<B>>,
    pub counters: Vec<Counter>,
}

/// Every pipeline's processors, and each pipeline's entry by name. Consumes the
/// exporter senders: from here on only pipelines hold them.
pub(super) fn build<B: Wire>(
    w: &mut Wiring<'_>,
    exporters: BTreeMap<ComponentId, Sender<B>>,
) -> (Vec<Stage>, BTreeMap<String, Entry<B>>) {
    let mut stages = Vec::new();
    let mut entries = BTreeMap::new();
    let config = w.config;
    for pipeline in config.service.pipelines.iter().filter(|p| p.signal == B::SIGNAL) {
        let mut next: Vec<Sender<B>> = pipeline.exporters.iter().map(|id| exporters[id].clone()).collect();
        let mut next_counters: Vec<Counter> = vec![None; next.len()];
        for id in pipeline.processors.iter().rev() {
            let (tx, rx) = mpsc::channel(config.service.channel_capacity);
            let budget = Budget::new(CHANNEL_BYTES);
            let counters = observe::processor(B::SIGNAL, id, std::mem::take(&mut next_counters));
            let cx = ProcessorContext {
                id: id.clone(),
                pipeline: pipeline.name.clone(),
                input: Input::new(rx, Some(budget.clone())),
                output: Fanout::budgeted(std::mem::take(&mut next)).counted(counters),
                storage: w.storage.clone(),
                startup: w.startup.clone(),
            };
            let processor = &config.processors[id];
            match B::processor(processor.config.as_ref(), cx) {
                Ok(task) => stages.push(Stage {
                    kind: Kind::Processor,
                    id: id.clone(),
                    pipeline: Some(pipeline.name.clone()),
                    task,
                }),
                Err(e) => {
                    let e =
                        StageError { key: e.key, message: format!("in pipeline {:?}: {}", pipeline.name, e.message) };
                    w.error(&processor.section, format!("processors::{id}"), e)
                }
            }
            next = vec![(tx, Some(budget))];
            next_counters = vec![Some(observe::processor_incoming(B::SIGNAL, id))];
        }
        entries.insert(pipeline.name.clone(), Entry { senders: next, counters: next_counters });
    }
    (stages, entries)
}
