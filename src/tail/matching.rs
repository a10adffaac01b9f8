//! Matching the files found at each poll to the files tracked.
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
//! forgotten after a few polls.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tracing::{debug, info, warn};

use super::checkpoint::{FileId, Update};
use super::fingerprint::{Fingerprint, Stat};
use super::reader::{count_lines, Reader};
use super::tailer::Tailer;
use super::StartAt;

/// Polls a file that is no longer matched (or an old identity) is kept for.
const LOST_POLLS: u32 = 3;

impl Tailer {
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
