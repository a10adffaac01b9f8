//! The glue between the file-tailing engine ([`crate::tail`]) and a receiver:
//! runs the engine on a blocking thread, turns its entries into batches
//! through a [`Mapper`], sends them downstream (waiting for room: backpressure
//! reaches the reads), and checkpoints after delivery.
//!
//! Delivery: each batch carries one ack. The engine's progress (file offsets)
//! for that batch goes to a [`Checkpointer`] in send order; a progress is
//! applied to the checkpoint only once its batch and every batch before it are
//! settled, and the checkpoint is written to `storage` off the hot path. After a restart
//! reading resumes at the last checkpoint: nothing is skipped, and at most the
//! batches that were in flight are read again. Without `storage`, positions
//! live in memory only and batches carry no ack.

mod batch;
mod commit;

use std::sync::Arc;

use tracing::{info, warn};

use crate::ack::{Ack, AckWaiter, Acks, Checkpointer, PositionSender};
use crate::component::{ReceiverContext, StageError, StageTask};
use crate::config::ComponentId;
use crate::event::LogBatch;
use crate::storage::StorageClient;
use crate::tail::{self, Checkpoint, Consumer, Entry, FileInfo, Progress, Stopped, Tailer};
use crate::topology::Fanout;

pub use batch::BatchBuilder;

/// The storage key of the known-files checkpoint (otelcol's name for it).
pub const CHECKPOINT_KEY: &str = "file_input.knownFiles";

/// Commits queued behind unsettled batches; the engine waits when it is full.
const COMMIT_QUEUE: usize = 4096;

/// Turns the engine's entries into log records.
pub trait Mapper: Send + 'static {
    /// Add the record(s) for one entry to `out` (or none, to drop it).
    fn map(&mut self, file: &FileInfo<'_>, entry: Entry<'_>, out: &mut BatchBuilder);
    /// Called once the engine has stopped.
    fn finish(&mut self) {}
}

/// Parse a `storage: <extension id>` value.
pub fn storage_id(s: &Option<String>) -> Result<Option<ComponentId>, String> {
    s.as_deref().filter(|s| !s.is_empty()).map(ComponentId::parse).transpose()
}

/// Check the engine options and the storage extension now; return the task.
pub fn build<M: Mapper>(
    cx: ReceiverContext,
    opts: tail::Options,
    storage: Option<ComponentId>,
    mapper: M,
) -> Result<StageTask, StageError> {
    Tailer::new(opts.clone(), Vec::new()).map_err(StageError::new)?;
    let client = storage.as_ref().map(|s| cx.storage_client(s)).transpose()?;
    Ok(Box::pin(run(cx, opts, client, mapper)))
}

async fn run<M: Mapper>(
    cx: ReceiverContext,
    opts: tail::Options,
    client: Option<Arc<dyn StorageClient>>,
    mapper: M,
) -> Result<(), StageError> {
    let restored = match &client {
        Some(c) => load(c.clone()).await,
        None => Vec::new(),
    };
    if !restored.is_empty() {
        info!(files = restored.len(), "resuming from the stored checkpoint");
    }
    let tailer = Tailer::new(opts, restored).map_err(StageError::new)?;
    let stop = tailer.stop_handle();
    let (commits, committer) = match client {
        Some(c) => {
            let (tx, cp) = Checkpointer::new(tailer.checkpoint(), c, CHECKPOINT_KEY, COMMIT_QUEUE);
            (Some(tx), Some(tokio::spawn(cp.run())))
        }
        None => (None, None),
    };
    let mut consumer = BatchConsumer { out: cx.output, commits, mapper, batch: BatchBuilder::new() };
    // The engine blocks on file reads and on a full pipeline: a thread of its own.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("ferrocol-tail".into()).spawn(move || {
        tailer.run(&mut consumer);
        consumer.mapper.finish();
        // Dropping the consumer drops the pipeline sender and the commit queue.
        drop(consumer);
        let _ = done_tx.send(());
    });
    if let Err(e) = spawned {
        return Err(StageError::new(format!("cannot start the file reader thread: {e}")));
    }
    let mut done_rx = done_rx;
    let joined = tokio::select! {
        _ = cx.shutdown.cancelled() => {
            stop.stop();
            (&mut done_rx).await
        }
        r = &mut done_rx => r,
    };
    // Every batch sent is settled once the pipeline drains; then the last
    // checkpoint is written.
    if let Some(c) = committer {
        let _ = c.await;
    }
    // A reader thread that panicked never says it is done.
    joined.map_err(|_| StageError::new("the file reader thread failed"))
}

/// The stored checkpoint; a missing or unreadable one means a fresh start.
async fn load(client: Arc<dyn StorageClient>) -> Vec<tail::KnownFile> {
    let got = tokio::task::spawn_blocking(move || client.get(CHECKPOINT_KEY)).await;
    match got {
        Ok(Ok(Some(bytes))) => Checkpoint::decode(&bytes).unwrap_or_else(|e| {
            warn!(error = %e, "ignoring the stored checkpoint; starting as configured");
            Vec::new()
        }),
        Ok(Ok(None)) => Vec::new(),
        Ok(Err(e)) => {
            warn!(error = %e, "cannot read the stored checkpoint; starting as configured");
            Vec::new()
        }
        Err(_) => Vec::new(),
    }
}

/// The engine's consumer: builds batches and sends them.
struct BatchConsumer<M> {
    out: Fanout,
    commits: Option<PositionSender<Progress>>,
    mapper: M,
    batch: BatchBuilder,
}

impl<M: Mapper> Consumer for BatchConsumer<M> {
    fn entry(&mut self, file: &FileInfo<'_>, entry: Entry<'_>) -> bool {
        self.mapper.map(file, entry, &mut self.batch);
        self.batch.is_full()
    }

    fn flush(&mut self, progress: Progress) -> Result<(), Stopped> {
        let logs = self.batch.take();
        let mut waiter = None;
        if !logs.is_empty() {
            let acks = match self.commits {
                Some(_) => {
                    let (ack, w) = Ack::new();
                    waiter = Some(w);
                    Acks::one(ack)
                }
                None => Acks::none(),
            };
            self.out.blocking_send(LogBatch::new(logs, acks)).map_err(|_| Stopped)?;
        }
        if let Some(tx) = &self.commits {
            if !progress.is_empty() || waiter.is_some() {
                let waiter = waiter.unwrap_or_else(AckWaiter::delivered);
                tx.blocking_send((progress, waiter)).map_err(|_| Stopped)?;
            }
        }
        Ok(())
    }
}
