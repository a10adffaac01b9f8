//! `file_storage` settings, with otelcol-contrib's keys and defaults.

use serde::Deserialize;

use crate::config::{Duration, FieldError};

pub const DEFAULT_DIRECTORY: &str = "/var/lib/otelcol/file_storage";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);
pub const DEFAULT_DIRECTORY_PERMISSIONS: &str = "0750";
pub const DEFAULT_MAX_TRANSACTION_SIZE: i64 = 65536;
pub const DEFAULT_REBOUND_NEEDED_THRESHOLD_MIB: i64 = 100;
pub const DEFAULT_REBOUND_TRIGGER_THRESHOLD_MIB: i64 = 10;
pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileStorageConfig {
    /// Where the data lives: one sub-directory per component. Must exist unless
    /// `create_directory` is set.
    pub directory: String,
    /// Create `directory` (and its parents) when missing.
    pub create_directory: bool,
    /// Octal mode for directories created by `create_directory` (minus the umask).
    pub directory_permissions: String,
    /// Accepted for compatibility: otelcol waits this long for the bbolt file lock.
    pub timeout: Duration,
    /// Accepted for compatibility: ferrocol always fsyncs every write.
    pub fsync: bool,
    /// Accepted for compatibility and ignored: one file per key leaves nothing to
    /// compact.
    pub compaction: Compaction,
    /// Accepted for compatibility: ferrocol always does what otelcol does with
    /// `recreate: true`, setting a corrupt entry aside and starting it afresh.
    pub recreate: bool,
}

impl Default for FileStorageConfig {
    fn default() -> Self {
        FileStorageConfig {
            directory: DEFAULT_DIRECTORY.to_string(),
            create_directory: false,
            directory_permissions: DEFAULT_DIRECTORY_PERMISSIONS.to_string(),
            timeout: DEFAULT_TIMEOUT,
            fsync: false,
            compaction: Compaction::default(),
            recreate: false,
        }
    }
}

/// otelcol's bbolt compaction settings; only their keys are kept.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Compaction {
    pub on_start: bool,
    pub on_rebound: bool,
    pub directory: String,
    pub max_transaction_size: i64,
    pub rebound_needed_threshold_mib: i64,
    pub rebound_trigger_threshold_mib: i64,
    pub check_interval: Duration,
    pub cleanup_on_start: bool,
}

impl Default for Compaction {
    fn default() -> Self {
        Compaction {
            on_start: false,
            on_rebound: false,
            directory: DEFAULT_DIRECTORY.to_string(),
            max_transaction_size: DEFAULT_MAX_TRANSACTION_SIZE,
            rebound_needed_threshold_mib: DEFAULT_REBOUND_NEEDED_THRESHOLD_MIB,
            rebound_trigger_threshold_mib: DEFAULT_REBOUND_TRIGGER_THRESHOLD_MIB,
            check_interval: DEFAULT_CHECK_INTERVAL,
            cleanup_on_start: false,
        }
    }
}

impl FileStorageConfig {
    /// Pure checks; whether `directory` exists is checked by `build`.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.directory.is_empty() {
            errors.push(FieldError::new("directory", "directory must not be empty"));
        }
        if self.create_directory {
            if let Err(e) = self.permissions() {
                errors.push(FieldError::new("directory_permissions", e));
            }
        }
        if self.compaction.max_transaction_size < 0 {
            errors.push(FieldError::new(
                "compaction::max_transaction_size",
                "max transaction size for compaction cannot be less than 0",
            ));
        }
        if self.compaction.on_rebound && self.compaction.check_interval.is_zero() {
            errors.push(FieldError::new(
                "compaction::check_interval",
                "compaction check interval must be positive when rebound compaction is set",
            ));
        }
        errors
    }

    /// `directory_permissions` as a mode, with otelcol's messages.
    pub fn permissions(&self) -> Result<u32, String> {
        let mode = u32::from_str_radix(&self.directory_permissions, 8).map_err(|_| {
            format!(
                "directory_permissions value must be a valid octal representation (got {:?})",
                self.directory_permissions
            )
        })?;
        if mode & !0o777 != 0 {
            return Err(format!(
                "directory_permissions contain invalid bits for file access (got {:?})",
                self.directory_permissions
            ));
        }
        Ok(mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::de::from_node;
    use crate::config::yaml::parse;

    fn load(text: &str) -> FileStorageConfig {
        from_node(&parse("c", text).unwrap()).unwrap()
    }

    fn messages(c: &FileStorageConfig) -> Vec<String> {
        c.validate().into_iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
    }

    #[test]
    fn defaults_match_otelcol() {
        let c = load("");
        assert_eq!(c.directory, "/var/lib/otelcol/file_storage");
        assert!(!c.create_directory);
        assert_eq!(c.permissions(), Ok(0o750));
        assert_eq!(c.timeout, Duration::from_secs(1));
        assert_eq!(c.compaction.max_transaction_size, 65536);
        assert_eq!(c.compaction.check_interval, Duration::from_secs(5));
        assert!(messages(&c).is_empty());
    }

    #[test]
    fn accepts_otelcol_keys() {
        let c = load(
            "directory: /tmp/x\ncreate_directory: true\ndirectory_permissions: 0700\ntimeout: 2s\nfsync: true\n\
             recreate: true\ncompaction: {on_start: true, on_rebound: true, directory: /tmp/c, \
             max_transaction_size: 10, rebound_needed_threshold_mib: 5, rebound_trigger_threshold_mib: 1, \
             check_interval: 1s, cleanup_on_start: true}\n",
        );
        assert_eq!(c.directory, "/tmp/x");
        assert_eq!(c.permissions(), Ok(0o700));
        assert!(c.fsync && c.recreate && c.compaction.on_start);
        assert!(messages(&c).is_empty(), "{:?}", messages(&c));
    }

    #[test]
    fn bad_values_are_reported() {
        let c = load("directory: ''\ncreate_directory: true\ndirectory_permissions: '0789'\n");
        let m = messages(&c);
        assert_eq!(m[0], "directory: directory must not be empty");
        assert!(m[1].starts_with("directory_permissions: directory_permissions value must be a valid octal"), "{m:?}");
        let c = load("create_directory: true\ndirectory_permissions: '01777'\n");
        assert!(messages(&c)[0].contains("invalid bits for file access"), "{:?}", messages(&c));
        // Only checked when the directory is to be created, as upstream.
        assert!(messages(&load("directory_permissions: xyz\n")).is_empty());
        let c = load("compaction: {max_transaction_size: -1, on_rebound: true, check_interval: 0s}\n");
        assert_eq!(messages(&c).len(), 2, "{:?}", messages(&c));
    }

    #[test]
    fn unknown_keys_fail() {
        let e = from_node::<FileStorageConfig>(&parse("c", "compaction: {on_stat: true}\n").unwrap()).unwrap_err();
        assert_eq!(e.path, "compaction::on_stat");
    }
}
