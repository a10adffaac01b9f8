//! Building receivers: each fanned out to the entry of every pipeline it feeds.

use std::collections::{BTreeMap, BTreeSet};

use tokio_util::sync::CancellationToken;

use super::processors::Entry;
use super::{Stage, Wiring};
use crate::component::ReceiverContext;
use crate::config::ComponentId;
use crate::storage::Kind;
use crate::topology::{observe, Fanout};

pub(super) fn build(w: &mut Wiring<'_>, entries: &BTreeMap<String, Entry>, stop: &CancellationToken) -> Vec<Stage> {
    let pipelines = &w.config.service.pipelines;
    let used: BTreeSet<&ComponentId> = pipelines.iter().flat_map(|p| &p.receivers).collect();
    let mut stages = Vec::new();
    for id in used {
        let (mut outputs, mut into) = (Vec::new(), Vec::new());
        for p in pipelines.iter().filter(|p| p.receivers.contains(id)) {
            let entry = &entries[&p.name];
            outputs.extend(entry.senders.iter().cloned());
            into.extend(entry.counters.iter().cloned());
        }
        let cx = ReceiverContext {
            id: id.clone(),
            output: Fanout::new(outputs).counted(observe::receiver(id, into)),
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
