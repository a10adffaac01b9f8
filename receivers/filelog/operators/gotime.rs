//! Go's `time.ParseInLocation` for the layouts stanza uses: the reference
//! time `Mon Jan 2 15:04:05 MST 2006` split into elements, then matched
//! against a value. `strptime` layouts are translated to these first.

use super::time::Location;
use crate::gotime::{DAYS, MONTHS};
use crate::receivers::teleport::mapping::days_from_civil;

/// One element of a Go layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Chunk {
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
pub(super) fn go_chunks(layout: &str) -> Vec<Chunk> {
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

/// Parse `value` with a Go layout; nanoseconds since the epoch.
pub(super) fn parse_go(chunks: &[Chunk], value: &str, location: Location) -> Result<i128, String> {
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
