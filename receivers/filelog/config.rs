//! `filelog` receiver settings: otelcol-contrib's keys and defaults.

use serde::Deserialize;

use crate::anyvalue::OrderedMap;
use crate::config::types::{ByteSize, Duration};
use crate::config::yaml::Node;
use crate::config::FieldError;
use crate::tail::{self, Encoding, SplitConfig, StartAt};

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Multiline {
    /// A regex that matches the start of an entry.
    pub line_start_pattern: String,
    /// A regex that matches the end of an entry.
    pub line_end_pattern: String,
    /// Leave the matched pattern out of the entry.
    pub omit_pattern: bool,
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FilelogConfig {
    /// Globs of the files to read (`**` matches any depth). Required.
    pub include: Vec<String>,
    /// Globs of files not to read, even if included.
    pub exclude: Vec<String>,
    /// Skip files not modified for this long (0: off).
    pub exclude_older_than: Duration,
    /// `end` or `beginning`, for files found by the first poll that have no checkpoint.
    pub start_at: String,
    /// How often to look for files and new lines (inotify wakes earlier).
    pub poll_interval: Duration,
    /// Bytes at the start of a file that identify it.
    pub fingerprint_size: ByteSize,
    /// Open files at most.
    pub max_concurrent_files: usize,
    /// Accepted for compatibility; reading is bounded by the pipeline's backpressure.
    pub max_batches: usize,
    /// Longer entries are truncated and marked `log.record.truncated: true`.
    pub max_log_size: ByteSize,
    /// `utf-8` (invalid bytes replaced), `ascii`, `latin1`, or `nop` (bytes kept).
    pub encoding: String,
    /// Entries spanning lines: `line_start_pattern` or `line_end_pattern`.
    pub multiline: Option<Multiline>,
    /// How long an unterminated last entry is held before it is sent as it is; 0 waits forever.
    pub force_flush_period: Duration,
    pub preserve_leading_whitespaces: bool,
    pub preserve_trailing_whitespaces: bool,
    /// Attribute `log.file.name`.
    pub include_file_name: bool,
    /// Attribute `log.file.path`.
    pub include_file_path: bool,
    /// Attribute `log.file.name_resolved` (symlinks followed).
    pub include_file_name_resolved: bool,
    /// Attribute `log.file.path_resolved` (symlinks followed).
    pub include_file_path_resolved: bool,
    /// Attribute `log.file.record_number`.
    pub include_file_record_number: bool,
    /// A storage extension for the read positions.
    pub storage: Option<String>,
    /// Attributes added to every entry; `EXPR(...)` parts are evaluated.
    pub attributes: OrderedMap,
    /// Resource attributes added to every entry; `EXPR(...)` parts are evaluated.
    pub resource: OrderedMap,
    /// Parsed separately (see [`super::operators`]), with positions.
    pub operators: Option<serde::de::IgnoredAny>,
    /// Accepted for compatibility; ferrocol waits for room downstream instead of retrying.
    pub retry_on_failure: Option<serde_json::Value>,
    /// The `operators` node, parsed again for each build.
    #[serde(skip)]
    pub operators_node: Option<Node>,
}

impl Default for FilelogConfig {
    fn default() -> Self {
        FilelogConfig {
            include: Vec::new(),
            exclude: Vec::new(),
            exclude_older_than: Duration::default(),
            start_at: "end".to_string(),
            poll_interval: Duration(tail::DEFAULT_POLL_INTERVAL),
            fingerprint_size: ByteSize(tail::DEFAULT_FINGERPRINT_SIZE as u64),
            max_concurrent_files: tail::DEFAULT_MAX_CONCURRENT_FILES,
            max_batches: 0,
            max_log_size: ByteSize(tail::DEFAULT_MAX_LOG_SIZE as u64),
            encoding: "utf-8".to_string(),
            multiline: None,
            force_flush_period: Duration(tail::DEFAULT_FORCE_FLUSH_PERIOD),
            preserve_leading_whitespaces: false,
            preserve_trailing_whitespaces: false,
            include_file_name: true,
            include_file_path: false,
            include_file_name_resolved: false,
            include_file_path_resolved: false,
            include_file_record_number: false,
            storage: None,
            attributes: OrderedMap::default(),
            resource: OrderedMap::default(),
            operators: None,
            retry_on_failure: None,
            operators_node: None,
        }
    }
}

impl FilelogConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if let Err(e) = StartAt::parse(&self.start_at) {
            errors.push(FieldError::new("start_at", e));
        }
        if let Err(e) = Encoding::parse(&self.encoding) {
            errors.push(FieldError::new("encoding", e));
        }
        if let Err(e) = crate::receivers::file_source::storage_id(&self.storage) {
            errors.push(FieldError::new("storage", e));
        }
        if let Some(m) = &self.multiline {
            if !m.line_start_pattern.is_empty() && !m.line_end_pattern.is_empty() {
                errors.push(FieldError::new(
                    "multiline",
                    "only one of line_start_pattern or line_end_pattern can be set",
                ));
            } else if m.line_start_pattern.is_empty() && m.line_end_pattern.is_empty() {
                errors.push(FieldError::new("multiline", "one of line_start_pattern or line_end_pattern must be set"));
            }
        }
        for (key, msg) in self.tail_options().validate() {
            let key = match key {
                "multiline" if self.multiline.as_ref().is_some_and(|m| !m.line_end_pattern.is_empty()) => {
                    "multiline::line_end_pattern"
                }
                "multiline" => "multiline::line_start_pattern",
                k => k,
            };
            errors.push(FieldError::new(key, msg));
        }
        for (k, v) in self.attributes.0.iter().chain(&self.resource.0) {
            if let serde_json::Value::String(s) = v {
                if let Err(e) = super::expr::ExprString::parse(s) {
                    let section = if self.attributes.0.iter().any(|(a, _)| a == k) { "attributes" } else { "resource" };
                    errors.push(FieldError::new(format!("{section}::{k}"), e));
                }
            }
        }
        errors
    }

    pub fn tail_options(&self) -> tail::Options {
        let split = match &self.multiline {
            Some(m) if !m.line_start_pattern.is_empty() => {
                SplitConfig::LineStart { pattern: m.line_start_pattern.clone(), omit_pattern: m.omit_pattern }
            }
            Some(m) if !m.line_end_pattern.is_empty() => {
                SplitConfig::LineEnd { pattern: m.line_end_pattern.clone(), omit_pattern: m.omit_pattern }
            }
            _ => SplitConfig::Newline,
        };
        tail::Options {
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            exclude_older_than: (!self.exclude_older_than.is_zero()).then_some(self.exclude_older_than.0),
            start_at: StartAt::parse(&self.start_at).unwrap_or(StartAt::End),
            poll_interval: self.poll_interval.0,
            fingerprint_size: self.fingerprint_size.0 as usize,
            max_concurrent_files: self.max_concurrent_files,
            max_log_size: self.max_log_size.0 as usize,
            encoding: Encoding::parse(&self.encoding).unwrap_or(Encoding::Utf8),
            split,
            preserve_leading_whitespace: self.preserve_leading_whitespaces,
            preserve_trailing_whitespace: self.preserve_trailing_whitespaces,
            force_flush_period: self.force_flush_period.0,
            order: tail::Order::Path,
            count_records: self.include_file_record_number,
            resolve_paths: self.include_file_name_resolved || self.include_file_path_resolved,
            ..tail::Options::default()
        }
    }
}
