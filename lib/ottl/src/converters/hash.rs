//! Hashes and byte conversions: `SHA256`, `MD5`, `Hex`, `TraceID`, `SpanID`.

use md5::Md5;
use sha2::{Digest, Sha256};

use super::{conv, Converter, Spec};
use crate::compile::{req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::value::{EvalError, Id, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "SHA256", params: &[req("target")], build: |a| hash(a, sha256_hex) },
    Spec { name: "MD5", params: &[req("target")], build: |a| hash(a, md5_hex) },
    Spec { name: "Hex", params: &[req("target")], build: hex_fn },
    Spec {
        name: "TraceID",
        params: &[req("target")],
        build: |a| id(a, |b| b.try_into().ok().map(Id::Trace), 16, "traceID"),
    },
    Spec {
        name: "SpanID",
        params: &[req("target")],
        build: |a| id(a, |b| b.try_into().ok().map(Id::Span), 8, "spanID"),
    },
];

/// Lowercase hex of the SHA-256 digest, as otelcol's `SHA256` returns it.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

fn hash(a: &mut Args, f: fn(&str) -> String) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::string(f(eval(&target, ctx)?.expect_str()?)))))
}

/// `Hex(value)`: the value's bytes (`ByteSliceLikeGetter`: strings as UTF-8,
/// ints and doubles as 8 big-endian bytes, bools as one byte) as a lowercase
/// hex string, as otelcol's `hex.EncodeToString`; nil gives `""`.
fn hex_fn(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let bytes = match eval(&target, ctx)? {
            Value::Nil => Vec::new(),
            Value::Bytes(b) => b.into_owned(),
            Value::Str(s) => s.as_bytes().to_vec(),
            Value::Int(i) => i.to_be_bytes().to_vec(),
            Value::Double(d) => d.to_bits().to_be_bytes().to_vec(),
            Value::Bool(b) => vec![u8::from(b)],
            v => return Err(EvalError::new(format!("unsupported type: {}", v.type_name()))),
        };
        Ok(Value::string(hex::encode(bytes)))
    }))
}

/// `TraceID(bytes | hex string)`, `SpanID(...)`: exactly 16 (8) bytes, as a
/// `pcommon.TraceID` (`SpanID`).
/// The `[N]byte` of an ID converter's type, from bytes of the right length.
pub(super) type MakeId = fn(&[u8]) -> Option<Id>;

pub(super) fn id(a: &mut Args, make: MakeId, len: usize, what: &'static str) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let bytes = match eval(&target, ctx)? {
            Value::Bytes(b) => b.into_owned(),
            Value::Str(s) => hex::decode(s.as_bytes())
                .map_err(|_| EvalError::new(format!("{what} must be {} hex characters", len * 2)))?,
            v => return Err(EvalError::new(format!("unsupported type for {what}: {}", v.type_name()))),
        };
        make(&bytes).map(Value::Id).ok_or_else(|| EvalError::new(format!("{what} must be {len} bytes")))
    }))
}
