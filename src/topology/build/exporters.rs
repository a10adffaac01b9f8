//! Building exporters: one input channel each, bounded in batches and bytes,
//! shared by every pipeline that names it (fan-in), read through a counted
//! [`ExporterInput`].

use std::collections::{BTreeMap, BTreeSet};

use tokio::sync::mpsc;

use super::{Sender, Stage, Wire, Wiring};
use crate::component::ExporterContext;
use crate::config::ComponentId;
use crate::signal::Signal;
use crate::storage::Kind;
use crate::topology::{Budget, ExporterInput, CHANNEL_BYTES};

/// The exporters used by pipelines of signal `B`, and the sender into each.
pub(super) fn build<B: Wire>(w: &mut Wiring<'_>) -> (Vec<Stage>, BTreeMap<ComponentId, Sender<B>>) {
    let config = w.config;
    let pipelines: Vec<_> = config.service.pipelines.iter().filter(|p| p.signal == B::SIGNAL).collect();
    let used: BTreeSet<&ComponentId> = pipelines.iter().flat_map(|p| &p.exporters).collect();
    let mut senders = BTreeMap::new();
    let mut stages = Vec::new();
    for id in used {
        // Room for one copy from every pipeline at once: a receiver in several
        // pipelines that lead straight here reserves them all together.
        let feeding = pipelines.iter().filter(|p| p.exporters.contains(id)).count();
        let capacity = config.service.channel_capacity.max(feeding);
        let (tx, rx) = mpsc::channel(capacity);
        let budget = Budget::new(CHANNEL_BYTES);
        senders.insert(id.clone(), (tx, Some(budget.clone())));
        let cx = ExporterContext {
            id: id.clone(),
            input: ExporterInput::new(id, rx, capacity).budgeted(budget),
            storage: w.storage.clone(),
            startup: w.startup.clone(),
        };
        let exporter = &config.exporters[id];
        match B::exporter(exporter.config.as_ref(), cx) {
            Ok(task) => {
                let signal = (B::SIGNAL != Signal::Logs).then(|| B::SIGNAL.to_string());
                stages.push(Stage { kind: Kind::Exporter, id: id.clone(), pipeline: signal, task })
            }
            Err(e) => w.error(&exporter.section, format!("exporters::{id}"), e),
        }
    }
    (stages, senders)
}
