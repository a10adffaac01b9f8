//! otelcol's ctime-like time formats (`internal/coreinternal/timeutils`), read
//! the way Go's `time.Parse` reads the layout element each directive maps to:
//! `%Y %y %m %o %q %b %h %B %d %e %g %a %A %H %I %l %p %P %M %S %L %f %s %z %Z
//! %i %j %k %w %D %x %F %T %X %r %R %c %n %t %%`. Without a year the current one
//! is used (last year if that puts the time more than a week ahead); without any
//! date part, today. English month and day names only.

use chrono::{Datelike, NaiveDate};

use super::converters::time::{now, to_chrono};
use super::tz::{load_location, Tz};
use super::value::{EvalError, EvalResult, Time};
use crate::gotime::{DAYS, MONTHS};

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Lit(String),
    Year4,
    Year2,
    Month2,
    Month,
    MonthAbbr,
    MonthFull,
    Day2,
    DaySpace,
    Day,
    WeekdayAbbr,
    WeekdayFull,
    Hour24,
    Hour12Zero,
    Hour12,
    PmUpper,
    PmLower,
    Minute,
    Second,
    /// A fraction after `.` or `,`: any number of digits, optional.
    Frac,
    ZoneAbbr,
    /// `%z -0700`, `%w -070000`, `%i -07`, `%j -07:00`, `%k -07:00:00`.
    Offset {
        colon: bool,
        minutes: bool,
        seconds: bool,
    },
}

/// otelcol's ctimefmt directives, compiled. Digits in the format are an error,
/// as in otelcol.
pub fn compile_format(format: &str) -> Result<Vec<Item>, String> {
    if format.bytes().any(|b| b.is_ascii_digit()) {
        return Err("format string should not contain decimals".into());
    }
    let mut items = Vec::new();
    let mut chars = format.chars();
    let lit = |items: &mut Vec<Item>, s: &str| match items.last_mut() {
        Some(Item::Lit(l)) => l.push_str(s),
        _ => items.push(Item::Lit(s.to_string())),
    };
    while let Some(c) = chars.next() {
        if c != '%' {
            lit(&mut items, c.encode_utf8(&mut [0; 4]));
            continue;
        }
        let Some(d) = chars.next() else {
            lit(&mut items, "%");
            break;
        };
        let expand: &[Item] = match d {
            'Y' => &[Item::Year4],
            'y' => &[Item::Year2],
            'm' => &[Item::Month2],
            'q' => &[Item::Month],
            'b' | 'h' => &[Item::MonthAbbr],
            'B' => &[Item::MonthFull],
            'd' => &[Item::Day2],
            'e' => &[Item::DaySpace],
            'g' => &[Item::Day],
            'a' => &[Item::WeekdayAbbr],
            'A' => &[Item::WeekdayFull],
            'H' => &[Item::Hour24],
            'I' => &[Item::Hour12Zero],
            'l' => &[Item::Hour12],
            'p' => &[Item::PmUpper],
            'P' => &[Item::PmLower],
            'M' => &[Item::Minute],
            'S' => &[Item::Second],
            'Z' => &[Item::ZoneAbbr],
            'z' => &[Item::Offset { colon: false, minutes: true, seconds: false }],
            'w' => &[Item::Offset { colon: false, minutes: true, seconds: true }],
            'i' => &[Item::Offset { colon: false, minutes: false, seconds: false }],
            'j' => &[Item::Offset { colon: true, minutes: true, seconds: false }],
            'k' => &[Item::Offset { colon: true, minutes: true, seconds: true }],
            'L' | 'f' | 's' => {
                // `999` in a Go layout is a fraction only right after `.` or `,`.
                let nines = match d {
                    'L' => "999",
                    'f' => "999999",
                    _ => "99999999",
                };
                match items.last_mut() {
                    Some(Item::Lit(l)) if l.ends_with(['.', ',']) => {
                        l.pop();
                        if l.is_empty() {
                            items.pop();
                        }
                        items.push(Item::Frac);
                    }
                    _ => lit(&mut items, nines),
                }
                continue;
            }
            'o' => {
                lit(&mut items, "_");
                &[Item::Month]
            }
            'D' | 'x' => {
                items.extend([Item::Month2, Item::Lit("/".into()), Item::Day2, Item::Lit("/".into()), Item::Year4]);
                continue;
            }
            'F' => {
                items.extend([Item::Year4, Item::Lit("-".into()), Item::Month2, Item::Lit("-".into()), Item::Day2]);
                continue;
            }
            'T' | 'X' => {
                items.extend([Item::Hour24, Item::Lit(":".into()), Item::Minute, Item::Lit(":".into()), Item::Second]);
                continue;
            }
            'r' => {
                items.extend([
                    Item::Hour12Zero,
                    Item::Lit(":".into()),
                    Item::Minute,
                    Item::Lit(":".into()),
                    Item::Second,
                    Item::Lit(" ".into()),
                    Item::PmLower,
                ]);
                continue;
            }
            'R' => {
                items.extend([Item::Hour24, Item::Lit(":".into()), Item::Minute]);
                continue;
            }
            'c' => {
                items.extend([
                    Item::WeekdayAbbr,
                    Item::Lit(" ".into()),
                    Item::MonthAbbr,
                    Item::Lit(" ".into()),
                    Item::Day2,
                    Item::Lit(" ".into()),
                    Item::Hour24,
                    Item::Lit(":".into()),
                    Item::Minute,
                    Item::Lit(":".into()),
                    Item::Second,
                    Item::Lit(" ".into()),
                    Item::Year4,
                ]);
                continue;
            }
            'n' => {
                lit(&mut items, "\n");
                continue;
            }
            't' => {
                lit(&mut items, "\t");
                continue;
            }
            '%' => {
                lit(&mut items, "%");
                continue;
            }
            other => return Err(format!("unsupported ctimefmt.ToNative() directive: %{other}")),
        };
        items.extend_from_slice(expand);
    }
    Ok(items)
}

struct Parsed {
    year: Option<i32>,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    pm: Option<bool>,
    offset: Option<i32>,
    zone: Option<String>,
    has_date: bool,
}

fn bad(value: &str, what: &str) -> EvalError {
    EvalError::new(format!("parsing time {value:?}: cannot parse {what}"))
}

/// Go's `getnum`: one or two digits; `fixed` demands two.
fn num2(s: &mut &str, fixed: bool) -> Option<u32> {
    let b = s.as_bytes();
    if b.first().is_none_or(|c| !c.is_ascii_digit()) {
        return None;
    }
    if b.get(1).is_none_or(|c| !c.is_ascii_digit()) {
        if fixed {
            return None;
        }
        let n = u32::from(b[0] - b'0');
        *s = &s[1..];
        return Some(n);
    }
    let n = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    *s = &s[2..];
    Some(n)
}

fn lookup_name(s: &mut &str, names: &[&str], abbr: bool) -> Option<usize> {
    for (i, n) in names.iter().enumerate() {
        let n = if abbr { &n[..3] } else { n };
        if s.len() >= n.len() && s.as_bytes()[..n.len()].eq_ignore_ascii_case(n.as_bytes()) {
            *s = &s[n.len()..];
            return Some(i);
        }
    }
    None
}

/// Go's `skip`: literal text, where a space matches any run of spaces.
fn skip<'v>(mut value: &'v str, mut lit: &str) -> Option<&'v str> {
    while let Some(c) = lit.chars().next() {
        if c == ' ' {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            lit = lit.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        value = value.strip_prefix(c)?;
        lit = &lit[c.len_utf8()..];
    }
    Some(value)
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `s`.
fn zone_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if s.starts_with("ChST") || s.starts_with("MeST") {
        return Some(4);
    }
    if s.starts_with("GMT") {
        let rest = &b[3..];
        if let Some(&sign) = rest.first() {
            if sign == b'+' || sign == b'-' {
                let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits > 0 {
                    return Some(4 + digits);
                }
            }
        }
        return Some(3);
    }
    let upper = b.iter().take(6).take_while(|c| c.is_ascii_uppercase()).count();
    match upper {
        3 => Some(3),
        4 | 5 if b[upper - 1] == b'T' => Some(upper),
        _ => None,
    }
}

fn parse_items(items: &[Item], value: &str) -> EvalResult<Parsed> {
    let mut p = Parsed {
        year: None,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanos: 0,
        pm: None,
        offset: None,
        zone: None,
        has_date: false,
    };
    let mut s = value;
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Lit(l) => s = skip(s, l).ok_or_else(|| bad(value, &format!("{:?}", l)))?,
            Item::Year4 => {
                let y =
                    s.get(..4).filter(|d| d.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| bad(value, "year"))?;
                p.year = Some(y.parse().map_err(|_| bad(value, "year"))?);
                s = &s[4..];
                p.has_date = true;
            }
            Item::Year2 => {
                let y = num2(&mut s, true).ok_or_else(|| bad(value, "year"))? as i32;
                p.year = Some(if y >= 69 { 1900 + y } else { 2000 + y });
                p.has_date = true;
            }
            Item::Month2 | Item::Month => {
                p.month = num2(&mut s, *item == Item::Month2)
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(|| bad(value, "month"))?;
                p.has_date |= *item == Item::Month2;
            }
            Item::MonthAbbr | Item::MonthFull => {
                let m = lookup_name(&mut s, &MONTHS, *item == Item::MonthAbbr).ok_or_else(|| bad(value, "month"))?;
                p.month = m as u32 + 1;
                p.has_date = true;
            }
            Item::Day2 | Item::DaySpace | Item::Day => {
                if *item == Item::DaySpace {
                    s = s.strip_prefix(' ').unwrap_or(s);
                }
                p.day = num2(&mut s, *item == Item::Day2)
                    .filter(|d| (1..=31).contains(d))
                    .ok_or_else(|| bad(value, "day"))?;
                p.has_date |= *item != Item::Day;
            }
            Item::WeekdayAbbr | Item::WeekdayFull => {
                lookup_name(&mut s, &DAYS, *item == Item::WeekdayAbbr).ok_or_else(|| bad(value, "weekday"))?;
                p.has_date = true;
            }
            Item::Hour24 => p.hour = num2(&mut s, false).filter(|h| *h < 24).ok_or_else(|| bad(value, "hour"))?,
            Item::Hour12Zero | Item::Hour12 => {
                p.hour =
                    num2(&mut s, *item == Item::Hour12Zero).filter(|h| *h <= 12).ok_or_else(|| bad(value, "hour"))?
            }
            Item::PmUpper | Item::PmLower => {
                let (am, pm) = if *item == Item::PmUpper { ("AM", "PM") } else { ("am", "pm") };
                p.pm = Some(match s.get(..2) {
                    Some(x) if x == pm => true,
                    Some(x) if x == am => false,
                    _ => return Err(bad(value, "AM/PM")),
                });
                s = &s[2..];
            }
            Item::Minute => p.minute = num2(&mut s, true).filter(|m| *m < 60).ok_or_else(|| bad(value, "minute"))?,
            Item::Second => {
                p.second = num2(&mut s, true).filter(|m| *m < 60).ok_or_else(|| bad(value, "second"))?;
                // Go reads a fraction after the seconds even when the layout has none.
                let next_is_frac = matches!(items.get(i + 1), Some(Item::Frac));
                if !next_is_frac
                    && s.len() >= 2
                    && matches!(s.as_bytes()[0], b'.' | b',')
                    && s.as_bytes()[1].is_ascii_digit()
                {
                    let n = 1 + s[1..].bytes().take_while(u8::is_ascii_digit).count();
                    p.nanos = nanos(&s[1..n]);
                    s = &s[n..];
                }
            }
            Item::Frac => {
                let b = s.as_bytes();
                if b.len() >= 2 && matches!(b[0], b'.' | b',') && b[1].is_ascii_digit() {
                    let n = 1 + s[1..].bytes().take_while(u8::is_ascii_digit).count();
                    p.nanos = nanos(&s[1..n]);
                    s = &s[n..];
                }
            }
            Item::ZoneAbbr => {
                if let Some(rest) = s.strip_prefix("UTC") {
                    p.offset = Some(0);
                    s = rest;
                } else {
                    let n = zone_len(s).ok_or_else(|| bad(value, "time zone"))?;
                    p.zone = Some(s[..n].to_string());
                    s = &s[n..];
                }
            }
            Item::Offset { colon, minutes, seconds } => {
                let b = s.as_bytes();
                let sign = match b.first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return Err(bad(value, "time zone offset")),
                };
                let mut rest = &s[1..];
                let part = |rest: &mut &str, sep: bool| -> EvalResult<i32> {
                    if sep {
                        *rest = rest.strip_prefix(':').ok_or_else(|| bad(value, "time zone offset"))?;
                    }
                    num2(rest, true).map(|n| n as i32).ok_or_else(|| bad(value, "time zone offset"))
                };
                let mut off = part(&mut rest, false)? * 3600;
                if *minutes {
                    off += part(&mut rest, *colon)? * 60;
                }
                if *seconds {
                    off += part(&mut rest, *colon)?;
                }
                p.offset = Some(sign * off);
                s = rest;
            }
        }
    }
    if !s.is_empty() {
        return Err(EvalError::new(format!("parsing time {value:?}: extra text: {s:?}")));
    }
    Ok(p)
}

/// `123` as a fraction of a second → 123000000 ns (digits past 9 are dropped).
fn nanos(digits: &str) -> u32 {
    let mut d: String = digits.chars().take(9).collect();
    while d.len() < 9 {
        d.push('0');
    }
    d.parse().unwrap_or(0)
}

/// Parse `value` with the compiled format in `loc` (for wall times without an
/// offset, and for zone abbreviations).
pub fn parse_time(items: &[Item], value: &str, loc: &Tz) -> EvalResult<Time> {
    let mut p = parse_items(items, value)?;
    match p.pm {
        Some(true) if p.hour < 12 => p.hour += 12,
        Some(false) if p.hour == 12 => p.hour = 0,
        _ => {}
    }
    let today = to_chrono(now());
    let (year, month, day) =
        if !p.has_date { (today.year(), today.month(), today.day()) } else { (p.year.unwrap_or(0), p.month, p.day) };
    let Some(date) = NaiveDate::from_ymd_opt(year, month, day) else {
        return Err(EvalError::new(format!("parsing time {value:?}: day out of range")));
    };
    let wall = date.and_hms_opt(p.hour, p.minute, p.second).map(|d| d.and_utc().timestamp()).unwrap_or(0);
    let offset = match (&p.offset, &p.zone) {
        (Some(o), _) => *o,
        (None, Some(zone)) => zone_offset(zone, wall, loc)?,
        (None, None) => loc.offset_for_wall(wall),
    };
    let mut t = Time { unix_nanos: i128::from(wall - i64::from(offset)) * 1_000_000_000 + i128::from(p.nanos), offset };
    if p.has_date && p.year.is_none() {
        t = with_current_year(t, p.nanos);
    }
    Ok(t)
}

/// otelcol's `SetTimestampYear`: a time without a year gets this year, or
/// last year when that puts it more than a week in the future.
fn with_current_year(t: Time, nanos: u32) -> Time {
    let now = now();
    let d = to_chrono(t);
    let year = to_chrono(now).year();
    let at = |y: i32| {
        d.with_year(y).map(|x| Time {
            unix_nanos: i128::from(x.timestamp()) * 1_000_000_000 + i128::from(nanos),
            offset: t.offset,
        })
    };
    match at(year) {
        Some(x) if x.unix_nanos > now.unix_nanos + 7 * 86_400 * 1_000_000_000 => at(year - 1).unwrap_or(x),
        Some(x) => x,
        None => t,
    }
}

/// A zone abbreviation's offset: the location's own zones first, then a tz
/// database entry of that name (`EST`, `MST`, `HST`, ...), as otelcol does.
fn zone_offset(zone: &str, wall: i64, loc: &Tz) -> EvalResult<i32> {
    if let Some(o) = loc.lookup_name(zone, wall) {
        return Ok(o);
    }
    if let Some(rest) = zone.strip_prefix("GMT") {
        return Ok(rest.parse::<i32>().unwrap_or(0) * 3600);
    }
    let tz = load_location(zone).map_err(|_| EvalError::new(format!("failed to load location {zone}")))?;
    Ok(tz.lookup_name(zone, wall).unwrap_or_else(|| tz.offset_for_wall(wall)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str, format: &str, loc: &str) -> Result<String, String> {
        let items = compile_format(format)?;
        let tz = load_location(loc)?;
        parse_time(&items, value, &tz).map(super::super::converters::time::rfc3339_nano).map_err(|e| e.0)
    }

    #[test]
    fn ottlfuncs_examples() {
        assert_eq!(parse("02/04/2023", "%m/%d/%Y", "UTC").unwrap(), "2023-02-04T00:00:00Z");
        assert_eq!(parse("Feb 15, 2023", "%b %d, %Y", "UTC").unwrap(), "2023-02-15T00:00:00Z");
        assert_eq!(
            parse("2023-05-26 12:34:56 HST", "%Y-%m-%d %H:%M:%S %Z", "UTC").unwrap(),
            "2023-05-26T12:34:56-10:00"
        );
        assert_eq!(
            parse("1986-10-01T00:17:33 MST", "%Y-%m-%dT%H:%M:%S %Z", "UTC").unwrap(),
            "1986-10-01T00:17:33-07:00"
        );
        assert_eq!(
            parse("2012-11-01T22:08:41+0000 EST", "%Y-%m-%dT%H:%M:%S%z %Z", "UTC").unwrap(),
            "2012-11-01T22:08:41Z"
        );
        assert_eq!(
            parse("2023-05-26 12:34:56", "%Y-%m-%d %H:%M:%S", "America/New_York").unwrap(),
            "2023-05-26T12:34:56-04:00"
        );
        assert_eq!(
            parse("2023-01-26 12:34:56", "%Y-%m-%d %H:%M:%S", "America/New_York").unwrap(),
            "2023-01-26T12:34:56-05:00"
        );
    }

    #[test]
    fn fractions_ampm_offsets() {
        assert_eq!(
            parse("12:34:56.789 2024-03-01", "%H:%M:%S.%L %Y-%m-%d", "UTC").unwrap(),
            "2024-03-01T12:34:56.789Z"
        );
        assert_eq!(parse("2024-03-01 12:34:56.5", "%Y-%m-%d %H:%M:%S", "UTC").unwrap(), "2024-03-01T12:34:56.5Z");
        assert_eq!(parse("2024-03-01 02:03:04 pm", "%Y-%m-%d %r", "UTC").unwrap(), "2024-03-01T14:03:04Z");
        assert_eq!(parse("2024-03-01 12:00 AM", "%Y-%m-%d %I:%M %p", "UTC").unwrap(), "2024-03-01T00:00:00Z");
        assert_eq!(
            parse("2024-03-01T10:00:00+05:30", "%Y-%m-%dT%H:%M:%S%j", "UTC").unwrap(),
            "2024-03-01T10:00:00+05:30"
        );
        assert_eq!(parse("Mon Jan 02 15:04:05 2006", "%c", "UTC").unwrap(), "2006-01-02T15:04:05Z");
    }

    #[test]
    fn errors_like_otelcol() {
        assert_eq!(compile_format("%Y-00").unwrap_err(), "format string should not contain decimals");
        assert_eq!(compile_format("%Q").unwrap_err(), "unsupported ctimefmt.ToNative() directive: %Q");
        assert!(parse("2023-13-01", "%Y-%m-%d", "UTC").is_err());
        assert!(parse("2023-02-30", "%Y-%m-%d", "UTC").unwrap_err().contains("day out of range"));
        assert!(parse("2023-02-01 junk", "%Y-%m-%d", "UTC").unwrap_err().contains("extra text"));
    }
}
