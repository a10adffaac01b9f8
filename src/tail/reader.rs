//! One tracked file: where it is, how far it has been consumed, and the read
//! loop that turns its new bytes into entries.
//!
//! Nothing of a file is kept in memory between reads: an unterminated last
//! entry stays in the file, and the next read starts again at the first
//! unconsumed byte. Only while reading does the engine's one [`ReadBuf`] hold
//! data, at most `max_log_size` plus one read chunk.

use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tracing::warn;

use super::checkpoint::{FileId, KnownFile, Progress, Update};
use super::consumer::{Consumer, Entry, FileInfo, Stopped, Text};
use super::fingerprint::{Fingerprint, Stat};
use super::split::{trim, Splitter};
use super::{Encoding, Options};

/// The read buffer shared by all files: `data[start..end]` is read but not consumed.
pub struct ReadBuf {
    data: Vec<u8>,
    start: usize,
    end: usize,
    /// Largest size it may grow to.
    limit: usize,
}

const INITIAL_BUF: usize = 256 << 10;
const CHUNK: usize = 64 << 10;

impl ReadBuf {
    pub fn new(max_log_size: usize) -> ReadBuf {
        let limit = max_log_size + CHUNK;
        ReadBuf { data: vec![0; INITIAL_BUF.min(limit)], start: 0, end: 0, limit }
    }

    fn reset(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    fn unconsumed(&self) -> &[u8] {
        &self.data[self.start..self.end]
    }

    /// Make room to read into: move unconsumed bytes to the front, or grow.
    fn make_room(&mut self) {
        if self.end < self.data.len() {
            return;
        }
        if self.start > 0 {
            self.data.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.data.len() && self.data.len() < self.limit {
            let size = (self.data.len() * 2).min(self.limit);
            self.data.resize(size, 0);
        }
    }
}

/// An unterminated entry at the end of a file, waiting for its end.
#[derive(Clone, Copy, Debug)]
struct Partial {
    len: usize,
    since: Instant,
}

/// One file the engine tracks.
pub struct Reader {
    pub id: FileId,
    /// The path it was last matched at.
    pub path: PathBuf,
    pub name: String,
    pub resolved: Option<PathBuf>,
    /// From the last stat (by path, or of the open handle).
    pub stat: Stat,
    pub fp: Fingerprint,
    /// Everything before this byte has been consumed.
    pub offset: u64,
    /// Entries consumed so far.
    pub records: u64,
    pub file: Option<File>,
    /// When the handle was last used, on the engine's clock (for closing the least recently used).
    pub last_used: u64,
    /// Where the last read met the end of the file; `None` when it stopped early.
    pub eof_at: Option<u64>,
    /// Polls since it was last seen at a matched path (readers no longer matched).
    pub unseen: u32,
    partial: Option<Partial>,
    /// In the middle of an overlong entry whose head was already emitted.
    skipping: bool,
    reported: (u64, u64),
    fp_reported: usize,
}

/// What the reader needs from the engine while reading.
pub struct ReadCx<'a> {
    pub opts: &'a Options,
    pub splitter: &'a Splitter,
    pub consumer: &'a mut dyn Consumer,
    pub progress: &'a mut Vec<Update>,
    pub stop: &'a AtomicBool,
    pub now: Instant,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// Read to the end of the file.
    Eof,
    /// Stopped at the read budget: there is more.
    More,
    /// The file could not be read (logged).
    Failed,
}

impl Reader {
    pub fn new(id: FileId, path: PathBuf, stat: Stat, fp: Fingerprint, offset: u64, records: u64) -> Reader {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Reader {
            id,
            path,
            name,
            resolved: None,
            stat,
            fp_reported: fp.len(),
            fp,
            offset,
            records,
            file: None,
            last_used: 0,
            eof_at: None,
            unseen: 0,
            partial: None,
            skipping: false,
            reported: (offset, records),
        }
    }

    pub fn set_path(&mut self, path: PathBuf) {
        self.name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.path = path;
        self.resolved = None;
    }

    /// Its entry in the checkpoint, as of now.
    pub fn known(&mut self) -> KnownFile {
        self.reported = (self.offset, self.records);
        self.fp_reported = self.fp.len();
        KnownFile {
            fingerprint: self.fp.clone(),
            offset: self.offset,
            records: self.records,
            path: self.path.to_string_lossy().into_owned(),
            dev: self.stat.dev,
            ino: self.stat.ino,
        }
    }

    /// True when there may be something to read, or a held entry is due.
    pub fn wants_read(&self, now: Instant, opts: &Options) -> bool {
        let grew = self.eof_at.is_none_or(|e| self.stat.size != e);
        let due = self.partial.is_some_and(|p| {
            !opts.force_flush_period.is_zero() && now.duration_since(p.since) >= opts.force_flush_period
        });
        grew || due
    }

    /// Read to its end, with no entry held back for a forced flush.
    pub fn finished(&self, opts: &Options) -> bool {
        self.eof_at.is_some_and(|e| e >= self.stat.size)
            && (self.partial.is_none() || opts.force_flush_period.is_zero())
    }

    /// When a held entry will be due for a forced flush.
    pub fn flush_deadline(&self, opts: &Options) -> Option<Instant> {
        if opts.force_flush_period.is_zero() {
            return None;
        }
        self.partial.map(|p| p.since + opts.force_flush_period)
    }

    /// Record a position change in `progress` if there is one.
    pub fn report(&mut self, progress: &mut Vec<Update>) {
        let fp_changed = self.fp.len() != self.fp_reported;
        if (self.offset, self.records) != self.reported || fp_changed {
            progress.push(Update::Advance {
                id: self.id,
                offset: self.offset,
                records: self.records,
                fingerprint: fp_changed.then(|| self.fp.clone()),
            });
            self.reported = (self.offset, self.records);
            self.fp_reported = self.fp.len();
        }
    }

    /// Read new entries from the open handle (the caller opens it), up to the
    /// read budget. Entries go to the consumer; the consumer is flushed when it
    /// says it is full. `Err(Stopped)` when the engine must stop.
    pub fn read(&mut self, buf: &mut ReadBuf, cx: &mut ReadCx<'_>) -> Result<ReadOutcome, Stopped> {
        let Some(file) = self.file.take() else { return Ok(ReadOutcome::Failed) };
        let result = self.read_from(&file, buf, cx);
        if self.fp.len() < cx.opts.fingerprint_size && self.offset as usize > self.fp.len() {
            self.grow_fingerprint(&file, cx.opts.fingerprint_size);
        }
        self.file = Some(file);
        self.report(cx.progress);
        result
    }

    fn read_from(&mut self, file: &File, buf: &mut ReadBuf, cx: &mut ReadCx<'_>) -> Result<ReadOutcome, Stopped> {
        buf.reset();
        let mut total = 0usize;
        loop {
            buf.make_room();
            let at = self.offset + (buf.end - buf.start) as u64;
            let n = match file.read_at(&mut buf.data[buf.end..], at) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!(path = %self.path.display(), error = %e, "cannot read file");
                    self.eof_at = None;
                    return Ok(ReadOutcome::Failed);
                }
            };
            if n == 0 {
                break;
            }
            buf.end += n;
            total += n;
            self.consume(buf, cx)?;
            if cx.stop.load(Ordering::Relaxed) {
                return Err(Stopped);
            }
            if total >= cx.opts.read_budget {
                self.eof_at = None;
                return Ok(ReadOutcome::More);
            }
        }
        self.at_eof(buf, cx)?;
        self.eof_at = Some(self.offset + (buf.end - buf.start) as u64);
        Ok(ReadOutcome::Eof)
    }

    /// Emit every complete entry in the buffer.
    fn consume(&mut self, buf: &mut ReadBuf, cx: &mut ReadCx<'_>) -> Result<(), Stopped> {
        let max = cx.opts.max_log_size;
        loop {
            let data = buf.unconsumed();
            if data.is_empty() {
                return Ok(());
            }
            if self.skipping {
                let (n, done) = cx.splitter.skip(data);
                self.advance(buf, n);
                if !done {
                    return Ok(());
                }
                self.skipping = false;
                continue;
            }
            let full;
            match cx.splitter.next(data) {
                Some(tok) => {
                    let token = &data[tok.range];
                    full = if token.len() > max {
                        let cut = head_len(token, max, cx.opts.encoding);
                        self.emit(&token[..cut], true, cx)
                    } else {
                        self.emit(token, false, cx)
                    };
                    self.advance(buf, tok.advance);
                }
                None if data.len() >= max => {
                    // No end in sight within max_log_size: emit the head, skip the rest.
                    let cut = head_len(data, max, cx.opts.encoding);
                    full = self.emit(&data[..cut], true, cx);
                    self.advance(buf, cut);
                    self.skipping = true;
                }
                None => return Ok(()),
            }
            if full {
                self.flush(cx)?;
            }
        }
    }

    /// At the end of the file: hold an unterminated entry, or flush it once it
    /// has not grown for `force_flush_period`.
    fn at_eof(&mut self, buf: &mut ReadBuf, cx: &mut ReadCx<'_>) -> Result<(), Stopped> {
        let data = buf.unconsumed();
        if data.is_empty() || self.skipping {
            self.partial = None;
            return Ok(());
        }
        let period = cx.opts.force_flush_period;
        if period.is_zero() {
            return Ok(());
        }
        match self.partial {
            Some(p) if p.len == data.len() => {
                if cx.now.duration_since(p.since) < period {
                    return Ok(());
                }
                let len = data.len();
                let full = self.emit(&data[cx.splitter.flush(data)], false, cx);
                self.advance(buf, len);
                if full {
                    self.flush(cx)?;
                }
            }
            _ => self.partial = Some(Partial { len: data.len(), since: cx.now }),
        }
        Ok(())
    }

    fn advance(&mut self, buf: &mut ReadBuf, n: usize) {
        buf.start += n;
        self.offset += n as u64;
        self.partial = None;
    }

    /// Hand one entry to the consumer; true when it is full.
    fn emit(&mut self, raw: &[u8], truncated: bool, cx: &mut ReadCx<'_>) -> bool {
        let opts = cx.opts;
        let bytes = trim(raw, !opts.preserve_leading_whitespace, !opts.preserve_trailing_whitespace);
        // Blank lines are not entries (stanza's trimmer returns no token for them).
        if bytes.is_empty() && !truncated {
            return false;
        }
        self.records += 1;
        let info = FileInfo { id: self.id, path: &self.path, name: &self.name, resolved: self.resolved.as_deref() };
        let entry = Entry { text: decode(bytes, opts.encoding), truncated, number: self.records };
        cx.consumer.entry(&info, entry)
    }

    fn flush(&mut self, cx: &mut ReadCx<'_>) -> Result<(), Stopped> {
        self.report(cx.progress);
        cx.consumer.flush(Progress(std::mem::take(cx.progress)))?;
        if cx.stop.load(Ordering::Relaxed) {
            return Err(Stopped);
        }
        Ok(())
    }

    fn grow_fingerprint(&mut self, file: &File, size: usize) {
        if let Ok(fp) = Fingerprint::read(file, size) {
            if fp.continues(&self.fp) || self.fp.is_empty() {
                self.fp = fp;
            }
        }
    }

    /// The resolved path (symlinks followed), computed once.
    pub fn resolve(&mut self) {
        if self.resolved.is_none() {
            self.resolved = std::fs::canonicalize(&self.path).ok();
        }
    }
}

/// How many bytes of `data` to keep for a truncated entry: `max`, backed off
/// to a character boundary for UTF-8 so that no character is cut in half.
fn head_len(data: &[u8], max: usize, encoding: Encoding) -> usize {
    let mut cut = max.min(data.len());
    if encoding == Encoding::Utf8 {
        let floor = cut.saturating_sub(3);
        while cut > floor && cut < data.len() && (data[cut] & 0xC0) == 0x80 {
            cut -= 1;
        }
        if cut == 0 {
            cut = max.min(data.len());
        }
    }
    cut
}

/// Bytes to text, per encoding.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Text<'_> {
    match encoding {
        // `from_utf8` is much faster than `from_utf8_lossy` on valid text.
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => Text::Str(Cow::Borrowed(s)),
            Err(_) => Text::Str(String::from_utf8_lossy(bytes)),
        },
        Encoding::Nop => Text::Bytes(bytes),
        Encoding::Latin1 => match std::str::from_utf8(bytes) {
            Ok(s) if s.is_ascii() => Text::Str(Cow::Borrowed(s)),
            _ => Text::Str(Cow::Owned(bytes.iter().map(|&b| b as char).collect())),
        },
    }
}

/// Count entries (newlines) before `end`, for numbering when starting mid-file.
pub fn count_lines(file: &File, end: u64) -> u64 {
    let mut buf = vec![0u8; CHUNK];
    let (mut at, mut lines) = (0u64, 0u64);
    while at < end {
        let want = ((end - at) as usize).min(buf.len());
        match file.read_at(&mut buf[..want], at) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
                at += n as u64;
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        let s = "aé€".as_bytes(); // 1 + 2 + 3 bytes
        assert_eq!(head_len(s, 2, Encoding::Utf8), 1);
        assert_eq!(head_len(s, 3, Encoding::Utf8), 3);
        assert_eq!(head_len(s, 4, Encoding::Utf8), 3);
        assert_eq!(head_len(s, 4, Encoding::Nop), 4);
    }

    #[test]
    fn decoding() {
        match decode(b"a\xffb", Encoding::Utf8) {
            Text::Str(s) => assert_eq!(s, "a\u{fffd}b"),
            _ => panic!(),
        }
        match decode(b"caf\xe9", Encoding::Latin1) {
            Text::Str(s) => assert_eq!(s, "café"),
            _ => panic!(),
        }
        assert!(matches!(decode(b"\xff", Encoding::Nop), Text::Bytes(b"\xff")));
    }
}
