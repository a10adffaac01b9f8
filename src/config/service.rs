//! The `service` section: extensions to start, pipelines and their graph checks,
//! and telemetry settings.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::de::from_node;
use super::error::{ConfigError, Errors};
use super::id::ComponentId;
use super::telemetry::{RawTelemetry, Telemetry};
use super::types::Duration;
use super::yaml::Node;
use crate::signal::Signal;

/// Default capacity, in batches, of the channel in front of each stage.
pub const DEFAULT_CHANNEL_CAPACITY: usize = 16;
/// Default time a clean shutdown may take before stages are aborted.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// One `logs[/name]` pipeline.
#[derive(Clone, Debug)]
pub struct Pipeline {
    pub name: String,
    /// The part of the name before `/`.
    pub signal: Signal,
    pub receivers: Vec<ComponentId>,
    pub processors: Vec<ComponentId>,
    pub exporters: Vec<ComponentId>,
}

/// The checked `service` section.
#[derive(Clone, Debug)]
pub struct Service {
    pub extensions: Vec<ComponentId>,
    pub pipelines: Vec<Pipeline>,
    pub telemetry: Telemetry,
    /// ferrocol's own: how long a clean shutdown may take.
    pub shutdown_timeout: Duration,
    /// ferrocol's own: batches each stage's input channel holds.
    pub channel_capacity: usize,
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawService {
    extensions: Vec<String>,
    pipelines: Option<BTreeMap<String, RawPipeline>>,
    telemetry: RawTelemetry,
    shutdown_timeout: Duration,
    channel_capacity: usize,
}

impl Default for RawService {
    fn default() -> Self {
        RawService {
            extensions: Vec::new(),
            pipelines: None,
            telemetry: RawTelemetry::default(),
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            channel_capacity: DEFAULT_CHANNEL_CAPACITY,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawPipeline {
    receivers: Vec<String>,
    processors: Vec<String>,
    exporters: Vec<String>,
}

/// The ids configured in each section, for reference checks.
pub struct Known {
    /// Each configured component with the signals it supports.
    pub receivers: BTreeMap<ComponentId, Vec<Signal>>,
    pub processors: BTreeMap<ComponentId, Vec<Signal>>,
    pub exporters: BTreeMap<ComponentId, Vec<Signal>>,
    pub extensions: BTreeMap<ComponentId, Vec<Signal>>,
    pub connectors: BTreeMap<ComponentId, Node>,
}

const SCOPE: &str = "service";

/// Parse and check `service`. Returns `None` only when errors were recorded.
pub fn parse(node: Option<&Node>, root: &Node, known: &Known, errors: &mut Errors) -> Option<Service> {
    let Some(node) = node else {
        errors.at(root, SCOPE, "", "service must have at least one pipeline");
        return None;
    };
    let raw: RawService = match from_node(node) {
        Ok(r) => r,
        Err(e) => {
            let at = e.pos.unwrap_or_else(|| node.pos.clone());
            errors.push(ConfigError::new(&at, SCOPE, e.path, e.message));
            return None;
        }
    };

    let telemetry = super::telemetry::parse(node, raw.telemetry, errors);
    if raw.channel_capacity == 0 {
        errors.at(node.lookup("channel_capacity"), SCOPE, "channel_capacity", "must be at least 1");
    }

    let extensions =
        check_refs(node, "extensions", &raw.extensions, &known.extensions, None, "extension", SCOPE, errors);

    let mut pipelines = Vec::new();
    match raw.pipelines {
        None => errors.at(node, SCOPE, "", "service must have at least one pipeline"),
        Some(p) if p.is_empty() => {
            errors.at(node.lookup("pipelines"), SCOPE, "pipelines", "service must have at least one pipeline")
        }
        Some(p) => {
            for (name, raw_p) in p {
                if let Some(p) = check_pipeline(node, &name, raw_p, known, errors) {
                    pipelines.push(p);
                }
            }
        }
    }
    Some(Service {
        extensions,
        pipelines,
        telemetry,
        shutdown_timeout: raw.shutdown_timeout,
        channel_capacity: raw.channel_capacity,
    })
}

fn check_pipeline(
    service: &Node,
    name: &str,
    raw: RawPipeline,
    known: &Known,
    errors: &mut Errors,
) -> Option<Pipeline> {
    let path = format!("pipelines::{name}");
    let scope = format!("service::{path}");
    let at = service.lookup(&path);
    let id = match ComponentId::parse(name) {
        Ok(id) => id,
        Err(e) => {
            errors.at(at, &scope, "", e);
            return None;
        }
    };
    let signal = match id.type_name.as_str() {
        "profiles" => {
            errors.at(at, &scope, "", "ferrocol does not carry profiles (valid signals: traces, metrics, logs)");
            return None;
        }
        other => match Signal::parse(other) {
            Some(s) => s,
            None => {
                errors.at(at, &scope, "", format!("unknown signal {other:?} (valid: traces, metrics, logs)"));
                return None;
            }
        },
    };
    if raw.receivers.is_empty() {
        errors.at(at, &scope, "", "must have at least one receiver");
    }
    if raw.exporters.is_empty() {
        errors.at(at, &scope, "", "must have at least one exporter");
    }
    for (list, ids) in [("receivers", &raw.receivers), ("exporters", &raw.exporters)] {
        for (i, r) in ids.iter().enumerate() {
            if let Ok(cid) = ComponentId::parse(r) {
                if known.connectors.contains_key(&cid) {
                    let key = format!("{list}[{i}]");
                    errors.at(
                        at.lookup(&key),
                        &scope,
                        key,
                        format!("{r:?} is a connector; ferrocol has no connectors, so pipelines cannot use them"),
                    );
                }
            }
        }
    }
    let not_connector = |ids: &[String]| {
        ids.iter()
            .filter(|r| ComponentId::parse(r).map(|c| !known.connectors.contains_key(&c)).unwrap_or(true))
            .cloned()
            .collect::<Vec<_>>()
    };
    let s = Some(signal);
    let receivers =
        check_refs(at, "receivers", &not_connector(&raw.receivers), &known.receivers, s, "receiver", &scope, errors);
    let processors = check_refs(at, "processors", &raw.processors, &known.processors, s, "processor", &scope, errors);
    let exporters =
        check_refs(at, "exporters", &not_connector(&raw.exporters), &known.exporters, s, "exporter", &scope, errors);
    Some(Pipeline { name: name.to_string(), signal, receivers, processors, exporters })
}

/// Check a list of references; each error points at the list item.
#[allow(clippy::too_many_arguments)]
fn check_refs(
    parent: &Node,
    list: &str,
    ids: &[String],
    known: &BTreeMap<ComponentId, Vec<Signal>>,
    signal: Option<Signal>,
    what: &str,
    scope: &str,
    errors: &mut Errors,
) -> Vec<ComponentId> {
    let mut out: Vec<ComponentId> = Vec::new();
    let list_node = parent.lookup(list);
    let items: Vec<&Node> = match &list_node.value {
        super::yaml::Value::Seq(items) => items.iter().collect(),
        _ => Vec::new(),
    };
    let mut used = vec![false; items.len()];
    for r in ids {
        // Find the next unused item with this text, so connector filtering does not
        // shift positions and a repeated id points at its second mention.
        let index = (0..items.len()).find(|&i| !used[i] && items[i].scalar_text() == Some(r.as_str()));
        if let Some(i) = index {
            used[i] = true;
        }
        let item = index.map(|i| items[i]).unwrap_or(list_node);
        let key = format!("{list}[{}]", index.unwrap_or(0));
        match ComponentId::parse(r) {
            Err(e) => errors.at(item, scope, key, e),
            Ok(id) if !known.contains_key(&id) => {
                errors.at(item, scope, key, format!("references {what} {r:?} which is not configured"))
            }
            Ok(id) if signal.is_some_and(|s| !known[&id].contains(&s)) => {
                let signal = signal.expect("checked");
                let message = format!(
                    "{what} {r:?} does not support {signal} (telemetry type is not supported); it handles {}",
                    known[&id].iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                );
                errors.at(item, scope, key, message)
            }
            Ok(id) if out.contains(&id) => {
                errors.at(item, scope, key, format!("references {what} {r:?} multiple times"))
            }
            Ok(id) => out.push(id),
        }
    }
    out
}
