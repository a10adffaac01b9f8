//! The running exporter: per batch, a summary entry (`Logs`, `Traces`,
//! `Metrics`) and (at normal and detailed verbosity) the marshaled text as a
//! second entry, each sampled on its own, written to the plain-text outputs or
//! to ferrocol's own logger.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::time::Instant;

use super::config::{DebugExporterConfig, Verbosity};
use super::printable::Printable;
use super::sampler::Sampler;
use crate::component::StageError;
use crate::topology::ExporterInput;

pub(crate) struct DebugExporter {
    verbosity: Verbosity,
    sampler: Sampler,
    output: Output,
}

enum Output {
    /// `tracing` events, like otelcol's collector logger.
    Internal,
    /// Plain text, as otelcol's console-encoded custom logger writes it.
    Plain(Vec<Sink>),
}

/// One of `output_paths`.
pub(crate) enum Sink {
    Stdout,
    Stderr,
    File { path: String, file: File },
}

impl Sink {
    /// `stdout`, `stderr`, or a file opened for appending (created if missing);
    /// `file://` URLs are accepted as zap accepts them.
    pub(crate) fn open(path: &str) -> Result<Sink, StageError> {
        match path {
            "stdout" => Ok(Sink::Stdout),
            "stderr" => Ok(Sink::Stderr),
            _ => {
                let fs_path = path.strip_prefix("file://").map_or(path, |p| p.strip_prefix("localhost").unwrap_or(p));
                let file = OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(fs_path)
                    .map_err(|e| StageError::new(format!("output_paths: cannot open {path:?}: {e}")))?;
                Ok(Sink::File { path: path.to_string(), file })
            }
        }
    }

    fn name(&self) -> &str {
        match self {
            Sink::Stdout => "stdout",
            Sink::Stderr => "stderr",
            Sink::File { path, .. } => path,
        }
    }

    /// Write all of `buf` under one lock, so a batch's text is never interleaved.
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(buf)?;
                out.flush()
            }
            Sink::Stderr => io::stderr().lock().write_all(buf),
            Sink::File { file, .. } => file.write_all(buf),
        }
    }
}

/// Write `buf` to every sink (as zap's multi-writer does, a failing sink does
/// not stop the others); the first failure is returned.
pub(crate) fn write_sinks(sinks: &mut [Sink], buf: &[u8]) -> Result<(), StageError> {
    let mut first_err = None;
    for sink in sinks.iter_mut() {
        if let Err(e) = sink.write_all(buf) {
            first_err.get_or_insert_with(|| StageError::new(format!("writing to {}: {e}", sink.name())));
        }
    }
    first_err.map_or(Ok(()), Err)
}

/// zap's console encoding of the summary entry: the message, a tab, then the
/// fields as spaced JSON (`Logs\t{"resource logs": 1, "log records": 2}`).
pub(crate) fn write_summary(out: &mut String, message: &str, fields: &[(&str, usize)]) {
    use std::fmt::Write as _;
    let _ = write!(out, "{message}\t{{");
    for (i, (name, n)) in fields.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(out, "{sep}\"{name}\": {n}");
    }
    out.push_str("}\n");
}

impl DebugExporter {
    /// Opens the plain-text outputs now, so that a bad path fails the build.
    pub(crate) fn new(cfg: &DebugExporterConfig) -> Result<DebugExporter, StageError> {
        let output = if cfg.use_internal_logger {
            Output::Internal
        } else {
            Output::Plain(cfg.paths().iter().map(|p| Sink::open(p)).collect::<Result<_, _>>()?)
        };
        Ok(DebugExporter {
            verbosity: cfg.verbosity,
            sampler: Sampler::new(cfg.sampling_initial, cfg.sampling_thereafter),
            output,
        })
    }

    /// Print each batch, then settle its acks; stops when the input ends.
    pub(crate) async fn run<B: Printable>(mut self, mut input: ExporterInput<B>) -> Result<(), StageError> {
        while let Some(batch) = input.recv().await {
            let (data, acks) = batch.into_parts();
            // On a write error the batch's acks are dropped unsettled: abandoned.
            self.export::<B>(&data).await?;
            acks.deliver();
        }
        Ok(())
    }

    async fn export<B: Printable>(&mut self, data: &[B::Resource]) -> Result<(), StageError> {
        let text = self.marshal::<B>(data);
        // Two entries, sampled independently, as otelcol logs them.
        let now = Instant::now();
        let summary = self.sampler.check(B::MESSAGE, now);
        let text = text.filter(|t| self.sampler.check(t, now));
        match &mut self.output {
            Output::Internal => {
                if summary {
                    B::log_summary(data);
                }
                if let Some(text) = text {
                    tracing::info!("{text}");
                }
                Ok(())
            }
            Output::Plain(sinks) => {
                let mut buf = String::new();
                if summary {
                    write_summary(&mut buf, B::MESSAGE, &B::summary(data));
                }
                if let Some(text) = text {
                    // The text ends in `\n` and zap adds its own line ending,
                    // so every batch is followed by an empty line.
                    buf.push_str(&text);
                    buf.push('\n');
                }
                if buf.is_empty() {
                    return Ok(());
                }
                // Writing may block (a full pipe): keep it off the async workers.
                let mut taken = std::mem::take(sinks);
                let (taken, result) = tokio::task::spawn_blocking(move || {
                    let r = write_sinks(&mut taken, buf.as_bytes());
                    (taken, r)
                })
                .await
                .map_err(|e| StageError::new(format!("writing output: {e}")))?;
                *sinks = taken;
                result
            }
        }
    }

    /// The text entry: none at basic verbosity (empty input still gives one, empty).
    fn marshal<B: Printable>(&self, data: &[B::Resource]) -> Option<String> {
        let mut text = String::new();
        match self.verbosity {
            Verbosity::Basic => return None,
            Verbosity::Normal => B::write_normal(&mut text, data),
            Verbosity::Detailed => B::write_detailed(&mut text, data),
        }
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ack::{Ack, Acks, Outcome};
    use crate::config::de::from_node;
    use crate::config::yaml::parse;
    use crate::event::{str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
    use tokio::sync::mpsc;

    fn config(yaml: &str) -> DebugExporterConfig {
        from_node(&parse("c", yaml).unwrap()).unwrap()
    }

    fn one_record() -> Vec<ResourceLogs> {
        let record = LogRecord { body: Some(str_value("hello")), ..Default::default() };
        vec![ResourceLogs {
            scope_logs: vec![ScopeLogs { log_records: vec![record], ..Default::default() }],
            ..Default::default()
        }]
    }

    #[test]
    fn summary_is_zap_console_encoding() {
        let mut s = String::new();
        write_summary(&mut s, "Logs", &[("resource logs", 1), ("log records", 2)]);
        assert_eq!(s, "Logs\t{\"resource logs\": 1, \"log records\": 2}\n");
    }

    #[tokio::test]
    async fn writes_plain_text_to_files_and_settles_acks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.log").to_string_lossy().into_owned();
        let cfg = config(&format!("verbosity: normal\nuse_internal_logger: false\noutput_paths: [{path:?}]\n"));
        let exporter = DebugExporter::new(&cfg).unwrap();
        let (tx, rx) = mpsc::channel(4);
        let task = tokio::spawn(exporter.run(crate::topology::ExporterInput::unregistered(rx)));
        let (ack, waiter) = Ack::new();
        tx.send(LogBatch::new(one_record(), Acks::one(ack))).await.unwrap();
        tx.send(LogBatch::new(Vec::new(), Acks::none())).await.unwrap();
        drop(tx);
        task.await.unwrap().unwrap();
        assert_eq!(waiter.wait().await, Outcome::Delivered);
        let expected = "Logs\t{\"resource logs\": 1, \"log records\": 1}\nResourceLog #0\nScopeLog #0\nhello \n\n\
                        Logs\t{\"resource logs\": 0, \"log records\": 0}\n\n";
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    }

    #[tokio::test]
    async fn sampling_drops_repeated_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.log").to_string_lossy().into_owned();
        let cfg = config(&format!(
            "verbosity: normal\nsampling_initial: 1\nsampling_thereafter: 0\nuse_internal_logger: false\noutput_paths: [{path:?}]\n"
        ));
        let mut exporter = DebugExporter::new(&cfg).unwrap();
        exporter.export::<LogBatch>(&one_record()).await.unwrap();
        exporter.export::<LogBatch>(&one_record()).await.unwrap();
        exporter.export::<LogBatch>(&[]).await.unwrap();
        // The second batch's summary and text are both repeats; the third batch's
        // text (empty) is new, but its summary ("Logs") is not.
        let expected = "Logs\t{\"resource logs\": 1, \"log records\": 1}\nResourceLog #0\nScopeLog #0\nhello \n\n\n";
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    }

    #[test]
    fn unopenable_path_fails_the_build() {
        let cfg = config("use_internal_logger: false\noutput_paths: [/nonexistent-dir/x/out.log]\n");
        let e = DebugExporter::new(&cfg).err().unwrap();
        assert!(e.message.starts_with("output_paths: cannot open \"/nonexistent-dir/x/out.log\""), "{e}");
    }

    #[test]
    fn closed_pipe_is_an_error_not_a_panic() {
        use std::os::fd::FromRawFd;
        let mut fds = [0; 2];
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        unsafe { libc::close(fds[0]) };
        // SAFETY: the write end was just created and is owned by nothing else.
        let file = unsafe { File::from_raw_fd(fds[1]) };
        // The test harness, like every Rust binary, ignores SIGPIPE: EPIPE comes back as an error.
        let mut sinks = vec![Sink::File { path: "pipe".into(), file }];
        let e = write_sinks(&mut sinks, b"text\n").unwrap_err();
        assert!(e.message.starts_with("writing to pipe: "), "{e}");
    }

    #[tokio::test]
    async fn internal_logger_does_not_fail() {
        let cfg = config("verbosity: detailed\n");
        let mut exporter = DebugExporter::new(&cfg).unwrap();
        exporter.export::<LogBatch>(&one_record()).await.unwrap();
    }

    #[tokio::test]
    async fn traces_and_metrics_summaries_name_otelcol_fields() {
        use crate::signal::{MetricBatch, ResourceMetrics, ResourceSpans, ScopeMetrics, ScopeSpans, Span, TraceBatch};
        use opentelemetry_proto::tonic::metrics::v1::{metric::Data, Gauge, Metric, NumberDataPoint};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.log").to_string_lossy().into_owned();
        let cfg = config(&format!("use_internal_logger: false\noutput_paths: [{path:?}]\n"));
        let mut exporter = DebugExporter::new(&cfg).unwrap();
        let spans = vec![ResourceSpans {
            scope_spans: vec![ScopeSpans { spans: vec![Span::default(), Span::default()], ..Default::default() }],
            ..Default::default()
        }];
        exporter.export::<TraceBatch>(&spans).await.unwrap();
        let gauge = |points: usize| Metric {
            data: Some(Data::Gauge(Gauge { data_points: vec![NumberDataPoint::default(); points] })),
            ..Default::default()
        };
        let metrics = vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics { metrics: vec![gauge(1), gauge(3)], ..Default::default() }],
            ..Default::default()
        }];
        exporter.export::<MetricBatch>(&metrics).await.unwrap();
        let expected = "Traces\t{\"resource spans\": 1, \"spans\": 2}\n\
                        Metrics\t{\"resource metrics\": 1, \"metrics\": 2, \"data points\": 4}\n";
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    }
}
