//! Processors: built once per pipeline; each runs until its input ends, then flushes.

mod batch;
pub mod filter;
mod memory_limiter;
pub mod ottl_config;
pub mod ssh_events;
pub mod transform;

use crate::component::ProcessorFactory;

/// Every built-in processor.
pub fn factories() -> Vec<&'static ProcessorFactory> {
    vec![&batch::FACTORY, &memory_limiter::FACTORY, &filter::FACTORY, &transform::FACTORY, &ssh_events::FACTORY]
}
