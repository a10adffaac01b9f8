//! `ssh_events` processor settings.

use serde::Deserialize;

use crate::config::FieldError;

/// Syslog identifiers (and audit `exe=` basenames) that are OpenSSH's: `sshd` up to
/// 9.7, `sshd-session` (per connection) from 9.8, `sshd-auth` (pre-auth) from 10.0.
pub const DEFAULT_SSHD_IDENTIFIERS: &[&str] = &["sshd", "sshd-session", "sshd-auth"];

/// Where a recognised event came from; also the value of `ssh.source`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Teleport audit events (the teleport receiver, or any record whose body is a Teleport event).
    Teleport,
    /// Linux audit records (journald's `_TRANSPORT=audit`, audit.log lines, kernel printk lines).
    Auditd,
    /// OpenSSH's syslog lines (journald, syslog files, OTLP).
    Sshd,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Teleport => "teleport",
            Source::Auditd => "auditd",
            Source::Sshd => "sshd",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SshEventsConfig {
    /// Drop every record that is not a recognised SSH access event (the "only SSH
    /// logins" pipeline). Off: such records pass through untouched.
    pub keep_only_ssh: bool,
    /// Which sources to recognise: `teleport`, `auditd`, `sshd`. Records of a source
    /// left out count as unrecognised.
    pub sources: Vec<Source>,
    /// Syslog identifiers whose lines are parsed as sshd's, also matched against the
    /// basename of an audit record's `exe=`; replace to add a renamed or patched sshd.
    pub sshd_identifiers: Vec<String>,
    /// Raise the severity of recognised events: failures to WARN, successes to INFO
    /// (a record that already carries a higher severity keeps it).
    pub set_severity: bool,
}

impl Default for SshEventsConfig {
    fn default() -> Self {
        SshEventsConfig {
            keep_only_ssh: false,
            sources: vec![Source::Teleport, Source::Auditd, Source::Sshd],
            sshd_identifiers: DEFAULT_SSHD_IDENTIFIERS.iter().map(|s| s.to_string()).collect(),
            set_severity: true,
        }
    }
}

impl SshEventsConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.sources.is_empty() {
            errors.push(FieldError::new(
                "sources",
                "sources must name at least one of teleport, auditd, sshd (leave it out for all three)",
            ));
        }
        if self.sources.contains(&Source::Sshd) && self.sshd_identifiers.is_empty() {
            errors
                .push(FieldError::new("sshd_identifiers", "sshd_identifiers must not be empty while sshd is a source"));
        }
        if let Some(bad) = self.sshd_identifiers.iter().find(|s| s.is_empty() || s.contains(char::is_whitespace)) {
            errors.push(FieldError::new(
                "sshd_identifiers",
                format!("invalid identifier {bad:?}: identifiers are single words such as sshd-session"),
            ));
        }
        errors
    }
}
