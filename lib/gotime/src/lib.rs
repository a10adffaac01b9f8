//! Times as otelcol reads and prints them, for filelog (stanza's time parser),
//! OTTL (`Time`, `Format`, ...) and teleport. One set of semantics, Go's:
//!
//! - [`golayout`]: a Go reference-time layout (`Mon Jan 2 15:04:05 MST 2006`)
//!   split into elements as Go's `nextStdChunk` does; [`goread`]: a value read
//!   with it as Go's `time.Parse` does (literal spaces match runs of spaces,
//!   a fraction is read after the seconds even when the layout has none,
//!   `AM`/`PM` case-sensitive, day checked against the month).
//! - [`strptime`]: otelcol's ctime-like directives (`ctimefmt.ToNative`),
//!   translated to a Go layout; filelog's `strptime` layouts and OTTL's `Time`
//!   formats are the same table.
//! - [`parse`]: otelcol's `timeutils.ParseGotime` around it: a zone
//!   abbreviation that resolved to offset 0 is looked up in the tz database, a
//!   time without a year gets this year (last year when that is more than a
//!   week ahead), a layout without any date element gets today's date.
//! - [`tz`]: locations as Go's `time.LoadLocation` names them (`UTC`, `Local`,
//!   IANA names such as `America/New_York`), from the tz database embedded in
//!   the binary (chrono-tz): the container image has no `/usr/share/zoneinfo`.
//! - [`rfc3339`]: a fast RFC 3339 reader for Teleport's event times.
//! - [`gofmt`]: Go's text forms of times and durations.

pub mod gofmt;
pub mod goformat;
pub mod golayout;
pub mod goread;
pub mod parse;
pub mod rfc3339;
pub mod strptime;
pub mod tz;

use chrono::{DateTime, FixedOffset};

/// English month names, as Go's layouts and strptime's `%B`/`%b` read them
/// (an abbreviation is the first three letters).
pub const MONTHS: [&str; 12] = [
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

/// English weekday names, Sunday first (`%A`/`%a`, Go's `Monday`/`Mon`).
pub const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// An instant (nanoseconds since the Unix epoch) and the UTC offset it is shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    pub unix_nanos: i128,
    /// Seconds east of UTC.
    pub offset: i32,
}

impl Time {
    /// Go's zero `time.Time`: January 1, year 1, 00:00:00 UTC.
    pub const GO_ZERO: Time = Time { unix_nanos: -62_135_596_800_000_000_000, offset: 0 };

    pub fn utc(unix_nanos: i128) -> Time {
        Time { unix_nanos, offset: 0 }
    }

    /// The current time, in UTC.
    pub fn now() -> Time {
        Time::utc(i128::from(now_unix_nanos()))
    }

    /// Whole seconds since the epoch (rounded down).
    pub fn unix_secs(self) -> i64 {
        self.unix_nanos.div_euclid(1_000_000_000) as i64
    }

    /// The instant as chrono sees it, in its display offset.
    pub fn to_chrono(self) -> DateTime<FixedOffset> {
        let nanos = self.unix_nanos.rem_euclid(1_000_000_000) as u32;
        let off = FixedOffset::east_opt(self.offset).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
        DateTime::from_timestamp(self.unix_secs(), nanos).unwrap_or_default().with_timezone(&off)
    }
}

/// Nanoseconds since the Unix epoch now (a record's observed time); 0 if the clock is before 1970.
pub fn now_unix_nanos() -> u64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm); a day past the month's end runs into the next month, as Go's
/// `time.Date` normalises it.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day number from [`days_from_civil`]: (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
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

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        assert_eq!(days_from_civil(2023, 2, 29), days_from_civil(2023, 3, 1), "Go's normalisation");
        for z in [-719468, -1, 0, 59, 11016, 11017, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(11016), (2000, 2, 29));
    }
}
