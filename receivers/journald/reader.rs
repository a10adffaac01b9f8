//! The reader thread: libsystemd's `sd_journal` is neither `Send` nor async, so
//! one dedicated OS thread opens the journal, adds the filters, positions itself
//! (stored cursor, head or tail), then reads and follows, sending batches with
//! [`Fanout::blocking_send`] (a full pipeline blocks it: backpressure).
//!
//! Per entry, MESSAGE is fetched and `grep` applied first; only a match has its
//! other fields enumerated. Records go into a batch that is sent at
//! [`MAX_BATCH`] records, when the journal has no more entries, or once its
//! first record is [`MAX_BATCH_AGE`] old. Each batch carries an ack whose
//! position is the cursor of its last entry.
//!
//! Pitfalls handled (../shared/reference/sources.md, Fluent Bit's in_systemd):
//! `sd_journal_restart_data` after every `sd_journal_next`; start at the end with
//! `seek_tail` + `previous` (then `next` moves past the newest entry instead of
//! returning the last entries of each file, systemd#9934); resume with
//! `seek_cursor`, skipping the cursor's own entry only if it is still there
//! (`test_cursor`); `sd_journal_process` every 1024 entries so that deleted files
//! are let go during long reads. Any read error, or the directory vanishing,
//! closes the journal; it is reopened every [`RETRY_EVERY`] and reading resumes
//! after the last entry read.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use regex::bytes::Regex;
use systemd::id128::Id128;
use systemd::journal::{Journal, JournalRef, JournalWaitResult};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::ack::{Ack, AckWaiter, Acks};
use crate::event::{InstrumentationScope, KeyValue, LogBatch, LogRecord, Resource, ResourceLogs, ScopeLogs};
use crate::topology::{Closed, Fanout};

use super::filter::Filters;
use super::mapping::{EntryMeta, MappingOptions, RecordBuilder};
use super::source::{open_error, Source};

/// Records per batch.
pub const MAX_BATCH: usize = 1024;
/// Longest a record waits in a partial batch while older entries are still being scanned.
pub const MAX_BATCH_AGE: Duration = Duration::from_millis(200);
/// How long one `sd_journal_wait` blocks before the stop flag is looked at again.
const WAIT: Duration = Duration::from_millis(200);
/// Pause between attempts to reopen a journal that failed.
pub const RETRY_EVERY: Duration = Duration::from_secs(2);
/// Entries between `sd_journal_process` calls while catching up (journalctl's value).
const PROCESS_EVERY: u32 = 1024;

/// Everything the reader needs from the config.
pub struct Settings {
    pub source: Source,
    pub filters: Filters,
    pub grep: Option<Regex>,
    pub mapping: MappingOptions,
    pub resource: Vec<KeyValue>,
}

/// Where to begin when there is no cursor to resume from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    Beginning,
    End,
}

/// A batch's position and the waiter that tells when it is delivered.
pub type Position = (String, AckWaiter);

/// Why the journal could not be opened.
enum OpenError {
    /// Nothing to read at all (missing directory, no permission): a start error.
    Source(String),
    /// Opened, but the filters or the position cannot be set up yet: retried.
    Setup(String),
}

pub struct Reader {
    settings: Arc<Settings>,
    output: Fanout,
    stop: Arc<AtomicBool>,
    /// Where batch positions go when a storage checkpoint is kept.
    positions: Option<mpsc::UnboundedSender<Position>>,
    start_at: StartAt,
    builder: RecordBuilder,
    records: Vec<LogRecord>,
    batch_started: Option<Instant>,
    /// Cursor of the newest entry read (or of the tail position at start):
    /// where to resume after reopening. Empty before the first entry.
    last_cursor: String,
    /// Right after `seek_cursor`: skip the entry if it is the cursor's own.
    skip_cursor: bool,
}

impl Reader {
    pub fn new(
        settings: Arc<Settings>,
        output: Fanout,
        stop: Arc<AtomicBool>,
        positions: Option<mpsc::UnboundedSender<Position>>,
        start_at: StartAt,
        cursor: Option<String>,
    ) -> Reader {
        let builder = RecordBuilder::new(settings.mapping.clone());
        Reader {
            settings,
            output,
            stop,
            positions,
            start_at,
            builder,
            records: Vec::with_capacity(MAX_BATCH),
            batch_started: None,
            last_cursor: cursor.unwrap_or_default(),
            skip_cursor: false,
        }
    }

    /// The thread's body: report whether the journal opened (`started`), then
    /// read until the stop flag is set or every downstream stage is gone.
    pub fn run(mut self, started: oneshot::Sender<Result<(), String>>) {
        let describe = self.settings.source.describe();
        let first = self.settings.source.check_readable().map_err(OpenError::Source).and_then(|warnings| {
            warnings.iter().for_each(|w| warn!("{w}"));
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
        info!(cursor = %self.last_cursor, "reading the {describe}");
        loop {
            match self.follow(&mut journal) {
                Ok(()) => return,
                Err(e) => {
                    warn!(error = %e, "reading the {describe} failed; reopening it every {RETRY_EVERY:?}");
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
            return Ok(hex::encode(Id128::from_boot()?.as_bytes()));
        }
        j.seek_tail()?;
        if j.previous()? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the journal has no entries yet (dmesg needs its boot)",
            ));
        }
        Ok(hex::encode(j.monotonic_timestamp()?.1.as_bytes()))
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
                // On the newest matching entry: `next` continues after it.
                if j.previous()? > 0 {
                    self.last_cursor = j.cursor()?;
                }
                Ok(())
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
        let mut since_process = 0u32;
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
                let old = self.batch_started.is_some_and(|t| t.elapsed() >= MAX_BATCH_AGE);
                if (self.records.len() >= MAX_BATCH || old) && self.flush().is_err() {
                    return Ok(());
                }
                since_process += 1;
                if since_process == PROCESS_EVERY {
                    since_process = 0;
                    j.process()?;
                }
            }
            if self.flush().is_err() {
                return Ok(());
            }
            if let JournalWaitResult::Invalidate = j.wait(Some(WAIT))? {
                if !self.settings.source.exists() {
                    let what = self.settings.source.describe();
                    return Err(io::Error::new(io::ErrorKind::NotFound, format!("the {what} disappeared")));
                }
            }
        }
    }

    /// One entry: grep on MESSAGE, then (if it matches) every field.
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
        let cursor = j.cursor()?;
        self.last_cursor.clear();
        self.last_cursor.push_str(&cursor);
        let boot_id = hex::encode(boot.as_bytes());
        self.builder.start(EntryMeta { monotonic_usec, boot_id, cursor });
        j.restart_data();
        loop {
            match j.enumerate_data() {
                Ok(Some(f)) => self.builder.field(f.name(), f.value().unwrap_or_default()),
                Ok(None) => break,
                // A damaged entry is skipped, as journalctl skips it; its position still counts.
                Err(e) => {
                    warn!(error = %e, cursor = %self.last_cursor, "skipping a journal entry that cannot be read");
                    return Ok(());
                }
            }
        }
        let observed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        self.records.push(self.builder.finish(realtime_usec, observed));
        self.batch_started.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Send the pending records as one batch (one resource, one scope).
    fn flush(&mut self) -> Result<(), Closed> {
        if self.records.is_empty() {
            return Ok(());
        }
        let log_records = std::mem::replace(&mut self.records, Vec::with_capacity(MAX_BATCH));
        self.batch_started = None;
        let resource_logs = ResourceLogs {
            resource: Some(Resource { attributes: self.settings.resource.clone(), ..Default::default() }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope::default()),
                log_records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        };
        let Some(positions) = &self.positions else {
            return self.output.blocking_send(LogBatch::new(vec![resource_logs], Acks::none()));
        };
        let (ack, waiter) = Ack::new();
        self.output.blocking_send(LogBatch::new(vec![resource_logs], Acks::one(ack)))?;
        // The checkpoint task is gone only when the receiver is being dropped.
        let _ = positions.send((self.last_cursor.clone(), waiter));
        Ok(())
    }
}
