//! The `file` exporter: writes every batch of logs, traces or metrics to a
//! file as otelcol-contrib's file exporter does.
//!
//! - `format: json`: one OTLP/JSON export request per line
//!   (`ExportLogsServiceRequest`, `ExportTraceServiceRequest`,
//!   `ExportMetricsServiceRequest`, encoded as [`OtlpSignal`] does);
//!   `format: proto`: the protobuf request preceded by its length as a 4-byte
//!   big-endian integer. With
//!   `compression: zstd` each request is one zstd frame, length-prefixed, in
//!   both formats (otelcol's default framing).
//! - `rotation` (see [`writer`]), `append`, `flush_interval` (1s by default).
//! - `group_by`: one file per value of a resource attribute, the `*` in `path`
//!   replaced by it; resources without the attribute are dropped (as otelcol
//!   does); at most `max_open_files` files stay open (the least recently used
//!   is closed, and appended to when it is needed again).
//!
//! One exporter used by pipelines of several signals writes them all to the
//! same files (otelcol shares the exporter the same way).
//!
//! Delivery: a batch is delivered once its bytes are in the file — for a
//! buffered file, after the flush that follows it (every `flush_interval`, and
//! at shutdown). A write or flush error rejects the batch (otelcol's error is
//! permanent too).

mod config;
mod writer;

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use prost::Message;

use crate::ack::Acks;
use crate::component::{ExporterConfig, ExporterContext, ExporterFactory, Factory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::otlp::signals::OtlpSignal;
use crate::signal::{HasResource, MetricBatch, Signal, TraceBatch};
use crate::topology::ExporterInput;

pub use config::FileExporterConfig;
use writer::{Rules, Writer};

pub static FACTORY: ExporterFactory = Factory {
    type_name: "file",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<FileExporterConfig>(n)?)),
};

impl ExporterConfig for FileExporterConfig {
    fn signals(&self) -> &'static [Signal] {
        &Signal::ALL
    }

    fn validate(&self) -> Vec<FieldError> {
        FileExporterConfig::validate(self)
    }

    fn build(&self, cx: ExporterContext) -> Result<StageTask, StageError> {
        self.start(cx)
    }

    fn build_traces(&self, cx: ExporterContext<TraceBatch>) -> Result<StageTask, StageError> {
        self.start(cx)
    }

    fn build_metrics(&self, cx: ExporterContext<MetricBatch>) -> Result<StageTask, StageError> {
        self.start(cx)
    }
}

impl FileExporterConfig {
    /// The task for one signal; the files are shared with the other signals' tasks.
    fn start<B: OtlpSignal>(&self, cx: ExporterContext<B>) -> Result<StageTask, StageError> {
        let mut slot = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        let shared = match slot.upgrade() {
            Some(s) => s,
            None => {
                let s = Arc::new(Mutex::new(self.exporter(cx.startup.is_start())?));
                *slot = Arc::downgrade(&s);
                s
            }
        };
        Ok(Box::pin(run(shared, cx.input, self.flush_every())))
    }

    fn exporter(&self, start: bool) -> Result<FileExporter, StageError> {
        let group = self.group_by.enabled.then(|| {
            let (prefix, suffix) = self.path.split_once('*').expect("validated: one *");
            Group {
                prefix: clean_prefix(prefix),
                suffix: suffix.to_string(),
                attribute: self.group_by.resource_attribute.clone(),
                max_open: self.group_by.max_open_files,
            }
        });
        let mut exporter = FileExporter {
            path: PathBuf::from(&self.path),
            json: self.format == "json",
            zstd: self.compression == "zstd",
            append: self.append,
            rotation: self.rotation.as_ref().map(Rules::new),
            dir_mode: self.create_directory.then(|| self.directory_mode().unwrap_or(0o755)),
            group,
            writers: HashMap::new(),
            opened: HashSet::new(),
            tick: 0,
            pending: Acks::none(),
        };
        if start && exporter.group.is_none() {
            // Open (create, truncate) the file now, so a bad path fails the start.
            exporter.writer(Path::new(&self.path)).map_err(|e| StageError::new(e).at("path"))?;
        }
        Ok(exporter)
    }
}

struct Group {
    prefix: String,
    suffix: String,
    attribute: String,
    max_open: usize,
}

pub struct FileExporter {
    /// `path` as configured (the pattern with `*` when grouping).
    path: PathBuf,
    json: bool,
    zstd: bool,
    append: bool,
    rotation: Option<Rules>,
    /// Mode for missing parent directories, with `create_directory`.
    dir_mode: Option<u32>,
    group: Option<Group>,
    /// Open files with the tick they were last used at.
    writers: HashMap<PathBuf, (Writer, u64)>,
    /// Every path opened so far.
    opened: HashSet<PathBuf>,
    tick: u64,
    /// Batches written to buffered files but not flushed yet.
    pending: Acks,
}

/// One signal's loop: write each batch, flush every `flush_every` and at the end.
async fn run<B: OtlpSignal>(
    shared: Arc<Mutex<FileExporter>>,
    mut input: ExporterInput<B>,
    flush_every: std::time::Duration,
) -> Result<(), StageError> {
    let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
    // otelcol accepts any positive interval; below a millisecond the timer would only spin.
    let every = flush_every.max(std::time::Duration::from_millis(1));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            batch = input.recv() => match batch {
                Some(batch) => {
                    let (data, acks) = batch.into_parts();
                    lock().export::<B>(data, acks)
                }
                None => break,
            },
            _ = ticker.tick() => lock().flush(),
        }
    }
    lock().flush();
    Ok(())
}

impl std::fmt::Debug for FileExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileExporter").field("path", &self.path).finish_non_exhaustive()
    }
}

impl FileExporter {
    fn export<B: OtlpSignal>(&mut self, data: Vec<B::Resource>, acks: Acks) {
        let groups = match &self.group {
            None => vec![(None, data)],
            Some(g) => group(data, &g.attribute).into_iter().map(|(k, v)| (Some(k), v)).collect(),
        };
        let mut buffered = false;
        for (segment, part) in groups {
            let path = match (&self.group, segment) {
                (Some(g), Some(seg)) => full_path(g, &seg),
                _ => self.path.clone(),
            };
            let msg = self.frame::<B>(part);
            let written = self.writer(&path).and_then(|w| {
                w.write(&msg).map_err(|e| format!("writing {}: {e}", path.display()))?;
                Ok(w.is_buffered())
            });
            match written {
                Ok(b) => buffered |= b,
                Err(e) => {
                    tracing::error!(error = %e, "file exporter: the batch is rejected");
                    acks.reject();
                    return;
                }
            }
        }
        if buffered {
            self.pending.merge(acks);
        } else {
            acks.deliver();
        }
    }

    /// Encode, compress and frame one request.
    fn frame<B: OtlpSignal>(&self, data: Vec<B::Resource>) -> Vec<u8> {
        let body = if self.json { B::encode_json(&data) } else { B::into_request(data).encode_to_vec() };
        let body = if self.zstd { zstd::bulk::compress(&body, 0).expect("zstd compresses any input") } else { body };
        if self.json && !self.zstd {
            let mut line = body;
            line.push(b'\n');
            return line;
        }
        let mut out = Vec::with_capacity(4 + body.len());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// The open writer for `path` (the configured path when not grouping),
    /// opening it (and closing the least recently used one) if needed.
    fn writer(&mut self, path: &Path) -> Result<&mut Writer, String> {
        self.tick += 1;
        let tick = self.tick;
        if !self.writers.contains_key(path) {
            if let Some(g) = &self.group {
                if self.writers.len() >= g.max_open {
                    self.close_least_recent();
                }
            }
            if let (Some(mode), Some(dir)) = (self.dir_mode.or(self.group.as_ref().map(|_| 0o755)), path.parent()) {
                if !dir.as_os_str().is_empty() {
                    create_dirs(dir, mode).map_err(|e| format!("creating {}: {e}", dir.display()))?;
                }
            }
            // A file closed to respect max_open_files is appended to when reopened
            // (otelcol truncates it, losing what it wrote before).
            let append = self.append || !self.opened.insert(path.to_path_buf());
            let w = Writer::open(path, append, self.rotation)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            self.writers.insert(path.to_path_buf(), (w, tick));
        }
        let entry = self.writers.get_mut(path).expect("inserted above");
        entry.1 = tick;
        Ok(&mut entry.0)
    }

    fn close_least_recent(&mut self) {
        let Some(oldest) = self.writers.iter().min_by_key(|(_, (_, t))| *t).map(|(p, _)| p.clone()) else { return };
        if let Some((mut w, _)) = self.writers.remove(&oldest) {
            if let Err(e) = w.flush() {
                tracing::warn!(path = %oldest.display(), error = %e, "file exporter: failed to close file");
            }
        }
    }

    /// Flush every file, then settle the batches that waited for it.
    fn flush(&mut self) {
        let mut failed = false;
        for (path, (w, _)) in &mut self.writers {
            if let Err(e) = w.flush() {
                tracing::error!(path = %path.display(), error = %e, "file exporter: flush failed");
                failed = true;
            }
        }
        let pending = std::mem::replace(&mut self.pending, Acks::none());
        if failed {
            pending.reject();
        } else {
            pending.deliver();
        }
    }
}

/// Resources by the string value of `attribute`; the others are dropped (as otelcol does).
fn group<R: HasResource>(data: Vec<R>, attribute: &str) -> Vec<(String, Vec<R>)> {
    let mut groups: Vec<(String, Vec<R>)> = Vec::new();
    for mut rl in data {
        let value = rl.resource_mut().as_ref().and_then(|r| r.attributes.iter().find(|kv| kv.key == attribute));
        let Some(crate::event::any_value::Value::StringValue(seg)) =
            value.and_then(|kv| kv.value.as_ref()?.value.as_ref())
        else {
            tracing::debug!("Resource does not contain {attribute} attribute, dropping it");
            continue;
        };
        match groups.iter_mut().find(|(k, _)| k == seg) {
            Some((_, v)) => v.push(rl),
            None => groups.push((seg.clone(), vec![rl])),
        }
    }
    groups
}

/// The prefix cleaned as Go's path.Clean does, keeping a trailing '/'.
fn clean_prefix(prefix: &str) -> String {
    let cleaned = clean(prefix);
    if prefix.ends_with('/') && !cleaned.ends_with('/') {
        cleaned + "/"
    } else {
        cleaned
    }
}

/// `prefix + segment + suffix`, never outside `prefix` (a segment such as
/// `../../etc/x` is kept under it).
fn full_path(g: &Group, segment: &str) -> PathBuf {
    let segment = segment.strip_prefix('.').filter(|s| s.starts_with('/')).unwrap_or(segment);
    let segment = segment.strip_prefix("..").filter(|s| s.starts_with('/')).unwrap_or(segment);
    let full = clean(&format!("{}{segment}{}", g.prefix, g.suffix));
    if full.starts_with(&g.prefix) {
        return PathBuf::from(full);
    }
    PathBuf::from(clean(&format!("{}/{}", g.prefix, clean(&format!("/{segment}{}", g.suffix)))))
}

/// Lexical path cleaning (Go's path.Clean).
fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str().unwrap_or("")),
            Component::ParentDir if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            Component::ParentDir if !rooted => parts.push(".."),
            _ => {}
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

fn create_dirs(dir: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(mode).create(dir)
}

#[cfg(test)]
mod tests;
