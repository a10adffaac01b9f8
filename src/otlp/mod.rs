//! OTLP encodings shared by the otlp receiver and the otlphttp exporter, and
//! pdata's text forms of values ([`value`], from the OTTL crate).

pub mod grpc_codec;
pub mod grpc_snappy;
pub mod json;
pub mod protobuf;
pub mod scan;
pub mod signals;
pub mod status;
pub use ferrocol_ottl::pdata as value;

use hyper::header::{HeaderMap, CONTENT_TYPE};

pub const JSON: &str = "application/json";
pub const PROTOBUF: &str = "application/x-protobuf";

/// The encoding of an OTLP/HTTP body, as its `Content-Type` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Protobuf,
}

impl Encoding {
    /// From `Content-Type`: the media type, case-insensitive; parameters such as
    /// `charset` are ignored, as otelcol does. `None` for anything else.
    pub fn from_headers(headers: &HeaderMap) -> Option<Encoding> {
        let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
        let media_type = value.split(';').next().unwrap_or_default().trim();
        if media_type.eq_ignore_ascii_case(JSON) {
            Some(Encoding::Json)
        } else if media_type.eq_ignore_ascii_case(PROTOBUF) {
            Some(Encoding::Protobuf)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Json => JSON,
            Encoding::Protobuf => PROTOBUF,
        }
    }
}
