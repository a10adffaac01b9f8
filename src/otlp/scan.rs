//! Checking an OTLP export request in protobuf without decoding it: the wire
//! format of every field the OTLP schema knows (wire types, lengths, UTF-8 of
//! strings, nesting depth) is verified as prost's decoder would verify it, and
//! the items (spans) are counted — but nothing is allocated. A request that
//! passes decodes later without error, so a pipeline that never looks inside
//! its data (receiver → batch → otlp exporter) can carry the request's bytes
//! as they came ([`crate::signal::Encoded`]) and pay for a decode only where a
//! processor or exporter needs the structure.
//!
//! Unknown fields are skipped as prost skips them (groups, which OTLP never
//! uses, are refused).

/// How a field of a message is encoded.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// Not a field of the message: skipped.
    Unknown,
    Varint,
    Fixed64,
    Fixed32,
    Bytes,
    /// Length-delimited, valid UTF-8.
    Str,
    Msg(&'static Schema),
    /// A message counted as one item of the signal.
    Item(&'static Schema),
}

/// Above the highest field number of any OTLP message checked here.
const TAGS: usize = 17;

/// The fields of a message, indexed by number.
#[derive(Debug)]
pub struct Schema {
    by_tag: [Kind; TAGS],
}

impl Schema {
    const fn new(fields: &[(u32, Kind)]) -> Schema {
        let mut by_tag = [Kind::Unknown; TAGS];
        let mut i = 0;
        while i < fields.len() {
            by_tag[fields[i].0 as usize] = fields[i].1;
            i += 1;
        }
        Schema { by_tag }
    }

    #[inline]
    fn kind(&self, tag: u32) -> Kind {
        self.by_tag.get(tag as usize).copied().unwrap_or(Kind::Unknown)
    }
}

/// prost's recursion limit.
const MAX_DEPTH: u32 = 100;

pub static ANY_VALUE: Schema = Schema::new(&[
    (1, Kind::Str),
    (2, Kind::Varint),
    (3, Kind::Varint),
    (4, Kind::Fixed64),
    (5, Kind::Msg(&ARRAY_VALUE)),
    (6, Kind::Msg(&KEY_VALUE_LIST)),
    (7, Kind::Bytes),
    (8, Kind::Varint),
]);
static ARRAY_VALUE: Schema = Schema::new(&[(1, Kind::Msg(&ANY_VALUE))]);
static KEY_VALUE_LIST: Schema = Schema::new(&[(1, Kind::Msg(&KEY_VALUE))]);
pub static KEY_VALUE: Schema = Schema::new(&[(1, Kind::Str), (2, Kind::Msg(&ANY_VALUE)), (3, Kind::Varint)]);
static ENTITY_REF: Schema = Schema::new(&[(1, Kind::Str), (2, Kind::Str), (3, Kind::Str), (4, Kind::Str)]);
pub static RESOURCE: Schema =
    Schema::new(&[(1, Kind::Msg(&KEY_VALUE)), (2, Kind::Varint), (3, Kind::Msg(&ENTITY_REF))]);
pub static SCOPE: Schema =
    Schema::new(&[(1, Kind::Str), (2, Kind::Str), (3, Kind::Msg(&KEY_VALUE)), (4, Kind::Varint)]);

static EVENT: Schema =
    Schema::new(&[(1, Kind::Fixed64), (2, Kind::Str), (3, Kind::Msg(&KEY_VALUE)), (4, Kind::Varint)]);
static LINK: Schema = Schema::new(&[
    (1, Kind::Bytes),
    (2, Kind::Bytes),
    (3, Kind::Str),
    (4, Kind::Msg(&KEY_VALUE)),
    (5, Kind::Varint),
    (6, Kind::Fixed32),
]);
static STATUS: Schema = Schema::new(&[(2, Kind::Str), (3, Kind::Varint)]);
static SPAN: Schema = Schema::new(&[
    (1, Kind::Bytes),
    (2, Kind::Bytes),
    (3, Kind::Str),
    (4, Kind::Bytes),
    (16, Kind::Fixed32),
    (5, Kind::Str),
    (6, Kind::Varint),
    (7, Kind::Fixed64),
    (8, Kind::Fixed64),
    (9, Kind::Msg(&KEY_VALUE)),
    (10, Kind::Varint),
    (11, Kind::Msg(&EVENT)),
    (12, Kind::Varint),
    (13, Kind::Msg(&LINK)),
    (14, Kind::Varint),
    (15, Kind::Msg(&STATUS)),
]);
static SCOPE_SPANS: Schema = Schema::new(&[(1, Kind::Msg(&SCOPE)), (2, Kind::Item(&SPAN)), (3, Kind::Str)]);
static RESOURCE_SPANS: Schema = Schema::new(&[(1, Kind::Msg(&RESOURCE)), (2, Kind::Msg(&SCOPE_SPANS)), (3, Kind::Str)]);
/// `ExportTraceServiceRequest`: its items are spans.
pub static TRACE_REQUEST: Schema = Schema::new(&[(1, Kind::Msg(&RESOURCE_SPANS))]);

static LOG_RECORD: Schema = Schema::new(&[
    (1, Kind::Fixed64),
    (11, Kind::Fixed64),
    (2, Kind::Varint),
    (3, Kind::Str),
    (5, Kind::Msg(&ANY_VALUE)),
    (6, Kind::Msg(&KEY_VALUE)),
    (7, Kind::Varint),
    (8, Kind::Fixed32),
    (9, Kind::Bytes),
    (10, Kind::Bytes),
    (12, Kind::Str),
]);
static SCOPE_LOGS: Schema = Schema::new(&[(1, Kind::Msg(&SCOPE)), (2, Kind::Item(&LOG_RECORD)), (3, Kind::Str)]);
static RESOURCE_LOGS: Schema = Schema::new(&[(1, Kind::Msg(&RESOURCE)), (2, Kind::Msg(&SCOPE_LOGS)), (3, Kind::Str)]);
/// `ExportLogsServiceRequest`: its items are log records.
pub static LOGS_REQUEST: Schema = Schema::new(&[(1, Kind::Msg(&RESOURCE_LOGS))]);

/// Check `buf` against `schema`; the number of items in it.
pub fn scan(buf: &[u8], schema: &Schema) -> Result<usize, String> {
    let mut items = 0;
    message(buf, schema, 0, &mut items).map_err(|e| format!("failed to decode Protobuf message: {e}"))?;
    Ok(items)
}

fn message(mut buf: &[u8], schema: &Schema, depth: u32, items: &mut usize) -> Result<(), String> {
    if depth >= MAX_DEPTH {
        return Err("recursion limit reached".into());
    }
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        if key > u64::from(u32::MAX) {
            return Err(format!("invalid key value: {key}"));
        }
        let (wire, tag) = ((key & 7) as u8, (key >> 3) as u32);
        if tag == 0 {
            return Err("invalid tag value: 0".into());
        }
        let kind = schema.kind(tag);
        let expected = match kind {
            Kind::Unknown => {
                skip(wire, &mut buf)?;
                continue;
            }
            Kind::Varint => 0,
            Kind::Fixed64 => 1,
            Kind::Fixed32 => 5,
            _ => 2,
        };
        if wire != expected {
            return Err(format!("invalid wire type: {wire} (expected {expected}) for field {tag}"));
        }
        match kind {
            Kind::Unknown => unreachable!("skipped above"),
            Kind::Varint => drop(varint(&mut buf)?),
            Kind::Fixed64 => drop(take(&mut buf, 8)?),
            Kind::Fixed32 => drop(take(&mut buf, 4)?),
            Kind::Bytes => drop(delimited(&mut buf)?),
            Kind::Str => {
                let text = delimited(&mut buf)?;
                // Most strings are ASCII, checked a word at a time.
                if !text.is_ascii() && std::str::from_utf8(text).is_err() {
                    return Err("invalid string value: data is not UTF-8 encoded".into());
                }
            }
            Kind::Msg(inner) => message(delimited(&mut buf)?, inner, depth + 1, items)?,
            Kind::Item(inner) => {
                message(delimited(&mut buf)?, inner, depth + 1, items)?;
                *items += 1;
            }
        }
    }
    Ok(())
}

/// Skip an unknown field's value.
pub fn skip(wire: u8, buf: &mut &[u8]) -> Result<(), String> {
    match wire {
        0 => varint(buf).map(drop),
        1 => take(buf, 8).map(drop),
        2 => delimited(buf).map(drop),
        5 => take(buf, 4).map(drop),
        other => Err(format!("invalid wire type value: {other}")),
    }
}

/// A base-128 varint of at most ten bytes.
#[inline]
pub fn varint(buf: &mut &[u8]) -> Result<u64, String> {
    if let Some((&b, rest)) = buf.split_first() {
        if b < 0x80 {
            *buf = rest;
            return Ok(u64::from(b));
        }
    }
    varint_long(buf)
}

fn varint_long(buf: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for i in 0..10 {
        let Some((&b, rest)) = buf.split_first() else {
            return Err("buffer underflow".into());
        };
        *buf = rest;
        if i == 9 && b > 1 {
            return Err("invalid varint".into());
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Ok(value);
        }
    }
    Err("invalid varint".into())
}

#[inline]
fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if buf.len() < n {
        return Err("buffer underflow".into());
    }
    let (head, rest) = buf.split_at(n);
    *buf = rest;
    Ok(head)
}

/// A length-delimited field's contents.
pub fn delimited<'a>(buf: &mut &'a [u8]) -> Result<&'a [u8], String> {
    let len = varint(buf)?;
    take(buf, usize::try_from(len).map_err(|_| "buffer underflow".to_string())?)
}

#[cfg(test)]
mod tests;
