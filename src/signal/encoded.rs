//! A batch's data still in protobuf: the bodies of OTLP export requests as a
//! receiver got them, checked ([`crate::otlp::scan`]) but not decoded. Each
//! chunk is a sequence of the request's field 1 (`resource_spans`, …), so
//! chunks concatenate into one valid request: batching them is appending, and
//! an exporter that sends protobuf sends them as they are. Whatever needs the
//! structure (a processor, a JSON encoder, a split) decodes them first through
//! the batch's `data_mut` / `into_parts`, which keep the batch's item order.

use bytes::Bytes;
use tracing::error;

use crate::otlp::scan;

#[derive(Clone, Debug, Default)]
pub struct Encoded {
    chunks: Vec<Bytes>,
    items: usize,
    bytes: usize,
}

impl Encoded {
    /// One request body, already checked, holding `items` items.
    pub fn new(body: Bytes, items: usize) -> Encoded {
        let bytes = body.len();
        Encoded { chunks: vec![body], items, bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    pub fn items(&self) -> usize {
        self.items
    }

    /// The protobuf size: what byte bounds count.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// `other`'s chunks after this one's.
    pub fn append(&mut self, other: Encoded) {
        self.chunks.extend(other.chunks);
        self.items += other.items;
        self.bytes += other.bytes;
    }

    pub fn chunks(&self) -> &[Bytes] {
        &self.chunks
    }

    /// The chunks as one request body (no copy when there is one chunk).
    pub fn concat(&self) -> Bytes {
        match self.chunks.as_slice() {
            [one] => one.clone(),
            chunks => Bytes::from(chunks.concat()),
        }
    }

    /// Decode every chunk's top-level items, in order, onto `out`.
    pub fn decode_into<R: prost::Message + Default>(self, out: &mut Vec<R>) {
        for chunk in self.chunks {
            if let Err(e) = decode_chunk(&chunk, out) {
                // The chunk passed the scan, which checks what prost checks.
                error!(error = %e, bytes = chunk.len(), "a checked OTLP request no longer decodes; this is a bug");
            }
        }
    }
}

impl Encoded {
    /// The top-level items of one request body, or why it does not decode.
    pub fn try_decode<R: prost::Message + Default>(body: &[u8]) -> Result<Vec<R>, String> {
        let mut out = Vec::new();
        decode_chunk(body, &mut out)?;
        Ok(out)
    }
}

fn decode_chunk<R: prost::Message + Default>(mut buf: &[u8], out: &mut Vec<R>) -> Result<(), String> {
    while !buf.is_empty() {
        let key = scan::varint(&mut buf)?;
        if key == (1 << 3) | 2 {
            out.push(R::decode(scan::delimited(&mut buf)?).map_err(|e| e.to_string())?);
        } else {
            // An unknown field the scan let through, as prost skips it.
            scan::skip((key & 7) as u8, &mut buf)?;
        }
    }
    Ok(())
}
