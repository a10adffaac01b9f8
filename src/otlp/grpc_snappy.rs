//! `snappy` gRPC message compression, which tonic does not ship (its
//! `CompressionEncoding` is a closed set: gzip, deflate, zstd).
//!
//! The format is otelcol's: configgrpc registers a grpc-go compressor named
//! `snappy` that writes with golang/snappy's `NewBufferedWriter` and reads with
//! its `NewReader`, i.e. snappy's *framing* format (stream identifier, then
//! CRC-checked chunks of at most 64 KiB), not the raw block format that
//! confighttp's `Content-Encoding: snappy` uses. The `snap` crate's
//! `FrameEncoder`/`FrameDecoder` are that format.
//!
//! It is applied around tonic, on the HTTP/2 bodies, one length-prefixed gRPC
//! message at a time:
//! - [`Server`] wraps a generated service: a request whose `grpc-encoding` is
//!   `snappy` is read (bounded), each compressed message decompressed (bounded
//!   by the largest message accepted), and handed on uncompressed; tonic
//!   answers uncompressed, which every client accepts.
//! - [`Client`] wraps the exporter's channel: each request message is
//!   compressed and sent with `grpc-encoding: snappy`; an answer compressed with
//!   snappy (grpc-go answers in the request's encoding) is decompressed before
//!   tonic reads it.

use std::convert::Infallible;
use std::future::Future;
use std::io::{Read as _, Write as _};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::Frame;
use hyper::header::HeaderValue;
use hyper::{Request, Response};
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::Status;

pub const SNAPPY: &str = "snappy";
const GRPC_ENCODING: &str = "grpc-encoding";

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// One message in snappy's framing format.
pub fn compress(message: &[u8]) -> Vec<u8> {
    let mut w = snap::write::FrameEncoder::new(Vec::with_capacity(message.len() / 2 + 64));
    w.write_all(message).expect("writing to a Vec");
    w.into_inner().expect("flushing into a Vec")
}

/// One framed message, refused when it holds more than `max` bytes (as
/// grpc-go refuses it, with its message) or is not snappy's framing format.
pub fn decompress(data: &[u8], max: usize) -> Result<Vec<u8>, Status> {
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    snap::read::FrameDecoder::new(data)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| Status::internal(format!("grpc: failed to decompress the received message: {e}")))?;
    if out.len() > max {
        return Err(Status::resource_exhausted(format!(
            "grpc: received message after decompression larger than max {max}"
        )));
    }
    Ok(out)
}

/// Rewrite each length-prefixed message of a gRPC body: `f` gets its
/// compressed flag and bytes, and gives the new flag and bytes.
fn reframe(mut body: &[u8], f: impl Fn(bool, &[u8]) -> Result<(bool, Vec<u8>), Status>) -> Result<Bytes, Status> {
    let mut out = BytesMut::with_capacity(body.len());
    while !body.is_empty() {
        if body.len() < 5 {
            return Err(Status::internal("grpc: truncated message prefix"));
        }
        let flag = body[0];
        let len = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
        let message = body.get(5..5 + len).ok_or_else(|| Status::internal("grpc: truncated message"))?;
        let (compressed, bytes) = f(flag & 1 == 1, message)?;
        out.put_u8(u8::from(compressed));
        out.put_u32(u32::try_from(bytes.len()).map_err(|_| Status::resource_exhausted("grpc: message too large"))?);
        out.put_slice(&bytes);
        body = &body[5 + len..];
    }
    Ok(out.freeze())
}

fn is_snappy(headers: &hyper::HeaderMap) -> bool {
    headers.get(GRPC_ENCODING).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(SNAPPY.as_bytes()))
}

/// A generated gRPC service that also takes snappy-compressed requests.
#[derive(Clone)]
pub struct Server<S> {
    inner: S,
    /// Largest message after decompression.
    max_message: usize,
}

impl<S> Server<S> {
    pub fn new(inner: S, max_message: usize) -> Self {
        Server { inner, max_message }
    }
}

impl<S: NamedService> NamedService for Server<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> tower_service::Service<Request<Body>> for Server<S>
where
    S: tower_service::Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        if !is_snappy(req.headers()) {
            return Box::pin(self.inner.call(req));
        }
        // The clone is the ready one's replacement (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let max = self.max_message;
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            // Compressed data is at most slightly larger than the message it holds.
            let limit = max.saturating_add(max / 8).saturating_add(64 * 1024);
            let plain = match Limited::new(body, limit).collect().await {
                Ok(collected) => reframe(&collected.to_bytes(), |compressed, message| match compressed {
                    true => Ok((false, decompress(message, max)?)),
                    false => Ok((false, message.to_vec())),
                }),
                Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                    Err(Status::resource_exhausted(format!("grpc: received message larger than max ({max} bytes)")))
                }
                Err(e) => Err(Status::internal(format!("reading the request: {e}"))),
            };
            match plain {
                Ok(bytes) => {
                    parts.headers.remove(GRPC_ENCODING);
                    inner.call(Request::from_parts(parts, Body::new(Full::new(bytes)))).await
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}

/// A client channel whose requests are snappy-compressed.
#[derive(Clone)]
pub struct Client<C> {
    inner: C,
}

impl<C> Client<C> {
    pub fn new(inner: C) -> Self {
        Client { inner }
    }
}

impl<C> tower_service::Service<Request<Body>> for Client<C>
where
    C: tower_service::Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    C::Error: Into<tonic::codegen::StdError>,
    C::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = tonic::codegen::StdError;
    type Future = BoxFuture<Result<Response<Body>, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let plain = body.collect().await.map_err(Into::<tonic::codegen::StdError>::into)?.to_bytes();
            let compressed = reframe(&plain, |_, message| Ok((true, compress(message))))?;
            parts.headers.insert(GRPC_ENCODING, HeaderValue::from_static(SNAPPY));
            let request = Request::from_parts(parts, Body::new(Full::new(compressed)));
            let response = inner.call(request).await.map_err(Into::into)?;
            if !is_snappy(response.headers()) {
                return Ok(response);
            }
            // An answer in our encoding: decompress it, keeping its trailers.
            let (mut parts, body) = response.into_parts();
            let collected = body.collect().await.map_err(Into::<tonic::codegen::StdError>::into)?;
            let trailers = collected.trailers().cloned();
            let plain = reframe(&collected.to_bytes(), |compressed, message| match compressed {
                true => Ok((false, decompress(message, usize::MAX)?)),
                false => Ok((false, message.to_vec())),
            })?;
            parts.headers.remove(GRPC_ENCODING);
            let mut frames = vec![Ok::<_, Status>(Frame::data(plain))];
            frames.extend(trailers.map(|t| Ok(Frame::trailers(t))));
            Ok(Response::from_parts(parts, Body::new(StreamBody::new(tokio_stream::iter(frames)))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_format_round_trips_and_is_bounded() {
        let message = b"snappy payload ".repeat(1024);
        let framed = compress(&message);
        // The framing format's stream identifier chunk: 0xff, length 6, "sNaPpY".
        assert_eq!(&framed[..10], b"\xff\x06\x00\x00sNaPpY");
        assert!(framed.len() < message.len() / 4);
        assert_eq!(decompress(&framed, message.len()).unwrap(), message);
        let too_big = decompress(&framed, message.len() - 1).unwrap_err();
        assert_eq!(too_big.code(), tonic::Code::ResourceExhausted);
        // The raw block format is not the framing format.
        let block = snap::raw::Encoder::new().compress_vec(&message).unwrap();
        assert_eq!(decompress(&block, usize::MAX).unwrap_err().code(), tonic::Code::Internal);
        assert_eq!(decompress(&compress(b""), 0).unwrap(), b"");
    }

    #[test]
    fn messages_are_reframed_one_by_one() {
        let mut body = BytesMut::new();
        for m in [&b"first"[..], b"", b"third message"] {
            body.put_u8(0);
            body.put_u32(m.len() as u32);
            body.put_slice(m);
        }
        let packed = reframe(&body, |_, m| Ok((true, compress(m)))).unwrap();
        assert_eq!(packed[0], 1);
        let unpacked = reframe(&packed, |c, m| Ok((false, if c { decompress(m, 100)? } else { m.to_vec() }))).unwrap();
        assert_eq!(unpacked, body.freeze());
        assert!(reframe(&[0, 0, 0, 0, 9, 1], |_, m| Ok((false, m.to_vec()))).is_err());
        assert!(reframe(&[0, 0], |_, m| Ok((false, m.to_vec()))).is_err());
    }
}
