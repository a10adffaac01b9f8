//! The engine: each poll matches the files found at the include paths to the
//! files it already tracks, then reads every file that grew.
//!
//! Matching, in order:
//! 1. same device and inode as a tracked file: the same file (possibly renamed
//!    within the patterns). If it is now shorter than what was consumed, or its
//!    first bytes changed, it was truncated (copytruncate) or its inode was
//!    reused: it is read again from the start under a new id, and its old
//!    identity is kept a few polls in case a copy of it shows up.
//! 2. a new inode whose first bytes are a tracked file's fingerprint: a copy of
//!    a file matched this poll is skipped (a copytruncate in progress); a file
//!    whose original is gone (deleted, truncated) continues at its offset.
//! 3. a file of the restored checkpoint: continues at the stored offset.
//! 4. otherwise a new file: read from the start, except on the very first poll
//!    with `start_at: end`.
//!
//! A tracked file no longer found at any matched path (moved out of the
//! patterns, deleted) is read to its end through the handle still open, then
//! forgotten after a few polls. Open handles are capped at
//! `max_concurrent_files`; the least recently used is closed first.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use tracing::{debug, info, warn};

use super::checkpoint::{Checkpoint, FileId, KnownFile, Progress, Update};
use super::discovery::{Changes, Matcher, Watcher};
use super::fingerprint::{Fingerprint, Stat};
use super::reader::{count_lines, ReadBuf, ReadCx, ReadOutcome, Reader};
use super::split::Splitter;
use super::{Options, Order, StartAt};

/// Polls a file that is no longer matched (or an old identity) is kept for.
const LOST_POLLS: u32 = 3;
/// Directories watched at most (the shallowest first).
const MAX_WATCHES: usize = 4096;
/// Least time between two polls triggered by inotify events.
const MIN_POLL_GAP: Duration = Duration::from_millis(10);

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

/// Stops a running engine from another thread.
#[derive(Clone)]
pub struct StopHandle {
    stop: Arc<AtomicBool>,
    wake: SyncSender<()>,
}

impl StopHandle {
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.wake.try_send(());
    }
}

/// The engine. Drive it with [`Tailer::run`] on a thread of its own, or step it with [`Tailer::poll`].
pub struct Tailer {
    opts: Options,
    matcher: Matcher,
    splitter: Splitter,
    /// Files seen at a matched path by the last poll, in reading order.
    active: Vec<Reader>,
    /// Files no longer matched, and old identities of truncated files.
    lost: Vec<Reader>,
    /// Checkpoint entries not matched to a file yet.
    restored: Vec<(FileId, KnownFile)>,
    next_id: u64,
    polls: u64,
    clock: u64,
    buf: ReadBuf,
    progress: Vec<Update>,
    stop: Arc<AtomicBool>,
    wake_tx: SyncSender<()>,
    wake_rx: Receiver<()>,
    watcher: Option<Watcher>,
    /// What inotify saw change since the last look.
    changes: Arc<Mutex<Changes>>,
    /// A directory was newly watched: poll again soon.
    rescan: bool,
    warned_empty: bool,
}

impl Tailer {
    /// `restored` are the files of a stored checkpoint.
    pub fn new(opts: Options, restored: Vec<KnownFile>) -> Result<Tailer, String> {
        let matcher = Matcher::new(&opts.include, &opts.exclude)?;
        let splitter = Splitter::new(&opts.split)?;
        let restored: Vec<(FileId, KnownFile)> =
            restored.into_iter().enumerate().map(|(i, f)| (FileId(i as u64 + 1), f)).collect();
        let (wake_tx, wake_rx) = mpsc::sync_channel(1);
        Ok(Tailer {
            buf: ReadBuf::new(opts.max_log_size),
            next_id: restored.len() as u64 + 1,
            opts,
            matcher,
            splitter,
            active: Vec::new(),
            lost: Vec::new(),
            restored,
            polls: 0,
            clock: 0,
            progress: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            wake_tx,
            wake_rx,
            watcher: None,
            changes: Arc::default(),
            rescan: false,
            warned_empty: false,
        })
    }

    /// The known-files state the engine starts from (the restored files).
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint { files: self.restored.iter().cloned().collect() }
    }

    pub fn stop_handle(&self) -> StopHandle {
        StopHandle { stop: self.stop.clone(), wake: self.wake_tx.clone() }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Poll, read and flush until stopped or until the consumer refuses more.
    pub fn run(mut self, consumer: &mut dyn Consumer) {
        if self.opts.use_notify {
            let wake = self.wake_tx.clone();
            self.watcher = Watcher::new(self.changes.clone(), move || {
                let _ = wake.try_send(());
            });
        }
        let mut next_poll = Instant::now();
        let mut last_poll = Instant::now();
        while !self.stopped() {
            let now = Instant::now();
            if now >= next_poll {
                self.discover();
                last_poll = now;
                next_poll = now + if self.rescan { MIN_POLL_GAP } else { self.opts.poll_interval };
            }
            let more = match self.read_round(consumer) {
                Ok(more) => more,
                Err(Stopped) => break,
            };
            if self.flush(consumer).is_err() {
                break;
            }
            if more {
                continue;
            }
            let deadline = self.flush_deadlines().map_or(next_poll, |d| d.min(next_poll));
            let timeout = deadline.saturating_duration_since(Instant::now());
            match self.wake_rx.recv_timeout(timeout) {
                // Something changed (or stop). A write to a tracked file only
                // needs that file looked at; anything else means a poll soon
                // (not in a tight loop).
                Ok(()) => {
                    if !self.note_changes() {
                        next_poll = next_poll.min(last_poll + MIN_POLL_GAP);
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
            }
        }
        // What was consumed before stopping is still worth its checkpoint.
        let _ = self.flush(consumer);
    }

    /// One step: discover, read every file that grew (up to the read budget
    /// each), flush. Returns true when some file has more to read.
    pub fn poll(&mut self, consumer: &mut dyn Consumer) -> Result<bool, Stopped> {
        self.discover();
        let more = self.read_round(consumer)?;
        self.flush(consumer)?;
        Ok(more)
    }

    /// Apply what inotify reported: refresh the size of tracked files that
    /// were written to. False when a poll is needed: files were created,
    /// removed or renamed, or a file not tracked yet (empty until now) changed.
    fn note_changes(&mut self) -> bool {
        let changes = std::mem::take(&mut *self.changes.lock().unwrap_or_else(PoisonError::into_inner));
        if changes.structure {
            return false;
        }
        for path in &changes.paths {
            match self.active.iter_mut().find(|r| r.path == *path) {
                Some(r) => match r.file.as_ref().and_then(|f| f.metadata().ok()) {
                    Some(m) => r.stat.size = m.len(),
                    None => return false,
                },
                None if self.matcher.is_match(path) => return false,
                None => {}
            }
        }
        true
    }

    fn flush(&mut self, consumer: &mut dyn Consumer) -> Result<(), Stopped> {
        consumer.flush(Progress(std::mem::take(&mut self.progress)))
    }

    fn flush_deadlines(&self) -> Option<Instant> {
        self.active.iter().chain(&self.lost).filter_map(|r| r.flush_deadline(&self.opts)).min()
    }

    fn new_id(&mut self) -> FileId {
        self.next_id += 1;
        FileId(self.next_id - 1)
    }

    /// Find files and match them to what is tracked (see the module doc).
    pub fn discover(&mut self) {
        let first = self.polls == 0;
        self.polls += 1;
        let (found, dirs) = self.stat_matches();
        if found.is_empty() && !self.warned_empty {
            self.warned_empty = true;
            warn!(include = ?self.opts.include, "no files match the configured include patterns (yet)");
        }

        // 1. Same inode as a tracked file.
        let by_inode: HashMap<(u64, u64), usize> =
            self.active.iter().enumerate().map(|(i, r)| ((r.stat.dev, r.stat.ino), i)).collect();
        let mut seen = vec![false; self.active.len()];
        let mut fresh = Vec::new();
        for (path, st) in found {
            match by_inode.get(&(st.dev, st.ino)) {
                Some(&i) if !seen[i] => {
                    seen[i] = true;
                    self.refresh(i, path, st);
                }
                _ => fresh.push((path, st)),
            }
        }
        // Tracked files not found any more: read what is left through their handle.
        for i in (0..seen.len()).rev() {
            if !seen[i] {
                let r = self.active.remove(i);
                debug!(path = %r.path.display(), "file no longer matched (moved or deleted); finishing it");
                self.lost.push(r);
            }
        }
        // 2-4. New inodes.
        for (path, st) in fresh {
            self.track_new(path, st, first);
        }
        self.expire();
        self.sort();
        self.update_watches(dirs);
    }

    /// Stat every matching path (following symlinks), one entry per inode.
    fn stat_matches(&self) -> (Vec<(PathBuf, Stat)>, HashSet<PathBuf>) {
        let cutoff = self.opts.exclude_older_than.and_then(|d| SystemTime::now().checked_sub(d));
        let mut inodes = HashSet::new();
        let mut out = Vec::new();
        let (paths, dirs) = self.matcher.find();
        for path in paths {
            let Ok(m) = fs::metadata(&path) else { continue };
            if !m.is_file() {
                continue;
            }
            let st = Stat::of(&m);
            if cutoff.is_some_and(|c| st.mtime < c) {
                continue;
            }
            // A symlink and its target (or two hard links) are one file.
            if inodes.insert((st.dev, st.ino)) {
                out.push((path, st));
            }
        }
        (out, dirs)
    }

    /// A tracked file seen again at `path`: notice renames, truncation and inode reuse.
    fn refresh(&mut self, i: usize, path: PathBuf, st: Stat) {
        let fp_size = self.opts.fingerprint_size;
        let r = &mut self.active[i];
        let moved = r.path != path;
        if moved {
            r.set_path(path.clone());
        }
        let changed = st.size != r.stat.size || st.mtime != r.stat.mtime;
        let truncated = st.size < r.offset;
        let replaced = !truncated && changed && !r.fp.is_empty() && !same_start(&path, r.file.as_ref(), &r.fp);
        if truncated || replaced {
            info!(
                path = %path.display(),
                "file {}; reading it again from the start",
                if truncated { "was truncated" } else { "was replaced (same inode, new content)" }
            );
            let mut old = std::mem::replace(r, Reader::new(FileId(0), path.clone(), st, Fingerprint::default(), 0, 0));
            // The old content may live on in a copy (copytruncate): keep its
            // identity a while, without the handle (which now shows new content).
            old.file = None;
            old.unseen = 0;
            self.lost.push(old);
            let id = self.new_id();
            let file = self.open_checked(&path, &st);
            let fp = file.as_ref().and_then(|f| Fingerprint::read(f, fp_size).ok()).unwrap_or_default();
            let mut fresh = Reader::new(id, path, st, fp, 0, 0);
            fresh.file = file;
            self.start_tracking(fresh, Some(i));
            return;
        }
        r.stat = st;
        if r.fp.len() < fp_size && st.size as usize > r.fp.len() {
            if let Some(f) = r.file.as_ref() {
                if let Ok(fp) = Fingerprint::read(f, fp_size) {
                    if fp.continues(&r.fp) {
                        r.fp = fp;
                    }
                }
            }
        }
        if moved {
            let known = r.known();
            self.progress.push(Update::Track { id: r.id, file: known });
        }
    }

    /// A file whose inode is not tracked.
    fn track_new(&mut self, path: PathBuf, st: Stat, first: bool) {
        // An empty file has no identity yet; it is picked up once it has content.
        if st.size == 0 {
            return;
        }
        let Some(file) = self.open_checked(&path, &st) else { return };
        let Ok(fp) = Fingerprint::read(&file, self.opts.fingerprint_size) else { return };
        if fp.is_empty() {
            return;
        }
        // A copy of a file tracked here (a copytruncate in progress): same content, read once.
        if self.active.iter().any(|r| fp.continues(&r.fp) || r.fp.continues(&fp)) {
            debug!(path = %path.display(), "same content as a file already tracked; skipped");
            return;
        }
        // A file whose original is gone (deleted, or truncated after being copied).
        if let Some(j) = self.lost.iter().position(|l| fp.continues(&l.fp) && original_gone(l)) {
            let mut r = self.lost.remove(j);
            debug!(path = %path.display(), old = %r.path.display(), "continuing a file found under a new inode");
            r.set_path(path);
            r.stat = st;
            r.fp = fp;
            r.file = Some(file);
            r.unseen = 0;
            r.eof_at = None;
            self.start_tracking(r, None);
            return;
        }
        // A file from the checkpoint; the same inode wins when several match.
        let candidates = self.restored.iter().enumerate().filter(|(_, (_, k))| fp.continues(&k.fingerprint));
        let best = candidates.max_by_key(|(_, (_, k))| (k.dev == st.dev && k.ino == st.ino, k.fingerprint.len()));
        if let Some(k) = best.map(|(k, _)| k) {
            let (id, known) = self.restored.remove(k);
            let (offset, records) = if known.offset > st.size { (0, 0) } else { (known.offset, known.records) };
            let mut r = Reader::new(id, path, st, fp, offset, records);
            r.file = Some(file);
            self.start_tracking(r, None);
            return;
        }
        let (offset, records) = if first && self.opts.start_at == StartAt::End {
            (st.size, if self.opts.count_records { count_lines(&file, st.size) } else { 0 })
        } else {
            (0, 0)
        };
        let id = self.new_id();
        let mut r = Reader::new(id, path, st, fp, offset, records);
        r.file = Some(file);
        self.start_tracking(r, None);
    }

    /// Report a reader to the checkpoint and make it active (at `slot`, or appended).
    fn start_tracking(&mut self, mut r: Reader, slot: Option<usize>) {
        if self.opts.resolve_paths {
            r.resolve();
        }
        self.clock += 1;
        r.last_used = self.clock;
        let known = r.known();
        self.progress.push(Update::Track { id: r.id, file: known });
        match slot {
            Some(i) => self.active[i] = r,
            None => self.active.push(r),
        }
        self.limit_open_files(None);
    }

    /// Open `path` and check it is still the inode that was stat'ed.
    fn open_checked(&self, path: &Path, st: &Stat) -> Option<File> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => {
                debug!(path = %path.display(), error = %e, "cannot open file");
                return None;
            }
        };
        let now = Stat::of(&file.metadata().ok()?);
        now.same_inode(st).then_some(file)
    }

    /// Forget old identities and unmatched checkpoint entries after a few polls.
    fn expire(&mut self) {
        for l in &mut self.lost {
            l.unseen += 1;
        }
        let mut forget = Vec::new();
        let opts = &self.opts;
        self.lost.retain(|l| {
            // A file still open is kept until read to its end (and a held entry flushed).
            let keep = l.unseen <= LOST_POLLS || (l.file.is_some() && !l.finished(opts));
            if !keep {
                forget.push(l.id);
            }
            keep
        });
        if self.polls > LOST_POLLS as u64 {
            forget.extend(self.restored.drain(..).map(|(id, _)| id));
        }
        self.progress.extend(forget.into_iter().map(|id| Update::Forget { id }));
    }

    fn sort(&mut self) {
        match self.opts.order {
            Order::Path => self.active.sort_by(|a, b| a.path.cmp(&b.path)),
            Order::FileName => self.active.sort_by(|a, b| (&a.name, &a.path).cmp(&(&b.name, &b.path))),
        }
    }

    /// Watch every directory the walk went through (new files appear there)
    /// and those of the files being read; past `MAX_WATCHES`, polling alone.
    fn update_watches(&mut self, mut dirs: HashSet<PathBuf>) {
        let Some(w) = self.watcher.as_mut() else { return };
        dirs.extend(self.active.iter().filter_map(|r| r.path.parent().map(Path::to_path_buf)));
        if dirs.len() > MAX_WATCHES {
            let mut sorted: Vec<PathBuf> = dirs.into_iter().collect();
            sorted.sort_by_key(|d| d.components().count());
            dirs = sorted.into_iter().take(MAX_WATCHES).collect();
        }
        // Files created in a new directory before its watch began are found by walking it again soon.
        self.rescan = w.set(dirs);
    }

    /// Close least recently used handles of matched files until at most
    /// `max_concurrent_files - 1` are open (room for one more). Handles of files
    /// no longer matched are kept: they cannot be opened again.
    fn limit_open_files(&mut self, keep: Option<FileId>) {
        let max = self.opts.max_concurrent_files;
        let open = self.active.iter().chain(&self.lost).filter(|r| r.file.is_some()).count();
        if open < max {
            return;
        }
        let mut candidates: Vec<(u64, usize)> = self
            .active
            .iter()
            .enumerate()
            .filter(|(_, r)| r.file.is_some() && Some(r.id) != keep)
            .map(|(i, r)| (r.last_used, i))
            .collect();
        candidates.sort_unstable();
        for (_, i) in candidates.into_iter().take(open + 1 - max) {
            self.active[i].file = None;
        }
    }

    /// Read every file that may have grown. True when one stopped at the read budget.
    fn read_round(&mut self, consumer: &mut dyn Consumer) -> Result<bool, Stopped> {
        let now = Instant::now();
        let mut more = false;
        for i in 0..self.active.len() {
            if !self.active[i].wants_read(now, &self.opts) {
                continue;
            }
            if self.active[i].file.is_none() {
                let id = self.active[i].id;
                self.limit_open_files(Some(id));
                let (path, st) = (self.active[i].path.clone(), self.active[i].stat);
                match self.open_checked(&path, &st) {
                    Some(f) => self.active[i].file = Some(f),
                    None => continue, // the next poll sorts it out
                }
            }
            more |= self.read_one(Which::Active(i), consumer, now)?;
        }
        for i in 0..self.lost.len() {
            let Some(size) = self.lost[i].file.as_ref().and_then(|f| f.metadata().ok()).map(|m| m.len()) else {
                continue;
            };
            self.lost[i].stat.size = size;
            if self.lost[i].wants_read(now, &self.opts) {
                more |= self.read_one(Which::Lost(i), consumer, now)?;
            }
        }
        Ok(more)
    }

    fn read_one(&mut self, which: Which, consumer: &mut dyn Consumer, now: Instant) -> Result<bool, Stopped> {
        self.clock += 1;
        let reader = match which {
            Which::Active(i) => &mut self.active[i],
            Which::Lost(i) => &mut self.lost[i],
        };
        reader.last_used = self.clock;
        let mut cx = ReadCx {
            opts: &self.opts,
            splitter: &self.splitter,
            consumer,
            progress: &mut self.progress,
            stop: &self.stop,
            now,
        };
        Ok(reader.read(&mut self.buf, &mut cx)? == ReadOutcome::More)
    }

    /// Open file handles now.
    pub fn open_handles(&self) -> usize {
        self.active.iter().chain(&self.lost).filter(|r| r.file.is_some()).count()
    }
}

enum Which {
    Active(usize),
    Lost(usize),
}

/// Does the file at `path` still start with `fp`? Read through the open
/// handle when there is one (it is the same inode).
fn same_start(path: &Path, file: Option<&File>, fp: &Fingerprint) -> bool {
    let opened;
    let f = match file {
        Some(f) => f,
        None => match File::open(path) {
            Ok(f) => {
                opened = f;
                &opened
            }
            Err(_) => return true, // cannot tell; the next poll will see
        },
    };
    Fingerprint::read(f, fp.len()).map(|now| now == *fp).unwrap_or(true)
}

/// A file no longer matched whose content may continue under a new inode:
/// its old identity after a truncation (no handle), or a deleted file. A file
/// merely renamed out of the patterns still exists, so a new file with the
/// same first bytes is new content, not a continuation.
fn original_gone(r: &Reader) -> bool {
    match &r.file {
        None => true,
        Some(f) => f.metadata().map(|m| std::os::unix::fs::MetadataExt::nlink(&m) == 0).unwrap_or(true),
    }
}
