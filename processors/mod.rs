//! Processors: built once per pipeline; each runs until its input ends, then flushes.

pub mod attributes;
mod batch;
pub mod filter;
pub mod legacy_match;
mod memory_limiter;
pub mod other_signals;
pub mod ottl_config;
pub mod ottl_walk;
pub mod resource;
pub mod resourcedetection;
#[cfg(test)]
mod signal_samples;
pub mod ssh_alerts;
pub mod ssh_events;
pub mod transform;

use crate::component::ProcessorFactory;

/// Every built-in processor.
pub fn factories() -> Vec<&'static ProcessorFactory> {
    vec![
        &attributes::FACTORY,
        &batch::FACTORY,
        &memory_limiter::FACTORY,
        &filter::FACTORY,
        &transform::FACTORY,
        &ssh_events::FACTORY,
        &ssh_alerts::FACTORY,
        &resource::FACTORY,
        &resourcedetection::FACTORY,
    ]
}
