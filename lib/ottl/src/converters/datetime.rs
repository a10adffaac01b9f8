//! Converters on times and durations: the components (`Year` ..
//! `Nanosecond`, `Weekday`), `Duration` and the duration units (`Hours` ..
//! `Nanoseconds`), `TruncateTime`, `FormatTime`, `Unix`, `UnixMilli`,
//! `UnixMicro`. Components are read in the time's own offset, as Go's methods do.

use chrono::{Datelike, Timelike};

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::value::{EvalError, EvalResult, Time, Value};
use ferrocol_gotime::goformat::format;
use ferrocol_gotime::golayout::Layout;
use ferrocol_gotime::strptime::to_go_layout;
use ferrocol_gotime::tz::local;

pub static SPECS: &[Spec] = &[
    Spec { name: "Year", params: &[req("time")], build: |a| part(a, |t| t.to_chrono().year().into()) },
    Spec { name: "Month", params: &[req("time")], build: |a| part(a, |t| t.to_chrono().month().into()) },
    Spec { name: "Day", params: &[req("time")], build: |a| part(a, |t| t.to_chrono().day().into()) },
    Spec { name: "Hour", params: &[req("time")], build: |a| part(a, |t| t.to_chrono().hour().into()) },
    Spec { name: "Minute", params: &[req("time")], build: |a| part(a, |t| t.to_chrono().minute().into()) },
    Spec { name: "Second", params: &[req("time")], build: |a| part(a, |t| t.to_chrono().second().into()) },
    Spec { name: "Nanosecond", params: &[req("time")], build: |a| part(a, |t| t.unix_nanos.rem_euclid(NS) as i64) },
    Spec {
        name: "Weekday",
        params: &[req("time")],
        build: |a| part(a, |t| t.to_chrono().weekday().num_days_from_sunday().into()),
    },
    Spec {
        name: "UnixMilli",
        params: &[req("time")],
        build: |a| part(a, |t| t.unix_nanos.div_euclid(1_000_000) as i64),
    },
    Spec { name: "UnixMicro", params: &[req("time")], build: |a| part(a, |t| t.unix_nanos.div_euclid(1_000) as i64) },
    Spec { name: "Duration", params: &[req("duration")], build: duration },
    Spec { name: "Hours", params: &[req("duration")], build: |a| unit(a, 3600.0 * 1e9) },
    Spec { name: "Minutes", params: &[req("duration")], build: |a| unit(a, 60.0 * 1e9) },
    Spec { name: "Seconds", params: &[req("duration")], build: |a| unit(a, 1e9) },
    Spec { name: "Milliseconds", params: &[req("duration")], build: |a| count(a, 1_000_000) },
    Spec { name: "Microseconds", params: &[req("duration")], build: |a| count(a, 1_000) },
    Spec { name: "Nanoseconds", params: &[req("duration")], build: |a| count(a, 1) },
    Spec { name: "TruncateTime", params: &[req("time"), req("duration")], build: truncate_time },
    Spec { name: "FormatTime", params: &[req("time"), req("format")], build: format_time },
    Spec { name: "Unix", params: &[req("seconds"), opt("nanoseconds")], build: unix },
];

const NS: i128 = 1_000_000_000;

fn part(a: &mut Args, f: fn(Time) -> i64) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::Int(f(eval(&target, ctx)?.expect_time()?)))))
}

fn expect_duration(v: &Value) -> EvalResult<i64> {
    match v {
        Value::Duration(d) => Ok(*d),
        v => Err(crate::value::type_error("time.Duration", v)),
    }
}

/// `Hours`, `Minutes`, `Seconds`: a float, as Go's `Duration.Hours()`.
fn unit(a: &mut Args, ns: f64) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::Double(expect_duration(&eval(&target, ctx)?)? as f64 / ns))))
}

/// `Milliseconds`, `Microseconds`, `Nanoseconds`: an int, truncated.
fn count(a: &mut Args, ns: i64) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::Int(expect_duration(&eval(&target, ctx)?)? / ns))))
}

fn duration(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        Ok(Value::Duration(parse_duration(v.expect_str()?).map_err(EvalError::new)?))
    }))
}

/// Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, units ns, us
/// (µs, μs), ms, s, m, h; `0` alone is allowed.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let bad = || format!("time: invalid duration {text:?}");
    let (neg, mut s) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        let num_len = s.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        let num = &s[..num_len];
        if num.is_empty() || num == "." {
            return Err(bad());
        }
        let value: f64 = num.parse().map_err(|_| bad())?;
        s = &s[num_len..];
        let unit_len = s.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(s.len());
        let unit = match &s[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {text:?}")),
            u => return Err(format!("time: unknown unit {u:?} in duration {text:?}")),
        };
        total += value * unit;
        s = &s[unit_len..];
    }
    if total > i64::MAX as f64 {
        return Err(bad());
    }
    Ok(if neg { -(total.round() as i64) } else { total.round() as i64 })
}

/// Go's `Time.Truncate(d)`: rounded down to a multiple of `d` since Go's zero
/// time (January 1, year 1, UTC); `d <= 0` leaves the time as it is.
fn truncate_time(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let time = a.getter(0)?;
    let dur = a.getter(1)?;
    Ok(conv(move |ctx| {
        let t = eval(&time, ctx)?.expect_time()?;
        let d = i128::from(expect_duration(&eval(&dur, ctx)?)?);
        if d <= 0 {
            return Ok(Value::Time(t));
        }
        const ZERO_TO_UNIX: i128 = -Time::GO_ZERO.unix_nanos;
        let abs = t.unix_nanos + ZERO_TO_UNIX;
        Ok(Value::Time(Time { unix_nanos: abs - abs.rem_euclid(d) - ZERO_TO_UNIX, offset: t.offset }))
    }))
}

/// `FormatTime(time, format)`: otelcol's ctime-like directives, as `Time` reads them.
fn format_time(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let time = a.getter(0)?;
    let at = a.at_of(1);
    let fmt = a.str_lit(1)?;
    if fmt.is_empty() {
        return Err(a.err(at, "format cannot be nil"));
    }
    let layout = Layout::new(&to_go_layout(&fmt).map_err(|e| a.err(at, e))?);
    Ok(conv(move |ctx| Ok(Value::string(format(&layout, eval(&time, ctx)?.expect_time()?)))))
}

/// `Unix(seconds, nanoseconds?)`: Go's `time.Unix`, in the local zone.
fn unix(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let secs = a.getter(0)?;
    let nanos = a.opt_getter(1)?;
    Ok(conv(move |ctx| {
        let s = eval(&secs, ctx)?.expect_int()?;
        let n = match &nanos {
            Some(n) => eval(n, ctx)?.expect_int()?,
            None => 0,
        };
        let unix_nanos = i128::from(s) * NS + i128::from(n);
        let offset = local().offset_at(unix_nanos.div_euclid(NS) as i64);
        Ok(Value::Time(Time { unix_nanos, offset }))
    }))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("3s"), Ok(3_000_000_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("-1.5ms"), Ok(-1_500_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("10h 20m"), Err(r#"time: unknown unit "h " in duration "10h 20m""#.into()));
        assert_eq!(parse_duration("5"), Err(r#"time: missing unit in duration "5""#.into()));
    }
}
