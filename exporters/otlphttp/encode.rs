//! A batch → request bodies: encode (the signal's `Export…ServiceRequest` as
//! protobuf or OTLP/JSON), split by items (log records, spans, data points) so
//! that no encoded body is over `max_request_size` (an item larger than that on
//! its own is sent alone), then compress.

use bytes::Bytes;
use tracing::warn;

use super::config::{Compression, Encoding, OtlpHttpExporterConfig};
use crate::otlp::signals::OtlpSignal;

/// One request body, ready to send.
#[derive(Debug)]
pub struct Body {
    /// Compressed as `Content-Encoding` says.
    pub bytes: Bytes,
    /// Items in it.
    pub records: usize,
    /// Size before compression.
    pub encoded_size: usize,
}

/// What [`Encoder::encode`] makes of a batch, in record order.
#[derive(Debug)]
pub enum Piece {
    Body(Body),
}

#[derive(Clone, Debug)]
pub struct Encoder {
    pub encoding: Encoding,
    pub compression: Compression,
    /// `compression_params.level`, as configured.
    pub level: i64,
    pub max_request_size: usize,
}

impl Encoder {
    pub fn new(cfg: &OtlpHttpExporterConfig) -> Encoder {
        Encoder {
            encoding: cfg.encoding,
            compression: cfg.compression,
            level: cfg.compression_params.level,
            max_request_size: usize::try_from(cfg.max_request_size.0).unwrap_or(usize::MAX),
        }
    }

    /// Encode `data` into as few bodies as fit under `max_request_size`.
    pub fn encode<B: OtlpSignal>(&self, data: Vec<B::Resource>) -> Vec<Piece> {
        let mut out = Vec::new();
        let n = B::count(&data);
        self.encode_into::<B>(data, n, &mut out);
        out
    }

    fn encode_into<B: OtlpSignal>(&self, data: Vec<B::Resource>, n: usize, out: &mut Vec<Piece>) {
        if n == 0 {
            return;
        }
        // The protobuf size is known before encoding; the JSON size after.
        let raw = match self.encoding {
            Encoding::Proto => match B::encode_protobuf(&data, self.max_request_size) {
                Ok(raw) => raw,
                Err(size) if n > 1 => return self.split::<B>(data, n, size.div_ceil(self.max_request_size), out),
                Err(_) => B::encode_protobuf(&data, usize::MAX).unwrap_or_default(),
            },
            Encoding::Json => B::encode_json(&data),
        };
        if raw.len() > self.max_request_size {
            if n > 1 {
                return self.split::<B>(data, n, raw.len().div_ceil(self.max_request_size), out);
            }
            // Never dropped for its size: the server may take it; a 413 rejects it.
            warn!(
                size = raw.len(),
                max_request_size = self.max_request_size,
                "one of the {} is larger than max_request_size on its own; sending it alone",
                B::SIGNAL.items()
            );
        }
        let encoded_size = raw.len();
        out.push(Piece::Body(Body { bytes: self.compress(raw), records: n, encoded_size }));
    }

    /// Cut into `parts` (at least 2, at most `n`) runs of about equal item count.
    fn split<B: OtlpSignal>(&self, mut data: Vec<B::Resource>, n: usize, parts: usize, out: &mut Vec<Piece>) {
        let parts = parts.clamp(2, n);
        let mut left = n;
        for i in 0..parts {
            let take = left / (parts - i);
            let head = B::take(&mut data, take);
            left -= take;
            self.encode_into::<B>(head, take, out);
        }
    }

    /// Compress an encoded body.
    pub fn compress<R: AsRef<[u8]> + Into<Bytes>>(&self, raw: R) -> Bytes {
        let level = self.level;
        // otelcol: 0 means "not set"; -1 is zlib's default (6); -2 (Huffman only) is
        // served by the fastest level.
        let flate_level = || match level {
            0 | -1 => flate2::Compression::default(),
            -2 => flate2::Compression::fast(),
            l => flate2::Compression::new(l.clamp(1, 9) as u32),
        };
        let out = match self.compression {
            Compression::Gzip => super::deflate::gzip(raw.as_ref(), flate_level()),
            Compression::Zlib | Compression::Deflate => super::deflate::zlib(raw.as_ref(), flate_level()),
            // otelcol's default maps to zstd's fastest level.
            Compression::Zstd => {
                zstd::bulk::compress(raw.as_ref(), level.clamp(1, 22) as i32).expect("compressing to a Vec")
            }
            // Refused by `validate`; sent uncompressed if ever reached.
            Compression::None | Compression::Snappy | Compression::SnappyFramed | Compression::Lz4 => {
                return raw.into()
            }
        };
        Bytes::from(out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use prost::Message as _;

    use super::*;
    use crate::event::{kv, str_value, LogBatch, LogRecord, ResourceLogs, ScopeLogs};
    use crate::otlp::json::{decode_logs_request, ExportLogsServiceRequest};

    fn logs(records: usize, body_len: usize) -> Vec<ResourceLogs> {
        let log_records = (0..records)
            .map(|i| LogRecord {
                time_unix_nano: i as u64,
                body: Some(str_value(format!("{i:08}{}", "x".repeat(body_len)))),
                attributes: vec![kv("i", str_value(i.to_string()))],
                ..Default::default()
            })
            .collect();
        vec![ResourceLogs {
            resource: Some(crate::event::Resource {
                attributes: vec![kv("host", str_value("h"))],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs { log_records, ..Default::default() }],
            ..Default::default()
        }]
    }

    fn encoder(encoding: Encoding, compression: Compression, max: usize) -> Encoder {
        Encoder { encoding, compression, level: 0, max_request_size: max }
    }

    fn bodies(pieces: &[Piece]) -> Vec<&Body> {
        pieces.iter().map(|Piece::Body(b)| b).collect()
    }

    /// Decoded records' times, in order.
    fn times(enc: Encoding, raw: &[u8]) -> Vec<u64> {
        let req = match enc {
            Encoding::Proto => ExportLogsServiceRequest::decode(raw).unwrap(),
            Encoding::Json => decode_logs_request(raw).unwrap(),
        };
        assert!(req.resource_logs.iter().all(|rl| rl.resource.as_ref().unwrap().attributes[0].key == "host"));
        req.resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .map(|r| r.time_unix_nano)
            .collect()
    }

    #[test]
    fn small_batches_are_one_body() {
        for enc in [Encoding::Proto, Encoding::Json] {
            let pieces = encoder(enc, Compression::None, 1 << 20).encode::<LogBatch>(logs(10, 10));
            let b = bodies(&pieces);
            assert_eq!((pieces.len(), b[0].records), (1, 10));
            assert_eq!(times(enc, &b[0].bytes), (0..10).collect::<Vec<_>>());
            assert_eq!(b[0].encoded_size, b[0].bytes.len());
        }
    }

    #[test]
    fn large_batches_split_under_the_limit_keeping_order() {
        for enc in [Encoding::Proto, Encoding::Json] {
            let max = 10_000;
            let pieces = encoder(enc, Compression::None, max).encode::<LogBatch>(logs(1000, 100));
            let b = bodies(&pieces);
            assert_eq!(b.len(), pieces.len());
            assert!(b.len() > 10, "{enc:?}: {} bodies", b.len());
            assert!(b.iter().all(|b| b.bytes.len() <= max), "{enc:?}");
            let all: Vec<u64> = b.iter().flat_map(|b| times(enc, &b.bytes)).collect();
            assert_eq!(all, (0..1000).collect::<Vec<_>>(), "{enc:?}");
            assert_eq!(b.iter().map(|b| b.records).sum::<usize>(), 1000);
        }
    }

    #[test]
    fn a_record_over_the_limit_is_sent_alone() {
        let mut batch = logs(3, 10);
        batch[0].scope_logs[0].log_records[1].body = Some(str_value("y".repeat(5000)));
        for enc in [Encoding::Proto, Encoding::Json] {
            let pieces = encoder(enc, Compression::None, 1000).encode::<LogBatch>(batch.clone());
            let b = bodies(&pieces);
            let sizes: Vec<(usize, bool)> = b.iter().map(|b| (b.records, b.bytes.len() > 5000)).collect();
            assert_eq!(sizes, [(1, false), (1, true), (1, false)], "{enc:?}");
            let all: Vec<u64> = b.iter().flat_map(|b| times(enc, &b.bytes)).collect();
            assert_eq!(all, [0, 1, 2], "{enc:?}");
        }
    }

    #[test]
    fn compression_round_trips() {
        let raw = b"hello hello hello hello".to_vec();
        let mut e = encoder(Encoding::Proto, Compression::Gzip, 100);
        let mut out = String::new();
        flate2::read::GzDecoder::new(&e.compress(raw.clone())[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out.as_bytes(), raw);
        e.compression = Compression::Zlib;
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&e.compress(raw.clone())[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, raw);
        e.compression = Compression::Zstd;
        for level in [-1, 0, 3, 19, 99] {
            e.level = level;
            assert_eq!(zstd::decode_all(&e.compress(raw.clone())[..]).unwrap(), raw);
        }
        e.compression = Compression::Gzip;
        e.level = 9;
        assert!(e.compress(vec![b'a'; 10_000]).len() < 100);
        e.compression = Compression::None;
        assert_eq!(e.compress(raw.clone()), raw);
    }
}
