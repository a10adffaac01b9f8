//! The engine: each poll matches the files found at the include paths to the
//! files it already tracks ([`super::matching`]), then reads every file that
//! grew. Open handles are capped at `max_concurrent_files`; the least recently
//! used is closed first.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::debug;

use super::checkpoint::{Checkpoint, FileId, KnownFile, Progress, Update};
use super::consumer::{Consumer, Stopped};
use super::discovery::{Changes, Matcher, Watcher};
use super::fingerprint::Stat;
use super::reader::{ReadBuf, ReadCx, ReadOutcome, Reader};
use super::split::Splitter;
use super::{Options, Order};

/// Directories watched at most (the shallowest first).
const MAX_WATCHES: usize = 4096;
/// Least time between two polls triggered by inotify events.
const MIN_POLL_GAP: Duration = Duration::from_millis(10);

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
    pub(super) opts: Options,
    pub(super) matcher: Matcher,
    pub(super) splitter: Splitter,
    /// Files seen at a matched path by the last poll, in reading order.
    pub(super) active: Vec<Reader>,
    /// Files no longer matched, and old identities of truncated files.
    pub(super) lost: Vec<Reader>,
    /// Checkpoint entries not matched to a file yet.
    pub(super) restored: Vec<(FileId, KnownFile)>,
    pub(super) next_id: u64,
    pub(super) polls: u64,
    pub(super) clock: u64,
    pub(super) buf: ReadBuf,
    pub(super) progress: Vec<Update>,
    pub(super) stop: Arc<AtomicBool>,
    pub(super) wake_tx: SyncSender<()>,
    pub(super) wake_rx: Receiver<()>,
    pub(super) watcher: Option<Watcher>,
    /// What inotify saw change since the last look.
    pub(super) changes: Arc<Mutex<Changes>>,
    /// A directory was newly watched: poll again soon.
    pub(super) rescan: bool,
    pub(super) warned_empty: bool,
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

    pub(super) fn new_id(&mut self) -> FileId {
        self.next_id += 1;
        FileId(self.next_id - 1)
    }

    /// Open `path` and check it is still the inode that was stat'ed.
    pub(super) fn open_checked(&self, path: &Path, st: &Stat) -> Option<File> {
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

    pub(super) fn sort(&mut self) {
        match self.opts.order {
            Order::Path => self.active.sort_by(|a, b| a.path.cmp(&b.path)),
            Order::FileName => self.active.sort_by(|a, b| (&a.name, &a.path).cmp(&(&b.name, &b.path))),
        }
    }

    /// Watch every directory the walk went through (new files appear there)
    /// and those of the files being read; past `MAX_WATCHES`, polling alone.
    pub(super) fn update_watches(&mut self, mut dirs: HashSet<PathBuf>) {
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
    pub(super) fn limit_open_files(&mut self, keep: Option<FileId>) {
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
