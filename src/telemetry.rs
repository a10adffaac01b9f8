//! ferrocol's own logs: `tracing` to stderr, level from `service::telemetry::logs::level`.

use std::io::IsTerminal;

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
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
