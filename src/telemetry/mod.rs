//! ferrocol's own telemetry: its logs (`tracing`, configured by
//! `service::telemetry::logs`, see [`logs`]), the redaction of secrets from
//! them, and its metrics pushed over OTLP ([`push`]).

mod logs;
pub mod push;

use std::sync::{OnceLock, RwLock};

pub use logs::init_logs;

/// Values that came from `${...}` in the configuration: never written to the logs.
fn secrets() -> &'static RwLock<Vec<String>> {
    static S: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    S.get_or_init(Default::default)
}

/// Shortest value redacted from log lines; shorter ones (ports, `true`) would
/// garble the logs without protecting anything.
const MIN_SECRET_LEN: usize = 6;

/// Remember values to redact from every log line (called at each config load).
pub fn register_secrets(values: &[String]) {
    let mut s = secrets().write().unwrap_or_else(|p| p.into_inner());
    for v in values.iter().filter(|v| v.len() >= MIN_SECRET_LEN) {
        if !s.contains(v) {
            s.push(v.clone());
        }
    }
    // Longest first, so a secret that contains another is replaced whole.
    s.sort_by_key(|v| std::cmp::Reverse(v.len()));
}

/// `line` with every registered secret replaced by `***`.
pub fn redact(line: &str) -> String {
    let s = secrets().read().unwrap_or_else(|p| p.into_inner());
    s.iter().fold(line.to_string(), |l, secret| l.replace(secret.as_str(), "***"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_redacted() {
        register_secrets(&["Bearer abc123xyz".to_string(), "abc123".to_string(), "short".to_string()]);
        assert_eq!(redact("header Bearer abc123xyz and abc123 and short"), "header *** and *** and short");
    }
}
