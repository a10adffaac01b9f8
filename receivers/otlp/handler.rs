//! One OTLP/HTTP request: route by path to its signal, check the media type and
//! encoding, read the body within the size limit, decode, hand the data to the
//! pipelines and answer once it is delivered.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, CONTENT_ENCODING};
use hyper::{Method, Request, Response, StatusCode};
use prost::Message as _;

use super::pipelines::{Delivery, Pipelines, Routed};
use super::response::{self as resp, Body, Encoding};
use crate::event::LogBatch;
use crate::otlp::signals::OtlpSignal;
use crate::signal::{MetricBatch, Signal, TraceBatch};

/// Bodies at least this large are decompressed and decoded on a blocking thread.
const BLOCKING_DECODE_BYTES: usize = 64 * 1024;

/// The resolved settings a request needs.
#[derive(Debug)]
pub struct Settings {
    pub logs_path: String,
    pub traces_path: String,
    pub metrics_path: String,
    pub max_body_size: usize,
    /// Accepted `Content-Encoding` values besides none.
    pub encodings: Vec<String>,
    pub response_headers: HeaderMap,
    pub read_timeout: Option<Duration>,
}

/// Shared by every connection of one receiver.
pub struct Handler {
    settings: Settings,
    pipelines: Arc<Pipelines>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zlib,
    Zstd,
}

/// Why a body could not be turned into a request.
#[derive(Debug)]
enum BodyError {
    /// Over `max_request_body_size`; the message says which.
    TooLarge(String),
    Invalid(String),
    Timeout,
    /// A bug (the decoder panicked).
    Internal(String),
}

impl BodyError {
    fn into_response(self, enc: Encoding) -> Response<Body> {
        match self {
            // otelcol answers 400 here; 413 says what is wrong, and a client must
            // not retry it unchanged either.
            BodyError::TooLarge(msg) => resp::status(enc, StatusCode::PAYLOAD_TOO_LARGE, resp::INVALID_ARGUMENT, msg),
            BodyError::Invalid(msg) => resp::bad_request(enc, msg),
            BodyError::Timeout => resp::status(
                enc,
                StatusCode::REQUEST_TIMEOUT,
                resp::INVALID_ARGUMENT,
                "the request body was not read within read_timeout",
            ),
            BodyError::Internal(msg) => resp::status(enc, StatusCode::INTERNAL_SERVER_ERROR, resp::INTERNAL, msg),
        }
    }
}

impl Handler {
    pub fn new(settings: Settings, pipelines: Arc<Pipelines>) -> Self {
        Handler { settings, pipelines }
    }

    pub async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let mut response = self.route(req).await;
        for (name, value) in &self.settings.response_headers {
            response.headers_mut().insert(name, value.clone());
        }
        response
    }

    /// The signal a path takes, if a pipeline of that signal lists this receiver.
    fn signal(&self, path: &str) -> Option<Signal> {
        let s = &self.settings;
        let signal =
            [(&s.logs_path, Signal::Logs), (&s.traces_path, Signal::Traces), (&s.metrics_path, Signal::Metrics)]
                .into_iter()
                .find(|(p, _)| p.as_str() == path)?
                .1;
        self.pipelines.takes(signal).then_some(signal)
    }

    async fn route(&self, req: Request<Incoming>) -> Response<Body> {
        let Some(signal) = self.signal(req.uri().path()) else {
            return resp::not_found();
        };
        if req.method() != Method::POST {
            return resp::method_not_allowed();
        }
        let Some(enc) = Encoding::from_headers(req.headers()) else {
            return resp::unsupported_media_type();
        };
        let compression = match self.compression(req.headers()) {
            Ok(c) => c,
            Err(msg) => return resp::bad_request(enc, msg),
        };
        let body = req.into_body();
        match signal {
            Signal::Logs => self.export::<LogBatch>(body, compression, enc).await,
            Signal::Traces => self.export::<TraceBatch>(body, compression, enc).await,
            Signal::Metrics => self.export::<MetricBatch>(body, compression, enc).await,
        }
    }

    /// Read and decode a request of signal `B`, deliver it, answer.
    async fn export<B: Routed + OtlpSignal>(
        &self,
        body: Incoming,
        compression: Compression,
        enc: Encoding,
    ) -> Response<Body> {
        let request = match self.read::<B>(body, compression, enc).await {
            Ok(r) => r,
            Err(e) => return e.into_response(enc),
        };
        match self.pipelines.deliver::<B>(B::from_request(request)).await {
            Delivery::Delivered => resp::success(enc),
            Delivery::Rejected => resp::bad_request(enc, Delivery::Rejected.message()),
            other => resp::unavailable(enc, other.message()),
        }
    }

    /// The `Content-Encoding`, if accepted; otherwise otelcol's error message.
    fn compression(&self, headers: &HeaderMap) -> Result<Compression, String> {
        let Some(value) = headers.get(CONTENT_ENCODING) else {
            return Ok(Compression::None);
        };
        let name = value.to_str().unwrap_or("?").trim().to_ascii_lowercase();
        let accepted = || self.settings.encodings.contains(&name);
        match name.as_str() {
            "" | "identity" | "none" => Ok(Compression::None),
            "gzip" if accepted() => Ok(Compression::Gzip),
            "zlib" | "deflate" if accepted() => Ok(Compression::Zlib),
            "zstd" if accepted() => Ok(Compression::Zstd),
            _ => Err(format!("unsupported Content-Encoding: {name}")),
        }
    }

    /// Read, decompress and decode the body, each step within `max_body_size`.
    async fn read<B: OtlpSignal>(
        &self,
        body: Incoming,
        compression: Compression,
        enc: Encoding,
    ) -> Result<B::Request, BodyError> {
        let limit = self.settings.max_body_size;
        let declared = body_length(&body);
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large("request body", limit));
        }
        let collect = Limited::new(body, limit).collect();
        let collected = match self.settings.read_timeout {
            Some(t) => tokio::time::timeout(t, collect).await.map_err(|_| BodyError::Timeout)?,
            None => collect.await,
        };
        let raw = match collected {
            Ok(c) => c.to_bytes(),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large("request body", limit)),
            Err(e) => return Err(BodyError::Invalid(format!("reading the request body: {e}"))),
        };
        if raw.len() < BLOCKING_DECODE_BYTES && compression == Compression::None {
            return decode::<B>(raw, compression, enc, limit);
        }
        tokio::task::spawn_blocking(move || decode::<B>(raw, compression, enc, limit))
            .await
            .map_err(|e| BodyError::Internal(format!("decoding the request failed: {e}")))?
    }
}

fn body_length(body: &Incoming) -> Option<u64> {
    use hyper::body::Body as _;
    body.size_hint().exact()
}

fn too_large(what: &str, limit: usize) -> BodyError {
    BodyError::TooLarge(format!("{what} is larger than max_request_body_size ({limit} bytes)"))
}

/// Decompress (bounded) and decode a body.
fn decode<B: OtlpSignal>(
    raw: Bytes,
    compression: Compression,
    enc: Encoding,
    limit: usize,
) -> Result<B::Request, BodyError> {
    let body = decompress(raw, compression, limit)?;
    match enc {
        Encoding::Protobuf => B::Request::decode(body).map_err(|e| BodyError::Invalid(e.to_string())),
        Encoding::Json => B::decode_json(&body).map_err(BodyError::Invalid),
    }
}

/// Expand at most `limit + 1` bytes: a decompression bomb is refused once it
/// passes the limit, without ever being expanded further.
fn decompress(raw: Bytes, compression: Compression, limit: usize) -> Result<Bytes, BodyError> {
    let (name, reader): (&str, Box<dyn Read + '_>) = match compression {
        Compression::None => return Ok(raw),
        Compression::Gzip => ("gzip", Box::new(flate2::read::MultiGzDecoder::new(&raw[..]))),
        Compression::Zlib => ("zlib", Box::new(flate2::read::ZlibDecoder::new(&raw[..]))),
        Compression::Zstd => {
            let d = zstd::stream::read::Decoder::new(&raw[..]).map_err(|e| BodyError::Invalid(format!("zstd: {e}")))?;
            ("zstd", Box::new(d))
        }
    };
    let mut out = Vec::with_capacity(raw.len().saturating_mul(4).min(limit));
    reader.take(limit as u64 + 1).read_to_end(&mut out).map_err(|e| BodyError::Invalid(format!("{name}: {e}")))?;
    if out.len() > limit {
        return Err(too_large("decompressed request body", limit));
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Bytes {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap().into()
    }

    #[test]
    fn decompresses_every_encoding() {
        let data = b"hello hello hello".repeat(10);
        assert_eq!(decompress(gzip(&data), Compression::Gzip, 1000).unwrap(), data);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&data).unwrap();
        assert_eq!(decompress(z.finish().unwrap().into(), Compression::Zlib, 1000).unwrap(), data);
        let zs = zstd::encode_all(&data[..], 3).unwrap();
        assert_eq!(decompress(zs.into(), Compression::Zstd, 1000).unwrap(), data);
        assert_eq!(decompress(Bytes::from(data.clone()), Compression::None, 1000).unwrap(), data);
    }

    #[test]
    fn exactly_the_limit_passes_one_more_byte_does_not() {
        let data = vec![7u8; 100];
        assert!(decompress(gzip(&data), Compression::Gzip, 100).is_ok());
        assert!(matches!(decompress(gzip(&data), Compression::Gzip, 99), Err(BodyError::TooLarge(_))));
    }

    /// 1 GiB of zeros as 1024 gzip members of 1 MiB each (about 1 MiB in all),
    /// refused after expanding just past the limit.
    #[test]
    fn decompression_bomb_is_refused_early() {
        let member = gzip(&vec![0u8; 1 << 20]);
        let bomb: Bytes = member.repeat(1024).into();
        let start = std::time::Instant::now();
        match decompress(bomb, Compression::Gzip, 1 << 20) {
            Err(BodyError::TooLarge(msg)) => assert!(msg.starts_with("decompressed request body is larger"), "{msg}"),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // Expanding the whole GiB takes seconds; stopping past 1 MiB takes milliseconds.
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "{:?}", start.elapsed());
    }

    #[test]
    fn corrupt_streams_are_invalid() {
        match decompress(Bytes::from_static(b"not gzip"), Compression::Gzip, 100) {
            Err(BodyError::Invalid(msg)) => assert!(msg.starts_with("gzip: "), "{msg}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(decompress(Bytes::from_static(b"nope"), Compression::Zstd, 100), Err(BodyError::Invalid(_))));
    }
}
