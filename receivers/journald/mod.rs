//! The `journald` receiver: reads the systemd journal natively through
//! libsystemd (the `systemd` crate) with otelcol-contrib's config, and emits
//! records shaped as otelcol's journald receiver shapes them. Linux only.
//!
//! - Reading: a dedicated thread ([`reader`]) with the journal; `units`,
//!   `identifiers`, `priority`, `matches` and `dmesg` become `sd_journal_add_match`
//!   terms combined as journalctl combines them ([`filter`]), so entries that
//!   cannot match are never decoded; `grep` is applied to MESSAGE before any
//!   other field is read. No journalctl is spawned (`journalctl_path` and
//!   `root_path` keep their meaning for paths only, see [`source`]).
//! - Records: built on a second thread ([`batch`]) from the raw data items the
//!   reader copied, shaped by [`mapping`] (otelcol's map body by default, or
//!   `semantic_conventions`).
//! - Delivery: at least once. With `storage`, the cursor of the newest entry of
//!   the newest batch that is delivered, together with every batch before it, is
//!   saved under `journald_input.lastReadCursor` (otelcol's key); a restart
//!   resumes right after it, so duplicates are bounded by the batches that were
//!   in flight. Without `storage` the position lives in memory (a journal that
//!   fails is reopened where reading stopped) and `start_at` applies at each start.
//! - Start: a directory or files that cannot be read fail the start with the
//!   path and errno; `ferrocol validate` does not open the journal. A journal that
//!   fails or disappears later is logged and reopened until it is back.

mod batch;
mod config;
mod filter;
mod mapping;
mod reader;
mod sd;
mod source;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::oneshot;
use tracing::info;

use crate::ack::{CheckpointState, Checkpointer};
use crate::component::{Factory, ReceiverConfig, ReceiverContext, ReceiverFactory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::event::{str_value, KeyValue};
use crate::storage::StorageClient;

pub use config::JournaldConfig;
use reader::{Reader, Settings, StartAt};

/// The storage key: otelcol's `lastReadCursor`, scoped by its operator id.
pub const CURSOR_KEY: &str = "journald_input.lastReadCursor";

/// Positions queued behind unsettled batches; the converter waits when it is full.
const POSITION_QUEUE: usize = 4096;

/// The stored position: the cursor of the newest entry of the newest settled batch.
struct Cursor(String);

impl CheckpointState for Cursor {
    type Position = String;

    fn advance(&mut self, cursor: String) {
        self.0 = cursor;
    }

    fn encode(&self) -> Vec<u8> {
        self.0.as_bytes().to_vec()
    }
}

pub static FACTORY: ReceiverFactory = Factory {
    type_name: "journald",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<JournaldConfig>(n)?)),
};

impl ReceiverConfig for JournaldConfig {
    fn validate(&self) -> Vec<FieldError> {
        JournaldConfig::validate(self)
    }

    /// In start mode the journal is opened once here, so that a directory that
    /// cannot be read fails the start, naming this receiver. The task reads the
    /// stored cursor (after any pipelines this build replaces have stopped) and
    /// opens the journal again on its own thread (an `sd_journal` stays on the
    /// thread that opened it).
    fn build(&self, cx: ReceiverContext) -> Result<StageTask, StageError> {
        let storage = match self.storage_id() {
            Some(ext) => Some(cx.storage_client(&ext)?),
            None => None,
        };
        let grep = filter::compile_grep(&self.grep).map_err(StageError::new)?;
        let attrs = |m: &std::collections::BTreeMap<String, String>| -> Vec<KeyValue> {
            m.iter().map(|(k, v)| crate::event::kv(k.clone(), str_value(v.clone()))).collect()
        };
        let settings =
            Settings { source: source::Source::from_config(self), filters: filter::Filters::from_config(self), grep };
        if cx.startup.is_start() {
            let key = if self.directory.is_some() {
                "directory"
            } else if !self.files.is_empty() {
                "files"
            } else {
                ""
            };
            let src = &settings.source;
            // A partly readable journal is a warning, which the reader logs.
            src.check_readable().map_err(|e| StageError::new(e).at(key))?;
            src.open().map_err(|e| StageError::new(source::open_error(&src.describe(), &e)).at(key))?;
        }
        let mapping = mapping::MappingOptions {
            convert_message_bytes: self.convert_message_bytes,
            semantic_conventions: self.semantic_conventions,
            attributes: attrs(&self.attributes),
        };
        let resource = attrs(&self.resource);
        let start_at = if self.start_at == "beginning" { StartAt::Beginning } else { StartAt::End };
        let ReceiverContext { output, shutdown, .. } = cx;
        Ok(Box::pin(async move {
            let cursor = match &storage {
                Some(s) => load_cursor(s.clone()).await?,
                None => None,
            };
            let stop = Arc::new(AtomicBool::new(false));
            let (positions, checkpointer) = match storage {
                Some(s) => {
                    let (tx, cp) =
                        Checkpointer::new(Cursor(cursor.clone().unwrap_or_default()), s, CURSOR_KEY, POSITION_QUEUE);
                    (Some(tx), Some(cp))
                }
                None => (None, None),
            };
            // One batch waits in the channel while the reader fills the next.
            let (raw_tx, raw_rx) = std::sync::mpsc::sync_channel(1);
            let (recycle_tx, recycle_rx) = std::sync::mpsc::sync_channel(2);
            let converter =
                batch::Converter { input: raw_rx, recycle: recycle_tx, output, positions, mapping, resource };
            let reader = Reader::new(settings, stop.clone(), (raw_tx, recycle_rx), start_at, cursor);
            let (started_tx, started_rx) = oneshot::channel();
            let (done_tx, done_rx) = oneshot::channel::<()>();
            let threads = spawn_threads(tracing::Span::current(), reader, converter, started_tx, done_tx)?;
            match started_rx.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(StageError::new(e)),
                Err(_) => return Err(StageError::new("the reader thread stopped while opening the journal")),
            }
            let checkpoints = checkpointer.map(|cp| tokio::spawn(cp.run()));
            tokio::select! {
                _ = shutdown.cancelled() => stop.store(true, Ordering::Release),
                _ = done_rx => {}
            }
            let joined = tokio::task::spawn_blocking(move || threads.into_iter().all(|t| t.join().is_ok())).await;
            if !matches!(joined, Ok(true)) {
                return Err(StageError::new("a journald thread panicked"));
            }
            // Both threads are done and the pipeline senders dropped: the pipelines
            // drain, and the last delivered position is saved before returning.
            if let Some(c) = checkpoints {
                let _ = c.await;
            }
            Ok(())
        }))
    }
}

/// The reader and the converter, each in the receiver's tracing span.
fn spawn_threads(
    span: tracing::Span,
    reader: Reader,
    converter: batch::Converter,
    started: oneshot::Sender<Result<(), String>>,
    done: oneshot::Sender<()>,
) -> Result<Vec<std::thread::JoinHandle<()>>, StageError> {
    let spawn = |name: &str, f: Box<dyn FnOnce() + Send>| {
        let span = span.clone();
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || span.in_scope(f))
            .map_err(|e| StageError::new(format!("cannot start the {name} thread: {e}")))
    };
    let converter = spawn("journald-records", Box::new(move || converter.run()))?;
    let reader = spawn(
        "journald-reader",
        Box::new(move || {
            reader.run(started);
            let _ = done.send(());
        }),
    )?;
    Ok(vec![reader, converter])
}

async fn load_cursor(storage: Arc<dyn StorageClient>) -> Result<Option<String>, StageError> {
    let value = tokio::task::spawn_blocking(move || storage.get(CURSOR_KEY))
        .await
        .map_err(|e| StageError::new(format!("reading the stored cursor: {e}")))?
        .map_err(|e| StageError::new(format!("reading the stored cursor: {e}")))?;
    let cursor = value.map(|v| String::from_utf8_lossy(&v).trim().to_string()).filter(|c| !c.is_empty());
    if let Some(c) = &cursor {
        info!(cursor = %c, "resuming after the stored cursor");
    }
    Ok(cursor)
}
