//! `debug` exporter settings, with otelcol's keys, defaults and checks.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::config::FieldError;

pub const DEFAULT_SAMPLING_INITIAL: i64 = 2;
pub const DEFAULT_SAMPLING_THEREAFTER: i64 = 1;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DebugExporterConfig {
    /// How much to print per batch: `basic` (a one-line summary), `normal` (a
    /// line per record) or `detailed` (every field of every record).
    pub verbosity: Verbosity,
    /// Entries printed per distinct message in each one-second window before
    /// sampling starts.
    pub sampling_initial: i64,
    /// After `sampling_initial`, print every n-th entry of the same message in
    /// the window; 0 prints no more.
    pub sampling_thereafter: i64,
    /// Write through ferrocol's own logger (stderr, with its level and format)
    /// instead of printing plain text.
    pub use_internal_logger: bool,
    /// Where plain text goes when `use_internal_logger` is false: `stdout`,
    /// `stderr` or file paths (appended to). Unset means `[stdout]`.
    pub output_paths: Option<Vec<String>>,
    /// Accepted for compatibility with otelcol; output is written synchronously.
    pub sending_queue: Option<BTreeMap<String, serde_json::Value>>,
}

impl Default for DebugExporterConfig {
    fn default() -> Self {
        DebugExporterConfig {
            verbosity: Verbosity::Basic,
            sampling_initial: DEFAULT_SAMPLING_INITIAL,
            sampling_thereafter: DEFAULT_SAMPLING_THEREAFTER,
            use_internal_logger: true,
            output_paths: None,
            sending_queue: None,
        }
    }
}

impl DebugExporterConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        match &self.output_paths {
            Some(_) if self.use_internal_logger => errors.push(FieldError::new(
                "output_paths",
                "output_paths is not supported when use_internal_logger is true",
            )),
            Some(paths) if paths.is_empty() => errors.push(FieldError::new(
                "output_paths",
                "output_paths must not be empty when use_internal_logger is false",
            )),
            _ => {}
        }
        errors
    }

    /// The plain-text destinations: `output_paths`, or stdout.
    pub fn paths(&self) -> Vec<String> {
        self.output_paths.clone().unwrap_or_else(|| vec!["stdout".to_string()])
    }
}

/// `verbosity`: case-insensitive, as otelcol reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    #[default]
    Basic,
    Normal,
    Detailed,
}

const VALID_VERBOSITY: &str = "valid values: basic, normal, detailed";

impl<'de> Deserialize<'de> for Verbosity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Verbosity;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("one of basic, normal, detailed")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Verbosity, E> {
                match s.to_ascii_lowercase().as_str() {
                    "basic" => Ok(Verbosity::Basic),
                    "normal" => Ok(Verbosity::Normal),
                    "detailed" => Ok(Verbosity::Detailed),
                    // otelcol parses `none` (a telemetry level) and then rejects it.
                    "none" => Err(E::custom(format!("verbosity level \"None\" is not supported ({VALID_VERBOSITY})"))),
                    other => Err(E::custom(format!("unknown verbosity level {other:?} ({VALID_VERBOSITY})"))),
                }
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::de::{from_node, DeError};
    use crate::config::yaml::parse;

    fn load(yaml: &str) -> Result<DebugExporterConfig, DeError> {
        from_node(&parse("c", yaml).unwrap())
    }

    #[test]
    fn defaults() {
        let c = load("").unwrap();
        assert_eq!(c.verbosity, Verbosity::Basic);
        assert_eq!((c.sampling_initial, c.sampling_thereafter), (2, 1));
        assert!(c.use_internal_logger);
        assert_eq!(c.output_paths, None);
        assert!(c.validate().is_empty());
        assert_eq!(c.paths(), ["stdout"]);
    }

    #[test]
    fn all_keys() {
        let c = load(
            "verbosity: Detailed\nsampling_initial: 5\nsampling_thereafter: 200\nuse_internal_logger: false\n\
             output_paths: [stderr, /tmp/x.log]\nsending_queue: {enabled: true, queue_size: 10}\n",
        )
        .unwrap();
        assert_eq!(c.verbosity, Verbosity::Detailed);
        assert_eq!((c.sampling_initial, c.sampling_thereafter), (5, 200));
        assert!(!c.use_internal_logger);
        assert_eq!(c.paths(), ["stderr", "/tmp/x.log"]);
        assert!(c.validate().is_empty());
        assert_eq!(c.sending_queue.unwrap()["queue_size"], 10);
        assert_eq!(load("verbosity: normal\n").unwrap().verbosity, Verbosity::Normal);
        assert!(load("sending_queue:\n").unwrap().sending_queue.is_none());
    }

    #[test]
    fn bad_verbosity_names_the_valid_ones() {
        let e = load("verbosity: verbose\n").unwrap_err();
        assert_eq!(e.path, "verbosity");
        assert_eq!(e.message, "unknown verbosity level \"verbose\" (valid values: basic, normal, detailed)");
        let e = load("verbosity: none\n").unwrap_err();
        assert_eq!(e.message, "verbosity level \"None\" is not supported (valid values: basic, normal, detailed)");
    }

    #[test]
    fn typo_is_an_unknown_field() {
        let e = load("verBosity: detailed\n").unwrap_err();
        assert_eq!(e.path, "verBosity");
        assert!(e.message.contains("unknown field `verBosity`"), "{}", e.message);
    }

    #[test]
    fn sending_queue_must_be_a_map() {
        let e = load("sending_queue: 5\n").unwrap_err();
        assert_eq!(e.path, "sending_queue");
        assert!(e.message.contains("expected a map"), "{}", e.message);
    }

    #[test]
    fn output_paths_rules() {
        let e = load("output_paths: [stdout]\n").unwrap().validate();
        assert_eq!(
            e,
            [FieldError::new("output_paths", "output_paths is not supported when use_internal_logger is true")]
        );
        let e = load("use_internal_logger: false\noutput_paths: []\n").unwrap().validate();
        assert_eq!(
            e,
            [FieldError::new("output_paths", "output_paths must not be empty when use_internal_logger is false")]
        );
        assert!(load("use_internal_logger: false\n").unwrap().validate().is_empty());
    }
}
