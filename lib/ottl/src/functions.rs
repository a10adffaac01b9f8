//! The functions statements may call: upstream's standard editors and
//! converters, plus any the host registers (ferrocol adds `ParseLinuxAudit`,
//! and the transform processor's metric editors, which only the metric or
//! data point context offers), and whether the lambda converters are enabled (otelcol's
//! `ottl.functions.enableLambda` feature gate).

use crate::converters;
use crate::editors;
use crate::paths::ContextKind;

/// A function table, given to [`crate::Statement::parse`] and
/// [`crate::Condition::parse`].
#[derive(Clone)]
pub struct Functions {
    editors: Vec<&'static editors::Spec>,
    converters: Vec<&'static converters::Spec>,
    /// Editors only some contexts offer.
    scoped: Vec<(ContextKind, &'static editors::Spec)>,
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
        Functions {
            editors: editors::SPECS.iter().collect(),
            converters: converters::all().collect(),
            scoped: Vec::new(),
            lambdas: false,
        }
    }

    /// Add converters of the host's own; one with a standard name replaces it.
    pub fn with_converters(mut self, specs: &'static [converters::Spec]) -> Functions {
        for s in specs {
            self.converters.retain(|c| c.name != s.name);
            self.converters.push(s);
        }
        self
    }

    /// Add editors of the host's own that only statements in context `cx` may call.
    pub fn with_editors_in(mut self, cx: ContextKind, specs: &'static [editors::Spec]) -> Functions {
        self.scoped.extend(specs.iter().map(|s| (cx, s)));
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

    /// An editor some context offers.
    pub fn editor(&self, name: &str) -> Option<&'static editors::Spec> {
        self.editors.iter().copied().find(|s| s.name == name).or_else(|| self.scoped_editor(name).map(|(_, s)| s))
    }

    /// An editor statements in context `cx` may call.
    pub fn editor_in(&self, name: &str, cx: ContextKind) -> Option<&'static editors::Spec> {
        let scoped = || self.scoped.iter().find(|(c, s)| *c == cx && s.name == name).map(|(_, s)| *s);
        self.editors.iter().copied().find(|s| s.name == name).or_else(scoped)
    }

    /// The context an editor only some contexts offer belongs to (the first, if several).
    pub fn scoped_editor(&self, name: &str) -> Option<(ContextKind, &'static editors::Spec)> {
        self.scoped.iter().find(|(_, s)| s.name == name).copied()
    }

    pub fn converter(&self, name: &str) -> Option<&'static converters::Spec> {
        self.converters.iter().copied().find(|s| s.name == name && (self.lambdas || !is_lambda(s.name)))
    }

    /// Names of the editors statements in context `cx` may call, sorted.
    pub fn editor_names(&self, cx: ContextKind) -> Vec<&'static str> {
        let scoped = self.scoped.iter().filter(|(c, _)| *c == cx).map(|(_, s)| s.name);
        sorted(self.editors.iter().map(|s| s.name).chain(scoped))
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
