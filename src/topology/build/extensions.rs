//! Building extensions (storage first of all) and the self-metrics endpoint.

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use super::{Stage, Wiring};
use crate::component::ExtensionContext;
use crate::config::ComponentId;
use crate::storage::Kind;

/// The extensions in `service::extensions`; storage providers go to `w.storage`.
pub(super) fn build(w: &mut Wiring<'_>, ready: watch::Receiver<bool>, stop: &CancellationToken) -> Vec<Stage> {
    let mut stages = Vec::new();
    for id in &w.config.service.extensions {
        let ext = &w.config.extensions[id];
        let cx = ExtensionContext {
            id: id.clone(),
            ready: ready.clone(),
            shutdown: stop.clone(),
            startup: w.startup.clone(),
        };
        match ext.config.build(cx) {
            Ok(built) => {
                if let Some(s) = built.storage {
                    w.storage.0.insert(id.clone(), s);
                }
                if let Some(task) = built.task {
                    stages.push(Stage { kind: Kind::Extension, id: id.clone(), pipeline: None, task });
                }
            }
            Err(e) => w.error(&ext.section, format!("extensions::{id}"), e),
        }
    }
    // Self-metrics: a port that cannot be bound costs the metrics, not the logs.
    for endpoint in &w.config.service.telemetry.metrics_endpoints {
        match w.startup.listen(endpoint) {
            Ok(listener) => stages.push(Stage {
                kind: Kind::Extension,
                id: ComponentId::new("telemetry", Some("metrics")),
                pipeline: None,
                task: crate::metrics::serve(listener, stop.clone()),
            }),
            Err(e) => warn!(%endpoint, error = %e, "cannot serve self-metrics; continuing without them"),
        }
    }
    stages
}
