//! Building extensions (storage first of all), the self-metrics endpoint and
//! the self-metrics push.

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
    // Self-metrics pushed over OTLP (periodic readers): the same choice.
    let telemetry = &w.config.service.telemetry;
    if !telemetry.metric_readers.is_empty() && w.startup.is_start() {
        match crate::telemetry::push::Pusher::start(&telemetry.metric_readers, &telemetry.resource) {
            Ok(pusher) => {
                let stop = stop.clone();
                stages.push(Stage {
                    kind: Kind::Extension,
                    id: ComponentId::new("telemetry", Some("metrics_push")),
                    pipeline: None,
                    task: Box::pin(async move {
                        stop.cancelled().await;
                        // The last export blocks (up to the exporters' timeouts).
                        let _ = tokio::task::spawn_blocking(move || pusher.shutdown()).await;
                        Ok(())
                    }),
                })
            }
            Err(e) => warn!(error = %e, "cannot push self-metrics; continuing without them"),
        }
    }
    stages
}
