//! What the engine hands out: each entry ([`Entry`], its [`Text`]) with the
//! file it came from ([`FileInfo`]), to a [`Consumer`] that builds batches and
//! flushes them with the positions they cover.

use std::borrow::Cow;
use std::path::Path;

use super::checkpoint::{FileId, Progress};

/// The file an entry came from.
#[derive(Clone, Copy, Debug)]
pub struct FileInfo<'a> {
    pub id: FileId,
    /// The path it was matched at.
    pub path: &'a Path,
    /// Its file name.
    pub name: &'a str,
    /// The path with symlinks resolved (only when `resolve_paths` is set).
    pub resolved: Option<&'a Path>,
}

/// An entry's content.
#[derive(Debug)]
pub enum Text<'a> {
    /// Decoded text (`utf-8`, `latin1`): invalid UTF-8 already replaced.
    Str(Cow<'a, str>),
    /// `encoding: nop`.
    Bytes(&'a [u8]),
}

/// One entry read from a file.
#[derive(Debug)]
pub struct Entry<'a> {
    pub text: Text<'a>,
    /// Longer than `max_log_size`: this is its head, the rest was dropped.
    pub truncated: bool,
    /// 1-based number of the entry in its file (exact when the file was read
    /// from its start, restored from a checkpoint, or `count_records` is set).
    pub number: u64,
}

/// Nothing more can be delivered (or the engine was told to stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

/// Where entries go.
pub trait Consumer {
    /// One entry. Returns true when the consumer is full: the engine then calls [`Consumer::flush`].
    fn entry(&mut self, file: &FileInfo<'_>, entry: Entry<'_>) -> bool;
    /// Ship everything consumed since the last flush, with the positions it
    /// covers (possibly none). `Err` stops the engine.
    fn flush(&mut self, progress: Progress) -> Result<(), Stopped>;
}
