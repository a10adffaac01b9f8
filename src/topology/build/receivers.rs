//! Building receivers: each fanned out to the entry of every pipeline it feeds.

use std::collections::{BTreeMap, BTreeSet};

use tokio_util::sync::CancellationToken;

use super::processors::Entry;
use super::{Stage, Wiring};
use crate::component::ReceiverContext;
use crate::config::{ComponentId, Pipeline};
use crate::event::LogBatch;
use crate::signal::{Batch, MetricBatch, TraceBatch};
use crate::storage::Kind;
use crate::topology::{observe, Fanout};

/// Every pipeline's entry, by signal and pipeline name.
pub(super) struct Entries {
    pub logs: BTreeMap<String, Entry<LogBatch>>,
    pub traces: BTreeMap<String, Entry<TraceBatch>>,
    pub metrics: BTreeMap<String, Entry<MetricBatch>>,
}

/// Receiver `id`'s fan-out into every pipeline of signal `B` that lists it.
fn fanout<B: Batch>(pipelines: &[Pipeline], entries: &BTreeMap<String, Entry<B>>, id: &ComponentId) -> Fanout<B> {
    let (mut outputs, mut into) = (Vec::new(), Vec::new());
    for p in pipelines.iter().filter(|p| p.signal == B::SIGNAL && p.receivers.contains(id)) {
        let entry = &entries[&p.name];
        outputs.extend(entry.senders.iter().cloned());
        into.extend(entry.counters.iter().cloned());
    }
    if outputs.is_empty() {
        return Fanout::default();
    }
    Fanout::budgeted(outputs).counted(observe::receiver(B::SIGNAL, id, into))
}

pub(super) fn build(w: &mut Wiring<'_>, entries: Entries, stop: &CancellationToken) -> Vec<Stage> {
    let pipelines = &w.config.service.pipelines;
    let used: BTreeSet<&ComponentId> = pipelines.iter().flat_map(|p| &p.receivers).collect();
    let mut stages = Vec::new();
    for id in used {
        let cx = ReceiverContext {
            id: id.clone(),
            output: fanout(pipelines, &entries.logs, id),
            traces: fanout(pipelines, &entries.traces, id),
            metrics: fanout(pipelines, &entries.metrics, id),
            shutdown: stop.clone(),
            storage: w.storage.clone(),
            startup: w.startup.clone(),
        };
        let receiver = &w.config.receivers[id];
        match receiver.config.build(cx) {
            Ok(task) => stages.push(Stage { kind: Kind::Receiver, id: id.clone(), pipeline: None, task }),
            Err(e) => w.error(&receiver.section, format!("receivers::{id}"), e),
        }
    }
    stages
}
