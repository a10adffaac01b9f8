//! Receivers: where records enter a pipeline. Each watches its shutdown token,
//! and checkpoints (where it has a durable source) only after delivery acks.

pub mod file_source;
mod filelog;
#[cfg(target_os = "linux")]
mod journald;
mod kafka;
mod otlp;
mod teleport;

use crate::component::ReceiverFactory;

/// Every built-in receiver.
pub fn factories() -> Vec<&'static ReceiverFactory> {
    vec![
        &filelog::FACTORY,
        #[cfg(target_os = "linux")]
        &journald::FACTORY,
        &kafka::FACTORY,
        &otlp::FACTORY,
        &teleport::FACTORY,
    ]
}
