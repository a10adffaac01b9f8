//! The sending queue on disk (`sending_queue.storage`), through a storage
//! extension's client ([`crate::storage`]).
//!
//! Keys, per signal: `<signal>_<n>` holds the batch numbered `n` (numbers grow
//! by one per batch, never reused), `<signal>_head` the first number not yet
//! settled. Every number from the head up to the last one written is present,
//! so a restart finds the queue by reading forward from the head until a key is
//! missing, and sends it again in order.
//!
//! - A batch is acknowledged upstream once its `set` returned (the storage
//!   fsyncs), so what a client was told is accepted survives a kill -9.
//! - Writes are group commits: the batches that arrive while one commit syncs
//!   are written together by the next (`set_all`: one set of syncs for all),
//!   and each is acknowledged only once the commit that covers it returned.
//! - Writes and head moves run in order on one thread: a head is stored
//!   before the batches below it are deleted, so a crash between the two
//!   leaves extra batches (sent twice, deleted at the next start), never a gap.
//! - A failed write leaves a hole in the numbers; it is filled with a tombstone
//!   in the next commit, and no later batch is acknowledged before it is, so a
//!   restart (which reads until the first missing number) misses nothing that
//!   was acknowledged.
//! - A damaged batch (the storage checks a CRC-32 on every read) is set aside
//!   by the storage, reported here (log and counter) and replaced by a
//!   tombstone, so the numbers stay contiguous and the start goes on.
//!
//! A value is `[version 1][item count, u32 LE][protobuf]`, the protobuf being
//! the export request (`repeated Resource… = 1`) of the signal.

use std::io;
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use tokio::sync::oneshot;
use tracing::{error, warn};

use crate::otlp::{protobuf, scan};
use crate::signal::{Batch, Encoded, Signal};
use crate::storage::{StorageClient, Stored};

const VERSION: u8 = 1;
const HEADER_LEN: usize = 5;
/// What a set-aside batch is replaced with: a version byte and nothing else.
const TOMBSTONE: [u8; 1] = [0];

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

enum Cmd {
    Put { index: u64, value: Bytes, done: oneshot::Sender<io::Result<()>> },
    Advance(u64),
}

/// One exporter's queue on disk: the client, and the thread that writes.
pub struct Disk {
    client: Arc<dyn StorageClient>,
    signal: Signal,
    tx: Option<std_mpsc::Sender<Cmd>>,
    worker: Option<JoinHandle<()>>,
}

fn item_key(signal: Signal, index: u64) -> String {
    format!("{signal}_{index}")
}

fn head_key(signal: Signal) -> String {
    format!("{signal}_head")
}

impl Disk {
    /// Read the queue left by a previous run (blocking) and start the writer.
    pub fn open(client: Arc<dyn StorageClient>, signal: Signal) -> io::Result<(Disk, Restored)> {
        let restored = restore(client.as_ref(), signal)?;
        let (tx, rx) = std_mpsc::channel();
        let worker_client = client.clone();
        let head = restored.head;
        let worker = std::thread::Builder::new()
            .name("sending-queue-disk".into())
            .spawn(move || write_loop(worker_client.as_ref(), signal, head, rx))?;
        Ok((Disk { client, signal, tx: Some(tx), worker: Some(worker) }, restored))
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

    /// Read batch `index` back (blocking).
    pub fn load(&self, index: u64) -> io::Result<Stored> {
        self.client.read(&item_key(self.signal, index))
    }

    /// Finish the writes already asked for (blocking).
    pub fn close(mut self) {
        self.tx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// A batch waiting for the writer.
type Put = (u64, Bytes, oneshot::Sender<io::Result<()>>);

/// The writer thread. Every put that arrived while the previous commit was
/// syncing goes into the next one (a group commit: one set of syncs for all),
/// and each is answered once that commit is durable. Head moves wait until
/// the puts of their round are done, and only the latest is stored.
fn write_loop(client: &dyn StorageClient, signal: Signal, mut head: u64, rx: std_mpsc::Receiver<Cmd>) {
    // Numbers whose write failed: tombstoned before any later batch is
    // acknowledged, so a restart never stops at a gap below an acknowledged batch.
    let mut holes = Vec::new();
    while let Ok(cmd) = rx.recv() {
        let mut advance = None;
        let mut puts = Vec::new();
        let mut next = Some(cmd);
        while let Some(cmd) = next.take().or_else(|| rx.try_recv().ok()) {
            match cmd {
                Cmd::Put { index, value, done } => puts.push((index, value, done)),
                Cmd::Advance(h) => advance = Some(advance.map_or(h, |a: u64| a.max(h))),
            }
        }
        if !puts.is_empty() {
            commit(client, signal, &mut holes, puts);
        }
        if let Some(h) = advance.filter(|&h| h > head) {
            // The head first: a crash before the deletes leaves duplicates, not a gap.
            if let Err(e) = client.set(&head_key(signal), &h.to_le_bytes()) {
                error!(error = %e, "sending_queue: could not store the queue head; settled batches may be sent again");
                continue;
            }
            let settled: Vec<String> = (head..h).map(|i| item_key(signal, i)).collect();
            if let Err(e) = client.delete_all(&settled) {
                warn!(error = %e, "sending_queue: could not delete settled batches");
            }
            // Below the head, a failed number needs no tombstone any more.
            holes.retain(|&i| i >= h);
            head = h;
        }
    }
}

/// Write `puts` (and tombstones for earlier failed numbers) in one group
/// commit, then answer each put with its outcome.
fn commit(client: &dyn StorageClient, signal: Signal, holes: &mut Vec<u64>, puts: Vec<Put>) {
    let keys: Vec<String> = holes.iter().chain(puts.iter().map(|p| &p.0)).map(|&i| item_key(signal, i)).collect();
    let values = std::iter::repeat_n(&TOMBSTONE[..], holes.len()).chain(puts.iter().map(|p| &p.1[..]));
    let entries: Vec<(&str, &[u8])> = keys.iter().map(String::as_str).zip(values).collect();
    let result = client.set_all(&entries);
    match &result {
        Ok(()) => holes.clear(),
        Err(_) => holes.extend(puts.iter().map(|p| p.0)),
    }
    for (_, _, done) in puts {
        let _ = done.send(result.as_ref().map(|_| ()).map_err(|e| io::Error::new(e.kind(), e.to_string())));
    }
}

/// Find the head and every batch from it on; clean up what a crash left below it.
fn restore(client: &dyn StorageClient, signal: Signal) -> io::Result<Restored> {
    let mut r = Restored::default();
    match client.read(&head_key(signal))? {
        Stored::Value(v) if v.len() == 8 => r.head = u64::from_le_bytes(v.try_into().expect("8 bytes")),
        Stored::Missing => {}
        Stored::Value(_) | Stored::Corrupt(_) => {
            r.corrupt += 1;
            error!("sending_queue: the queue head is damaged; batches queued before the restart are not sent");
        }
    }
    // Settled batches a crash kept from being deleted (deleted in increasing order).
    let mut below = r.head;
    while below > 0 && client.read(&item_key(signal, below - 1))? != Stored::Missing {
        below -= 1;
        client.delete(&item_key(signal, below))?;
    }
    let mut index = r.head;
    loop {
        let key = item_key(signal, index);
        match client.read(&key)? {
            Stored::Missing => break,
            Stored::Value(v) if v == TOMBSTONE => r.skipped.push(index),
            Stored::Value(value) => match items_of(&value) {
                Some(items) => r.found.push(Found { index, items, value }),
                None => set_aside(client, &key, &mut r, index, "unknown format")?,
            },
            Stored::Corrupt(reason) => set_aside(client, &key, &mut r, index, &reason)?,
        }
        index += 1;
    }
    r.tail = index;
    Ok(r)
}

/// Report a damaged batch and leave a tombstone in its place.
fn set_aside(client: &dyn StorageClient, key: &str, r: &mut Restored, index: u64, reason: &str) -> io::Result<()> {
    r.corrupt += 1;
    error!(index, reason, "sending_queue: a queued batch is damaged; it is set aside and not sent");
    client.set(key, &TOMBSTONE)?;
    r.skipped.push(index);
    Ok(())
}
