//! One export: encode a batch into bodies, send every piece, settle the
//! batch's acks.

use std::marker::PhantomData;
use std::sync::Arc;

use tracing::error;

use super::encode::{Encoder, Piece};
use super::sender::{Outcome, Sender};
use crate::export::queue;
use crate::export::stats::Stats;
use crate::otlp::signals::OtlpSignal;

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

    /// Encode and send one batch, then settle its acks: delivered when every
    /// piece was (a partial success included), rejected otherwise.
    async fn export(self: Arc<Self>, batch: B) {
        let (data, acks) = batch.into_parts();
        let records = B::count(&data);
        let pieces = if records >= BLOCKING_ENCODE_RECORDS {
            let this = self.clone();
            match tokio::task::spawn_blocking(move || this.encoder.encode::<B>(data)).await {
                Ok(p) => p,
                Err(e) => {
                    // A bug: the acks are dropped unsettled, so the batch is abandoned
                    // (read again after a restart) rather than called delivered.
                    error!(error = %e, records, "encoding a batch failed");
                    return;
                }
            }
        } else {
            self.encoder.encode::<B>(data)
        };
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
