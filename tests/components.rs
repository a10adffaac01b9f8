//! Factory compliance, over every registered factory (as otelcol's generated
//! component tests do): the default config parses and, with only its required
//! keys added, validates and builds in check mode; the component has a README
//! beside it and a stability level.

use std::path::Path;

use ferrocol::component::{ExporterContext, ExtensionContext, Factory, ProcessorContext, ReceiverContext};
use ferrocol::config::yaml::{parse, Node};
use ferrocol::config::ComponentId;
use ferrocol::registry::Registry;
use ferrocol::startup::{Mode, Startup};
use ferrocol::topology::Fanout;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Keys a component cannot do without (no default exists upstream either), by
/// type name, or `kind/type` where a receiver and an exporter share a name.
const REQUIRED: &[(&str, &str)] = &[
    // otelcol: missing required field "actions" / "attributes".
    ("attributes", "actions: [{key: a, action: delete}]\n"),
    ("exporter/otlp", "endpoint: 127.0.0.1:4317\n"),
    // otelcol checks that the directory exists (or create_directory is set).
    ("file_storage", "directory: /tmp\n"),
    ("file", "path: /tmp/ferrocol-components-file.json\n"),
    ("filelog", "include: [/var/log/auth.log]\n"),
    ("memory_limiter", "check_interval: 1s\nlimit_mib: 400\nspike_limit_mib: 50\n"),
    ("otlp", "protocols: {http: {}}\n"),
    ("otlphttp", "endpoint: http://127.0.0.1:4318\n"),
    ("resource", "attributes: [{key: a, action: delete}]\n"),
];

fn section(kind: &str, type_name: &str) -> Node {
    let qualified = format!("{kind}/{type_name}");
    let find = |name: &str| REQUIRED.iter().find(|(t, _)| *t == name).map(|(_, y)| *y);
    let text = find(&qualified).or_else(|| find(type_name)).unwrap_or("{}\n");
    parse("test.yaml", text).unwrap()
}

fn check() -> Startup {
    Startup::new(Mode::Check)
}

/// Every type name of a kind, with what the checks below need of the factory.
fn each<T: ?Sized>(kind: &str, factories: &[&'static Factory<T>], mut f: impl FnMut(&Factory<T>, &Node)) {
    assert!(!factories.is_empty(), "no {kind}s registered");
    for factory in factories {
        let name = factory.type_name;
        let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{kind}s/{name}/README.md"));
        let text = std::fs::read_to_string(&readme).unwrap_or_else(|e| panic!("{}: {e}", readme.display()));
        assert!(text.contains(&format!("`{name}`")), "{} does not name `{name}`", readme.display());
        assert!(!factory.stability.as_str().is_empty());
        let node = section(kind, name);
        (factory.parse)(&Node::empty_map(node.pos.clone()))
            .unwrap_or_else(|e| panic!("{kind} {name}: the default config does not parse: {}", e.message));
        f(factory, &node);
    }
}

#[tokio::test]
async fn every_factory_parses_validates_and_builds_in_check_mode() {
    let registry = Registry::builtin();
    let id = |name: &str| ComponentId::new(name, None);
    each("receiver", &registry.receivers, |f, node| {
        let cfg = (f.parse)(node).unwrap();
        assert_eq!(cfg.validate(), vec![], "receiver {}", f.type_name);
        let (tx, _rx) = mpsc::channel(1);
        let mut cx = ReceiverContext::new(id(f.type_name), Fanout::new(vec![tx]), CancellationToken::new());
        cx.startup = check();
        assert!(cfg.build(cx).is_ok(), "receiver {} does not build in check mode", f.type_name);
    });
    each("processor", &registry.processors, |f, node| {
        let cfg = (f.parse)(node).unwrap();
        assert_eq!(cfg.validate(), vec![], "processor {}", f.type_name);
        let (_tx, rx) = mpsc::channel(1);
        let mut cx = ProcessorContext::new(id(f.type_name), rx, Fanout::new(Vec::new()));
        cx.startup = check();
        assert!(cfg.build(cx).is_ok(), "processor {} does not build in check mode", f.type_name);
    });
    each("exporter", &registry.exporters, |f, node| {
        let cfg = (f.parse)(node).unwrap();
        assert_eq!(cfg.validate(), vec![], "exporter {}", f.type_name);
        let (_tx, rx) = mpsc::channel(1);
        let mut cx = ExporterContext::new(id(f.type_name), rx);
        cx.startup = check();
        assert!(cfg.build(cx).is_ok(), "exporter {} does not build in check mode", f.type_name);
    });
    each("extension", &registry.extensions, |f, node| {
        let cfg = (f.parse)(node).unwrap();
        assert_eq!(cfg.validate(), vec![], "extension {}", f.type_name);
        let (_ready, rx) = watch::channel(false);
        let mut cx = ExtensionContext::new(id(f.type_name), rx, CancellationToken::new());
        cx.startup = check();
        assert!(cfg.build(cx).is_ok(), "extension {} does not build in check mode", f.type_name);
    });
}

#[test]
fn the_components_command_lists_every_factory_with_its_stability() {
    let registry = Registry::builtin();
    let yaml = registry.components_yaml();
    let names = registry.receivers.iter().map(|f| (f.type_name, f.stability.as_str()));
    let names = names.chain(registry.processors.iter().map(|f| (f.type_name, f.stability.as_str())));
    let names = names.chain(registry.exporters.iter().map(|f| (f.type_name, f.stability.as_str())));
    for (name, stability) in names {
        let entry = format!("    - name: {name}\n      module: ");
        let at = yaml.find(&entry).unwrap_or_else(|| panic!("{name} missing from:\n{yaml}"));
        let rest = &yaml[at..];
        assert!(rest.lines().nth(3).is_some_and(|l| l.trim() == format!("logs: {stability}")), "{name}:\n{rest}");
    }
}

/// Each signal line says the component's stability where its default config
/// supports the signal, `Undefined` elsewhere, as `otelcol components` does.
#[test]
fn the_components_command_shows_each_signal() {
    let yaml = Registry::builtin().components_yaml();
    let stability = |section: &str, name: &str| -> Vec<String> {
        let at = yaml.find(&format!("{section}:\n")).unwrap();
        let entry = format!("    - name: {name}\n      module: ferrocol/{section}/{name}\n      stability:\n");
        let start = at + yaml[at..].find(&entry).unwrap_or_else(|| panic!("{name} missing:\n{yaml}")) + entry.len();
        yaml[start..].lines().take(3).map(|l| l.trim().to_string()).collect()
    };
    assert_eq!(stability("exporters", "debug"), ["logs: Development", "metrics: Development", "traces: Development"]);
    assert_eq!(stability("receivers", "journald"), ["logs: Alpha", "metrics: Undefined", "traces: Undefined"]);
    let filter = stability("processors", "filter");
    assert_eq!(filter, ["logs: Alpha", "metrics: Alpha", "traces: Alpha"]);
    let batch = stability("processors", "batch");
    assert!(batch.iter().all(|l| !l.ends_with("Undefined")), "{batch:?}");
}
