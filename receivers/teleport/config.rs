//! `teleport` receiver settings.

use serde::Deserialize;

use crate::anyvalue::OrderedMap;
use crate::config::types::{ByteSize, Duration};
use crate::config::FieldError;
use crate::tail::{self, StartAt};

pub const DEFAULT_DIRECTORY: &str = "/var/lib/teleport/log";

/// Where Teleport's `dir` audit backend writes, and what to keep.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeleportConfig {
    /// Teleport's audit log directory (`<data_dir>/log`, or the path of
    /// `audit_events_uri: file://...`). Daily files are read from it and from
    /// its per-auth-server `<host_uuid>/` subfolders.
    pub directory: String,
    /// `beginning` (an audit trail is read whole) or `end`; only for files
    /// found by the first poll that have no checkpoint.
    pub start_at: String,
    /// A storage extension (`file_storage`) for the read positions; without it
    /// positions live in memory and a restart begins per `start_at`.
    pub storage: Option<String>,
    /// How often to look for new files and new lines (inotify wakes earlier).
    pub poll_interval: Duration,
    /// Event types to keep (`session.start`, `user.login`, ...); empty keeps all.
    pub events: Vec<String>,
    /// Event types to drop.
    pub exclude_events: Vec<String>,
    /// Attributes added to every record.
    pub attributes: OrderedMap,
    /// Resource attributes added after `service.name` and `teleport.auth_server_id`.
    pub resource: OrderedMap,
    /// *ferrocol's own.* How long a line without its newline is held before it
    /// is read as it is; 0 waits forever.
    pub force_flush_period: Duration,
    /// *ferrocol's own.* Longer lines are truncated and marked.
    pub max_log_size: ByteSize,
    /// *ferrocol's own.* Open file handles at most.
    pub max_concurrent_files: usize,
}

impl Default for TeleportConfig {
    fn default() -> Self {
        TeleportConfig {
            directory: DEFAULT_DIRECTORY.to_string(),
            start_at: "beginning".to_string(),
            storage: None,
            poll_interval: Duration(tail::DEFAULT_POLL_INTERVAL),
            events: Vec::new(),
            exclude_events: Vec::new(),
            attributes: OrderedMap::default(),
            resource: OrderedMap::default(),
            force_flush_period: Duration(tail::DEFAULT_FORCE_FLUSH_PERIOD),
            max_log_size: ByteSize(tail::DEFAULT_MAX_LOG_SIZE as u64),
            max_concurrent_files: tail::DEFAULT_MAX_CONCURRENT_FILES,
        }
    }
}

/// Teleport's daily file name, `YYYY-MM-DD.00:00:00.log`, as a glob.
const DAILY: &str = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].00:00:00.log";
/// Folders of `<data_dir>/log` that hold no audit events.
const NOT_AUDIT: &str = "{sessions,playbacks,upload,records}";

impl TeleportConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.directory.trim().is_empty() {
            errors.push(FieldError::new("directory", "'directory' must not be empty"));
        }
        if let Err(e) = StartAt::parse(&self.start_at) {
            errors.push(FieldError::new("start_at", e));
        }
        if let Err(e) = crate::receivers::file_source::storage_id(&self.storage) {
            errors.push(FieldError::new("storage", e));
        }
        for (key, msg) in self.tail_options().validate() {
            // The globs are built from `directory`.
            let key = if key == "include" { "directory" } else { key };
            errors.push(FieldError::new(key, msg));
        }
        errors
    }

    /// The engine options: the daily files in `directory` and one level of
    /// subfolders, in date order; the `events.log` symlink does not match.
    pub fn tail_options(&self) -> tail::Options {
        let dir = self.directory.trim_end_matches('/');
        let dir = if dir.is_empty() { "/" } else { dir };
        let base = tail::discovery::escape(dir);
        let base = base.trim_end_matches('/');
        tail::Options {
            include: vec![format!("{base}/{DAILY}"), format!("{base}/*/{DAILY}")],
            exclude: vec![format!("{base}/{NOT_AUDIT}/**")],
            start_at: StartAt::parse(&self.start_at).unwrap_or(StartAt::Beginning),
            poll_interval: self.poll_interval.0,
            max_concurrent_files: self.max_concurrent_files,
            max_log_size: self.max_log_size.0 as usize,
            force_flush_period: self.force_flush_period.0,
            order: tail::Order::FileName,
            count_records: true,
            ..tail::Options::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::de::from_node;
    use crate::config::yaml::parse;

    fn config(yaml: &str) -> TeleportConfig {
        from_node(&parse("c", yaml).unwrap()).unwrap()
    }

    #[test]
    fn defaults() {
        let c = config("");
        assert_eq!(c.directory, "/var/lib/teleport/log");
        assert_eq!(c.start_at, "beginning");
        assert!(c.validate().is_empty());
        let o = c.tail_options();
        assert_eq!(o.include[0], "/var/lib/teleport/log/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].00:00:00.log");
        assert_eq!(o.poll_interval, std::time::Duration::from_millis(200));
        assert_eq!(o.start_at, StartAt::Beginning);
    }

    #[test]
    fn bad_values_name_their_key() {
        let c = config("start_at: middle\nstorage: 'a b'\n");
        let keys: Vec<String> = c.validate().into_iter().map(|e| e.key).collect();
        assert_eq!(keys, ["start_at", "storage"]);
        let e = from_node::<TeleportConfig>(&parse("c", "directroy: /x\n").unwrap()).unwrap_err();
        assert!(e.message.contains("unknown field `directroy`"), "{}", e.message);
    }
}
