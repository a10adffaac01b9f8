//! Between the reader and the pipeline: the reader copies each matching
//! entry's raw data items into a [`RawBatch`] (one growing buffer, reused), and
//! the converter thread turns full batches into OTLP records ([`RecordBuilder`])
//! and sends them. The per-field allocations of the records thus happen on
//! another core than libsystemd's reading, which keeps the reader close to the
//! cost of a bare libsystemd loop.

use std::ops::Range;
use std::sync::mpsc::{Receiver, SyncSender};

use crate::ack::{Ack, Acks, PositionSender};
use crate::event::{InstrumentationScope, KeyValue, LogBatch, LogRecord, Resource, ResourceLogs, ScopeLogs};
use crate::topology::Fanout;

use super::mapping::{hex_id, text, EntryMeta, MappingOptions, RecordBuilder};

/// What libsystemd told about one entry; its bytes are in the batch buffer.
struct RawEntry {
    realtime_usec: u64,
    monotonic_usec: u64,
    observed_nanos: u64,
    boot_id: [u8; 16],
    /// Where this entry's bytes begin in the buffer.
    start: usize,
    cursor: Range<usize>,
    /// Indexes into `RawBatch::items`.
    items: Range<usize>,
}

/// Matching entries as copied out of the journal, not yet records.
#[derive(Default)]
pub struct RawBatch {
    buf: Vec<u8>,
    /// `NAME=value` data items, as ranges of `buf`.
    items: Vec<Range<usize>>,
    entries: Vec<RawEntry>,
}

impl RawBatch {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes held, to cap a batch of huge entries.
    pub fn bytes(&self) -> usize {
        self.buf.len()
    }

    /// Start an entry; then [`Self::push_item`] for each data item, then [`Self::end_entry`].
    pub fn begin_entry(&mut self, realtime_usec: u64, monotonic_usec: u64, observed_nanos: u64, boot_id: [u8; 16]) {
        let at = self.items.len();
        self.entries.push(RawEntry {
            realtime_usec,
            monotonic_usec,
            observed_nanos,
            boot_id,
            start: self.buf.len(),
            cursor: 0..0,
            items: at..at,
        });
    }

    /// Let `write` append the entry's cursor to the buffer.
    pub fn push_cursor<E>(&mut self, write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>) -> Result<(), E> {
        let start = self.buf.len();
        write(&mut self.buf)?;
        let end = self.buf.len();
        if let Some(e) = self.entries.last_mut() {
            e.cursor = start..end;
        }
        Ok(())
    }

    pub fn push_item(&mut self, data: &[u8]) {
        let start = self.buf.len();
        self.buf.extend_from_slice(data);
        self.items.push(start..self.buf.len());
    }

    pub fn end_entry(&mut self) {
        let end = self.items.len();
        if let Some(e) = self.entries.last_mut() {
            e.items.end = end;
        }
    }

    /// Drop an entry begun but not ended (it could not be read whole).
    pub fn abandon_entry(&mut self) {
        if let Some(e) = self.entries.pop() {
            self.items.truncate(e.items.start);
            self.buf.truncate(e.start);
        }
    }

    /// The cursor of the newest entry (empty if none).
    pub fn last_cursor(&self) -> &str {
        let range = self.entries.last().map_or(0..0, |e| e.cursor.clone());
        std::str::from_utf8(&self.buf[range]).unwrap_or_default()
    }

    pub fn clear(&mut self) {
        self.buf.clear();
        self.items.clear();
        self.entries.clear();
    }
}

/// The converter thread: records from raw batches, sent downstream, their
/// positions handed to the checkpoint task; emptied buffers go back to the reader.
pub struct Converter {
    pub input: Receiver<RawBatch>,
    pub recycle: SyncSender<RawBatch>,
    pub output: Fanout,
    /// Each sent batch's position: the cursor of its last entry.
    pub positions: Option<PositionSender<String>>,
    pub mapping: MappingOptions,
    pub resource: Vec<KeyValue>,
}

/// The encoded (protobuf) size at which the converter sends what it has built
/// of a raw batch: half a topology channel's byte budget, so two batches fit in
/// it. Raw size says little about it: a binary field becomes one AnyValue per
/// byte (about 11× its raw size), so 256 entries with 16 KiB binary fields
/// would be one 46 MB batch. A record larger than this goes alone.
pub const MAX_BATCH_ENCODED: usize = (crate::topology::CHANNEL_BYTES / 2) as usize;

impl Converter {
    /// Until the reader stops or every downstream stage is gone.
    pub fn run(self) {
        let mut builder = RecordBuilder::new(self.mapping.clone());
        for mut raw in self.input.iter() {
            let mut records = Vec::with_capacity(raw.len());
            let mut encoded = 0;
            for (i, e) in raw.entries.iter().enumerate() {
                let r = record(&mut builder, &raw, e);
                let size = prost::Message::encoded_len(&r);
                if i > 0 && encoded + size > MAX_BATCH_ENCODED {
                    let cursor = text(&raw.buf[raw.entries[i - 1].cursor.clone()]);
                    if self.send(std::mem::take(&mut records), cursor).is_err() {
                        return; // dropping `input` stops the reader
                    }
                    encoded = 0;
                }
                encoded += size;
                records.push(r);
            }
            if let Some(last) = raw.entries.last() {
                if self.send(records, text(&raw.buf[last.cursor.clone()])).is_err() {
                    return;
                }
            }
            raw.clear();
            let _ = self.recycle.try_send(raw);
        }
    }

    /// One batch downstream; its position (`cursor`, that of its last entry) to the checkpointer.
    fn send(&self, log_records: Vec<LogRecord>, cursor: String) -> Result<(), ()> {
        let resource_logs = ResourceLogs {
            resource: Some(Resource { attributes: self.resource.clone(), ..Default::default() }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope::default()),
                log_records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        };
        let sent = match &self.positions {
            None => self.output.blocking_send(LogBatch::new(vec![resource_logs], Acks::none())),
            Some(positions) => {
                let (ack, waiter) = Ack::new();
                let sent = self.output.blocking_send(LogBatch::new(vec![resource_logs], Acks::one(ack)));
                // The checkpointer outlives the reader; a send error means it is being dropped.
                let _ = positions.blocking_send((cursor, waiter));
                sent
            }
        };
        sent.map(|_| ()).map_err(|_| ())
    }
}

/// One record from a raw entry.
fn record(builder: &mut RecordBuilder, raw: &RawBatch, e: &RawEntry) -> LogRecord {
    builder.start(EntryMeta {
        monotonic_usec: e.monotonic_usec,
        boot_id: hex_id(&e.boot_id),
        cursor: text(&raw.buf[e.cursor.clone()]),
    });
    for item in &raw.items[e.items.clone()] {
        let data = &raw.buf[item.clone()];
        let (name, value) = match memchr::memchr(b'=', data) {
            Some(eq) => (&data[..eq], &data[eq + 1..]),
            None => (data, &b""[..]),
        };
        if !name.is_empty() {
            builder.field(name, value);
        }
    }
    builder.finish(e.realtime_usec, e.observed_nanos)
}
