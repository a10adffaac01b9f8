//! Every built-in component factory, by kind.

use crate::component::{ExporterFactory, ExtensionFactory, Factory, ProcessorFactory, ReceiverFactory};
use crate::config::yaml::{Node, Pos};
use crate::signal::Signal;

/// The factories a config may use.
pub struct Registry {
    pub receivers: Vec<&'static ReceiverFactory>,
    pub processors: Vec<&'static ProcessorFactory>,
    pub exporters: Vec<&'static ExporterFactory>,
    pub extensions: Vec<&'static ExtensionFactory>,
}

impl Registry {
    /// The components compiled into this binary.
    pub fn builtin() -> Registry {
        Registry {
            receivers: crate::receivers::factories(),
            processors: crate::processors::factories(),
            exporters: crate::exporters::factories(),
            extensions: crate::extensions::factories(),
        }
    }

    /// `ferrocol components`: the built-in components as YAML, in otelcol's shape
    /// (key order, 4-space indentation, types sorted): each component's
    /// stability for the signals its default config supports, `Undefined` for
    /// the others.
    pub fn components_yaml(&self) -> String {
        let mut out = String::new();
        out.push_str("buildinfo:\n    command: ferrocol\n    description: ferrocol telemetry pipeline\n");
        out.push_str(&format!("    version: {}\n", env!("CARGO_PKG_VERSION")));
        write_section(&mut out, "receivers", &entries(&self.receivers, |c| c.signals()));
        write_section(&mut out, "processors", &entries(&self.processors, |c| c.signals()));
        write_section(&mut out, "exporters", &entries(&self.exporters, |c| c.signals()));
        out.push_str("connectors: []\n");
        let extensions: Vec<(&str, Vec<(&str, &str)>)> =
            entries(&self.extensions, |_| &[]).into_iter().map(|(n, s, _)| (n, vec![("extension", s)])).collect();
        write_stabilities(&mut out, "extensions", &extensions);
        out.push_str("providers:\n");
        for scheme in ["env", "file", "yaml"] {
            out.push_str(&format!("    - scheme: {scheme}\n      module: ferrocol/config/{scheme}\n"));
        }
        out
    }
}

/// The signals of a component with its default config.
type SignalsOf<T> = fn(&T) -> &'static [Signal];

/// `(type name, stability, signals)` for every type and alias, sorted by name.
fn entries<T: ?Sized>(
    factories: &[&'static Factory<T>],
    signals: SignalsOf<T>,
) -> Vec<(&'static str, &'static str, &'static [Signal])> {
    let pos = Pos { file: "components".into(), line: 0, col: 0 };
    let mut v: Vec<_> = factories
        .iter()
        .flat_map(|f| {
            // Every default config parses (tests/components.rs checks it).
            let supported = (f.parse)(&Node::empty_map(pos.clone())).map_or(&[Signal::Logs][..], |c| signals(&c));
            let names = std::iter::once(f.type_name).chain(f.aliases.iter().copied());
            names.map(move |n| (n, f.stability.as_str(), supported))
        })
        .collect();
    v.sort_by_key(|(name, _, _)| *name);
    v
}

/// A receivers, processors or exporters section: `logs`, `metrics`, `traces`
/// each with the stability, or `Undefined` for a signal the component lacks.
fn write_section(out: &mut String, name: &str, items: &[(&str, &str, &[Signal])]) {
    let items: Vec<(&str, Vec<(&str, &str)>)> = items
        .iter()
        .map(|(type_name, stability, signals)| {
            let level = |s: Signal| if signals.contains(&s) { *stability } else { "Undefined" };
            let per_signal = [Signal::Logs, Signal::Metrics, Signal::Traces].map(|s| (s.as_str(), level(s)));
            (*type_name, per_signal.to_vec())
        })
        .collect();
    write_stabilities(out, name, &items);
}

/// One section: each component with its `stability` map.
fn write_stabilities(out: &mut String, name: &str, items: &[(&str, Vec<(&str, &str)>)]) {
    out.push_str(&format!("{name}:\n"));
    for (type_name, stabilities) in items {
        out.push_str(&format!(
            "    - name: {type_name}\n      module: ferrocol/{name}/{type_name}\n      stability:\n"
        ));
        for (key, level) in stabilities {
            out.push_str(&format!("        {key}: {level}\n"));
        }
    }
}
