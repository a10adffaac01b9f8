//! Positioned configuration errors: `file:line:col: scope: key: message`.

use std::fmt;

use super::yaml::{Node, Pos};

/// One problem found while loading a configuration. All of them are collected
/// and printed together, sorted by position.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigError {
    pub pos: Pos,
    /// Where in the config: `receivers::otlp`, `service::pipelines::logs`, ...
    pub scope: String,
    /// Key path inside the scope (`protocols::http::endpoint`), empty if none.
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(pos: &Pos, scope: impl Into<String>, key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError { pos: pos.clone(), scope: scope.into(), key: key.into(), message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.pos)?;
        if !self.scope.is_empty() {
            write!(f, "{}: ", self.scope)?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// An error a component's `validate` reports about one of its keys. The loader
/// turns it into a [`ConfigError`] at the key's position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Key path relative to the component's section (`protocols::http::endpoint`);
    /// empty for the section itself.
    pub key: String,
    pub message: String,
}

impl FieldError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { key: key.into(), message: message.into() }
    }

    /// Position the error inside `section`.
    pub fn locate(self, section: &Node, scope: &str) -> ConfigError {
        let node = section.lookup(&self.key);
        let message = node.redact(self.message);
        ConfigError { pos: node.pos.clone(), scope: scope.to_string(), key: self.key, message }
    }
}

/// Collects errors while loading; printed all at once.
#[derive(Default, Debug)]
pub struct Errors {
    pub errors: Vec<ConfigError>,
    pub warnings: Vec<String>,
}

impl Errors {
    pub fn push(&mut self, e: ConfigError) {
        self.errors.push(e);
    }

    /// An error at `node`; values of `node` that came from `${...}` are not repeated.
    pub fn at(&mut self, node: &Node, scope: &str, key: impl Into<String>, message: impl Into<String>) {
        let message = node.redact(message.into());
        self.errors.push(ConfigError::new(&node.pos, scope, key, message));
    }

    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    pub fn sorted(mut self) -> Vec<ConfigError> {
        self.errors.sort();
        self.errors.dedup();
        self.errors
    }
}
