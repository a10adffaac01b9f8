//! ferrocol's own metrics, with otelcol's names so existing dashboards work.
//!
//! A process-wide registry of counters and gauges, each a name plus labels.
//! The topology counts what flows between stages (receiver accepted/refused,
//! processor incoming/outgoing, exporter sent/failed and queue depth), so
//! components need no code for those; components register their own extra
//! counters (records dropped by a filter, parse errors) with [`counter`].
//! [`render`] writes the Prometheus text format, with process RSS, CPU and uptime.

mod server;

pub use server::serve;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Labels in a fixed order: `[("receiver", "otlp")]`.
pub type Labels = Vec<(&'static str, String)>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

struct Series {
    kind: Kind,
    help: &'static str,
    series: BTreeMap<Labels, Arc<AtomicU64>>,
}

#[derive(Default)]
struct Registry {
    families: BTreeMap<&'static str, Series>,
}

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn started() -> Instant {
    static S: OnceLock<Instant> = OnceLock::new();
    *S.get_or_init(Instant::now)
}

fn series(name: &'static str, kind: Kind, help: &'static str, labels: Labels) -> Arc<AtomicU64> {
    started();
    let mut r = registry().lock().unwrap_or_else(|p| p.into_inner());
    let new = !r.families.contains_key(name);
    let family = r.families.entry(name).or_insert_with(|| Series { kind, help, series: BTreeMap::new() });
    let counter = family.series.entry(labels).or_default().clone();
    drop(r);
    if new {
        let info = Family { name, counter: kind == Kind::Counter, help };
        hooks().lock().unwrap_or_else(|p| p.into_inner()).iter().for_each(|(_, h)| h(&info));
    }
    counter
}

/// What a hook learns of a family (a metric name).
pub struct Family {
    pub name: &'static str,
    /// A counter, or else a gauge.
    pub counter: bool,
    pub help: &'static str,
}

type Hook = Box<dyn Fn(&Family) + Send + Sync>;

fn hooks() -> &'static Mutex<Vec<(u64, Hook)>> {
    static H: OnceLock<Mutex<Vec<(u64, Hook)>>> = OnceLock::new();
    H.get_or_init(Default::default)
}

/// Removes its hook when dropped.
pub struct HookGuard(u64);

impl Drop for HookGuard {
    fn drop(&mut self) {
        hooks().lock().unwrap_or_else(|p| p.into_inner()).retain(|(id, _)| *id != self.0);
    }
}

/// Call `hook` for every family now, and for each new one until the guard is
/// dropped (the OTLP push registers an instrument per family this way).
pub fn on_new_family(hook: Hook) -> HookGuard {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut hooks = hooks().lock().unwrap_or_else(|p| p.into_inner());
    {
        let r = registry().lock().unwrap_or_else(|p| p.into_inner());
        for (name, f) in &r.families {
            hook(&Family { name, counter: f.kind == Kind::Counter, help: f.help });
        }
    }
    hooks.push((id, hook));
    HookGuard(id)
}

/// Call `f` with the labels and value of each series of family `name`.
pub fn each(name: &str, mut f: impl FnMut(&Labels, u64)) {
    let r = registry().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(family) = r.families.get(name) {
        family.series.iter().for_each(|(labels, v)| f(labels, v.load(Ordering::Relaxed)));
    }
}

/// A monotonically increasing count; the same name and labels give the same counter
/// (so a reloaded pipeline keeps counting where the old one stopped).
pub fn counter(name: &'static str, help: &'static str, labels: Labels) -> Arc<AtomicU64> {
    series(name, Kind::Counter, help, labels)
}

/// A value that goes up and down (queue depth).
pub fn gauge(name: &'static str, help: &'static str, labels: Labels) -> Arc<AtomicU64> {
    series(name, Kind::Gauge, help, labels)
}

/// Add `n` to a counter, if there is one.
pub fn add(c: &Option<Arc<AtomicU64>>, n: usize) {
    if let Some(c) = c {
        c.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// Everything in Prometheus text exposition format.
pub fn render() -> String {
    let mut out = String::new();
    process_metrics(&mut out);
    let r = registry().lock().unwrap_or_else(|p| p.into_inner());
    for (name, family) in &r.families {
        let kind = if family.kind == Kind::Counter { "counter" } else { "gauge" };
        let _ = writeln!(out, "# HELP {name} {}", family.help);
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, value) in &family.series {
            let _ = writeln!(out, "{name}{} {}", format_labels(labels), value.load(Ordering::Relaxed));
        }
    }
    out
}

fn format_labels(labels: &Labels) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// Resident set size of this process, from `/proc/self/statm` (also what the
/// memory_limiter processor measures).
pub fn rss_bytes() -> Option<u64> {
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page)
}

/// The process figures otelcol reports.
pub struct Process {
    pub rss: Option<u64>,
    /// User + system CPU seconds.
    pub cpu: Option<f64>,
    pub uptime: f64,
}

/// Measure the process now, from /proc.
pub fn process() -> Process {
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    // Fields 14 and 15 (utime, stime) come after the parenthesised command name.
    let cpu = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| {
        let rest = s.rsplit_once(')')?.1;
        let f: Vec<&str> = rest.split_whitespace().collect();
        Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / ticks)
    });
    Process { rss: rss_bytes(), cpu, uptime: started().elapsed().as_secs_f64() }
}

/// otelcol's process metrics in Prometheus text.
fn process_metrics(out: &mut String) {
    let p = process();
    if let Some(rss) = p.rss {
        let _ = writeln!(out, "# HELP otelcol_process_memory_rss_bytes Total physical memory (resident set size).");
        let _ = writeln!(out, "# TYPE otelcol_process_memory_rss_bytes gauge\notelcol_process_memory_rss_bytes {rss}");
    }
    if let Some(cpu) = p.cpu {
        let _ = writeln!(out, "# HELP otelcol_process_cpu_seconds_total Total CPU user and system time in seconds.");
        let _ =
            writeln!(out, "# TYPE otelcol_process_cpu_seconds_total counter\notelcol_process_cpu_seconds_total {cpu}");
    }
    let up = p.uptime;
    let _ = writeln!(out, "# HELP otelcol_process_uptime_seconds_total Uptime of the process.");
    let _ =
        writeln!(out, "# TYPE otelcol_process_uptime_seconds_total counter\notelcol_process_uptime_seconds_total {up}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_in_prometheus_format() {
        let c = counter("ferrocol_test_things_total", "Things.", vec![("receiver", "a\"b".into())]);
        c.fetch_add(3, Ordering::Relaxed);
        // The same name and labels give the same counter.
        counter("ferrocol_test_things_total", "Things.", vec![("receiver", "a\"b".into())])
            .fetch_add(1, Ordering::Relaxed);
        let text = render();
        assert!(text.contains("# TYPE ferrocol_test_things_total counter\n"), "{text}");
        assert!(text.contains("ferrocol_test_things_total{receiver=\"a\\\"b\"} 4\n"), "{text}");
        assert!(text.contains("\notelcol_process_memory_rss_bytes "), "{text}");
        assert!(text.contains("\notelcol_process_cpu_seconds_total "), "{text}");
    }
}
