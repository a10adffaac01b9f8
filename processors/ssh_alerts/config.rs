//! `ssh_alerts` processor settings: one section per rule, each with its own
//! threshold and window.

use serde::Deserialize;

use crate::config::{ComponentId, Duration, FieldError};

/// A counting rule: `threshold` events from one source within `window`; a key
/// left out keeps the rule's default.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rule {
    pub enabled: Option<bool>,
    pub threshold: Option<usize>,
    pub window: Option<Duration>,
}

/// A rule resolved against its defaults.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub enabled: bool,
    pub threshold: usize,
    /// Nanoseconds.
    pub window: u64,
}

impl Rule {
    pub fn resolve(&self, threshold: usize, window_secs: u64) -> Limits {
        Limits {
            enabled: self.enabled.unwrap_or(true),
            threshold: self.threshold.unwrap_or(threshold),
            window: self.window.map_or(window_secs * 1_000_000_000, |d| d.0.as_nanos() as u64),
        }
    }
}

/// A user's first successful login from a source it has not logged in from before.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewSource {
    pub enabled: bool,
    /// Users whose known sources are held in memory (least-recently-seen evicted;
    /// with `storage`, an evicted user's sources are read back when it returns).
    pub max_users: usize,
    /// Sources remembered per user (the least recent is forgotten first).
    pub max_sources_per_user: usize,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SshAlertsConfig {
    /// Sources (client address or host name) tracked at once; the least recently
    /// seen is forgotten first.
    pub max_sources: usize,
    /// A `file_storage` extension keeping `new_source`'s known sources across restarts.
    pub storage: Option<String>,
    /// ≥ `threshold` failed attempts from one source within `window` (10 in 5m).
    pub brute_force: Rule,
    /// ≥ `threshold` distinct users tried from one source within `window` (5 in 10m).
    pub password_spraying: Rule,
    /// A successful login from a source with ≥ `threshold` failures within `window` before it (5 in 10m).
    pub success_after_failures: Rule,
    /// A successful login as root; `threshold` is ignored, `window` (1m) is the
    /// quiet time per source after an alert.
    pub root_login: Rule,
    pub new_source: NewSource,
}

/// Defaults: (threshold, window in seconds) per rule.
pub const BRUTE_FORCE: (usize, u64) = (10, 300);
pub const PASSWORD_SPRAYING: (usize, u64) = (5, 600);
pub const SUCCESS_AFTER_FAILURES: (usize, u64) = (5, 600);
pub const ROOT_LOGIN: (usize, u64) = (1, 60);

impl Default for NewSource {
    fn default() -> Self {
        NewSource { enabled: true, max_users: 10_000, max_sources_per_user: 50 }
    }
}

impl Default for SshAlertsConfig {
    fn default() -> Self {
        SshAlertsConfig {
            max_sources: 10_000,
            storage: None,
            brute_force: Rule::default(),
            password_spraying: Rule::default(),
            success_after_failures: Rule::default(),
            root_login: Rule::default(),
            new_source: NewSource::default(),
        }
    }
}

impl SshAlertsConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.max_sources == 0 {
            errors.push(FieldError::new("max_sources", "max_sources must be at least 1"));
        }
        let rules = [
            ("brute_force", &self.brute_force),
            ("password_spraying", &self.password_spraying),
            ("success_after_failures", &self.success_after_failures),
            ("root_login", &self.root_login),
        ];
        for (name, rule) in rules {
            if rule.threshold == Some(0) {
                errors.push(FieldError::new(format!("{name}::threshold"), "threshold must be at least 1"));
            }
            if rule.window.is_some_and(|w| w.is_zero()) {
                errors.push(FieldError::new(format!("{name}::window"), "window must be longer than 0"));
            }
        }
        if self.new_source.max_users == 0 || self.new_source.max_sources_per_user == 0 {
            errors.push(FieldError::new("new_source", "max_users and max_sources_per_user must be at least 1"));
        }
        if let Some(Err(e)) = self.storage.as_deref().map(ComponentId::parse) {
            errors.push(FieldError::new("storage", e));
        }
        errors
    }

    pub fn storage_id(&self) -> Option<ComponentId> {
        self.storage.as_deref().and_then(|s| ComponentId::parse(s).ok())
    }
}
