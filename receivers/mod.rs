//! Receivers: where records enter a pipeline. Each watches its shutdown token,
//! and checkpoints (where it has a durable source) only after delivery acks.

#[cfg(target_os = "linux")]
mod journald;
mod otlp;

use crate::component::ReceiverFactory;

/// Every built-in receiver.
pub fn factories() -> Vec<&'static ReceiverFactory> {
    vec![
        #[cfg(target_os = "linux")]
        &journald::FACTORY,
        &otlp::FACTORY,
    ]
}
