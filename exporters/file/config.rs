//! `file` exporter settings, with otelcol-contrib's keys, defaults and
//! validation messages (exporter/fileexporter).

use serde::Deserialize;

use crate::config::{Duration, FieldError};

pub const DEFAULT_MAX_BACKUPS: u32 = 100;
pub const DEFAULT_MAX_MEGABYTES: u32 = 100;
pub const DEFAULT_RESOURCE_ATTRIBUTE: &str = "fileexporter.path_segment";
pub const DEFAULT_MAX_OPEN_FILES: usize = 100;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileExporterConfig {
    pub path: String,
    /// Append to an existing file instead of truncating it.
    pub append: bool,
    /// Present (even empty) turns rotation on.
    #[serde(deserialize_with = "crate::config::de::present")]
    pub rotation: Option<Rotation>,
    /// `json` (one OTLP/JSON request per line) or `proto` (length-prefixed protobuf).
    pub format: String,
    /// An encoding extension's id; ferrocol has none, so this must stay unset.
    pub encoding: Option<String>,
    /// `zstd` or empty.
    pub compression: String,
    /// Time between flushes of the buffered file; 1s when unset.
    pub flush_interval: Option<Duration>,
    pub group_by: GroupBy,
    pub create_directory: bool,
    /// Octal, such as `0755`; only with `create_directory`.
    pub directory_permissions: String,
    /// The files, shared by the exporter's signals (as otelcol shares one
    /// exporter between the pipelines of all signals).
    #[serde(skip)]
    pub shared: std::sync::Mutex<std::sync::Weak<std::sync::Mutex<super::FileExporter>>>,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rotation {
    /// Size that triggers a rotation; 0 means 100.
    pub max_megabytes: u32,
    /// Backups older than this many days are removed; 0 keeps them.
    pub max_days: u32,
    /// Backups kept; 0 keeps all.
    pub max_backups: u32,
    /// Backup names carry local time instead of UTC.
    pub localtime: bool,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupBy {
    pub enabled: bool,
    pub resource_attribute: String,
    pub max_open_files: usize,
}

impl Default for FileExporterConfig {
    fn default() -> Self {
        FileExporterConfig {
            path: String::new(),
            append: false,
            rotation: None,
            format: "json".into(),
            encoding: None,
            compression: String::new(),
            flush_interval: None,
            group_by: GroupBy::default(),
            create_directory: false,
            directory_permissions: String::new(),
            shared: Default::default(),
        }
    }
}

impl Default for Rotation {
    fn default() -> Self {
        Rotation { max_megabytes: 0, max_days: 0, max_backups: DEFAULT_MAX_BACKUPS, localtime: false }
    }
}

impl Default for GroupBy {
    fn default() -> Self {
        GroupBy {
            enabled: false,
            resource_attribute: DEFAULT_RESOURCE_ATTRIBUTE.into(),
            max_open_files: DEFAULT_MAX_OPEN_FILES,
        }
    }
}

impl FileExporterConfig {
    /// otelcol's checks in its order; like otelcol, the first failure only.
    pub fn validate(&self) -> Vec<FieldError> {
        let err = |key: &str, msg: &str| vec![FieldError::new(key, msg)];
        if self.path.is_empty() {
            return err("path", "path must be non-empty");
        }
        if self.append && !self.compression.is_empty() {
            return err("append", "append and compression enabled at the same time is not supported");
        }
        if self.append && self.rotation.is_some() {
            return err("append", "append and rotation enabled at the same time is not supported");
        }
        if self.format != "json" && self.format != "proto" {
            return err("format", "format type is not supported");
        }
        if !self.compression.is_empty() && self.compression != "zstd" {
            return err("compression", "compression is not supported");
        }
        if self.group_by.enabled {
            let parts: Vec<&str> = self.path.split('*').collect();
            if parts.len() != 2 {
                return err("path", "path must contain exactly one * when group_by is enabled");
            }
            if parts[0].is_empty() {
                return err("path", "path must not start with * when group_by is enabled");
            }
            if self.group_by.resource_attribute.is_empty() {
                return err(
                    "group_by::resource_attribute",
                    "resource_attribute must not be empty when group_by is enabled",
                );
            }
            if self.group_by.max_open_files == 0 {
                return err("group_by::max_open_files", "must be a positive number");
            }
        }
        if self.create_directory {
            if let Err(e) = self.directory_mode() {
                return err("directory_permissions", e);
            }
        } else if !self.directory_permissions.is_empty() {
            return err("directory_permissions", "directory_permissions requires create_directory to be true");
        }
        if self.encoding.is_some() {
            return err("encoding", "ferrocol does not provide encoding extensions; use format: json or format: proto");
        }
        Vec::new()
    }

    /// The mode for created directories: `directory_permissions` (octal), 0755 by default.
    pub fn directory_mode(&self) -> Result<u32, &'static str> {
        let text = if self.directory_permissions.is_empty() { "0755" } else { &self.directory_permissions };
        let mode = u32::from_str_radix(text, 8)
            .map_err(|_| "directory_permissions value must be a valid octal representation")?;
        if mode & 0o777 != mode {
            return Err("directory_permissions contain invalid bits for file access");
        }
        Ok(mode)
    }

    pub fn flush_every(&self) -> std::time::Duration {
        self.flush_interval.map_or(std::time::Duration::from_secs(1), |d| d.0)
    }
}
