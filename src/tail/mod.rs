//! The file-tailing engine behind the `filelog` and `teleport` receivers.
//!
//! It knows nothing of log records: it finds files, reads them, and hands each
//! entry (a line, or a multiline group) to a [`Consumer`] together with the
//! file it came from; at every flush point it hands over a [`Progress`], the
//! file positions that the entries consumed so far cover. The receiver glue
//! commits a progress once the batch built from those entries is delivered,
//! and persists the resulting [`Checkpoint`]; on restart the engine is given
//! the checkpoint's files back and resumes exactly there.
//!
//! - [`discovery`]: `include`/`exclude` globs, a bounded directory walk, and
//!   inotify (the `notify` crate) to wake up early; polling every
//!   `poll_interval` is the baseline.
//! - [`fingerprint`]: a file is identified by its first `fingerprint_size`
//!   bytes, with device and inode as a hint, so a renamed or rotated file is
//!   not read twice and a new file that reuses an inode is not skipped.
//! - [`reader`]: one file's position and the read loop: one shared, bounded
//!   buffer; an unterminated last entry is left in the file (not in memory)
//!   until completed or `force_flush_period` passes; entries over
//!   `max_log_size` are truncated and marked; invalid UTF-8 is replaced.
//! - [`split`]: newline or multiline (`line_start_pattern`/`line_end_pattern`) splitting.
//! - [`checkpoint`]: the known-files state and its serialized form.
//! - [`consumer`]: what the engine hands out ([`Entry`], [`FileInfo`]) and to whom ([`Consumer`]).
//! - [`matching`]: matching the files found at each poll to the tracked ones
//!   (rotation, truncation, deletion, the restored checkpoint).
//! - [`tailer`]: the engine itself: read rounds, open handles, and the run loop.
//!
//! Memory does not grow with the number or size of files: a file between
//! reads is a few offsets and (up to `max_concurrent_files`) an open handle.

pub mod checkpoint;
pub mod consumer;
pub mod discovery;
pub mod fingerprint;
pub mod matching;
pub mod reader;
pub mod split;
pub mod tailer;

#[cfg(test)]
mod tests;

use std::time::Duration;

pub use checkpoint::{Checkpoint, FileId, KnownFile, Progress, Update};
pub use consumer::{Consumer, Entry, FileInfo, Stopped, Text};
pub use tailer::{StopHandle, Tailer};

pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(200);
pub const DEFAULT_FINGERPRINT_SIZE: usize = 1000;
/// The smallest fingerprint otelcol accepts.
pub const MIN_FINGERPRINT_SIZE: usize = 16;
pub const DEFAULT_MAX_CONCURRENT_FILES: usize = 1024;
pub const DEFAULT_MAX_LOG_SIZE: usize = 1 << 20;
pub const DEFAULT_FORCE_FLUSH_PERIOD: Duration = Duration::from_millis(500);

/// Where to start in files found by the first poll that have no checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAt {
    Beginning,
    End,
}

impl StartAt {
    pub fn parse(s: &str) -> Result<StartAt, String> {
        match s {
            "beginning" => Ok(StartAt::Beginning),
            "end" => Ok(StartAt::End),
            _ => Err(format!("invalid value '{s}' for parameter 'start_at' (expected beginning or end)")),
        }
    }
}

/// How entry bytes become text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8; invalid sequences become U+FFFD.
    Utf8,
    /// Bytes as they are.
    Nop,
    /// ISO-8859-1: every byte is the code point of the same value.
    Latin1,
}

impl Encoding {
    /// otelcol's names (case-insensitive) for the encodings ferrocol supports.
    pub fn parse(s: &str) -> Result<Encoding, String> {
        match s.to_ascii_lowercase().as_str() {
            "" | "utf-8" | "utf8" | "ascii" | "us-ascii" => Ok(Encoding::Utf8),
            "nop" => Ok(Encoding::Nop),
            "latin1" | "iso-8859-1" | "iso8859-1" => Ok(Encoding::Latin1),
            _ => Err(format!("unsupported encoding '{s}' (supported: utf-8, ascii, latin1, nop)")),
        }
    }
}

/// How the byte stream is cut into entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SplitConfig {
    /// One entry per line (`\n`, with a `\r` before it dropped).
    #[default]
    Newline,
    /// An entry starts where this regex matches (otelcol prepends `(?m)`).
    LineStart { pattern: String, omit_pattern: bool },
    /// An entry ends where this regex matches.
    LineEnd { pattern: String, omit_pattern: bool },
}

/// The order in which files are read within a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// By path.
    Path,
    /// By file name, then path (Teleport's `YYYY-MM-DD.00:00:00.log` names sort by date).
    FileName,
}

/// Everything the engine needs to know.
#[derive(Clone, Debug)]
pub struct Options {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Skip files not modified for this long.
    pub exclude_older_than: Option<Duration>,
    pub start_at: StartAt,
    pub poll_interval: Duration,
    pub fingerprint_size: usize,
    pub max_concurrent_files: usize,
    pub max_log_size: usize,
    pub encoding: Encoding,
    pub split: SplitConfig,
    pub preserve_leading_whitespace: bool,
    pub preserve_trailing_whitespace: bool,
    /// Zero waits forever for the end of an unterminated entry.
    pub force_flush_period: Duration,
    pub order: Order,
    /// Number entries within each file even when starting past its beginning
    /// (counts the lines skipped once, at the start).
    pub count_records: bool,
    /// Resolve symlinks in matched paths (for `include_file_*_resolved`).
    pub resolve_paths: bool,
    /// Most bytes read from one file before moving on to the next (fairness).
    pub read_budget: usize,
    /// Use inotify to wake up before the next poll.
    pub use_notify: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            include: Vec::new(),
            exclude: Vec::new(),
            exclude_older_than: None,
            start_at: StartAt::End,
            poll_interval: DEFAULT_POLL_INTERVAL,
            fingerprint_size: DEFAULT_FINGERPRINT_SIZE,
            max_concurrent_files: DEFAULT_MAX_CONCURRENT_FILES,
            max_log_size: DEFAULT_MAX_LOG_SIZE,
            encoding: Encoding::Utf8,
            split: SplitConfig::Newline,
            preserve_leading_whitespace: false,
            preserve_trailing_whitespace: false,
            force_flush_period: DEFAULT_FORCE_FLUSH_PERIOD,
            order: Order::Path,
            count_records: false,
            resolve_paths: false,
            read_budget: 16 << 20,
            use_notify: true,
        }
    }
}

impl Options {
    /// Checks that need no I/O; messages name the otelcol key.
    pub fn validate(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        if self.include.is_empty() {
            errors.push(("include", "'include' must be specified".to_string()));
        }
        if let Err(e) = discovery::Matcher::new(&self.include, &self.exclude) {
            errors.push(("include", e));
        }
        if self.fingerprint_size < MIN_FINGERPRINT_SIZE {
            errors.push((
                "fingerprint_size",
                format!("'fingerprint_size' must be at least {MIN_FINGERPRINT_SIZE} bytes"),
            ));
        }
        if self.max_concurrent_files < 2 {
            errors.push(("max_concurrent_files", "'max_concurrent_files' must be greater than 1".to_string()));
        }
        if self.max_log_size == 0 {
            errors.push(("max_log_size", "'max_log_size' must be positive".to_string()));
        }
        if self.poll_interval.is_zero() {
            errors.push(("poll_interval", "'poll_interval' must be positive".to_string()));
        }
        if let Err(e) = split::Splitter::new(&self.split) {
            errors.push(("multiline", e));
        }
        errors
    }
}
