//! Loading a configuration: sources → one positioned tree → `${}` expansion →
//! each component parsed by its factory and validated → service and pipeline
//! graph checks. Every problem is collected; nothing starts unless there are none.

pub mod de;
mod elsewhere;
mod error;
pub mod expand;
mod id;
mod service;
mod telemetry;
pub mod types;
pub mod yaml;

use std::collections::BTreeMap;

pub use error::{ConfigError, Errors, FieldError};
pub use id::ComponentId;
pub use service::{Pipeline, Service};
pub use telemetry::{LogSettings, OtlpMetricExporter, PeriodicReader, Sampling, Telemetry};
pub use types::{ByteSize, Duration};

use crate::component::{ExporterConfig, ExtensionConfig, Factory, ProcessorConfig, ReceiverConfig};
use crate::registry::Registry;
use crate::signal::Signal;
use yaml::{Node, Pos, Value};

/// One place configuration comes from, in `--config` order.
#[derive(Clone, Debug)]
pub enum Source {
    /// A file path (`--config=path` or `--config=file:path`).
    File(String),
    /// Inline YAML (`--config=yaml:...`, `--set`); `::` in keys nests maps.
    Yaml(String),
    /// The YAML text of an environment variable (`--config=env:NAME`).
    Env(String),
}

impl Source {
    /// Parse a `--config` argument: a path or a `file:`, `yaml:` or `env:` URI.
    pub fn from_arg(arg: &str) -> Source {
        if let Some(p) = arg.strip_prefix("file:") {
            Source::File(p.to_string())
        } else if let Some(y) = arg.strip_prefix("yaml:") {
            Source::Yaml(y.to_string())
        } else if let Some(e) = arg.strip_prefix("env:") {
            Source::Env(e.to_string())
        } else {
            Source::File(arg.to_string())
        }
    }

    /// A `--set key::path=value` flag, as otelcol turns it into `yaml:key::path: value`.
    pub fn from_set(arg: &str) -> Result<Source, String> {
        let (key, value) = arg.split_once('=').ok_or_else(|| format!("--set {arg:?}: expected key=value"))?;
        if key.is_empty() {
            return Err(format!("--set {arg:?}: empty key"));
        }
        Ok(Source::Yaml(format!("{key}: {value}")))
    }
}

/// A component as configured: its parsed config and where its section is.
pub struct Component<T: ?Sized> {
    pub section: Node,
    pub config: Box<T>,
}

/// A fully loaded and checked configuration.
pub struct Config {
    pub receivers: BTreeMap<ComponentId, Component<dyn ReceiverConfig>>,
    pub processors: BTreeMap<ComponentId, Component<dyn ProcessorConfig>>,
    pub exporters: BTreeMap<ComponentId, Component<dyn ExporterConfig>>,
    pub extensions: BTreeMap<ComponentId, Component<dyn ExtensionConfig>>,
    pub service: Service,
    /// Non-fatal findings (unset variables, unused components), logged at start.
    pub warnings: Vec<String>,
    /// Every value that came from `${...}`: kept out of logs.
    pub secrets: Vec<String>,
}

/// Lists component ids only: configs may hold secrets.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("receivers", &self.receivers.keys().collect::<Vec<_>>())
            .field("processors", &self.processors.keys().collect::<Vec<_>>())
            .field("exporters", &self.exporters.keys().collect::<Vec<_>>())
            .field("extensions", &self.extensions.keys().collect::<Vec<_>>())
            .field("service", &self.service.pipelines)
            .finish()
    }
}

const TOP_LEVEL: [&str; 6] = ["receivers", "processors", "exporters", "connectors", "extensions", "service"];

/// Load and check a configuration. `env` looks up environment variables.
pub fn load(sources: &[Source], env: expand::Lookup, registry: &Registry) -> Result<Config, Vec<ConfigError>> {
    let mut errors = Errors::default();
    let mut root: Option<Node> = None;
    for source in sources {
        let Some(node) = read_source(source, env, &mut errors) else { continue };
        match &mut root {
            None => root = Some(node),
            Some(r) => yaml::merge(r, node),
        }
    }
    let Some(mut root) = root else {
        if errors.errors.is_empty() {
            errors.at(&Node::empty_map(pos("<none>")), "", "", "no configuration given: use --config FILE");
        }
        return Err(errors.sorted());
    };
    if !errors.errors.is_empty() {
        return Err(errors.sorted());
    }
    expand::expand(&mut root, env, &mut errors);

    if !matches!(root.value, Value::Map(_)) && !root.is_null() {
        errors.at(&root, "", "", format!("invalid type: {}, expected a map", root.kind_name()));
        return Err(errors.sorted());
    }
    for (k, _) in root.entries().unwrap_or_default() {
        let key = k.scalar_text().unwrap_or_default();
        if !TOP_LEVEL.contains(&key) {
            errors.at(k, "", "", format!("unknown top-level key {key:?} (valid keys: {})", TOP_LEVEL.join(", ")));
        }
    }

    let config_empty = Node::empty_map(root.pos.clone());
    let section = |name: &str| root.get(name).unwrap_or(&config_empty);
    let receivers = parse_kind("receivers", section("receivers"), &registry.receivers, |c| c.validate(), &mut errors);
    let processors =
        parse_kind("processors", section("processors"), &registry.processors, |c| c.validate(), &mut errors);
    let exporters = parse_kind("exporters", section("exporters"), &registry.exporters, |c| c.validate(), &mut errors);
    let extensions =
        parse_kind("extensions", section("extensions"), &registry.extensions, |c| c.validate(), &mut errors);
    let connectors = component_ids("connectors", section("connectors"), &mut errors);

    // Components that failed to parse still count as configured (one error
    // each), supporting every signal so that they cause no second error.
    let ids = |name: &str, parsed: &dyn Fn(&ComponentId) -> Option<Vec<Signal>>| {
        let all = component_ids(name, section(name), &mut Errors::default());
        all.into_keys().map(|id| (id.clone(), parsed(&id).unwrap_or_else(|| Signal::ALL.to_vec()))).collect()
    };
    let known = service::Known {
        receivers: ids("receivers", &|id| receivers.get(id).map(|c| c.config.signals().to_vec())),
        processors: ids("processors", &|id| processors.get(id).map(|c| c.config.signals().to_vec())),
        exporters: ids("exporters", &|id| exporters.get(id).map(|c| c.config.signals().to_vec())),
        extensions: ids("extensions", &|_| None),
        connectors,
    };
    let service = service::parse(root.get("service"), &root, &known, &mut errors);

    if !errors.errors.is_empty() {
        return Err(errors.sorted());
    }
    let service = service.expect("service parsed when there are no errors");
    warn_unused(&service, &receivers, &processors, &exporters, &extensions, &mut errors);
    let mut secrets = Vec::new();
    root.secret_texts(&mut secrets);
    Ok(Config { receivers, processors, exporters, extensions, service, warnings: errors.warnings, secrets })
}

/// Configured but not used: allowed, as in otelcol, but not started.
fn warn_unused<A: ?Sized, B: ?Sized, C: ?Sized, D: ?Sized>(
    service: &Service,
    receivers: &BTreeMap<ComponentId, Component<A>>,
    processors: &BTreeMap<ComponentId, Component<B>>,
    exporters: &BTreeMap<ComponentId, Component<C>>,
    extensions: &BTreeMap<ComponentId, Component<D>>,
    errors: &mut Errors,
) {
    let p = &service.pipelines;
    let mut report = |kind: &str, ids: Vec<&ComponentId>, used: &dyn Fn(&ComponentId) -> bool| {
        for id in ids.into_iter().filter(|id| !used(id)) {
            errors.warn(format!("{kind}::{id} is configured but not used by the service; it will not be started"));
        }
    };
    report("receivers", receivers.keys().collect(), &|id| p.iter().any(|x| x.receivers.contains(id)));
    report("processors", processors.keys().collect(), &|id| p.iter().any(|x| x.processors.contains(id)));
    report("exporters", exporters.keys().collect(), &|id| p.iter().any(|x| x.exporters.contains(id)));
    report("extensions", extensions.keys().collect(), &|id| service.extensions.contains(id));
}

fn pos(file: &str) -> Pos {
    Pos { file: file.into(), line: 1, col: 1 }
}

fn read_source(source: &Source, env: expand::Lookup, errors: &mut Errors) -> Option<Node> {
    let (name, text, explode) = match source {
        Source::File(path) => match std::fs::read_to_string(path) {
            Ok(t) => (path.clone(), t, false),
            Err(e) => {
                errors.at(&Node::empty_map(pos(path)), "", "", format!("cannot read config file: {e}"));
                return None;
            }
        },
        Source::Yaml(y) => ("yaml".to_string(), y.clone(), true),
        Source::Env(var) => match env(var) {
            Some(t) => (format!("env:{var}"), t, false),
            None => {
                errors.at(&Node::empty_map(pos("<env>")), "", "", format!("environment variable {var:?} is not set"));
                return None;
            }
        },
    };
    match yaml::parse(&name, &text) {
        Ok(mut node) => {
            if explode {
                explode_keys(&mut node);
            }
            Some(node)
        }
        Err(e) => {
            errors.push(ConfigError::new(&e.pos, "", "", format!("invalid YAML: {}", e.message)));
            None
        }
    }
}

/// `processors::batch::timeout: 2s` → nested maps, as otelcol's `yaml:` provider does.
fn explode_keys(node: &mut Node) {
    let Value::Map(entries) = &mut node.value else { return };
    for (k, v) in entries.iter_mut() {
        explode_keys(v);
        let Some(text) = k.scalar_text().map(str::to_string) else { continue };
        let parts: Vec<&str> = text.split("::").collect();
        if parts.len() < 2 {
            continue;
        }
        let at = k.pos.clone();
        let mut value = std::mem::replace(v, Node::empty_map(at.clone()));
        for part in parts[1..].iter().rev() {
            value = Node::new(at.clone(), Value::Map(vec![(Node::string(at.clone(), *part), value)]));
        }
        *k = Node::string(at, parts[0]);
        *v = value;
    }
}

/// The ids in a section, with their key nodes; errors for malformed ids.
fn component_ids(kind: &str, section: &Node, errors: &mut Errors) -> BTreeMap<ComponentId, Node> {
    let mut out = BTreeMap::new();
    match &section.value {
        Value::Map(entries) => {
            for (k, _) in entries {
                let text = k.scalar_text().unwrap_or_default();
                match ComponentId::parse(text) {
                    Ok(id) => {
                        out.insert(id, k.clone());
                    }
                    Err(e) => errors.at(k, kind, "", e),
                }
            }
        }
        _ if section.is_null() => {}
        _ => {
            errors.at(section, kind, "", format!("invalid type: {}, expected a map of components", section.kind_name()))
        }
    }
    out
}

/// Parse every component of one kind through its factory, then validate it.
fn parse_kind<T: ?Sized>(
    kind: &str,
    section: &Node,
    factories: &[&'static Factory<T>],
    validate: impl Fn(&T) -> Vec<FieldError>,
    errors: &mut Errors,
) -> BTreeMap<ComponentId, Component<T>> {
    let mut out = BTreeMap::new();
    for (id, key) in component_ids(kind, section, errors) {
        let body = section.get(key.scalar_text().unwrap_or_default()).cloned();
        let body = body.unwrap_or_else(|| Node::empty_map(key.pos.clone()));
        let scope = format!("{kind}::{id}");
        let Some(factory) = factories.iter().find(|f| f.accepts(&id.type_name)) else {
            let mut valid: Vec<&str> =
                factories.iter().flat_map(|f| std::iter::once(f.type_name).chain(f.aliases.iter().copied())).collect();
            valid.sort();
            let singular = kind.strip_suffix('s').unwrap_or(kind);
            let message = elsewhere::not_provided(singular, &id.type_name, &valid).unwrap_or_else(|| {
                format!(
                    "unknown type: {:?} for id: {:?} (valid values: [{}])",
                    id.type_name,
                    id.to_string(),
                    valid.join(" ")
                )
            });
            errors.at(&key, &scope, "", message);
            continue;
        };
        match (factory.parse)(&body) {
            Ok(config) => {
                for fe in validate(&config) {
                    errors.push(fe.locate(&body, &scope));
                }
                out.insert(id, Component { section: body, config });
            }
            Err(e) => {
                let at = e.pos.clone().unwrap_or_else(|| body.pos.clone());
                errors.push(ConfigError::new(&at, &scope, e.path, e.message));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
