//! The `ssh_alerts` processor: windowed rules over the events `ssh_events`
//! normalised, emitting alert log records next to them — brute force, password
//! spraying, success after failures, root login, a user's login from a new source.
//!
//! Reads `ssh.event`, `event.outcome`, `user.name`, `ssh.login`, `client.address` /
//! `source.domain` (the source), `ssh.count` and `ssh.duplicate` (duplicate views
//! are not counted again) of each record; records without `ssh.event` pass through.
//! Time is the record's own (`time_unix_nano`, else the observed time), so a
//! replayed log alerts as it did live.
//!
//! Delivery: a synchronous function stage; the events keep their acks and go on
//! unchanged. An alert is a new record appended to the scope of the event that
//! completed it, so it travels — and is acknowledged — with that batch.
//! State is bounded: `max_sources` sources and `new_source.max_users` users, each
//! evicted least-recently-seen; only `new_source` state is stored (`storage`).

mod alert;
mod config;
mod known;
mod lru;
mod rules;
#[cfg(test)]
mod tests;

use crate::component::{
    Factory, ProcessorConfig, ProcessorContext, ProcessorFactory, Stability, StageError, StageTask,
};
use crate::config::FieldError;
use crate::event::{any_value::Value, LogBatch, LogRecord};
use crate::storage::StorageClient;

pub use config::SshAlertsConfig;
use config::{BRUTE_FORCE, PASSWORD_SPRAYING, ROOT_LOGIN, SUCCESS_AFTER_FAILURES};
use known::Known;
use rules::{Rules, Seen, Source, What};

pub static FACTORY: ProcessorFactory = Factory {
    type_name: "ssh_alerts",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<SshAlertsConfig>(n)?)),
};

impl ProcessorConfig for SshAlertsConfig {
    fn validate(&self) -> Vec<FieldError> {
        SshAlertsConfig::validate(self)
    }

    fn build(&self, cx: ProcessorContext) -> Result<StageTask, StageError> {
        let storage = match self.storage_id() {
            Some(ext) if self.new_source.enabled => Some(cx.storage_client(&ext)?),
            _ => None,
        };
        let mut alerts = SshAlerts::new(self, storage);
        Ok(crate::topology::run_function(cx.input, cx.output, move |batch| {
            alerts.process(batch);
            Ok(())
        }))
    }
}

/// The processor itself, usable without a pipeline (tests).
pub struct SshAlerts {
    rules: Rules,
    known: Option<Known>,
}

impl SshAlerts {
    pub fn new(cfg: &SshAlertsConfig, storage: Option<std::sync::Arc<dyn StorageClient>>) -> SshAlerts {
        let (b, p, s, r) = (BRUTE_FORCE, PASSWORD_SPRAYING, SUCCESS_AFTER_FAILURES, ROOT_LOGIN);
        SshAlerts {
            rules: Rules::new(
                cfg.brute_force.resolve(b.0, b.1),
                cfg.password_spraying.resolve(p.0, p.1),
                cfg.success_after_failures.resolve(s.0, s.1),
                cfg.root_login.resolve(r.0, r.1),
                cfg.max_sources,
            ),
            known: cfg.new_source.enabled.then(|| Known::new(&cfg.new_source, storage)),
        }
    }

    /// Feeds every SSH event of `batch` to the rules; appends the alerts.
    pub fn process(&mut self, batch: &mut LogBatch) {
        let now = now_nanos();
        let mut alerts = Vec::new();
        for resource in &mut batch.resource_logs {
            for scope in &mut resource.scope_logs {
                for record in &scope.log_records {
                    if let Some(seen) = seen(record, now) {
                        self.rules.observe(&seen, &mut alerts);
                        if let Some(k) = &mut self.known {
                            k.observe(&seen, &mut alerts);
                        }
                    }
                }
                scope.log_records.extend(alerts.drain(..).map(|a| a.into_record(now)));
            }
        }
    }
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// The event in `r`, if it is one the rules count.
fn seen(r: &LogRecord, now: u64) -> Option<Seen<'_>> {
    let (mut what, mut outcome, mut user, mut login, mut addr, mut domain, mut host) =
        (None, None, None, None, None, None, None);
    let mut count = 1u64;
    for kv in &r.attributes {
        let Some(v) = kv.value.as_ref().and_then(|v| v.value.as_ref()) else { continue };
        match (kv.key.as_str(), v) {
            ("ssh.event", Value::StringValue(s)) => what = Some(s.as_str()),
            ("event.outcome", Value::StringValue(s)) => outcome = Some(s.as_str()),
            ("user.name", Value::StringValue(s)) => user = Some(s.as_str()),
            ("ssh.login", Value::StringValue(s)) => login = Some(s.as_str()),
            ("client.address", Value::StringValue(s)) => addr = Some(s.as_str()),
            ("source.domain", Value::StringValue(s)) => domain = Some(s.as_str()),
            ("host.name", Value::StringValue(s)) => host = Some(s.as_str()),
            ("ssh.count", Value::IntValue(n)) => count = (*n).max(1) as u64,
            ("ssh.duplicate", Value::BoolValue(true)) => return None,
            _ => {}
        }
    }
    let what = match (what?, outcome?) {
        ("ssh.auth.failure" | "ssh.invalid_user", "failure") => What::Failure,
        ("ssh.auth.success", "success") => What::Success,
        _ => return None,
    };
    let source = match (addr, domain) {
        (Some(a), _) => Source { name: a, is_domain: false },
        (None, Some(d)) => Source { name: d, is_domain: true },
        (None, None) => return None,
    };
    let time = [r.time_unix_nano, r.observed_time_unix_nano].into_iter().find(|&t| t != 0).unwrap_or(now);
    Some(Seen { time, what, user: user.or(login), login: login.or(user), source, count, host })
}
