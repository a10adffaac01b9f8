//! Processors: built once per pipeline; each runs until its input ends, then flushes.

mod batch;
pub mod ssh_events;

use crate::component::ProcessorFactory;

/// Every built-in processor.
pub fn factories() -> Vec<&'static ProcessorFactory> {
    vec![&batch::FACTORY, &ssh_events::FACTORY]
}
