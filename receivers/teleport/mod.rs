//! The `teleport` receiver: Teleport's audit log (the `dir` backend), every
//! SSH session, login attempt, command and file copy as a log record.
//!
//! - Reads the daily files `YYYY-MM-DD.00:00:00.log` directly in `directory`
//!   and in its per-auth-server `<host_uuid>/` folders, in date order. The
//!   `events.log` symlink is not read (its target is, once), nor the
//!   `sessions`, `playbacks`, `upload` and `records` folders.
//! - Each line → one record: timestamp from `time`, severity from the code's
//!   last letter (and `success: false`), who/what/where attributes, the whole
//!   event as the body with its JSON types. A line that is not JSON is kept
//!   raw with `teleport.parse_error` (see [`mapping`]).
//! - Delivery: at least once with `storage` (positions are checkpointed after
//!   delivery; a restart re-reads at most the batches in flight); without it,
//!   a restart starts over per `start_at` (`beginning` by default).
//! - Linux (inotify; polling elsewhere would work but is untested).

mod config;
pub mod mapping;

use crate::component::{Factory, ReceiverConfig, ReceiverContext, ReceiverFactory, Stability, StageError, StageTask};
use crate::config::FieldError;
use crate::receivers::file_source;
use crate::tail;

pub use config::TeleportConfig;
use mapping::TeleportMapper;

pub static FACTORY: ReceiverFactory = Factory {
    type_name: "teleport",
    aliases: &[],
    stability: Stability::Alpha,
    parse: |n| Ok(Box::new(crate::config::de::from_node::<TeleportConfig>(n)?)),
};

impl ReceiverConfig for TeleportConfig {
    fn validate(&self) -> Vec<FieldError> {
        TeleportConfig::validate(self)
    }

    fn build(&self, cx: ReceiverContext) -> Result<StageTask, StageError> {
        let opts = self.tail_options();
        let storage = file_source::storage_id(&self.storage).map_err(StageError::new)?;
        let directory = tail::discovery::literal_dir(&self.directory);
        if !directory.is_dir() {
            tracing::warn!(directory = %directory.display(), "the Teleport audit log directory does not exist (yet)");
        }
        let mut mapper = TeleportMapper::new(
            directory,
            &self.events,
            &self.exclude_events,
            self.attributes.to_key_values(),
            self.resource.to_key_values(),
        );
        mapper.parse_errors = crate::metrics::counter(
            "ferrocol_receiver_parse_errors_total",
            "Lines that were not valid JSON (kept as raw records with teleport.parse_error).",
            vec![("receiver", cx.id.to_string())],
        );
        file_source::build(cx, opts, storage, mapper)
    }
}

#[cfg(test)]
mod tests;
