//! A time printed with a Go layout, as Go's `Time.Format` does (OTTL's
//! `FormatTime`, after otelcol's strptime directives became a layout).

use std::fmt::Write;

use chrono::{Datelike, Timelike};

use super::golayout::{Layout, Std};
use super::{Time, DAYS, MONTHS};

/// `t.Format(layout)`. Zone names are Go's for a fixed offset: `UTC` at zero,
/// otherwise the offset (`+0530`, as Go prints an unnamed zone).
pub fn format(layout: &Layout, t: Time) -> String {
    let dt = t.to_chrono();
    let mut out = String::new();
    for (lit, std, _) in &layout.chunks {
        out.push_str(lit);
        let Some(std) = std else { continue };
        let hour12 = match dt.hour() % 12 {
            0 => 12,
            h => h,
        };
        let _ = match *std {
            Std::LongMonth => write!(out, "{}", MONTHS[dt.month0() as usize]),
            Std::Month => write!(out, "{}", &MONTHS[dt.month0() as usize][..3]),
            Std::NumMonth => write!(out, "{}", dt.month()),
            Std::ZeroMonth => write!(out, "{:02}", dt.month()),
            Std::LongWeekDay => write!(out, "{}", DAYS[dt.weekday().num_days_from_sunday() as usize]),
            Std::WeekDay => write!(out, "{}", &DAYS[dt.weekday().num_days_from_sunday() as usize][..3]),
            Std::Day => write!(out, "{}", dt.day()),
            Std::UnderDay => write!(out, "{:>2}", dt.day()),
            Std::ZeroDay => write!(out, "{:02}", dt.day()),
            Std::UnderYearDay => write!(out, "{:>3}", dt.ordinal()),
            Std::ZeroYearDay => write!(out, "{:03}", dt.ordinal()),
            Std::Hour => write!(out, "{:02}", dt.hour()),
            Std::Hour12 => write!(out, "{hour12}"),
            Std::ZeroHour12 => write!(out, "{hour12:02}"),
            Std::Minute => write!(out, "{}", dt.minute()),
            Std::ZeroMinute => write!(out, "{:02}", dt.minute()),
            Std::Second => write!(out, "{}", dt.second()),
            Std::ZeroSecond => write!(out, "{:02}", dt.second()),
            Std::LongYear => write!(out, "{:04}", dt.year()),
            Std::Year => write!(out, "{:02}", dt.year().rem_euclid(100)),
            Std::PM => write!(out, "{}", if dt.hour() >= 12 { "PM" } else { "AM" }),
            Std::Pm => write!(out, "{}", if dt.hour() >= 12 { "pm" } else { "am" }),
            Std::TzName if t.offset == 0 => write!(out, "UTC"),
            Std::TzName => write_offset(&mut out, t.offset, "0700"),
            Std::Offset { z: true, .. } if t.offset == 0 => write!(out, "Z"),
            Std::Offset { form, .. } => write_offset(&mut out, t.offset, form),
            Std::Frac { digits, exact } => write_frac(&mut out, dt.nanosecond() % 1_000_000_000, digits, exact),
        };
    }
    out
}

fn write_offset(out: &mut String, offset: i32, form: &str) -> std::fmt::Result {
    let sign = if offset < 0 { '-' } else { '+' };
    let o = offset.unsigned_abs();
    let (h, m, s) = (o / 3600, o / 60 % 60, o % 60);
    match form {
        "07" => write!(out, "{sign}{h:02}"),
        "07:00" => write!(out, "{sign}{h:02}:{m:02}"),
        "07:00:00" => write!(out, "{sign}{h:02}:{m:02}:{s:02}"),
        "070000" => write!(out, "{sign}{h:02}{m:02}{s:02}"),
        _ => write!(out, "{sign}{h:02}{m:02}"),
    }
}

/// `.000` prints exactly that many digits; `.999` trims trailing zeros (and
/// the dot when nothing is left).
fn write_frac(out: &mut String, nanos: u32, digits: usize, exact: bool) -> std::fmt::Result {
    let all = format!("{nanos:09}");
    let mut d = all[..digits.min(9)].to_string();
    if !exact {
        d.truncate(d.trim_end_matches('0').len());
        if d.is_empty() {
            return Ok(());
        }
    }
    write!(out, ".{d}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_reference_layouts() {
        // 2023-02-04T15:04:05.120Z
        let t = Time::utc(1_675_523_045_120_000_000);
        let f = |l: &str| format(&Layout::new(l), t);
        assert_eq!(f("Monday Jan _2 2006"), "Saturday Feb  4 2023");
        assert_eq!(f("2006-01-02 15:04:05.000 MST"), "2023-02-04 15:04:05.120 UTC");
        assert_eq!(f("3:04PM .999 Z07:00"), "3:04PM .12 Z");
        let east = Time { offset: 5 * 3600 + 1800, ..t };
        assert_eq!(format(&Layout::new("15:04 -07:00 -0700"), east), "20:34 +05:30 +0530");
    }
}
