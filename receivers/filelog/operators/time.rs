//! `time_parser` and the `timestamp:` block of parsers, as stanza does it:
//! `strptime` layouts are translated to Go layouts (the `ctimefmt` table),
//! then parsed as Go's `time.ParseInLocation` would; `epoch` layouts take
//! seconds or sub-seconds.

use serde::Deserialize;

use super::super::entry::{Field, LogEntry};
use crate::event::{any_value::Value, AnyValue};
use crate::receivers::teleport::mapping::days_from_civil;

/// The `timestamp:` block (and `time_parser`'s own keys).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeConfig {
    pub parse_from: Option<Field>,
    pub layout: Option<String>,
    #[serde(default = "default_layout_type")]
    pub layout_type: String,
    pub location: Option<String>,
}

fn default_layout_type() -> String {
    "strptime".to_string()
}

/// A compiled time parser.
#[derive(Clone, Debug)]
pub struct TimeParser {
    from: Field,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    Layout { chunks: Vec<Chunk>, location: Location },
    Epoch(Epoch),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Epoch {
    S,
    Ms,
    Us,
    Ns,
    SMs,
    SUs,
    SNs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Utc,
    Local,
}

impl TimeConfig {
    /// Check and compile; errors name the key at fault.
    pub fn build(&self) -> Result<TimeParser, (&'static str, String)> {
        let from =
            self.parse_from.clone().ok_or(("parse_from", "missing required parameter 'parse_from'".to_string()))?;
        let layout = self.layout.clone().unwrap_or_default();
        if layout.is_empty() {
            return Err(("layout", "missing required configuration parameter `layout`".into()));
        }
        let kind =
            match self.layout_type.as_str() {
                "strptime" | "gotime" => {
                    let go = if self.layout_type == "strptime" {
                        strptime_to_go(&layout).map_err(|e| ("layout", e))?
                    } else {
                        layout
                    };
                    let location = match self.location.as_deref() {
                        Some(l) => parse_location(l).map_err(|e| ("location", e))?,
                        None if go.ends_with('Z') => Location::Utc,
                        None => Location::Local,
                    };
                    Kind::Layout { chunks: go_chunks(&go), location }
                }
                "epoch" => Kind::Epoch(match layout.as_str() {
                    "s" => Epoch::S,
                    "ms" => Epoch::Ms,
                    "us" => Epoch::Us,
                    "ns" => Epoch::Ns,
                    "s.ms" => Epoch::SMs,
                    "s.us" => Epoch::SUs,
                    "s.ns" => Epoch::SNs,
                    _ => return Err((
                        "layout",
                        "invalid `layout` for `epoch` type: specify 's', 'ms', 'us', 'ns', 's.ms', 's.us', or 's.ns'"
                            .into(),
                    )),
                }),
                other => {
                    return Err((
                        "layout_type",
                        format!("unsupported layout_type {other}: valid values are 'strptime', 'gotime', and 'epoch'"),
                    ))
                }
            };
        Ok(TimeParser { from, kind })
    }
}

fn parse_location(l: &str) -> Result<Location, String> {
    match l {
        "" | "Local" => Ok(Location::Local),
        "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Zulu" => Ok(Location::Utc),
        _ => Err(format!(
            "failed to load location {l}: ferrocol supports UTC and Local (a layout with a zone offset needs no location)"
        )),
    }
}

impl TimeParser {
    /// Set the entry's timestamp from its field.
    pub fn parse(&self, e: &mut LogEntry) -> Result<(), String> {
        let v = self
            .from
            .get(e)
            .ok_or_else(|| format!("log entry does not have the expected parse_from field: {}", self.from))?;
        let nanos = match &self.kind {
            Kind::Layout { chunks, location } => {
                let s = match &v.value {
                    Some(Value::StringValue(s)) => s.as_str(),
                    _ => return Err(format!("type {} cannot be parsed as a time", go_type(&v))),
                };
                parse_go(chunks, s, *location)?
            }
            Kind::Epoch(layout) => parse_epoch(*layout, &v)?,
        };
        e.timestamp = u64::try_from(nanos).unwrap_or(0);
        Ok(())
    }
}

fn go_type(v: &AnyValue) -> &'static str {
    match &v.value {
        None => "<nil>",
        Some(Value::StringValue(_)) => "string",
        Some(Value::IntValue(_)) => "int",
        Some(Value::DoubleValue(_)) => "float64",
        Some(Value::BoolValue(_)) => "bool",
        Some(Value::KvlistValue(_)) => "map[string]interface {}",
        Some(Value::ArrayValue(_)) => "[]interface {}",
        _ => "[]uint8",
    }
}

fn parse_epoch(layout: Epoch, v: &AnyValue) -> Result<i128, String> {
    let (secs, frac) = match (&v.value, layout) {
        (Some(Value::IntValue(i)), _) => (i128::from(*i), 0i128),
        (Some(Value::DoubleValue(f)), Epoch::S | Epoch::Ms | Epoch::Us | Epoch::Ns) => (*f as i128, 0),
        (Some(Value::DoubleValue(f)), _) => {
            let digits = match layout {
                Epoch::SMs => 3,
                Epoch::SUs => 6,
                _ => 9,
            };
            let s = format!("{f:.digits$}");
            return parse_epoch(layout, &AnyValue { value: Some(Value::StringValue(s)) });
        }
        (Some(Value::StringValue(s)), Epoch::S | Epoch::Ms | Epoch::Us | Epoch::Ns) => {
            (s.trim().parse::<i64>().map_err(|_| format!("invalid value '{s}' for layout"))? as i128, 0)
        }
        (Some(Value::StringValue(s)), _) => {
            let (a, b) = s.trim().split_once('.').ok_or_else(|| format!("invalid value '{s}' for layout"))?;
            let a: i64 = a.parse().map_err(|_| format!("invalid value '{s}' for layout"))?;
            let b: i64 = b.parse().map_err(|_| format!("invalid value '{s}' for layout"))?;
            (i128::from(a), i128::from(b))
        }
        (_, _) => return Err(format!("type {} cannot be parsed as a time", go_type(v))),
    };
    Ok(match layout {
        Epoch::S => secs * 1_000_000_000,
        Epoch::Ms => secs * 1_000_000,
        Epoch::Us => secs * 1_000,
        Epoch::Ns => secs,
        Epoch::SMs => secs * 1_000_000_000 + frac * 1_000_000,
        Epoch::SUs => secs * 1_000_000_000 + frac * 1_000,
        Epoch::SNs => secs * 1_000_000_000 + frac,
    })
}

/// `ctimefmt`'s strptime directives as Go layout elements.
fn strptime_to_go(layout: &str) -> Result<String, String> {
    if layout.chars().any(|c| c.is_ascii_digit()) {
        return Err("parse strptime layout: format string should not contain decimals".into());
    }
    let mut out = String::new();
    let mut chars = layout.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let d = chars.next().ok_or("parse strptime layout: a layout cannot end with %")?;
        out.push_str(match d {
            'Y' => "2006",
            'y' => "06",
            'm' => "01",
            'o' => "_1",
            'q' => "1",
            'b' | 'h' => "Jan",
            'B' => "January",
            'd' => "02",
            'e' => "_2",
            'g' => "2",
            'a' => "Mon",
            'A' => "Monday",
            'H' => "15",
            'l' => "3",
            'I' => "03",
            'p' => "PM",
            'P' => "pm",
            'M' => "04",
            'S' => "05",
            'L' => "999",
            'f' => "999999",
            's' => "999999999",
            'Z' => "MST",
            'z' => "-0700",
            'w' => "-070000",
            'i' => "-07",
            'j' => "-07:00",
            'k' => "-07:00:00",
            'D' | 'x' => "01/02/2006",
            'F' => "2006-01-02",
            'T' | 'X' => "15:04:05",
            'r' => "03:04:05 pm",
            'R' => "15:04",
            'n' => "\n",
            't' => "\t",
            '%' => "%",
            'c' => "Mon Jan 02 15:04:05 2006",
            other => return Err(format!("parse strptime layout: unsupported directive %{other}")),
        });
    }
    Ok(out)
}

/// One element of a Go layout.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Chunk {
    Lit(String),
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TzName,
    /// Numeric zone; `z`: `Z` is accepted for UTC; `colon`, `seconds`, `hours_only` as in the layout.
    Zone {
        z: bool,
        colon: bool,
        seconds: bool,
        hours_only: bool,
    },
    /// `.000` (exactly n digits) or `.999` (any digits).
    Frac {
        digits: usize,
        exact: bool,
    },
}

/// Split a Go layout into elements (Go's `nextStdChunk`).
fn go_chunks(layout: &str) -> Vec<Chunk> {
    const TABLE: &[(&str, Chunk)] = &[
        ("January", Chunk::LongMonth),
        ("Jan", Chunk::Month),
        ("Monday", Chunk::LongWeekDay),
        ("Mon", Chunk::WeekDay),
        ("MST", Chunk::TzName),
        ("2006", Chunk::LongYear),
        ("002", Chunk::ZeroYearDay),
        ("01", Chunk::ZeroMonth),
        ("02", Chunk::ZeroDay),
        ("03", Chunk::ZeroHour12),
        ("04", Chunk::ZeroMinute),
        ("05", Chunk::ZeroSecond),
        ("06", Chunk::Year),
        ("15", Chunk::Hour),
        ("_2", Chunk::UnderDay),
        ("_1", Chunk::NumMonth),
        ("PM", Chunk::PM),
        ("pm", Chunk::Pm),
        ("Z07:00:00", Chunk::Zone { z: true, colon: true, seconds: true, hours_only: false }),
        ("Z070000", Chunk::Zone { z: true, colon: false, seconds: true, hours_only: false }),
        ("Z07:00", Chunk::Zone { z: true, colon: true, seconds: false, hours_only: false }),
        ("Z0700", Chunk::Zone { z: true, colon: false, seconds: false, hours_only: false }),
        ("Z07", Chunk::Zone { z: true, colon: false, seconds: false, hours_only: true }),
        ("-07:00:00", Chunk::Zone { z: false, colon: true, seconds: true, hours_only: false }),
        ("-070000", Chunk::Zone { z: false, colon: false, seconds: true, hours_only: false }),
        ("-07:00", Chunk::Zone { z: false, colon: true, seconds: false, hours_only: false }),
        ("-0700", Chunk::Zone { z: false, colon: false, seconds: false, hours_only: false }),
        ("-07", Chunk::Zone { z: false, colon: false, seconds: false, hours_only: true }),
        ("1", Chunk::NumMonth),
        ("2", Chunk::Day),
        ("3", Chunk::Hour12),
        ("4", Chunk::Minute),
        ("5", Chunk::Second),
    ];
    let mut out: Vec<Chunk> = Vec::new();
    let mut lit = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        // Fractional seconds: `.000`, `,999` not followed by another digit.
        let b = rest.as_bytes();
        if (b[0] == b'.' || b[0] == b',') && b.len() > 1 && (b[1] == b'0' || b[1] == b'9') {
            let d = b[1];
            let n = b[1..].iter().take_while(|&&c| c == d).count();
            if !b.get(1 + n).is_some_and(|c| c.is_ascii_digit()) {
                if !lit.is_empty() {
                    out.push(Chunk::Lit(std::mem::take(&mut lit)));
                }
                out.push(Chunk::Frac { digits: n, exact: d == b'0' });
                rest = &rest[1 + n..];
                continue;
            }
        }
        for (pat, chunk) in TABLE {
            if rest.starts_with(pat) {
                // `Jan`/`Mon` only when not followed by a lowercase letter (Go: `January` vs `Janet`).
                let next_lower = rest[pat.len()..].chars().next().is_some_and(|c| c.is_ascii_lowercase());
                if matches!(chunk, Chunk::Month | Chunk::WeekDay | Chunk::TzName) && next_lower {
                    continue;
                }
                if !lit.is_empty() {
                    out.push(Chunk::Lit(std::mem::take(&mut lit)));
                }
                out.push(chunk.clone());
                rest = &rest[pat.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().expect("not empty");
        lit.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !lit.is_empty() {
        out.push(Chunk::Lit(lit));
    }
    out
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Parse `value` with a Go layout; nanoseconds since the epoch.
fn parse_go(chunks: &[Chunk], value: &str, location: Location) -> Result<i128, String> {
    let err = || format!("parsing time {value:?}: does not match the layout");
    let mut v = value;
    let (mut year, mut month, mut day, mut yday) = (0i64, 1i64, 1i64, 0i64);
    let (mut hour, mut min, mut sec, mut nanos) = (0i64, 0i64, 0i64, 0i64);
    let mut pm: Option<bool> = None;
    let mut offset: Option<i64> = None;
    for (i, chunk) in chunks.iter().enumerate() {
        match chunk {
            Chunk::Lit(l) => v = v.strip_prefix(l.as_str()).ok_or_else(err)?,
            Chunk::LongYear => (year, v) = fixed(v, 4).ok_or_else(err)?,
            Chunk::Year => {
                let (y, r) = fixed(v, 2).ok_or_else(err)?;
                year = if y >= 69 { 1900 + y } else { 2000 + y };
                v = r;
            }
            Chunk::ZeroMonth => (month, v) = fixed(v, 2).ok_or_else(err)?,
            Chunk::NumMonth => (month, v) = upto(v.trim_start_matches(' '), 2).ok_or_else(err)?,
            Chunk::Month | Chunk::LongMonth => {
                let long = *chunk == Chunk::LongMonth;
                let (i, r) = lookup(v, &MONTHS, long).ok_or_else(err)?;
                month = i as i64 + 1;
                v = r;
            }
            Chunk::WeekDay | Chunk::LongWeekDay => {
                v = lookup(v, &DAYS, *chunk == Chunk::LongWeekDay).ok_or_else(err)?.1
            }
            Chunk::ZeroDay => (day, v) = fixed(v, 2).ok_or_else(err)?,
            Chunk::UnderDay => (day, v) = upto(v.strip_prefix(' ').unwrap_or(v), 2).ok_or_else(err)?,
            Chunk::Day => (day, v) = upto(v, 2).ok_or_else(err)?,
            Chunk::ZeroYearDay => (yday, v) = fixed(v, 3).ok_or_else(err)?,
            Chunk::Hour => (hour, v) = upto(v, 2).ok_or_else(err)?,
            Chunk::Hour12 => (hour, v) = upto(v, 2).ok_or_else(err)?,
            Chunk::ZeroHour12 => (hour, v) = fixed(v, 2).ok_or_else(err)?,
            Chunk::Minute => (min, v) = upto(v, 2).ok_or_else(err)?,
            Chunk::ZeroMinute => (min, v) = fixed(v, 2).ok_or_else(err)?,
            Chunk::Second | Chunk::ZeroSecond => {
                (sec, v) = if *chunk == Chunk::Second { upto(v, 2) } else { fixed(v, 2) }.ok_or_else(err)?;
                // Go accepts a fraction after the seconds even when the layout has none.
                let next_is_frac = matches!(chunks.get(i + 1), Some(Chunk::Frac { .. }));
                let b = v.as_bytes();
                if !next_is_frac && b.len() >= 2 && (b[0] == b'.' || b[0] == b',') && b[1].is_ascii_digit() {
                    let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    nanos = frac_nanos(&v[1..1 + n]);
                    v = &v[1 + n..];
                }
            }
            Chunk::Frac { digits, exact } => {
                let b = v.as_bytes();
                if b.is_empty() || (b[0] != b'.' && b[0] != b',') {
                    if *exact {
                        return Err(err());
                    }
                    continue;
                }
                let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if *exact && n != *digits {
                    return Err(err());
                }
                nanos = frac_nanos(&v[1..1 + n]);
                v = &v[1 + n..];
            }
            Chunk::PM | Chunk::Pm => {
                let head = v.get(..2).ok_or_else(err)?;
                pm = Some(match head.to_ascii_uppercase().as_str() {
                    "PM" => true,
                    "AM" => false,
                    _ => return Err(err()),
                });
                v = &v[2..];
            }
            Chunk::TzName => {
                let n = v.bytes().take_while(|c| c.is_ascii_uppercase()).count();
                if n < 3 && !v.starts_with('Z') {
                    return Err(err());
                }
                let name = &v[..n.max(1)];
                offset =
                    Some(zone_abbreviation(name).ok_or_else(|| format!("unknown time zone abbreviation {name:?}"))?);
                v = &v[name.len()..];
            }
            Chunk::Zone { z, colon, seconds, hours_only } => {
                if *z && v.starts_with('Z') {
                    offset = Some(0);
                    v = &v[1..];
                    continue;
                }
                let sign = match v.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(err()),
                };
                v = &v[1..];
                let (h, r) = fixed(v, 2).ok_or_else(err)?;
                v = r;
                let mut secs = h * 3600;
                if !hours_only {
                    if *colon {
                        v = v.strip_prefix(':').ok_or_else(err)?;
                    }
                    let (m, r) = fixed(v, 2).ok_or_else(err)?;
                    v = r;
                    secs += m * 60;
                    if *seconds {
                        if *colon {
                            v = v.strip_prefix(':').ok_or_else(err)?;
                        }
                        let (s, r) = fixed(v, 2).ok_or_else(err)?;
                        v = r;
                        secs += s;
                    }
                }
                offset = Some(sign * secs);
            }
        }
    }
    if !v.is_empty() {
        return Err(format!("parsing time {value:?}: extra text {v:?}"));
    }
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return Err(err());
        }
        hour = match (pm, hour) {
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, 12) => 0,
            (false, h) => h,
        };
    }
    if year == 0 {
        // stanza sets a missing year to this year (last year if that is over a week ahead).
        year = current_year();
    }
    if yday > 0 {
        let days = days_from_civil(year, 1, 1) + yday - 1;
        let (y, m, d) = civil_from_days(days);
        (year, month, day) = (y, m, d);
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 59 {
        return Err(format!("parsing time {value:?}: value out of range"));
    }
    let local_secs = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
    let offset = match (offset, location) {
        (Some(o), _) => o,
        (None, Location::Utc) => 0,
        (None, Location::Local) => local_offset(local_secs),
    };
    Ok(i128::from(local_secs - offset) * 1_000_000_000 + i128::from(nanos))
}

fn fixed(v: &str, n: usize) -> Option<(i64, &str)> {
    let digits = v.get(..n)?;
    digits.bytes().all(|c| c.is_ascii_digit()).then(|| (digits.parse().ok(), &v[n..])).and_then(|(x, r)| Some((x?, r)))
}

fn upto(v: &str, n: usize) -> Option<(i64, &str)> {
    let len = v.bytes().take(n).take_while(|c| c.is_ascii_digit()).count();
    if len == 0 {
        return None;
    }
    Some((v[..len].parse().ok()?, &v[len..]))
}

fn lookup<'a>(v: &'a str, names: &[&str], long: bool) -> Option<(usize, &'a str)> {
    names.iter().enumerate().find_map(|(i, name)| {
        let name = if long { name } else { &name[..3] };
        let head = v.get(..name.len())?;
        head.eq_ignore_ascii_case(name).then(|| (i, &v[name.len()..]))
    })
}

fn frac_nanos(digits: &str) -> i64 {
    let mut n = 0i64;
    for (i, c) in digits.bytes().enumerate() {
        if i < 9 {
            n = n * 10 + i64::from(c - b'0');
        }
    }
    for _ in digits.len()..9 {
        n *= 10;
    }
    n
}

fn zone_abbreviation(name: &str) -> Option<i64> {
    let h = |x: i64| Some(x * 3600);
    match name {
        "UTC" | "GMT" | "Z" | "UT" => h(0),
        "EST" => h(-5),
        "EDT" => h(-4),
        "CST" => h(-6),
        "CDT" => h(-5),
        "MST" => h(-7),
        "MDT" => h(-6),
        "PST" => h(-8),
        "PDT" => h(-7),
        "CET" => h(1),
        "CEST" => h(2),
        "EET" => h(2),
        "EEST" => h(3),
        "BST" => h(1),
        "IST" => Some(19800),
        "JST" => h(9),
        _ => None,
    }
}

/// The local zone's offset (seconds east of UTC) at a local wall-clock time.
fn local_offset(local_secs: i64) -> i64 {
    use chrono::{Local, NaiveDateTime, Offset, TimeZone};
    let Some(naive) = chrono::DateTime::from_timestamp(local_secs, 0).map(|d| d.naive_utc()) else { return 0 };
    let naive: NaiveDateTime = naive;
    Local.from_local_datetime(&naive).earliest().map(|d| i64::from(d.offset().fix().local_minus_utc())).unwrap_or(0)
}

fn current_year() -> i64 {
    use chrono::Datelike;
    i64::from(chrono::Utc::now().year())
}

/// Inverse of `days_from_civil`.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(layout: &str, value: &str) -> Result<i128, String> {
        parse_go(&go_chunks(layout), value, Location::Utc)
    }

    fn st(layout: &str, value: &str) -> Result<i128, String> {
        parse_go(&go_chunks(&strptime_to_go(layout).unwrap()), value, Location::Utc)
    }

    const T: i128 = 1_581_452_773_000_000_000; // 2020-02-11 20:26:13 UTC

    #[test]
    fn go_layouts() {
        assert_eq!(go("2006-01-02T15:04:05Z07:00", "2020-02-11T20:26:13Z"), Ok(T));
        assert_eq!(go("2006-01-02T15:04:05Z07:00", "2020-02-11T21:26:13+01:00"), Ok(T));
        assert_eq!(go("2006-01-02T15:04:05.000Z07:00", "2020-02-11T20:26:13.123Z"), Ok(T + 123_000_000));
        assert_eq!(
            go("2006-01-02T15:04:05Z07:00", "2020-02-11T20:26:13.5Z"),
            Ok(T + 500_000_000),
            "a fraction is accepted after seconds"
        );
        assert_eq!(go("Jan _2 15:04:05 2006", "Feb 11 20:26:13 2020"), Ok(T));
        assert_eq!(go("Mon, 02 Jan 2006 15:04:05 MST", "Tue, 11 Feb 2020 20:26:13 UTC"), Ok(T));
        assert_eq!(go("02/Jan/2006:15:04:05 -0700", "11/Feb/2020:13:26:13 -0700"), Ok(T));
        assert_eq!(go("3:04PM 2006-01-02", "8:26PM 2020-02-11"), Ok(T - 13_000_000_000));
        assert!(go("2006-01-02", "2020-02-11 extra").unwrap_err().contains("extra text"));
        assert!(go("2006-01-02", "2020-13-11").unwrap_err().contains("out of range"));
    }

    #[test]
    fn strptime_layouts() {
        assert_eq!(st("%Y-%m-%d %H:%M:%S", "2020-02-11 20:26:13"), Ok(T));
        assert_eq!(st("%Y-%m-%dT%H:%M:%S.%L%z", "2020-02-11T20:26:13.250+0000"), Ok(T + 250_000_000));
        assert_eq!(st("%d/%b/%Y:%H:%M:%S %z", "11/Feb/2020:20:26:13 +0000"), Ok(T));
        assert_eq!(st("%a %b %e %T %Y", "Tue Feb 11 20:26:13 2020"), Ok(T));
        assert_eq!(st("%F %T", "2020-02-11 20:26:13"), Ok(T));
        assert!(strptime_to_go("%Y-%Q").unwrap_err().contains("unsupported directive %Q"));
        assert!(strptime_to_go("%Y1").is_err());
    }

    #[test]
    fn epochs() {
        let s = |v: &str| AnyValue { value: Some(Value::StringValue(v.into())) };
        assert_eq!(parse_epoch(Epoch::S, &s("1581452773")), Ok(T));
        assert_eq!(
            parse_epoch(Epoch::Ms, &AnyValue { value: Some(Value::IntValue(1_581_452_773_001)) }),
            Ok(T + 1_000_000)
        );
        assert_eq!(parse_epoch(Epoch::SMs, &s("1581452773.5")), Ok(T + 5_000_000));
        assert_eq!(
            parse_epoch(Epoch::SMs, &AnyValue { value: Some(Value::DoubleValue(1581452773.25)) }),
            Ok(T + 250_000_000)
        );
        assert!(parse_epoch(Epoch::S, &s("x")).is_err());
    }

    #[test]
    fn config_checks() {
        let cfg = |y: &str| -> TimeConfig {
            crate::config::de::from_node(&crate::config::yaml::parse("c", y).unwrap()).unwrap()
        };
        assert_eq!(cfg("parse_from: body.t\n").build().unwrap_err().0, "layout");
        assert_eq!(cfg("layout: '%Y'\n").build().unwrap_err().0, "parse_from");
        assert_eq!(cfg("parse_from: body.t\nlayout: x\nlayout_type: epoch\n").build().unwrap_err().0, "layout");
        assert_eq!(cfg("parse_from: body.t\nlayout: '%Y'\nlocation: Mars/Base\n").build().unwrap_err().0, "location");
        assert!(cfg("parse_from: body.t\nlayout: '%Y-%m-%dT%H:%M:%SZ'\n").build().is_ok());
    }
}

/// The `time_parser` operator.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeParserConfig {
    #[serde(rename = "type")]
    _type: String,
    id: Option<String>,
    output: Option<serde_json::Value>,
    on_error: Option<String>,
    #[serde(rename = "if")]
    cond: Option<crate::receivers::filelog::expr::Expr>,
    parse_from: Option<Field>,
    layout: Option<String>,
    #[serde(default = "default_layout_type")]
    layout_type: String,
    location: Option<String>,
}

impl super::OperatorConfig for TimeParserConfig {
    fn common(&mut self) -> super::CommonKeys {
        (self.id.take(), self.output.take(), self.on_error.take(), self.cond.take())
    }

    fn build(self) -> super::KeyResult<super::Kind> {
        let cfg = TimeConfig {
            parse_from: self.parse_from,
            layout: self.layout,
            layout_type: self.layout_type,
            location: self.location,
        };
        Ok(super::Kind::Time(cfg.build()?))
    }
}
