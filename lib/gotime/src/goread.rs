//! A value read with a Go layout as Go's `time.Parse` does, up to the fields
//! it names ([`Fields`]): literal spaces match runs of spaces, a fraction is
//! read after the seconds even when the layout has none, `AM`/`PM` are
//! case-sensitive, the day is checked against the month. Errors read like Go's.

use super::golayout::{Layout, Std};
use super::{DAYS, MONTHS};

/// What a value says, before its zone is resolved; missing parts are Go's zero values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    pub nanos: i64,
    /// A numeric offset (seconds east), or `Z`/`UTC` (`utc`).
    pub offset: Option<i32>,
    pub utc: bool,
    /// A zone abbreviation (`MST` element) other than `UTC`.
    pub zone_name: Option<String>,
}

impl Layout {
    /// Read `value` as Go's `time.Parse` does, up to the zone.
    pub fn read(&self, value: &str) -> Result<Fields, String> {
        let mut f = Fields { month: -1, day: -1, ..Fields::default() };
        let (mut yday, mut pm, mut am) = (-1, false, false);
        let mut v = value;
        for (i, (lit, std, elem)) in self.chunks.iter().enumerate() {
            v = skip(v, lit).ok_or_else(|| self.cannot(value, v, lit))?;
            let Some(std) = std else { break };
            let bad = || self.cannot(value, v, elem);
            let range = |what: &str| format!("parsing time {value:?}: {what} out of range");
            let rest = match *std {
                Std::LongYear => {
                    let y = v.get(..4).filter(|y| y.bytes().all(|c| c.is_ascii_digit())).ok_or_else(bad)?;
                    f.year = y.parse().map_err(|_| bad())?;
                    &v[4..]
                }
                Std::Year => {
                    let (y, r) = getnum(v, true).ok_or_else(bad)?;
                    f.year = if y >= 69 { 1900 + y } else { 2000 + y };
                    r
                }
                Std::Month | Std::LongMonth => {
                    let (m, r) = lookup(v, &MONTHS, *std == Std::LongMonth).ok_or_else(bad)?;
                    f.month = m as i64 + 1;
                    r
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, r) = getnum(v, *std == Std::ZeroMonth).ok_or_else(bad)?;
                    f.month = m;
                    if !(1..=12).contains(&m) {
                        return Err(range("month"));
                    }
                    r
                }
                Std::WeekDay | Std::LongWeekDay => lookup(v, &DAYS, *std == Std::LongWeekDay).ok_or_else(bad)?.1,
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    let v = if *std == Std::UnderDay { v.strip_prefix(' ').unwrap_or(v) } else { v };
                    let (d, r) = getnum(v, *std == Std::ZeroDay).ok_or_else(bad)?;
                    f.day = d;
                    r
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    let pad = if *std == Std::UnderYearDay {
                        v.bytes().take(2).take_while(|c| *c == b' ').count()
                    } else {
                        0
                    };
                    let v = &v[pad..];
                    let n = v.bytes().take(3).take_while(u8::is_ascii_digit).count();
                    if n == 0 || (*std == Std::ZeroYearDay && n < 3) {
                        return Err(bad());
                    }
                    yday = v[..n].parse().map_err(|_| bad())?;
                    &v[n..]
                }
                Std::Hour | Std::Hour12 | Std::ZeroHour12 => {
                    let (h, r) = getnum(v, *std == Std::ZeroHour12).ok_or_else(bad)?;
                    f.hour = h;
                    if h > if *std == Std::Hour { 23 } else { 12 } {
                        return Err(range("hour"));
                    }
                    r
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, r) = getnum(v, *std == Std::ZeroMinute).ok_or_else(bad)?;
                    f.min = m;
                    if m > 59 {
                        return Err(range("minute"));
                    }
                    r
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, mut r) = getnum(v, *std == Std::ZeroSecond).ok_or_else(bad)?;
                    f.sec = s;
                    if s > 59 {
                        return Err(range("second"));
                    }
                    // Go reads a fraction here unless the next element is one.
                    let next_frac = matches!(self.chunks.get(i + 1), Some((_, Some(Std::Frac { .. }), _)));
                    let b = r.as_bytes();
                    if !next_frac && b.len() >= 2 && matches!(b[0], b'.' | b',') && b[1].is_ascii_digit() {
                        let n = 1 + r[1..].bytes().take_while(u8::is_ascii_digit).count();
                        f.nanos = nanos(&r[1..n]);
                        r = &r[n..];
                    }
                    r
                }
                Std::Frac { digits, exact: true } => {
                    let frac = v.get(1..1 + digits).filter(|d| d.bytes().all(|c| c.is_ascii_digit()));
                    let frac = frac.filter(|_| v.starts_with(['.', ','])).ok_or_else(bad)?;
                    f.nanos = nanos(frac);
                    &v[1 + digits..]
                }
                Std::Frac { exact: false, .. } => {
                    let b = v.as_bytes();
                    if b.len() < 2 || !matches!(b[0], b'.' | b',') || !b[1].is_ascii_digit() {
                        v
                    } else {
                        let n = 1 + v[1..].bytes().take_while(u8::is_ascii_digit).count();
                        f.nanos = nanos(&v[1..n]);
                        &v[n..]
                    }
                }
                Std::PM | Std::Pm => {
                    let (p, a) = if *std == Std::PM { ("PM", "AM") } else { ("pm", "am") };
                    match v.get(..2) {
                        Some(x) if x == p => pm = true,
                        Some(x) if x == a => am = true,
                        _ => return Err(bad()),
                    }
                    &v[2..]
                }
                Std::TzName => {
                    if let Some(r) = v.strip_prefix("UTC") {
                        f.utc = true;
                        r
                    } else {
                        let n = zone_len(v).ok_or_else(bad)?;
                        f.zone_name = Some(v[..n].to_string());
                        &v[n..]
                    }
                }
                Std::Offset { z, form } => {
                    if let Some(r) = v.strip_prefix('Z').filter(|_| z) {
                        f.utc = true;
                        r
                    } else {
                        let (off, r) = offset(v, form).ok_or_else(bad)?;
                        f.offset = Some(off);
                        r
                    }
                }
            };
            v = rest;
        }
        if !v.is_empty() {
            return Err(format!("parsing time {value:?}: extra text: {v:?}"));
        }
        if pm && f.hour < 12 {
            f.hour += 12;
        } else if am && f.hour == 12 {
            f.hour = 0;
        }
        resolve_day(&mut f, yday).map_err(|what| format!("parsing time {value:?}: {what}"))?;
        Ok(f)
    }

    fn cannot(&self, value: &str, rest: &str, elem: &str) -> String {
        format!("parsing time {value:?} as {:?}: cannot parse {rest:?} as {elem:?}", self.text())
    }
}

/// Month and day from a day of the year, defaults, and the day checked against the month.
fn resolve_day(f: &mut Fields, yday: i64) -> Result<(), &'static str> {
    let leap = f.year % 4 == 0 && (f.year % 100 != 0 || f.year % 400 == 0);
    let days_in = |m: i64| match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if yday >= 0 {
        if yday < 1 || yday > if leap { 366 } else { 365 } {
            return Err("day-of-year out of range");
        }
        let (mut m, mut d) = (1, yday);
        while d > days_in(m) {
            d -= days_in(m);
            m += 1;
        }
        if f.month >= 0 && f.month != m {
            return Err("day-of-year does not match month");
        }
        if f.day >= 0 && f.day != d {
            return Err("day-of-year does not match day");
        }
        (f.month, f.day) = (m, d);
    }
    if f.month < 0 {
        f.month = 1;
    }
    if f.day < 0 {
        f.day = 1;
    }
    if f.day < 1 || f.day > days_in(f.month) {
        return Err("day out of range");
    }
    Ok(())
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

/// Go's `getnum`: one or two digits; `fixed` demands two.
fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).filter(|c| c.is_ascii_digit()).map(|c| i64::from(c - b'0'));
    let first = digit(0)?;
    match digit(1) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None if fixed => None,
        None => Some((first, &s[1..])),
    }
}

/// Go's `lookup`: a month or weekday name, any case; abbreviations are three letters.
fn lookup<'a>(v: &'a str, names: &[&str], long: bool) -> Option<(usize, &'a str)> {
    names.iter().enumerate().find_map(|(i, name)| {
        let name = if long { name } else { &name[..3] };
        let head = v.get(..name.len())?;
        head.eq_ignore_ascii_case(name).then(|| (i, &v[name.len()..]))
    })
}

/// A numeric offset in one of Go's forms (after the sign: `07`, `0700`,
/// `07:00`, `070000`, `07:00:00`).
fn offset<'v>(v: &'v str, form: &str) -> Option<(i32, &'v str)> {
    let sign = match v.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let body = v.get(1..1 + form.len())?;
    let mut secs = 0;
    let mut unit = 3600;
    for (part, pat) in body.split(':').zip(form.split(':')) {
        if part.len() != pat.len() {
            return None;
        }
        for pair in part.as_bytes().chunks(2) {
            let two = std::str::from_utf8(pair).ok()?;
            secs += getnum(two, true)?.0 as i32 * unit;
            unit /= 60;
        }
    }
    Some((sign * secs, &v[1 + form.len()..]))
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
        let r = &b[3..];
        let digits = r.get(1..).map_or(0, |d| d.iter().take_while(|c| c.is_ascii_digit()).count());
        return Some(if matches!(r.first(), Some(b'+' | b'-')) && digits > 0 { 4 + digits } else { 3 });
    }
    if matches!(b[0], b'+' | b'-') {
        let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        return (digits > 0).then_some(1 + digits);
    }
    match b.iter().take(6).take_while(|c| c.is_ascii_uppercase()).count() {
        3 => Some(3),
        4 if b[3] == b'T' || s.starts_with("WITA") => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// `123` as a fraction of a second: 123000000 ns (digits past 9 are dropped).
fn nanos(digits: &str) -> i64 {
    let scaled = digits.bytes().chain(std::iter::repeat(b'0')).take(9);
    scaled.fold(0, |n, c| n * 10 + i64::from(c - b'0'))
}
