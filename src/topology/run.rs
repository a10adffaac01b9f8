//! Running a built topology and shutting it down in order.
//!
//! Start: extensions, exporters, processors, receivers (downstream first, so
//! nothing is sent to a stage that is not running), then report ready.
//! Shutdown (signal, or a stage failing):
//! 1. report not ready, let go of the listening sockets and cancel the
//!    receivers; they stop reading and return, dropping their senders;
//! 2. each processor sees its input end, flushes and returns, and so on down to
//!    the exporters, which deliver what they hold and settle every ack;
//! 3. whatever has not stopped by the deadline is aborted and named;
//! 4. extensions stop last.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use tokio::task::JoinSet;
use tracing::{error, info, warn};

use crate::component::StageError;

use super::build::{Built, Stage};

/// How the run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RunResult {
    /// Stopped on request and drained in time.
    Clean,
    /// Stopped on request, but some stages had to be aborted at the deadline.
    DeadlineExceeded(Vec<String>),
    /// A stage failed or panicked; the rest was shut down.
    Failed(String),
}

/// Run until `shutdown` resolves or a stage fails, then shut down within `timeout`.
/// Returns how it ended and, if `shutdown` resolved, its value.
pub async fn run<T>(built: Built, shutdown: impl Future<Output = T>, timeout: Duration) -> (RunResult, Option<T>) {
    let Built { extensions, exporters, processors, receivers, receivers_stop, extensions_stop, ready, listeners } =
        built;

    let mut ext_set = JoinSet::new();
    let mut ext_labels = HashMap::new();
    for stage in extensions {
        spawn(&mut ext_set, &mut ext_labels, stage);
    }
    let mut labels = HashMap::new();
    let mut stages = JoinSet::new();
    let receiver_count = receivers.len();
    for stage in exporters.into_iter().chain(processors).chain(receivers) {
        spawn(&mut stages, &mut labels, stage);
    }
    let _ = ready.send(true);
    info!(receivers = receiver_count, "everything is ready; pipelines are running");

    let mut failure = None;
    let mut stop = None;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            value = &mut shutdown => {
                stop = Some(value);
                info!("shutdown requested; stopping receivers and draining pipelines");
                break;
            }
            // An extension that stops on its own (a health port it cannot bind) is a failure too.
            Some(joined) = ext_set.join_next_with_id(), if !ext_set.is_empty() => {
                if let Some(f) = outcome(&mut ext_labels, joined) {
                    failure = Some(f);
                    break;
                }
            }
            joined = stages.join_next_with_id() => match joined {
                None => break, // every stage finished on its own
                Some(r) => {
                    if let Some(f) = outcome(&mut labels, r) {
                        failure = Some(f);
                        break;
                    }
                }
            }
        }
    }

    let _ = ready.send(false);
    // Our handles on the listening sockets: once the servers stop accepting, new
    // connections are refused (unless a reload's build took the sockets over).
    drop(listeners);
    receivers_stop.cancel();
    let now = tokio::time::Instant::now();
    let deadline = now.checked_add(timeout).unwrap_or(now + Duration::from_secs(86400 * 365));
    let mut aborted = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, stages.join_next_with_id()).await {
            Ok(None) => break,
            Ok(Some(r)) => {
                if let Some(f) = outcome(&mut labels, r) {
                    failure.get_or_insert(f);
                }
            }
            Err(_) => {
                // Dropping the stages drops their unsettled acks: receivers will not
                // checkpoint those batches and read them again after a restart.
                aborted = pending_labels(&labels);
                warn!(stages = ?aborted, ?timeout, "shutdown deadline passed; aborting stages that have not stopped");
                stages.abort_all();
                while stages.join_next().await.is_some() {}
                break;
            }
        }
    }

    extensions_stop.cancel();
    if tokio::time::timeout(Duration::from_secs(2), async { while ext_set.join_next().await.is_some() {} })
        .await
        .is_err()
    {
        ext_set.abort_all();
    }

    let result = match (failure, aborted.is_empty()) {
        (Some(f), _) => RunResult::Failed(f),
        (None, false) => RunResult::DeadlineExceeded(aborted),
        (None, true) => {
            info!("shutdown complete");
            RunResult::Clean
        }
    };
    (result, stop)
}

fn spawn(set: &mut JoinSet<Result<(), StageError>>, labels: &mut HashMap<tokio::task::Id, String>, stage: Stage) {
    let (label, task) = stage.instrumented();
    let handle = set.spawn(task);
    labels.insert(handle.id(), label);
}

/// Log a finished stage; `Some(message)` if it failed.
fn outcome(
    labels: &mut HashMap<tokio::task::Id, String>,
    joined: Result<(tokio::task::Id, Result<(), StageError>), tokio::task::JoinError>,
) -> Option<String> {
    match joined {
        Ok((id, Ok(()))) => {
            // Not inside the macro: its arguments are skipped when debug is off.
            let label = labels.remove(&id).unwrap_or_default();
            tracing::debug!(component = %label, "stopped");
            None
        }
        Ok((id, Err(e))) => {
            let label = labels.remove(&id).unwrap_or_default();
            error!(component = %label, error = %e, "component failed; shutting down");
            Some(format!("{label}: {e}"))
        }
        Err(e) => {
            let label = labels.remove(&e.id()).unwrap_or_default();
            let msg = if e.is_panic() { format!("{label}: panicked") } else { format!("{label}: cancelled") };
            error!(component = %label, "component panicked; shutting down");
            Some(msg)
        }
    }
}

/// The stages not joined yet.
fn pending_labels(labels: &HashMap<tokio::task::Id, String>) -> Vec<String> {
    let mut v: Vec<String> = labels.values().cloned().collect();
    v.sort();
    v
}
