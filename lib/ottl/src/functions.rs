//! The functions statements may call: upstream's standard editors and
//! converters, plus any the host registers (ferrocol adds `ParseLinuxAudit`),
//! and whether the lambda converters are enabled (otelcol's
//! `ottl.functions.enableLambda` feature gate).

use crate::converters;
use crate::editors;

/// A function table, given to [`crate::Statement::parse`] and
/// [`crate::Condition::parse`].
#[derive(Clone)]
pub struct Functions {
    editors: Vec<&'static editors::Spec>,
    converters: Vec<&'static converters::Spec>,
    lambdas: bool,
}

impl Default for Functions {
    fn default() -> Self {
        Functions::standard()
    }
}

impl Functions {
    /// Upstream's `ottlfuncs` editors and converters (lambdas off).
    pub fn standard() -> Functions {
        Functions { editors: editors::SPECS.iter().collect(), converters: converters::all().collect(), lambdas: false }
    }

    /// Add converters of the host's own; one with a standard name replaces it.
    pub fn with_converters(mut self, specs: &'static [converters::Spec]) -> Functions {
        for s in specs {
            self.converters.retain(|c| c.name != s.name);
            self.converters.push(s);
        }
        self
    }

    /// Enable the lambda converters (`Filter`, `MapEach`, ...).
    pub fn with_lambdas(mut self, enabled: bool) -> Functions {
        self.lambdas = enabled;
        self
    }

    pub fn lambdas(&self) -> bool {
        self.lambdas
    }

    pub fn editor(&self, name: &str) -> Option<&'static editors::Spec> {
        self.editors.iter().copied().find(|s| s.name == name)
    }

    pub fn converter(&self, name: &str) -> Option<&'static converters::Spec> {
        self.converters.iter().copied().find(|s| s.name == name && (self.lambdas || !is_lambda(s.name)))
    }

    /// Editor names, sorted.
    pub fn editor_names(&self) -> Vec<&'static str> {
        sorted(self.editors.iter().map(|s| s.name))
    }

    /// Converter names (the lambda ones only when enabled), sorted.
    pub fn converter_names(&self) -> Vec<&'static str> {
        sorted(self.converters.iter().filter(|s| self.lambdas || !is_lambda(s.name)).map(|s| s.name))
    }
}

/// The converters behind the `ottl.functions.enableLambda` gate.
pub const LAMBDAS: [&str; 8] = ["All", "Any", "Filter", "Find", "MapEach", "MapKeys", "Reduce", "When"];

fn is_lambda(name: &str) -> bool {
    LAMBDAS.contains(&name)
}

fn sorted(names: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    v.dedup();
    v
}
