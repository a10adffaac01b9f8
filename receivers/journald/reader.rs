//! The reader thread: libsystemd's `sd_journal` is neither `Send` nor async, so
//! one dedicated OS thread opens the journal, adds the filters, positions itself
//! (stored cursor, head or tail), then reads and follows. A full pipeline blocks
//! the converter's `Fanout::blocking_send`, and through a channel of one batch
//! the reader (backpressure).
//!
//! Per entry, MESSAGE is fetched and `grep` applied first; only a match has its
//! other fields enumerated, copied raw into a [`RawBatch`] that goes to the
//! converter thread ([`super::batch`]) at [`MAX_BATCH`] entries, when the journal
//! has no more entries, or once its first entry is [`MAX_BATCH_AGE`] old. Each
//! batch carries an ack whose position is the cursor of its last entry.
//!
//! Pitfalls handled (the team's journal format notes, Fluent Bit's in_systemd):
//! `sd_journal_restart_data` after every `sd_journal_next`; start at the end with
//! `seek_tail` + `previous` (then `next` moves past the newest entry instead of
//! returning the last entries of each file, systemd#9934); resume with
//! `seek_cursor`, skipping the cursor's own entry only if it is still there
//! (`test_cursor`); `sd_journal_process` every 1024 entries so that deleted files
//! are let go during long reads, and the pages libsystemd mapped are released
//! now and then, so that scanning a large journal does not grow the resident
//! set. Any read error, or the directory vanishing, closes the journal; it is
//! reopened every [`RETRY_EVERY`] and reading resumes after the last entry read.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use regex::bytes::Regex;
use systemd::id128::Id128;
use systemd::journal::{Journal, JournalRef, JournalWaitResult};
use tokio::sync::oneshot;
use tracing::{debug, info, warn};

use super::batch::RawBatch;
use super::filter::Filters;
use super::mapping::hex_id;
use super::sd;
use super::source::{open_error, Source};

/// Entries per batch: small enough that the batches a slow exporter lets pile
/// up in the pipeline's channels stay a few MB, large enough to be cheap.
pub const MAX_BATCH: usize = 256;
/// Raw bytes per batch, for journals with huge fields: three raw batches
/// (filling, waiting, converting) hold at most a few MiB. Typical entries (a
/// few hundred bytes to 2 KiB) fill [`MAX_BATCH`] first. The converter splits
/// a batch further by its encoded size ([`super::batch::MAX_BATCH_ENCODED`]).
const MAX_BATCH_BYTES: usize = 1 << 20;
/// Longest a record waits in a partial batch while older entries are still being scanned.
pub const MAX_BATCH_AGE: Duration = Duration::from_millis(200);
/// How long one `sd_journal_wait` blocks before the stop flag is looked at again.
const WAIT: Duration = Duration::from_millis(200);
/// How often, while following, the directory or files are checked to still be the ones opened.
const IDENTITY_EVERY: Duration = Duration::from_secs(1);
/// Pause between attempts to reopen a journal that failed.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);
/// Entries between `sd_journal_process` calls while catching up (journalctl's value).
const PROCESS_EVERY: u32 = 1024;
/// `sd_journal_process` rounds between releases of the pages libsystemd mapped.
const RELEASE_EVERY: u32 = 4;

/// What the reader needs from the config.
pub struct Settings {
    pub source: Source,
    pub filters: Filters,
    pub grep: Option<Regex>,
}

/// Where to begin when there is no cursor to resume from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    Beginning,
    End,
}

/// Why the journal could not be opened.
enum OpenError {
    /// Nothing to read at all (missing directory, no permission): a start error.
    Source(String),
    /// Opened, but the filters or the position cannot be set up yet: retried.
    Setup(String),
}

pub struct Reader {
    settings: Settings,
    stop: Arc<AtomicBool>,
    /// Full batches to the converter; emptied ones come back.
    output: SyncSender<RawBatch>,
    recycled: Receiver<RawBatch>,
    start_at: StartAt,
    batch: RawBatch,
    batch_started: Option<Instant>,
    /// Cursor of the newest entry handed on (or of the tail position at
    /// start): where to resume after reopening. Empty before the first entry.
    last_cursor: String,
    /// Right after `seek_cursor`: skip the entry if it is the cursor's own.
    skip_cursor: bool,
    /// [`Source::identity`] when the journal was opened.
    identity: Vec<(u64, u64)>,
}

impl Reader {
    pub fn new(
        settings: Settings,
        stop: Arc<AtomicBool>,
        (output, recycled): (SyncSender<RawBatch>, Receiver<RawBatch>),
        start_at: StartAt,
        cursor: Option<String>,
    ) -> Reader {
        Reader {
            settings,
            stop,
            output,
            recycled,
            start_at,
            batch: RawBatch::default(),
            batch_started: None,
            last_cursor: cursor.unwrap_or_default(),
            skip_cursor: false,
            identity: Vec::new(),
        }
    }

    /// The thread's body: report whether the journal opened (`started`), then
    /// read until the stop flag is set or every downstream stage is gone.
    pub fn run(mut self, started: oneshot::Sender<Result<(), String>>) {
        let describe = self.settings.source.describe();
        let first = self.settings.source.check_readable().map_err(OpenError::Source).and_then(|warning| {
            if let Some(w) = warning {
                warn!("{w}");
            }
            self.open()
        });
        let mut journal = match first {
            Ok(j) => {
                let _ = started.send(Ok(()));
                j
            }
            Err(OpenError::Source(e)) => {
                let _ = started.send(Err(e));
                return;
            }
            Err(OpenError::Setup(e)) => {
                let _ = started.send(Ok(()));
                warn!(error = %e, "cannot set up reading the {describe}; retrying every {RETRY_EVERY:?}");
                match self.reopen() {
                    Some(j) => j,
                    None => return,
                }
            }
        };
        info!("reading the {describe}");
        loop {
            match self.follow(&mut journal) {
                Ok(()) => return,
                Err(e) => {
                    warn!(error = %e, "reading the {describe} failed; reopening it every {RETRY_EVERY:?}");
                    // What was read is good: send it, so that reading resumes after it.
                    if self.flush().is_err() {
                        return;
                    }
                    drop(journal);
                    match self.reopen() {
                        Some(j) => journal = j,
                        None => return,
                    }
                }
            }
        }
    }

    /// Open, filter and position the journal.
    fn open(&mut self) -> Result<Journal, OpenError> {
        let source = &self.settings.source;
        self.identity = source.identity();
        let mut j = source.open().map_err(|e| OpenError::Source(open_error(&source.describe(), &e)))?;
        let setup = |e: io::Error| OpenError::Setup(e.to_string());
        let boot = match self.settings.filters.dmesg {
            true => Some(self.dmesg_boot(&mut j).map_err(setup)?),
            false => None,
        };
        self.settings.filters.apply(&mut j, boot.as_deref()).map_err(setup)?;
        self.position(&mut j).map_err(setup)?;
        Ok(j)
    }

    /// `--dmesg` limits to one boot: the running one for the local system
    /// journal, else the boot of the newest entry (journalctl's `add_boot`).
    fn dmesg_boot(&self, j: &mut JournalRef) -> io::Result<String> {
        if self.settings.source.is_local_system() {
            return Ok(hex_id(Id128::from_boot()?.as_bytes()));
        }
        j.seek_tail()?;
        if j.previous()? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the journal has no entries yet (dmesg needs its boot)",
            ));
        }
        Ok(hex_id(j.monotonic_timestamp()?.1.as_bytes()))
    }

    fn position(&mut self, j: &mut JournalRef) -> io::Result<()> {
        if !self.last_cursor.is_empty() {
            j.seek_cursor(self.last_cursor.as_str())?;
            self.skip_cursor = true;
            return Ok(());
        }
        match self.start_at {
            StartAt::Beginning => j.seek_head(),
            StartAt::End => {
                j.seek_tail()?;
                // On the newest matching entry, `next` continues after it. With
                // none, everything that comes is new: from the head (after a bare
                // tail seek, entries of files that appear later would be missed).
                if j.previous()? > 0 {
                    self.last_cursor = j.cursor()?;
                    Ok(())
                } else {
                    j.seek_head()
                }
            }
        }
    }

    /// Reopen until it works or the stop flag is set (`None`).
    fn reopen(&mut self) -> Option<Journal> {
        let describe = self.settings.source.describe();
        let mut warned = false;
        loop {
            if self.sleep_unless_stopped(RETRY_EVERY) {
                return None;
            }
            match self.open() {
                Ok(j) => {
                    info!(cursor = %self.last_cursor, "reopened the {describe}; reading on after the last entry read");
                    return Some(j);
                }
                Err(OpenError::Source(e) | OpenError::Setup(e)) if !warned => {
                    warn!(error = %e, "cannot open the {describe} yet; still trying every {RETRY_EVERY:?}");
                    warned = true;
                }
                Err(OpenError::Source(e) | OpenError::Setup(e)) => debug!(error = %e, "reopen failed"),
            }
        }
    }

    /// True if stopped while sleeping.
    fn sleep_unless_stopped(&self, d: Duration) -> bool {
        let until = Instant::now() + d;
        while Instant::now() < until {
            if self.stop.load(Ordering::Acquire) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.stop.load(Ordering::Acquire)
    }

    /// Read everything there is, send it, wait for more; `Ok` when stopped or
    /// when downstream is gone, `Err` when the journal must be reopened.
    fn follow(&mut self, j: &mut JournalRef) -> io::Result<()> {
        let (mut since_process, mut since_release) = (0u32, 0u32);
        let mut identity_checked = Instant::now();
        loop {
            loop {
                if self.stop.load(Ordering::Acquire) {
                    let _ = self.flush();
                    return Ok(());
                }
                if j.next()? == 0 {
                    break;
                }
                // Fluent Bit's guard against stale data iteration state in libsystemd.
                j.restart_data();
                if std::mem::take(&mut self.skip_cursor) && j.test_cursor(self.last_cursor.as_str())? {
                    continue;
                }
                self.visit(j)?;
                since_process += 1;
                let full = self.batch.len() >= MAX_BATCH || self.batch.bytes() >= MAX_BATCH_BYTES;
                // The clock is looked at every 64 entries only.
                let old = since_process % 64 == 0 && self.batch_started.is_some_and(|t| t.elapsed() >= MAX_BATCH_AGE);
                if (full || old) && self.flush().is_err() {
                    return Ok(());
                }
                if since_process == PROCESS_EVERY {
                    since_process = 0;
                    j.process()?;
                    since_release += 1;
                    if since_release == RELEASE_EVERY {
                        since_release = 0;
                        sd::release_journal_mappings();
                    }
                }
            }
            if self.flush().is_err() {
                return Ok(());
            }
            let changed = matches!(j.wait(Some(WAIT))?, JournalWaitResult::Invalidate);
            if changed || identity_checked.elapsed() >= IDENTITY_EVERY {
                identity_checked = Instant::now();
                if self.settings.source.identity() != self.identity {
                    let what = self.settings.source.describe();
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("the {what} disappeared or was replaced"),
                    ));
                }
            }
        }
    }

    /// One entry: grep on MESSAGE, then (if it matches) every field, copied raw.
    fn visit(&mut self, j: &mut JournalRef) -> io::Result<()> {
        if let Some(re) = &self.settings.grep {
            // journalctl skips entries without MESSAGE when grepping.
            match j.get_data(c"MESSAGE")? {
                Some(f) if re.is_match(f.value().unwrap_or_default()) => {}
                _ => return Ok(()),
            }
        }
        let realtime_usec = j.timestamp_usec()?;
        let (monotonic_usec, boot) = j.monotonic_timestamp()?;
        let observed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        self.batch.begin_entry(realtime_usec, monotonic_usec, observed, *boot.as_bytes());
        if let Err(e) = self.batch.push_cursor(|buf| sd::append_cursor(j, buf)) {
            self.batch.abandon_entry();
            return Err(e);
        }
        j.restart_data();
        loop {
            match j.enumerate_data() {
                Ok(Some(f)) => self.batch.push_item(f.data()),
                Ok(None) => break,
                // A damaged entry is skipped, as journalctl skips it.
                Err(e) => {
                    warn!(error = %e, "skipping a journal entry that cannot be read");
                    self.batch.abandon_entry();
                    return Ok(());
                }
            }
        }
        self.batch.end_entry();
        self.batch_started.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Hand the pending entries to the converter; `Err` when it is gone
    /// (every downstream stage stopped).
    fn flush(&mut self) -> Result<(), ()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.last_cursor.clear();
        self.last_cursor.push_str(self.batch.last_cursor());
        let next = self.recycled.try_recv().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, next);
        self.batch_started = None;
        self.output.send(full).map_err(|_| ())
    }
}
