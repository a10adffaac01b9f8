//! ferrocol's own logs: `tracing` to stderr, level from `service::telemetry::logs::level`.

use std::io::{IsTerminal, Write};
use std::sync::{OnceLock, RwLock};

use tracing_subscriber::EnvFilter;

/// Install the global subscriber. `FERROCOL_LOG` (an `EnvFilter` directive)
/// overrides the configured level, for debugging.
pub fn init_logs(level: &str, json: bool) {
    let level = match level {
        "dpanic" | "panic" | "fatal" => "error",
        l => l,
    };
    let filter = EnvFilter::try_from_env("FERROCOL_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Redacting(Vec::new()))
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

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

/// Buffers one formatted log event and writes it, redacted, to stderr when dropped.
struct Redacting(Vec<u8>);

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Redacting {
    fn drop(&mut self) {
        let line = redact(&String::from_utf8_lossy(&self.0));
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
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
