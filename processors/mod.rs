//! Processors: built once per pipeline; each runs until its input ends, then flushes.

mod batch;
pub mod filter;
pub mod ottl_config;
pub mod ssh_alerts;
pub mod ssh_events;
pub mod transform;

use crate::component::ProcessorFactory;

/// Every built-in processor.
pub fn factories() -> Vec<&'static ProcessorFactory> {
    vec![&batch::FACTORY, &filter::FACTORY, &transform::FACTORY, &ssh_events::FACTORY, &ssh_alerts::FACTORY]
}
