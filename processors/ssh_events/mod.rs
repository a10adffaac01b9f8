//! The `ssh_events` processor: one schema for every SSH access event — Teleport audit
//! events, Linux audit records (journald `_TRANSPORT=audit`, audit.log, kernel printk),
//! OpenSSH's `sshd` / `sshd-session` / `sshd-auth` syslog lines and PAM's lines from
//! sshd (every form is listed in README.md).
//!
//! Reads each record's body and attributes in the shapes the journald (either
//! mapping), teleport, filelog and otlp receivers produce (see [`detect`]). On a
//! recognised record it sets `event_name` and `ssh.event`, `ssh.source`, `ssh.login`,
//! `ssh.auth.method`, `ssh.key.type`, `ssh.key.fingerprint` (replacing stale values),
//! adds `user.name`, `user.id`, `client.address`, `client.port`, `server.address`,
//! `server.port`, `host.name`, `session.id`, `event.outcome` where the record has none,
//! `source.domain` for a client known by name only, `ssh.count` for a line standing for
//! several occurrences and `ssh.duplicate` on a second view of one attempt, and raises
//! the severity (failures WARN, successes INFO). Nothing is removed from a
//! record. Unrecognised records — other programs, other audit types, sshd messages of
//! an unknown wording — pass through untouched, or are dropped with `keep_only_ssh`.
//!
//! Delivery: a synchronous function stage; a batch keeps its acks, and a batch left
//! empty by `keep_only_ssh` is acknowledged as delivered (dropped on purpose).
//! Limits: one record at a time — it does not join the several audit records of one
//! login into one event; `session.id` and the client address relate them.

mod audit;
mod config;
mod conn;
mod detect;
mod normalize;
mod pam;
mod sshd;
mod teleport;

use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::event::{LogBatch, LogRecord};

pub use config::{Source, SshEventsConfig, DEFAULT_SSHD_IDENTIFIERS};
pub use normalize::{Outcome, SshEvent};

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "ssh_events",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<SshEventsConfig>(n)?)),
};

impl ProcessorConfig for SshEventsConfig {
    fn validate(&self) -> Vec<FieldError> {
        SshEventsConfig::validate(self)
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        let processor = SshEvents::new(self);
        Ok(crate::topology::run_function(cx.input, cx.output, move |batch| {
            processor.process(batch);
            Ok(())
        }))
    }
}

/// The config, resolved for the per-record path.
pub struct Settings {
    teleport: bool,
    auditd: bool,
    sshd: bool,
    sshd_identifiers: Vec<String>,
    keep_only_ssh: bool,
    set_severity: bool,
}

/// The processor itself, usable without a pipeline (benchmarks, tests).
pub struct SshEvents {
    settings: Settings,
}

impl SshEvents {
    pub fn new(cfg: &SshEventsConfig) -> SshEvents {
        SshEvents {
            settings: Settings {
                teleport: cfg.sources.contains(&Source::Teleport),
                auditd: cfg.sources.contains(&Source::Auditd),
                sshd: cfg.sources.contains(&Source::Sshd),
                sshd_identifiers: cfg.sshd_identifiers.clone(),
                keep_only_ssh: cfg.keep_only_ssh,
                set_severity: cfg.set_severity,
            },
        }
    }

    /// Normalises every SSH event in `batch`; with `keep_only_ssh`, drops the rest
    /// and the scopes and resources left empty.
    pub fn process(&self, batch: &mut LogBatch) {
        for resource in &mut batch.resource_logs {
            for scope in &mut resource.scope_logs {
                if self.settings.keep_only_ssh {
                    scope.log_records.retain_mut(|r| self.process_record(r));
                } else {
                    for r in &mut scope.log_records {
                        self.process_record(r);
                    }
                }
            }
            if self.settings.keep_only_ssh {
                resource.scope_logs.retain(|s| !s.log_records.is_empty());
            }
        }
        if self.settings.keep_only_ssh {
            batch.resource_logs.retain(|r| !r.scope_logs.is_empty());
        }
    }

    /// Normalises one record; `false` when it is not an SSH event (left untouched).
    pub fn process_record(&self, record: &mut LogRecord) -> bool {
        match detect::classify(record, &self.settings) {
            Some(facts) => {
                normalize::apply(record, facts, self.settings.set_severity);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests;
