//! One export: encode a batch into bodies, send every piece, settle the
//! batch's acks.

use std::marker::PhantomData;
use std::sync::Arc;

use tracing::error;

use super::config::Encoding;
use super::encode::{Body, Encoder, Piece};
use super::sender::{Outcome, Sender};
use crate::ack::Acks;
use crate::export::queue;
use crate::export::stats::Stats;
use crate::otlp::signals::OtlpSignal;
use crate::signal::Encoded;

/// Batches with at least this many items are encoded on a blocking thread,
/// so that compressing them does not hold up other tasks.
const BLOCKING_ENCODE_RECORDS: usize = 1024;

/// Everything one export of signal `B` needs; shared by the consumers.
pub struct Export<B> {
    pub encoder: Encoder,
    pub sender: Sender,
    pub signal: PhantomData<fn() -> B>,
}

impl<B: OtlpSignal> queue::Export<B> for Export<B> {
    fn stats(&self) -> &Stats {
        &self.sender.stats
    }

    /// Encode and send one batch, then settle its acks.
    async fn export(self: Arc<Self>, batch: B) {
        let (data, acks) = batch.into_parts();
        let records = B::count(&data);
        let encoder = self.encoder.clone();
        let Some(pieces) = off_thread(records, move || encoder.encode::<B>(data)).await else {
            return;
        };
        self.send_all(pieces, acks).await;
    }

    /// With protobuf encoding, the queue's bytes are the body: compressed and
    /// sent without decoding (split like any batch when over `max_request_size`).
    async fn export_encoded(self: Arc<Self>, body: Encoded, acks: Acks) {
        if self.encoder.encoding != Encoding::Proto || body.bytes() > self.encoder.max_request_size {
            return self.export(B::from_encoded(body, acks)).await;
        }
        let records = body.items();
        let encoder = self.encoder.clone();
        let piece = move || {
            let raw = body.concat();
            vec![Piece::Body(Body { encoded_size: raw.len(), bytes: encoder.compress(raw), records })]
        };
        let Some(pieces) = off_thread(records, piece).await else {
            return;
        };
        self.send_all(pieces, acks).await;
    }
}

impl<B: OtlpSignal> Export<B> {
    /// Send every piece of a batch, then settle its acks: delivered when every
    /// piece was (a partial success included), rejected otherwise.
    async fn send_all(&self, pieces: Vec<Piece>, acks: Acks) {
        let stats = &self.sender.stats;
        let mut all_delivered = true;
        for piece in pieces {
            match piece {
                Piece::Body(body) => {
                    let (n, wire, encoded) = (body.records, body.bytes.len(), body.encoded_size);
                    match self.sender.send::<B>(body.bytes, n).await {
                        Outcome::Delivered { rejected } => stats.delivered(n, wire, encoded, rejected),
                        Outcome::Rejected(reason) => {
                            all_delivered = false;
                            stats.rejected(n, &reason);
                        }
                    }
                }
            }
        }
        if all_delivered {
            acks.deliver();
        } else {
            acks.reject();
        }
    }
}

/// Run `encode` (which compresses) on a blocking thread for large batches, so
/// that it does not hold up other tasks. `None` if it panicked: a bug, and the
/// acks are then dropped unsettled, so the batch is abandoned (read again
/// after a restart) rather than called delivered.
async fn off_thread<T: Send + 'static>(records: usize, encode: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    if records < BLOCKING_ENCODE_RECORDS {
        return Some(encode());
    }
    match tokio::task::spawn_blocking(encode).await {
        Ok(t) => Some(t),
        Err(e) => {
            error!(error = %e, records, "encoding a batch failed");
            None
        }
    }
}
