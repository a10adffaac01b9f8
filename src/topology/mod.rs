//! The running graph: build (wire channels, build components), run (spawn,
//! supervise, shut down in order) and fan-out.

mod budget;
mod build;
mod fanout;
mod observe;
mod run;

pub use budget::{Budget, Input, CHANNEL_BYTES};
pub use build::{build, Built, Stage};
pub use fanout::{Closed, Counters, Fanout, TrySendError};
pub use observe::{ExporterInput, QueueGauges};
pub use run::{run, RunResult};

use crate::component::{StageError, StageTask};
use crate::event::LogBatch;

/// The loop the topology runs for synchronous processors (filter, transform):
/// transform each batch, send what is left, and stop when the input ends.
/// A batch whose records were all dropped on purpose counts as delivered.
pub fn run_function<F>(mut input: Input<LogBatch>, output: Fanout, mut f: F) -> StageTask
where
    F: FnMut(&mut LogBatch) -> Result<(), StageError> + Send + 'static,
{
    Box::pin(async move {
        while let Some(mut batch) = input.recv().await {
            f(&mut batch)?;
            if batch.is_empty() {
                batch.acks.deliver();
                continue;
            }
            output.send(batch).await.map_err(|_| StageError::new("downstream stopped"))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests;
