//! Building exporters: one input channel each, shared by every pipeline that
//! names it (fan-in), read through a counted [`ExporterInput`].

use std::collections::{BTreeMap, BTreeSet};

use tokio::sync::mpsc;

use super::{Stage, Wiring};
use crate::component::ExporterContext;
use crate::config::ComponentId;
use crate::event::LogBatch;
use crate::storage::Kind;
use crate::topology::ExporterInput;

/// The used exporters, and the sender into each.
pub(super) fn build(w: &mut Wiring<'_>) -> (Vec<Stage>, BTreeMap<ComponentId, mpsc::Sender<LogBatch>>) {
    let pipelines = &w.config.service.pipelines;
    let used: BTreeSet<&ComponentId> = pipelines.iter().flat_map(|p| &p.exporters).collect();
    let mut senders = BTreeMap::new();
    let mut stages = Vec::new();
    for id in used {
        // Room for one copy from every pipeline at once: a receiver in several
        // pipelines that lead straight here reserves them all together.
        let feeding = pipelines.iter().filter(|p| p.exporters.contains(id)).count();
        let capacity = w.config.service.channel_capacity.max(feeding);
        let (tx, rx) = mpsc::channel(capacity);
        senders.insert(id.clone(), tx);
        let cx = ExporterContext {
            id: id.clone(),
            input: ExporterInput::new(id, rx, capacity),
            storage: w.storage.clone(),
            startup: w.startup.clone(),
        };
        let exporter = &w.config.exporters[id];
        match exporter.config.build(cx) {
            Ok(task) => stages.push(Stage { kind: Kind::Exporter, id: id.clone(), pipeline: None, task }),
            Err(e) => w.error(&exporter.section, format!("exporters::{id}"), e),
        }
    }
    (stages, senders)
}
