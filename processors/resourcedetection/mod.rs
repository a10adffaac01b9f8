//! The `resourcedetection` processor: finds what the host (and the cloud it
//! runs in) says about itself and adds it to every resource, as
//! otelcol-contrib's resourcedetection processor does.
//!
//! Detection runs once at start, in `build` (start mode only), all detectors
//! at once and bounded by `timeout`: a detector that has not answered by then
//! detects nothing (a warning says which). When several detectors set the
//! same attribute, the first in `detectors` wins. With `override: true` (the
//! default) detected attributes replace those a resource already has;
//! otherwise only missing ones are added. `refresh_interval` re-runs
//! detection in the background. Detectors: `env` and `system` (system.rs);
//! `ec2`, `gcp`, `azure`, `docker` (cloud.rs, "not detected" when their
//! metadata endpoint does not answer); `heroku`, `lambda` (envbased.rs). The other detector names otelcol
//! registers are accepted and detect nothing, with a warning at start.
//!
//! Resources are changed in place; every record received is passed on
//! (delivery is the next stage's).

mod cloud;
mod config;
mod envbased;
mod system;

#[cfg(test)]
mod tests;

use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use tracing::{debug, warn};

use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::event::{kv, AnyValue, Resource, ResourceLogs};
use crate::topology::run_function;

pub use cloud::Endpoints;
pub use config::ResourceDetectionConfig;

/// Attributes a detector found, in its order.
pub type Detected = Vec<(String, AnyValue)>;

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "resourcedetection",
    aliases: &[],
    stability: Stability::Beta,
    parse: |n| {
        let cfg = crate::config::de::from_node::<ResourceDetectionConfig>(n)?;
        Ok(Box::new(ResourceDetection(Arc::new(cfg))))
    },
};

pub struct ResourceDetection(pub Arc<ResourceDetectionConfig>);

/// Run every configured detector at once and merge what answered before
/// `timeout`: the first detector to set an attribute wins.
pub fn detect(cfg: &Arc<ResourceDetectionConfig>, endpoints: &Endpoints) -> Detected {
    let deadline = Instant::now() + cfg.timeout.0;
    let (tx, rx) = mpsc::channel();
    for (i, name) in cfg.detectors.iter().enumerate() {
        let (tx, cfg, ep, name) = (tx.clone(), cfg.clone(), endpoints.clone(), name.clone());
        std::thread::spawn(move || {
            let result = match name.as_str() {
                "env" => system::env(std::env::var("OTEL_RESOURCE_ATTRIBUTES").ok()),
                "system" => system::system(&cfg),
                "ec2" | "gcp" | "azure" | "docker" => cloud::detect(&name, &ep, deadline).map(|mut found| {
                    found.retain(|(k, _)| cfg.section(&name).enabled(k));
                    found
                }),
                "heroku" | "lambda" => Ok(envbased::detect(&name, |k| std::env::var(k).ok())),
                _ => Err("ferrocol has no such detector; it detects nothing".to_string()),
            };
            let _ = tx.send((i, result));
        });
    }
    drop(tx);
    let mut results: Vec<Option<Result<Detected, String>>> = cfg.detectors.iter().map(|_| None).collect();
    while let Ok((i, r)) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        results[i] = Some(r);
    }
    let mut out: Detected = Vec::new();
    for (name, r) in cfg.detectors.iter().zip(results) {
        match r {
            None => {
                warn!(detector = %name, timeout = ?cfg.timeout.0, "resource detector did not answer in time; it detects nothing")
            }
            Some(Err(e)) => warn!(detector = %name, error = %e, "failed to detect resource"),
            Some(Ok(found)) if found.is_empty() => debug!(detector = %name, "resource not detected"),
            Some(Ok(found)) => {
                for (k, v) in found {
                    if !out.iter().any(|(have, _)| *have == k) {
                        out.push((k, v));
                    }
                }
            }
        }
    }
    if !cfg.attributes.is_empty() {
        out.retain(|(k, _)| cfg.attributes.contains(k));
    }
    out
}

/// Add the detected attributes to every resource of the batch.
pub fn apply(detected: &[(String, AnyValue)], override_existing: bool, resource_logs: &mut [ResourceLogs]) {
    for rl in resource_logs {
        let attrs = &mut rl.resource.get_or_insert_with(Resource::default).attributes;
        for (k, v) in detected {
            match attrs.iter_mut().find(|a| a.key == *k) {
                Some(a) if override_existing => a.value = Some(v.clone()),
                Some(_) => {}
                None => attrs.push(kv(k, v.clone())),
            }
        }
    }
}

impl ProcessorConfig for ResourceDetection {
    fn validate(&self) -> Vec<FieldError> {
        self.0.validate()
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        let cfg = self.0.clone();
        let detected = if cx.startup.is_start() {
            let endpoints = Endpoints::from_env();
            let found = detect(&cfg, &endpoints);
            debug!(processor = %cx.id, attributes = found.len(), "resources detected");
            if !cfg.refresh_interval.is_zero() {
                return Ok(refreshing(cfg, endpoints, found, cx));
            }
            found
        } else {
            Vec::new()
        };
        let override_existing = cfg.override_existing;
        Ok(run_function(cx.input, cx.output, move |batch| {
            apply(&detected, override_existing, &mut batch.resource_logs);
            Ok(())
        }))
    }
}

/// The stage with `refresh_interval`: detection re-runs in the background and
/// each batch gets the latest answer.
fn refreshing(cfg: Arc<ResourceDetectionConfig>, ep: Endpoints, found: Detected, cx: ProcessorContext) -> StageTask {
    let override_existing = cfg.override_existing;
    let latest = Arc::new(RwLock::new(Arc::new(found)));
    let (writer, reader) = (latest.clone(), latest);
    let refresher = tokio::spawn(async move {
        let mut tick = tokio::time::interval(cfg.refresh_interval.0);
        tick.tick().await;
        loop {
            tick.tick().await;
            let (cfg, ep) = (cfg.clone(), ep.clone());
            if let Ok(found) = tokio::task::spawn_blocking(move || detect(&cfg, &ep)).await {
                *writer.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(found);
            }
        }
    });
    let inner = run_function(cx.input, cx.output, move |batch| {
        let detected = reader.read().unwrap_or_else(|e| e.into_inner()).clone();
        apply(&detected, override_existing, &mut batch.resource_logs);
        Ok(())
    });
    Box::pin(async move {
        let r = inner.await;
        refresher.abort();
        r
    })
}
