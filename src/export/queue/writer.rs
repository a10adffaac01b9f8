//! The queue's writer thread: group commits of the batches put to it, and
//! the head moves, in order, on one thread (see [`super::persist`] for the
//! layout on disk and the guarantees).

use std::io;
use std::sync::mpsc::{self as std_mpsc, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;
use tracing::{error, warn};

use super::group::{self, Groups};
use super::persist::{head_key, item_key, MAX_GROUP, TOMBSTONE};
use crate::signal::Signal;
use crate::storage::StorageClient;

/// How long the writer waits, at most, after a put for more to commit with
/// it, and how many bytes end the wait sooner. Each commit costs a file, a
/// rename and three syncs, more than its bytes: on the Teleport benchmark
/// batches came 1.6 ms apart and a commit took 0.3 ms, so without the wait
/// nearly every batch was a commit of its own. The wait delays a batch's ack
/// (a receiver's checkpoint, an otlp client's answer), so it adapts: halved
/// each time it ran out with no other put, down to [`MIN_LINGER`] (a client
/// that waits for each answer before sending more pays that), and doubled
/// each time one came.
pub(super) const COMMIT_LINGER: Duration = Duration::from_millis(10);
pub(super) const MIN_LINGER: Duration = Duration::from_micros(250);
const COMMIT_BYTES: usize = 2 << 20;

/// How often the head is stored, at most. A head stored late means only that
/// a kill re-sends what was delivered since (bounded duplicates, never a
/// gap); stored whenever a consumer finished, it cost a file write, a rename
/// and two syncs each time, then the deletes of a group or two.
pub(super) const ADVANCE_EVERY: Duration = Duration::from_millis(100);

pub(super) enum Cmd {
    Put { index: u64, value: Bytes, done: oneshot::Sender<io::Result<()>> },
    Advance(u64),
}

/// A batch waiting for the writer.
type Put = (u64, Bytes, oneshot::Sender<io::Result<()>>);

/// The writer thread's state.
pub(super) struct Writer {
    client: Arc<dyn StorageClient>,
    signal: Signal,
    head: u64,
    groups: Groups,
    /// Numbers whose write failed (first, count): written as tombstones at
    /// the start of the next commit, before any later batch is acknowledged,
    /// so a restart never stops at a gap below an acknowledged batch.
    holes: Option<(u64, u64)>,
}

impl Writer {
    /// The writer of a queue whose restored head is `head`.
    pub(super) fn new(client: Arc<dyn StorageClient>, signal: Signal, head: u64, groups: Groups) -> Writer {
        Writer { client, signal, head, groups, holes: None }
    }

    /// Every put that arrived while the previous commit was syncing goes into
    /// the next one (a group commit: one value, one set of syncs for all),
    /// and each is answered once that commit is durable. Head moves wait
    /// until the puts of their round are done; only the latest is stored, at
    /// most once per [`ADVANCE_EVERY`] (a failed store is tried again), and
    /// on close.
    pub(super) fn run(mut self, rx: std_mpsc::Receiver<Cmd>) {
        let mut pending: Option<u64> = None;
        let mut stored_at = Instant::now().checked_sub(ADVANCE_EVERY).unwrap_or_else(Instant::now);
        let mut linger = COMMIT_LINGER;
        loop {
            let first = match pending {
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(_) => rx.recv_timeout((stored_at + ADVANCE_EVERY).saturating_duration_since(Instant::now())),
            };
            let first = match first {
                Ok(cmd) => Some(cmd),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let round = Round::gather(&rx, first, linger, &mut pending);
            linger = round.next_linger(linger);
            if !round.puts.is_empty() {
                self.commit(round.puts);
            }
            if stored_at.elapsed() >= ADVANCE_EVERY {
                if let Some(h) = pending.take().filter(|&h| h > self.head) {
                    stored_at = Instant::now();
                    if !self.advance(h) {
                        pending = Some(h);
                    }
                }
            }
        }
        if let Some(h) = pending.filter(|&h| h > self.head) {
            self.advance(h);
        }
    }

    /// Write `puts` (after tombstones for earlier failed numbers) as one
    /// group, then answer each put with its outcome.
    fn commit(&mut self, puts: Vec<Put>) {
        let first = self.holes.map_or(puts[0].0, |(start, _)| start);
        let tombstones = self.holes.map_or(0, |(_, n)| n as usize);
        debug_assert_eq!(puts[0].0, first + tombstones as u64, "puts follow the holes");
        let values: Vec<&[u8]> =
            std::iter::repeat_n(&TOMBSTONE[..], tombstones).chain(puts.iter().map(|p| &p.1[..])).collect();
        // (start, length, key, value) of each group.
        let chunks: Vec<(u64, u64, String, Vec<u8>)> = (first..)
            .step_by(MAX_GROUP)
            .zip(values.chunks(MAX_GROUP))
            .map(|(start, c)| (start, c.len() as u64, item_key(self.signal, start), group::pack(c.iter().copied())))
            .collect();
        let entries: Vec<(&str, &[u8])> = chunks.iter().map(|(_, _, k, v)| (k.as_str(), &v[..])).collect();
        let result = self.client.set_all(&entries);
        match &result {
            Ok(()) => {
                self.holes = None;
                for (start, len, _, _) in &chunks {
                    self.groups.insert(*start, *len);
                }
            }
            Err(_) => self.holes = Some((first, values.len() as u64)),
        }
        for (_, _, done) in puts {
            let _ = done.send(result.as_ref().map(|_| ()).map_err(|e| io::Error::new(e.kind(), e.to_string())));
        }
    }

    /// Store the new head (the head first: a crash before the deletes leaves
    /// groups to delete, not a gap), then delete the groups wholly below it.
    /// False when the head could not be stored (nothing else was done).
    fn advance(&mut self, h: u64) -> bool {
        if let Err(e) = self.client.set(&head_key(self.signal), &self.groups.head(h).to_bytes()) {
            error!(error = %e, "sending_queue: could not store the queue head; settled batches may be sent again");
            return false;
        }
        let settled: Vec<String> = self.groups.remove_below(h).into_iter().map(|s| item_key(self.signal, s)).collect();
        if let Err(e) = self.client.delete_all(&settled) {
            warn!(error = %e, "sending_queue: could not delete settled batches");
        }
        // Below the head, a failed number needs no tombstone any more.
        self.holes = self.holes.and_then(|(start, n)| {
            let from = start.max(h);
            (start + n > from).then(|| (from, start + n - from))
        });
        self.head = h;
        true
    }
}

/// One round of the writer: the puts of the next commit.
struct Round {
    puts: Vec<Put>,
    /// Puts that came while the writer waited for more.
    caught: usize,
    /// The wait ran out.
    ran_out: bool,
}

impl Round {
    /// `first`, whatever is waiting, and, once a put is in hand, more puts
    /// for up to `linger` (or until [`COMMIT_BYTES`] of them). Head moves
    /// among them go to `pending`.
    fn gather(rx: &std_mpsc::Receiver<Cmd>, first: Option<Cmd>, linger: Duration, pending: &mut Option<u64>) -> Round {
        let mut round = Round { puts: Vec::new(), caught: 0, ran_out: false };
        let (mut until, mut bytes): (Option<Instant>, usize) = (None, 0);
        let mut next = first;
        loop {
            let cmd = match next.take().or_else(|| rx.try_recv().ok()) {
                Some(cmd) => cmd,
                None => {
                    let Some(until) = until.filter(|_| bytes < COMMIT_BYTES) else { break };
                    match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                        Ok(cmd) => {
                            round.caught += matches!(cmd, Cmd::Put { .. }) as usize;
                            cmd
                        }
                        Err(_) => {
                            round.ran_out = true;
                            break;
                        }
                    }
                }
            };
            match cmd {
                Cmd::Put { index, value, done } => {
                    until.get_or_insert_with(|| Instant::now() + linger);
                    bytes += value.len();
                    round.puts.push((index, value, done));
                }
                Cmd::Advance(h) => *pending = Some(pending.map_or(h, |p: u64| p.max(h))),
            }
        }
        round
    }

    /// The next round's wait: twice as long (up to [`COMMIT_LINGER`]) when
    /// puts came during this one's, half as long (down to [`MIN_LINGER`])
    /// when it ran out with none.
    fn next_linger(&self, linger: Duration) -> Duration {
        match (self.caught, self.ran_out) {
            (1.., _) => (linger * 2).min(COMMIT_LINGER),
            (0, true) => (linger / 2).max(MIN_LINGER),
            (0, false) => linger,
        }
    }
}
