//! Time converters: `Time`, `UnixNano`, `UnixSeconds`, `Now`.
//!
//! `Time(target, format, location?, locale?)` parses with otelcol's ctime-like
//! directives ([`crate::ottl::strptime`]). Zones come from the system tz
//! database ([`crate::ottl::tz`]); the default location is the local zone
//! (`TZ`, `/etc/localtime`), or UTC when the format ends in a literal `Z`. Only
//! English names are read (`locale` must be empty or `en...`).

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};

use super::{conv, Converter, Spec};
use crate::ottl::compile::{opt, req, Args, Expr};
use crate::ottl::eval::eval;
use crate::ottl::lexer::PosError;
use crate::ottl::paths::Ctx;
use crate::ottl::strptime::{compile_format, parse_time, Item};
use crate::ottl::tz::{load_location, local, Tz};
use crate::ottl::value::{EvalError, EvalResult, Time, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "Time", params: &[req("time"), req("format"), opt("location"), opt("locale")], build: time_fn },
    Spec { name: "UnixNano", params: &[req("time")], build: |a| unix(a, 1) },
    Spec { name: "UnixSeconds", params: &[req("time")], build: |a| unix(a, 1_000_000_000) },
    Spec { name: "Now", params: &[], build: |_| Ok(conv(|_| Ok(Value::Time(now())))) },
];

pub fn now() -> Time {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Time::utc(d.as_nanos() as i128)
}

fn unix(a: &mut Args, unit: i128) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::Int(eval(&target, ctx)?.expect_time()?.unix_nanos.div_euclid(unit) as i64))))
}

/// The instant as chrono sees it, in its display offset.
pub fn to_chrono(t: Time) -> DateTime<FixedOffset> {
    let secs = t.unix_nanos.div_euclid(1_000_000_000) as i64;
    let nanos = t.unix_nanos.rem_euclid(1_000_000_000) as u32;
    let off = FixedOffset::east_opt(t.offset).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    DateTime::from_timestamp(secs, nanos).unwrap_or_default().with_timezone(&off)
}

/// Go's `time.RFC3339Nano` (how `json.Marshal` writes a time).
pub fn rfc3339_nano(t: Time) -> String {
    crate::gotime::rfc3339_nano(&to_chrono(t))
}

/// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST` (zone names
/// are not kept: UTC prints `UTC`, other offsets repeat the offset).
pub fn go_time_string(t: Time) -> String {
    let d = to_chrono(t);
    let mut s = d.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.unix_nanos.rem_euclid(1_000_000_000);
    if nanos != 0 {
        s.push_str(format!(".{nanos:09}").trim_end_matches('0'));
    }
    let off = d.format("%z").to_string();
    let zone = if t.offset == 0 { "UTC".to_string() } else { off.clone() };
    format!("{s} {off} {zone}")
}

struct TimeConv {
    target: Expr,
    items: Vec<Item>,
    location: Option<Expr>,
    utc_default: bool,
}

impl Converter for TimeConv {
    fn call<'c>(&'c self, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
        let loc = match &self.location {
            Some(l) => {
                let name = eval(l, ctx)?;
                let name = name.expect_str()?;
                if name.is_empty() {
                    self.default_location()
                } else {
                    load_location(name).map_err(|e| EvalError::new(format!("failed to load location {name}: {e}")))?
                }
            }
            None => self.default_location(),
        };
        let v = eval(&self.target, ctx)?;
        let s = v.expect_str()?;
        if s.is_empty() {
            return Err(EvalError::new("time cannot be nil"));
        }
        Ok(Value::Time(parse_time(&self.items, s, &loc)?))
    }
}

impl TimeConv {
    fn default_location(&self) -> Arc<Tz> {
        if self.utc_default {
            Arc::new(Tz::utc())
        } else {
            local()
        }
    }
}

fn time_fn(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let at = a.at_of(1);
    let format = a.str_lit(1)?;
    if format.is_empty() {
        return Err(a.err(at, "format cannot be nil"));
    }
    let items = compile_format(&format).map_err(|e| a.err(at, e))?;
    let location = a.opt_getter(2)?;
    let locale_at = a.at_of(3);
    if let Some(l) = a.opt_str_lit(3)? {
        if !(l.is_empty() || l == "en" || l.starts_with("en-") || l.starts_with("en_")) {
            return Err(a.err(locale_at, format!("locale {l:?} is not supported: ferrocol reads English names only")));
        }
    }
    let utc_default = format.ends_with('Z') && !format.ends_with("%Z");
    Ok(Box::new(TimeConv { target, items, location, utc_default }))
}
