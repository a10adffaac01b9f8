//! What the receiver answers: `ExportLogsServiceResponse` on success, a
//! `google.rpc.Status` in the request's encoding on failure, plain text for
//! routing errors (as Go's `ServeMux` and otelcol's handler do).

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Response, StatusCode};
use prost::Message as _;

pub use crate::otlp::status::Status;
pub use crate::otlp::Encoding;

pub type Body = Full<Bytes>;

/// gRPC status codes used in `Status` bodies.
pub const INVALID_ARGUMENT: i32 = 3;
pub const INTERNAL: i32 = 13;
pub const UNAVAILABLE: i32 = 14;

fn build(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// Full success: an empty `ExportLogsServiceResponse` (`partial_success` unset,
/// as the spec requires): `{}` in JSON, no bytes in protobuf.
pub fn success(enc: Encoding) -> Response<Body> {
    let body: &'static [u8] = match enc {
        Encoding::Json => b"{}",
        Encoding::Protobuf => b"",
    };
    build(StatusCode::OK, enc.content_type(), Bytes::from_static(body))
}

/// A failure with a `google.rpc.Status` body.
pub fn status(enc: Encoding, http: StatusCode, code: i32, message: impl Into<String>) -> Response<Body> {
    let st = Status { code, message: message.into() };
    let body = match enc {
        Encoding::Json => serde_json::json!({ "code": st.code, "message": st.message }).to_string().into_bytes(),
        Encoding::Protobuf => st.encode_to_vec(),
    };
    build(http, enc.content_type(), body)
}

/// 503 with `Retry-After`: the client should send the same data again.
pub fn unavailable(enc: Encoding, message: &str) -> Response<Body> {
    let mut resp = status(enc, StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE, message);
    resp.headers_mut().insert(RETRY_AFTER, HeaderValue::from_static("1"));
    resp
}

/// 400: the payload can never be accepted; the client must not retry it.
pub fn bad_request(enc: Encoding, message: impl Into<String>) -> Response<Body> {
    status(enc, StatusCode::BAD_REQUEST, INVALID_ARGUMENT, message)
}

/// Routing and media-type errors, with the bodies otelcol (Go) sends.
pub fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut resp = build(status, "text/plain; charset=utf-8", Bytes::from_static(body.as_bytes()));
    resp.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    resp
}

pub fn not_found() -> Response<Body> {
    text(StatusCode::NOT_FOUND, "404 page not found\n")
}

pub fn method_not_allowed() -> Response<Body> {
    text(StatusCode::METHOD_NOT_ALLOWED, "405 method not allowed, supported: [POST]")
}

pub fn unsupported_media_type() -> Response<Body> {
    text(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "415 unsupported media type, supported: [application/json, application/x-protobuf]",
    )
}
