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

use crate::ack::Acks;
use crate::component::{StageError, StageTask};
use crate::signal::Batch;

/// The loop the topology runs for synchronous processors (filter, transform):
/// transform each batch, send what is left, and stop when the input ends.
/// A batch whose records were all dropped on purpose counts as delivered.
pub fn run_function<B, F>(mut input: Input<B>, output: Fanout<B>, mut f: F) -> StageTask
where
    B: Batch,
    F: FnMut(&mut B) -> Result<(), StageError> + Send + 'static,
{
    Box::pin(async move {
        while let Some(mut batch) = input.recv().await {
            f(&mut batch)?;
            if batch.item_count() == 0 {
                std::mem::replace(batch.acks_mut(), Acks::none()).deliver();
                continue;
            }
            output.send(batch).await.map_err(|_| StageError::new("downstream stopped"))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests;
