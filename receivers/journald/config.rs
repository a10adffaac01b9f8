//! `journald` settings: otelcol-contrib's keys and defaults (the stanza
//! `journald_input` operator plus the receiver's base config), and
//! `semantic_conventions`, ferrocol's own. `validate` checks everything that
//! journalctl would reject at run time, so a bad value is a positioned config
//! error instead of a crash loop.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::{ComponentId, Duration, FieldError};

use super::filter;

pub const DEFAULT_PRIORITY: &str = "info";
pub const DEFAULT_START_AT: &str = "end";
pub const DEFAULT_JOURNALCTL_PATH: &str = "journalctl";

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournaldConfig {
    /// Journal directory to read (`journalctl --directory`). When set, `files` is
    /// ignored. Unset: the system journal (`/var/log/journal`, `/run/log/journal`).
    pub directory: Option<String>,
    /// Journal files to read when `directory` is unset (`journalctl --file`; globs allowed).
    pub files: Vec<String>,
    /// Units to read (`--unit`): a name without a suffix gets `.service`; the unit's
    /// coredumps and systemd's messages about it match too. Globs match known units.
    pub units: Vec<String>,
    /// `SYSLOG_IDENTIFIER` values to read (`--identifier`).
    pub identifiers: Vec<String>,
    /// Field matches: within one map all must hold, across the list any map may.
    /// Keys must match `^[_A-Z]+$`.
    pub matches: Vec<BTreeMap<String, String>>,
    /// Highest priority to read (`emerg` … `debug` or 0-7), or a range `emerg..err`.
    pub priority: String,
    /// Regular expression on MESSAGE; case-insensitive when it has no uppercase letter.
    pub grep: String,
    /// Kernel messages of the current boot only (`--dmesg`).
    pub dmesg: bool,
    /// Journal namespace (`--namespace`): a name, `*` for all, `+name` for name and the default one.
    pub namespace: String,
    /// otelcol's `--all` (long and unprintable fields shown): ferrocol always keeps them.
    pub all: bool,
    /// Read the journals of every machine in the system journal, not only this one (`--merge`).
    pub merge: bool,
    /// Where to start without a stored cursor: `end` (only new entries) or `beginning`.
    pub start_at: String,
    /// Storage extension that keeps the cursor of the last delivered entry.
    pub storage: Option<String>,
    /// MESSAGE that is not printable text becomes a string instead of a byte array.
    pub convert_message_bytes: bool,
    /// Accepted for compatibility: ferrocol reads the journal itself and spawns no journalctl.
    pub journalctl_path: String,
    /// Paths (`directory`, `files`, or the system journal) are read below this root,
    /// as journalctl in a chroot would see them.
    pub root_path: String,
    /// Accepted for compatibility: ferrocol's reader waits for room instead of dropping.
    pub retry_on_failure: RetryOnFailure,
    /// Stanza operators: only an empty list is accepted.
    pub operators: Vec<serde_json::Value>,
    /// Static attributes added to every record.
    pub attributes: BTreeMap<String, String>,
    /// Static resource attributes of every batch.
    pub resource: BTreeMap<String, String>,
    /// ferrocol's own: MESSAGE → body, PRIORITY → severity, well-known fields →
    /// semantic-convention attributes, the rest → `journald.<FIELD>`.
    pub semantic_conventions: bool,
}

impl Default for JournaldConfig {
    fn default() -> Self {
        JournaldConfig {
            directory: None,
            files: Vec::new(),
            units: Vec::new(),
            identifiers: Vec::new(),
            matches: Vec::new(),
            priority: DEFAULT_PRIORITY.to_string(),
            grep: String::new(),
            dmesg: false,
            namespace: String::new(),
            all: false,
            merge: false,
            start_at: DEFAULT_START_AT.to_string(),
            storage: None,
            convert_message_bytes: false,
            journalctl_path: DEFAULT_JOURNALCTL_PATH.to_string(),
            root_path: String::new(),
            retry_on_failure: RetryOnFailure::default(),
            operators: Vec::new(),
            attributes: BTreeMap::new(),
            resource: BTreeMap::new(),
            semantic_conventions: false,
        }
    }
}

/// otelcol's receiver-side retry settings; kept for compatibility only.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryOnFailure {
    pub enabled: bool,
    pub initial_interval: Duration,
    pub max_interval: Duration,
    pub max_elapsed_time: Duration,
}

impl Default for RetryOnFailure {
    fn default() -> Self {
        RetryOnFailure {
            enabled: false,
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
            max_elapsed_time: Duration::from_secs(300),
        }
    }
}

impl JournaldConfig {
    /// Pure checks (no I/O): `ferrocol validate` does not open the journal.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.start_at != "end" && self.start_at != "beginning" {
            errors.push(FieldError::new(
                "start_at",
                format!("invalid value '{}' for parameter 'start_at' (valid values: end, beginning)", self.start_at),
            ));
        }
        if let Err(e) = filter::parse_priority(&self.priority) {
            errors.push(FieldError::new("priority", e));
        }
        if let Err(e) = filter::compile_grep(&self.grep) {
            errors.push(FieldError::new("grep", e));
        }
        for (i, group) in self.matches.iter().enumerate() {
            for key in group.keys() {
                if let Err(e) = filter::check_match_key(key) {
                    errors.push(FieldError::new(format!("matches[{i}]::{key}"), e));
                }
            }
        }
        for (i, unit) in self.units.iter().enumerate() {
            if unit.is_empty() {
                errors.push(FieldError::new(format!("units[{i}]"), "a unit name must not be empty"));
            }
        }
        if let Some(storage) = &self.storage {
            if let Err(e) = ComponentId::parse(storage) {
                errors.push(FieldError::new("storage", e));
            }
        }
        if !self.operators.is_empty() {
            errors.push(FieldError::new(
                "operators",
                "ferrocol runs no stanza operators inside a receiver: leave `operators` empty and parse \
                 records with processors in the pipeline",
            ));
        }
        for (kind, map) in [("attributes", &self.attributes), ("resource", &self.resource)] {
            for (k, v) in map {
                if v.contains("EXPR(") {
                    errors.push(FieldError::new(
                        format!("{kind}::{k}"),
                        "expressions (EXPR(...)) are not supported: use a static value",
                    ));
                }
            }
        }
        errors.extend(self.validate_paths());
        errors
    }

    /// `journalctl_path` / `root_path`: otelcol's rules, although no journalctl runs.
    fn validate_paths(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.journalctl_path.trim().is_empty() {
            errors.push(FieldError::new("journalctl_path", "journalctl_path must not be empty"));
        }
        if !self.root_path.is_empty() {
            if !self.root_path.starts_with('/') {
                errors.push(FieldError::new("root_path", format!("root_path {:?} must be absolute", self.root_path)));
            }
            if !self.journalctl_path.trim().is_empty() && !self.journalctl_path.starts_with('/') {
                errors.push(FieldError::new(
                    "journalctl_path",
                    format!("journalctl_path {:?} must be absolute when root_path is set", self.journalctl_path),
                ));
            }
        }
        errors
    }

    pub fn storage_id(&self) -> Option<ComponentId> {
        self.storage.as_deref().and_then(|s| ComponentId::parse(s).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::de::{from_node, DeError};
    use crate::config::yaml::parse;

    fn load(yaml: &str) -> Result<JournaldConfig, DeError> {
        from_node(&parse("c", yaml).unwrap())
    }

    fn messages(yaml: &str) -> Vec<String> {
        load(yaml).unwrap().validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
    }

    #[test]
    fn defaults_match_otelcol() {
        let c = load("").unwrap();
        assert_eq!(c.directory, None);
        assert_eq!(c.priority, "info");
        assert_eq!(c.start_at, "end");
        assert_eq!(c.journalctl_path, "journalctl");
        assert!(!c.all && !c.merge && !c.dmesg && !c.convert_message_bytes && !c.semantic_conventions);
        assert_eq!(c.retry_on_failure.max_elapsed_time, Duration::from_secs(300));
        assert!(c.validate().is_empty());
    }

    #[test]
    fn the_seed_config_is_valid() {
        let c = load(
            "directory: /var/log/journal\npriority: \"7\"\nmatches:\n  - _TRANSPORT: audit\n\
             grep: \"USER_START.*op=PAM:session_open\"\n",
        )
        .unwrap();
        assert_eq!(c.matches[0]["_TRANSPORT"], "audit");
        assert!(c.validate().is_empty(), "{:?}", c.validate());
    }

    #[test]
    fn every_otelcol_key_is_accepted() {
        let c = load(
            "directory: /d\nfiles: [/f]\nunits: [ssh]\nidentifiers: [sshd]\nmatches: [{_UID: 1000}]\n\
             priority: emerg..err\ngrep: x\ndmesg: true\nnamespace: '*'\nall: true\nmerge: true\n\
             start_at: beginning\nstorage: file_storage/x\nconvert_message_bytes: true\n\
             journalctl_path: /usr/bin/journalctl\nroot_path: /host\n\
             retry_on_failure: {enabled: true, initial_interval: 2s, max_interval: 1m, max_elapsed_time: 0}\n\
             operators: []\nattributes: {a: b}\nresource: {r: s}\nsemantic_conventions: true\n",
        )
        .unwrap();
        assert_eq!(c.matches[0]["_UID"], "1000", "numbers are taken as written");
        assert_eq!(c.storage_id(), Some(ComponentId::new("file_storage", Some("x"))));
        assert!(c.validate().is_empty(), "{:?}", c.validate());
    }

    #[test]
    fn bad_values_name_their_key() {
        assert_eq!(
            messages("start_at: middle\n"),
            ["start_at: invalid value 'middle' for parameter 'start_at' (valid values: end, beginning)"]
        );
        assert_eq!(
            messages("matches: [{_SYSTEMD_UNIT: a}, {_uid: '1', 'A1': b}]\n"),
            [
                "matches[1]::A1: 'A1' is not a valid Systemd field name",
                "matches[1]::_uid: '_uid' is not a valid Systemd field name"
            ]
        );
        assert!(messages("priority: warn\n")[0].starts_with("priority: unknown log level \"warn\""));
        assert!(messages("grep: 'a('\n")[0].starts_with("grep: invalid regular expression"));
        assert!(messages("operators: [{type: regex_parser}]\n")[0].starts_with("operators: "));
        assert_eq!(messages("attributes: {a: 'EXPR(body)'}\n").len(), 1);
        assert_eq!(messages("storage: 'bad id/'\n").len(), 1);
        assert_eq!(
            messages("root_path: host\n"),
            [
                "root_path: root_path \"host\" must be absolute",
                "journalctl_path: journalctl_path \"journalctl\" must be absolute when root_path is set"
            ]
        );
        assert_eq!(messages("journalctl_path: ' '\n"), ["journalctl_path: journalctl_path must not be empty"]);
    }

    #[test]
    fn unknown_keys_fail() {
        let e = load("directroy: /x\n").unwrap_err();
        assert_eq!(e.path, "directroy");
    }
}
