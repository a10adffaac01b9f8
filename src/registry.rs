//! Every built-in component factory, by kind.

use crate::component::{ExporterFactory, ExtensionFactory, Factory, ProcessorFactory, ReceiverFactory};

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
    /// (key order, 4-space indentation, types sorted, `Undefined` for other signals).
    pub fn components_yaml(&self) -> String {
        let mut out = String::new();
        out.push_str("buildinfo:\n    command: ferrocol\n    description: ferrocol log pipeline\n");
        out.push_str(&format!("    version: {}\n", env!("CARGO_PKG_VERSION")));
        let signals = ["logs: ", "metrics: Undefined", "traces: Undefined"];
        write_section(&mut out, "receivers", &entries(&self.receivers), &signals);
        write_section(&mut out, "processors", &entries(&self.processors), &signals);
        write_section(&mut out, "exporters", &entries(&self.exporters), &signals);
        out.push_str("connectors: []\n");
        write_section(&mut out, "extensions", &entries(&self.extensions), &["extension: "]);
        out.push_str("providers:\n");
        for scheme in ["env", "file", "yaml"] {
            out.push_str(&format!("    - scheme: {scheme}\n      module: ferrocol/config/{scheme}\n"));
        }
        out
    }
}

/// `(type name, stability)` for every type and alias, sorted by name.
fn entries<T: ?Sized>(factories: &[&'static Factory<T>]) -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&str, &str)> = factories
        .iter()
        .flat_map(|f| std::iter::once(f.type_name).chain(f.aliases.iter().copied()).map(|n| (n, f.stability.as_str())))
        .collect();
    v.sort();
    v
}

/// One section; a signal line ending in ": " gets the stability appended.
fn write_section(out: &mut String, name: &str, items: &[(&str, &str)], signals: &[&str]) {
    out.push_str(&format!("{name}:\n"));
    for (type_name, stability) in items {
        out.push_str(&format!(
            "    - name: {type_name}\n      module: ferrocol/{name}/{type_name}\n      stability:\n"
        ));
        for s in signals {
            let value = if s.ends_with(": ") { *stability } else { "" };
            out.push_str(&format!("        {s}{value}\n"));
        }
    }
}
