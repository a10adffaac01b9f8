//! ferrocol's own logs, as otelcol's `service::telemetry::logs` configures
//! them: `level`, `encoding` (console or json), `output_paths` (`stderr`,
//! `stdout`, files appended to), `initial_fields` on every line, and zap's
//! `sampling` (per call site, the first `initial` lines of each `tick`, then
//! every `thereafter`-th). Secrets are redacted from every line.

use std::collections::HashMap;
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use tracing::callsite::Identifier;
use tracing::{Event, Level, Metadata};
use tracing_subscriber::layer::{Context, Filter, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry};

use crate::config::{LogSettings, Sampling};

/// Where lines go.
enum Sink {
    Stderr,
    Stdout,
    File(Mutex<File>),
}

/// The outputs and the text every line carries, set once by [`init_logs`].
struct Output {
    sinks: Vec<Sink>,
    /// `initial_fields`, already encoded for the configured encoding.
    fields: String,
    json: bool,
}

fn output() -> &'static OnceLock<Output> {
    static O: OnceLock<Output> = OnceLock::new();
    &O
}

/// Install the global subscriber. `FERROCOL_LOG` (an `EnvFilter` directive)
/// overrides the configured level, for debugging. Fails when an output file
/// cannot be opened.
pub fn init_logs(level: &str, json: bool, settings: &LogSettings) -> Result<(), String> {
    let level = match level {
        "dpanic" | "panic" | "fatal" => "error",
        l => l,
    };
    let mut sinks = Vec::new();
    for path in &settings.output_paths {
        sinks.push(match path.as_str() {
            "stderr" => Sink::Stderr,
            "stdout" => Sink::Stdout,
            p => {
                let p = p.strip_prefix("file://").unwrap_or(p);
                let f = File::options()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|e| format!("service::telemetry::logs::output_paths: cannot open {p}: {e}"))?;
                Sink::File(Mutex::new(f))
            }
        });
    }
    let ansi = !json
        && matches!(sinks.as_slice(), [Sink::Stderr])
        && std::io::stderr().is_terminal()
        && settings.initial_fields.is_empty();
    let fields = encode_fields(&settings.initial_fields, json);
    let _ = output().set(Output { sinks, fields, json });

    let filter = EnvFilter::try_from_env("FERROCOL_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let layer = tracing_subscriber::fmt::layer().with_writer(|| Line(Vec::new())).with_ansi(ansi).with_target(false);
    let layer: Box<dyn Layer<Registry> + Send + Sync> = if json { layer.json().boxed() } else { layer.boxed() };
    let sampler = settings.sampling.map(Sampler::new);
    let _ = tracing_subscriber::registry().with(layer.with_filter(filter).with_filter(sampler)).try_init();
    Ok(())
}

/// `initial_fields` as a JSON object's members (`"k":"v",`) or console `k=v` pairs.
fn encode_fields(fields: &[(String, String)], json: bool) -> String {
    if json {
        fields.iter().map(|(k, v)| format!("{}:{},", serde_json::json!(k), serde_json::json!(v))).collect()
    } else {
        fields.iter().map(|(k, v)| format!(" {k}={v}")).collect()
    }
}

/// One formatted line, written (with the initial fields, redacted) when dropped.
struct Line(Vec<u8>);

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        let Some(out) = output().get() else { return };
        let mut line = super::redact(&String::from_utf8_lossy(&self.0));
        if !out.fields.is_empty() {
            line = with_fields(&line, &out.fields, out.json);
        }
        for sink in &out.sinks {
            let _ = match sink {
                Sink::Stderr => std::io::stderr().lock().write_all(line.as_bytes()),
                Sink::Stdout => std::io::stdout().lock().write_all(line.as_bytes()),
                Sink::File(f) => f.lock().unwrap_or_else(|p| p.into_inner()).write_all(line.as_bytes()),
            };
        }
    }
}

/// `line` with the initial fields: first members of the JSON object, or at the end of a console line.
fn with_fields(line: &str, fields: &str, json: bool) -> String {
    if json {
        match line.strip_prefix('{') {
            Some(rest) => format!("{{{fields}{rest}"),
            None => line.to_string(),
        }
    } else {
        match line.strip_suffix('\n') {
            Some(body) => format!("{body}{fields}\n"),
            None => format!("{line}{fields}"),
        }
    }
}

/// zap's sampler: per call site and level, in each `tick`, the first `initial`
/// lines, then every `thereafter`-th (none when 0).
struct Sampler {
    cfg: Sampling,
    seen: Mutex<HashMap<(Identifier, Level), (Instant, u64)>>,
}

impl Sampler {
    fn new(cfg: Sampling) -> Sampler {
        Sampler { cfg, seen: Mutex::new(HashMap::new()) }
    }

    /// Whether the `n`-th line (from 1) of a tick is written.
    fn keeps(&self, n: u64) -> bool {
        n <= self.cfg.initial || (self.cfg.thereafter > 0 && (n - self.cfg.initial) % self.cfg.thereafter == 0)
    }
}

impl<S> Filter<S> for Sampler {
    fn enabled(&self, _: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        true
    }

    fn event_enabled(&self, event: &Event<'_>, _: &Context<'_, S>) -> bool {
        let m = event.metadata();
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let entry = seen.entry((m.callsite(), *m.level())).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.cfg.tick.0 {
            *entry = (now, 0);
        }
        entry.1 += 1;
        let n = entry.1;
        drop(seen);
        self.keeps(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_fields_go_first_in_json_and_last_on_console() {
        let f = encode_fields(&[("team".into(), "ops \"a\"".into())], true);
        assert_eq!(
            with_fields("{\"level\":\"INFO\"}\n", &f, true),
            "{\"team\":\"ops \\\"a\\\"\",\"level\":\"INFO\"}\n"
        );
        let f = encode_fields(&[("team".into(), "ops".into())], false);
        assert_eq!(with_fields("INFO started\n", &f, false), "INFO started team=ops\n");
    }

    #[test]
    fn sampling_keeps_the_first_lines_then_every_nth() {
        let s = Sampler::new(Sampling {
            enabled: true,
            tick: crate::config::Duration::from_secs(1),
            initial: 2,
            thereafter: 3,
        });
        let kept: Vec<u64> = (1..=9).filter(|n| s.keeps(*n)).collect();
        assert_eq!(kept, [1, 2, 5, 8]);
        let s = Sampler::new(Sampling {
            enabled: true,
            tick: crate::config::Duration::from_secs(1),
            initial: 1,
            thereafter: 0,
        });
        assert_eq!((1..=5).filter(|n| s.keeps(*n)).count(), 1);
    }
}
