//! An alert, and the log record it becomes.

use crate::event::{any_value::Value, kv, str_value, AnyValue, ArrayValue, KeyValue, LogRecord};

use super::config::Limits;
use super::rules::Seen;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Warn,
    Error,
}

#[derive(Debug)]
pub struct Alert {
    pub rule: &'static str,
    pub severity: Severity,
    /// The completing event's time.
    pub time: u64,
    pub source: String,
    pub source_is_domain: bool,
    /// The user of the completing event.
    pub user: Option<String>,
    /// The distinct users involved (password spraying).
    pub users: Vec<String>,
    pub count: u64,
    pub threshold: usize,
    /// Nanoseconds.
    pub window: u64,
    pub host: Option<String>,
}

impl Alert {
    pub fn new(rule: &'static str, severity: Severity, e: &Seen, limits: &Limits, count: u64) -> Alert {
        Alert {
            rule,
            severity,
            time: e.time,
            source: e.source.name.to_string(),
            source_is_domain: e.source.is_domain,
            user: e.user.map(str::to_string),
            users: Vec::new(),
            count,
            threshold: limits.threshold,
            window: limits.window,
            host: e.host.map(str::to_string),
        }
    }

    fn text(&self) -> String {
        let user = self.user.as_deref().unwrap_or("?");
        let window = window_text(self.window);
        match self.rule {
            "brute_force" => {
                format!("brute force: {} failed attempts from {} within {window}", self.count, self.source)
            }
            "password_spraying" => {
                format!("password spraying: {} users tried from {} within {window}", self.count, self.source)
            }
            "success_after_failures" => format!(
                "successful login as {user} from {} after {} failed attempts within {window}",
                self.source, self.count
            ),
            "root_login" => format!("root login from {}", self.source),
            _ => format!("{user} logged in from {}, new after {} known source(s)", self.source, self.count),
        }
    }

    /// The alert as a log record: `event_name` `ssh.alert.<rule>`, severity WARN or
    /// ERROR, a text body and the `ssh.alert.*` attributes.
    pub fn into_record(self, observed: u64) -> LogRecord {
        let (number, text) = match self.severity {
            Severity::Warn => (13, "WARN"),
            Severity::Error => (17, "ERROR"),
        };
        let int = |n: i64| AnyValue { value: Some(Value::IntValue(n)) };
        let mut attrs: Vec<KeyValue> = vec![
            kv("ssh.alert.rule", str_value(self.rule)),
            kv("ssh.alert.count", int(self.count as i64)),
            kv("ssh.alert.threshold", int(self.threshold as i64)),
        ];
        if self.window > 0 {
            attrs.push(kv("ssh.alert.window", str_value(window_text(self.window))));
        }
        let source_key = if self.source_is_domain { "source.domain" } else { "client.address" };
        attrs.push(kv(source_key, str_value(self.source.clone())));
        if let Some(u) = &self.user {
            attrs.push(kv("user.name", str_value(u.clone())));
        }
        if !self.users.is_empty() {
            let values = self.users.iter().map(|u| str_value(u.clone())).collect();
            attrs.push(kv("ssh.alert.users", AnyValue { value: Some(Value::ArrayValue(ArrayValue { values })) }));
        }
        if let Some(h) = &self.host {
            attrs.push(kv("host.name", str_value(h.clone())));
        }
        LogRecord {
            time_unix_nano: self.time,
            observed_time_unix_nano: observed,
            severity_number: number,
            severity_text: text.to_string(),
            event_name: format!("ssh.alert.{}", self.rule),
            body: Some(str_value(self.text())),
            attributes: attrs,
            ..Default::default()
        }
    }
}

/// `300s` → `5m`, `90s` → `1m30s`, as the config writes durations.
pub fn window_text(nanos: u64) -> String {
    let secs = nanos / 1_000_000_000;
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        _ if nanos % 1_000_000_000 != 0 => format!("{}ms", nanos / 1_000_000),
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}
