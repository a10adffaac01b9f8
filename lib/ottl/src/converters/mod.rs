//! Converters: the pure functions of `pkg/ottl/ottlfuncs` (uppercase names).
//! Each is a [`Spec`] (name, parameters, builder); the builder checks and
//! compiles the arguments once and returns the function to call per record.
//!
//! - [`strings`]: `Concat`, `Split`, `IsMatch`, `ToLowerCase`, `ToUpperCase`,
//!   `Substring`, `Trim`, `HasPrefix`, `HasSuffix`, `Format` ([`format`]).
//! - [`types`]: `Int`, `Double`, `String`, `Bool`, `Is*`, `Len`.
//! - [`parse`]: `ParseJSON`, `ParseKeyValue`, `ExtractPatterns`;
//!   [`grok`]: `ExtractGrokPatterns`.
//! - [`hash`]: `SHA256`, `MD5`, `Hex`, `TraceID`, `SpanID`.
//! - [`time`]: `Time`, `UnixNano`, `UnixSeconds`, `Now`.
//! - [`collections`]: `Keys`, `Values`, `Index`, `ContainsValue`, `SliceToMap`.
//! - [`datetime`]: time components, `Duration` and its units, `TruncateTime`,
//!   `FormatTime`, `Unix`, `UnixMilli`, `UnixMicro`.
//! - [`text`]: case conversions, `TrimPrefix`/`TrimSuffix`, base64 and
//!   `Decode`, `ToKeyValueString`, `ParseInt`.
//! - [`digest`]: `SHA1`, `SHA512`, `FNV`, Murmur3, XXH3/XXH128, UUIDs, `ProfileID`.
//! - [`checks`]: `IsEmpty`, `Coalesce`, `Log`, `IsValidLuhn`, `Sort`, `IsInCIDR`.
//! - [`csv`]: `ParseCSV`; [`severity`]: `ParseSeverity`.
//! - [`network`]: `CommunityID`, `URL`; [`useragent`]: `UserAgent`.
//! - [`xml`]: `ParseXML`, `ParseSimplifiedXML`, `GetXML`, `InsertXML`,
//!   `RemoveXML`, `ConvertAttributesToElementsXML`, `ConvertTextToElementsXML`.
//! - [`lambdas`]: `All`, `Any`, `Filter`, `Find`, `MapEach`, `MapKeys`,
//!   `Reduce`, `When` (behind the lambda gate).

pub mod checks;
pub mod collections;
pub mod csv;
pub mod datetime;
mod decode;
pub mod digest;
pub mod format;
pub mod grok;
pub mod hash;
pub mod lambdas;
pub mod network;
pub mod parse;
pub mod severity;
pub mod strings;
pub mod text;
pub mod time;
pub mod types;
pub mod useragent;
pub mod xml;

use super::compile;
use super::paths::Ctx;
use super::value::{EvalResult, Value};

/// A converter ready to run.
pub trait Converter: Send + Sync {
    fn call<'c>(&'c self, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>>;
}

/// A converter made of a closure that returns an owned value.
struct FnConverter<F>(F);

impl<F> Converter for FnConverter<F>
where
    F: Fn(&Ctx<'_>) -> EvalResult<Value<'static>> + Send + Sync,
{
    fn call<'c>(&'c self, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
        (self.0)(ctx)
    }
}

pub fn conv<F>(f: F) -> Box<dyn Converter>
where
    F: Fn(&Ctx<'_>) -> EvalResult<Value<'static>> + Send + Sync + 'static,
{
    Box::new(FnConverter(f))
}

pub type Spec = compile::Spec<dyn Converter>;

/// A converter that maps one string to another, usable as the `function`
/// argument of `replace_pattern` and friends.
pub type StringFn = fn(&str) -> String;

pub fn string_function(name: &str) -> Option<StringFn> {
    match name {
        "SHA256" => Some(hash::sha256_hex),
        "MD5" => Some(hash::md5_hex),
        "ToLowerCase" => Some(|s| s.to_lowercase()),
        "ToUpperCase" => Some(|s| s.to_uppercase()),
        _ => None,
    }
}

pub(crate) fn all() -> impl Iterator<Item = &'static Spec> {
    strings::SPECS
        .iter()
        .chain(types::SPECS)
        .chain(parse::SPECS)
        .chain(hash::SPECS)
        .chain(time::SPECS)
        .chain(collections::SPECS)
        .chain(datetime::SPECS)
        .chain(text::SPECS)
        .chain(digest::SPECS)
        .chain(checks::SPECS)
        .chain(csv::SPECS)
        .chain(severity::SPECS)
        .chain(network::SPECS)
        .chain(lambdas::SPECS)
        .chain(xml::SPECS)
        .chain(useragent::SPECS)
        .chain(grok::SPECS)
}
