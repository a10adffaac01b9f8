//! The sending queue on disk (`sending_queue.storage`), through a storage
//! extension's client ([`crate::storage`]).
//!
//! Keys, per signal: `<signal>_<n>` holds a *group*, the batches numbered
//! from `n` that one commit wrote (numbers grow by one per batch, never
//! reused); `<signal>_head` holds the first number not yet settled, the start
//! of the group that holds it, and the start of the oldest group not yet
//! deleted. Groups follow each other without a gap, so a restart finds the
//! queue by reading forward from the head's group, group by group, until a key
//! is missing, and sends it again in order.
//!
//! - A batch is acknowledged upstream once its `set` returned (the storage
//!   fsyncs), so what a client was told is accepted survives a kill -9.
//! - Writes are group commits: the batches that arrive while one commit syncs
//!   are written together by the next, as one value (one file, one sync for
//!   all), and each is acknowledged only once that commit returned.
//! - Writes and head moves run in order on one thread: a head is stored
//!   before the groups below it are deleted, so a crash between the two
//!   leaves extra groups (deleted at the next start), never a gap. The head
//!   is stored at most every [`ADVANCE_EVERY`](super::writer::ADVANCE_EVERY) (and on close): a kill
//!   re-sends at most what was delivered in that time.
//! - A failed write leaves a hole in the numbers; the next commit starts with
//!   tombstones for it, and no later batch is acknowledged before it is, so a
//!   restart (which reads until the first missing group) misses nothing that
//!   was acknowledged.
//! - A damaged group (the storage checks a CRC-32 on every read) is set aside
//!   by the storage, reported here (log and counter) and replaced by
//!   tombstones (up to the next group, when found at a start), so the chain
//!   stays whole and the start goes on. A restart never numbers new batches
//!   below the head.
//! - Files a failed delete or a partly failed commit left behind are never
//!   read again; they cost disk space, not data.
//!
//! A batch is `[version 1][item count, u32 LE][protobuf]`, the protobuf being
//! the export request (`repeated Resource… = 1`) of the signal; a group is
//! `[version 2][count, u32 LE]` then each batch (or tombstone) as `[length, u32
//! LE][bytes]`. A value that is a single batch or tombstone is a group of one
//! (the layout before groups).

use std::io;
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use tokio::sync::oneshot;
use tracing::{error, warn};

use super::group::{self, Groups, Head};
use super::writer::{Cmd, Writer};
use crate::otlp::{protobuf, scan};
use crate::signal::{Batch, Encoded, Signal};
use crate::storage::{StorageClient, Stored};

const VERSION: u8 = 1;
const HEADER_LEN: usize = 5;
/// What a set-aside batch is replaced with: a version byte and nothing else.
pub(super) const TOMBSTONE: [u8; 1] = [0];

/// A batch's value on disk: the header, then the protobuf of its decoded part
/// and its still-encoded part, in item order.
pub fn encode<B: Batch>(batch: &mut B) -> Bytes {
    let items = batch.item_count();
    let encoded = batch.encoded_mut().map(std::mem::take).unwrap_or_default();
    let data = batch.data();
    let sizes = protobuf::sizes(data);
    let mut out = Vec::with_capacity(HEADER_LEN + sizes.total + encoded.bytes());
    out.push(VERSION);
    out.extend_from_slice(&u32::try_from(items).unwrap_or(u32::MAX).to_le_bytes());
    protobuf::encode_into(data, &sizes, &mut out);
    for chunk in encoded.chunks() {
        out.extend_from_slice(chunk);
    }
    Bytes::from(out)
}

/// A value written by [`encode`], as the protobuf it holds (not decoded).
pub fn body(value: Bytes) -> Result<Encoded, String> {
    let items = items_of(&value)
        .ok_or_else(|| format!("not a queued batch ({} bytes, version {:?})", value.len(), value.first()))?;
    Ok(Encoded::new(value.slice(HEADER_LEN..), items))
}

/// A value read back from storage, as [`body`], once its protobuf is checked
/// as a decoder would check it, and its items match the header's count.
/// Logs and spans are checked without decoding ([`scan`]); metrics are decoded.
pub fn checked_body<B: Batch>(value: Bytes) -> Result<Encoded, String> {
    let body = body(value)?;
    let request = body.concat();
    let items = match B::SIGNAL {
        Signal::Logs => scan::scan(&request, &scan::LOGS_REQUEST)?,
        Signal::Traces => scan::scan(&request, &scan::TRACE_REQUEST)?,
        Signal::Metrics => B::count(&Encoded::try_decode::<B::Resource>(&request)?),
    };
    if items != body.items() {
        return Err(format!("{items} items where the header says {}", body.items()));
    }
    Ok(body)
}

/// The item count a value's header records.
fn items_of(value: &[u8]) -> Option<usize> {
    (value.len() >= HEADER_LEN && value[0] == VERSION)
        .then(|| u32::from_le_bytes(value[1..5].try_into().expect("4 bytes")) as usize)
}

/// A batch found on disk at start.
#[derive(Debug)]
pub struct Found {
    pub index: u64,
    pub items: usize,
    pub value: Vec<u8>,
}

/// What [`Disk::open`] found.
#[derive(Debug, Default)]
pub struct Restored {
    /// The first number not settled: where sending resumes.
    pub head: u64,
    /// The next number to write.
    pub tail: u64,
    /// Batches to send, in order (tombstones left out).
    pub found: Vec<Found>,
    /// Numbers in `head..tail` that hold nothing to send (tombstones): settled already.
    pub skipped: Vec<u64>,
    /// Batches that were damaged, reported and set aside.
    pub corrupt: usize,
}

/// The most batches one group holds (a larger commit writes several), so
/// that a restart that finds a damaged group knows how far to look for the
/// next one.
pub(super) const MAX_GROUP: usize = 1024;

/// One exporter's queue on disk: the client, and the thread that writes.
pub struct Disk {
    client: Arc<dyn StorageClient>,
    signal: Signal,
    groups: Groups,
    /// The group [`Disk::load`] read last (its start and value): batches are
    /// read back in order, so a group is read once, not once per batch.
    last_read: std::sync::Mutex<Option<(u64, Arc<Vec<u8>>)>>,
    tx: Option<std_mpsc::Sender<Cmd>>,
    worker: Option<JoinHandle<()>>,
}

/// A group of `len` tombstones: what replaces a damaged group.
fn tombstones(len: u64) -> Vec<u8> {
    group::pack(std::iter::repeat_n(&TOMBSTONE[..], len as usize))
}

pub(super) fn item_key(signal: Signal, index: u64) -> String {
    format!("{signal}_{index}")
}

pub(super) fn head_key(signal: Signal) -> String {
    format!("{signal}_head")
}

impl Disk {
    /// Read the queue left by a previous run (blocking) and start the writer.
    pub fn open(client: Arc<dyn StorageClient>, signal: Signal) -> io::Result<(Disk, Restored)> {
        let groups = Groups::default();
        let restored = restore(client.as_ref(), signal, &groups)?;
        let (tx, rx) = std_mpsc::channel();
        let writer = Writer::new(client.clone(), signal, restored.head, groups.clone());
        let worker = std::thread::Builder::new().name("sending-queue-disk".into()).spawn(move || writer.run(rx))?;
        let last_read = std::sync::Mutex::new(None);
        Ok((Disk { client, signal, groups, last_read, tx: Some(tx), worker: Some(worker) }, restored))
    }

    /// Write batch `index`; resolves once it is durable.
    pub fn put(&self, index: u64, value: Bytes) -> oneshot::Receiver<io::Result<()>> {
        let (done, rx) = oneshot::channel();
        if let Some(tx) = &self.tx {
            let _ = tx.send(Cmd::Put { index, value, done });
        }
        rx
    }

    /// Every batch below `head` is settled: store it and delete them.
    pub fn advance(&self, head: u64) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Cmd::Advance(head));
        }
    }

    /// Read batch `index` back (blocking), out of its group.
    pub fn load(&self, index: u64) -> io::Result<Stored> {
        let Some((start, len)) = self.groups.find(index) else {
            return Ok(Stored::Missing);
        };
        let mut last = self.last_read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let value = match &*last {
            Some((s, v)) if *s == start => v.clone(),
            _ => match self.client.read(&item_key(self.signal, start))? {
                Stored::Value(v) => {
                    let v = Arc::new(v);
                    *last = Some((start, v.clone()));
                    v
                }
                Stored::Corrupt(reason) => {
                    // The storage set the file aside: tombstones take its
                    // place, so a restart still finds the groups after it.
                    if let Err(e) = self.client.set(&item_key(self.signal, start), &tombstones(len)) {
                        warn!(error = %e, "sending_queue: could not replace a damaged group; a restart stops before it");
                    }
                    return Ok(Stored::Corrupt(reason));
                }
                Stored::Missing => return Ok(Stored::Missing),
            },
        };
        drop(last);
        Ok(match group::unpack(&value) {
            Some(entries) => {
                entries.get((index - start) as usize).map_or(Stored::Missing, |e| Stored::Value(e.to_vec()))
            }
            None => Stored::Corrupt("a queue group whose lengths do not add up".into()),
        })
    }

    /// Finish the writes already asked for (blocking).
    pub fn close(mut self) {
        self.tx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// Find the head and every batch from it on; clean up what a crash left below it.
fn restore(client: &dyn StorageClient, signal: Signal, groups: &Groups) -> io::Result<Restored> {
    let mut r = Restored::default();
    let mut at = Head::default();
    let stored = match client.read(&head_key(signal))? {
        Stored::Missing => Some(Head::default()),
        Stored::Value(v) => Head::from_bytes(&v),
        Stored::Corrupt(_) => None,
    };
    match stored {
        Some(head) => at = head,
        None => {
            r.corrupt += 1;
            error!("sending_queue: the queue head is damaged; batches queued before the restart are not sent");
        }
    }
    r.head = at.head;
    // Settled groups a crash kept from being deleted: forward from the oldest
    // to the head's group, and (as written before groups, one batch a key)
    // back from there while keys are present.
    let mut below = at.oldest;
    while below < at.group {
        let key = item_key(signal, below);
        let len = match client.read(&key)? {
            Stored::Value(v) => group::unpack(&v).map_or(0, |e| e.len() as u64),
            _ => 0,
        };
        client.delete(&key)?;
        if len == 0 {
            break;
        }
        below += len;
    }
    let mut below = at.oldest.min(at.group);
    while below > 0 && client.read(&item_key(signal, below - 1))? != Stored::Missing {
        below -= 1;
        client.delete(&item_key(signal, below))?;
    }
    let mut index = at.group;
    let mut pending = None;
    loop {
        let key = item_key(signal, index);
        let read = match pending.take() {
            Some(v) => v,
            None => client.read(&key)?,
        };
        let value = match read {
            Stored::Missing => break,
            Stored::Value(v) => v,
            Stored::Corrupt(reason) => {
                (index, pending) = set_aside(client, signal, groups, &mut r, index, &reason)?;
                continue;
            }
        };
        let Some(entries) = group::unpack(&value).filter(|e| !e.is_empty()) else {
            (index, pending) = set_aside(client, signal, groups, &mut r, index, "a group whose lengths do not add up")?;
            continue;
        };
        for (i, entry) in (index..).zip(&entries) {
            if i < r.head {
                continue;
            }
            match items_of(entry) {
                _ if *entry == TOMBSTONE => r.skipped.push(i),
                Some(items) => r.found.push(Found { index: i, items, value: entry.to_vec() }),
                None => {
                    r.corrupt += 1;
                    error!(index = i, "sending_queue: a queued batch is in an unknown format; it is not sent");
                    r.skipped.push(i);
                }
            }
        }
        groups.insert(index, entries.len() as u64);
        index += entries.len() as u64;
    }
    // The group holding the head was damaged or set aside: new batches must
    // not be numbered below the head, where a restart would skip them.
    if index < r.head {
        let head = Head { head: r.head, group: r.head, oldest: at.oldest.min(at.group) };
        client.set(&head_key(signal), &head.to_bytes())?;
        index = r.head;
    }
    r.tail = index;
    Ok(r)
}

/// Report a damaged group and leave tombstones in its place, up to the next
/// group (its length is lost: the next group starts within [`MAX_GROUP`]), so
/// the chain a restart follows stays whole. The number after it, and what
/// reading the next group found (read once: a damaged one is set aside by
/// that read, and must be handled as damaged, not as missing).
fn set_aside(
    client: &dyn StorageClient,
    signal: Signal,
    groups: &Groups,
    r: &mut Restored,
    index: u64,
    reason: &str,
) -> io::Result<(u64, Option<Stored>)> {
    r.corrupt += 1;
    error!(index, reason, "sending_queue: a queued batch is damaged; it is set aside and not sent");
    let mut len = 1;
    let mut next = None;
    for d in 1..=MAX_GROUP as u64 {
        let s = client.read(&item_key(signal, index + d))?;
        if s != Stored::Missing {
            len = d;
            next = Some(s);
            break;
        }
    }
    client.set(&item_key(signal, index), &tombstones(len))?;
    groups.insert(index, len);
    r.skipped.extend((index..index + len).filter(|&i| i >= r.head));
    Ok((index + len, next))
}

#[cfg(test)]
#[path = "persist_tests.rs"]
mod tests;
