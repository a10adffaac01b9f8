//! Go's text forms of times and durations, which otelcol's output uses (the
//! health document, OTTL's `Format` and stringified times):
//! `time.Duration.String()`, `time.Time.MarshalJSON()` (RFC 3339 with
//! nanoseconds, trailing zeros trimmed) and `time.Time.String()`.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Timelike};

use super::Time;

/// What Go's `time.Time{}` marshals to; otelcol shows it while not ready.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Go's `time.Duration.String()`: `0s`, `450ns`, `1.5µs`, `450ms`, `1.002345s`,
/// `2m3.5s`, `1h0m0s`. Units stop at hours; fractions lose trailing zeros.
pub fn go_duration_string(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".to_string();
    }
    if ns < 1_000_000_000 {
        // Below a second Go picks the largest unit that keeps the integer part non-zero.
        let (scale_digits, unit) = match ns {
            n if n < 1_000 => (0, "ns"),
            n if n < 1_000_000 => (3, "µs"),
            _ => (6, "ms"),
        };
        return format!("{}{unit}", with_fraction(ns, scale_digits));
    }
    let secs = ns / 1_000_000_000;
    let frac = ns % 1_000_000_000;
    let seconds = with_fraction((secs % 60) * 1_000_000_000 + frac, 9);
    let minutes = secs / 60;
    match (minutes / 60, minutes % 60) {
        (0, 0) => format!("{seconds}s"),
        (0, m) => format!("{m}m{seconds}s"),
        (h, m) => format!("{h}h{m}m{seconds}s"),
    }
}

/// `value / 10^digits` as a decimal without trailing zeros (`1500, 3` → `1.5`).
fn with_fraction(value: u128, digits: u32) -> String {
    let scale = 10u128.pow(digits);
    let (int, frac) = (value / scale, value % scale);
    if frac == 0 {
        return int.to_string();
    }
    let frac = format!("{frac:0width$}", width = digits as usize);
    format!("{int}.{}", frac.trim_end_matches('0'))
}

/// Go's RFC 3339 with nanoseconds (`2006-01-02T15:04:05.999999999Z07:00`): the
/// fraction loses trailing zeros (and its dot when zero), UTC is `Z`.
pub fn rfc3339_nano(t: &DateTime<FixedOffset>) -> String {
    let mut out = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    // A leap second shows as nanosecond >= 1e9 in chrono; Go has no leap seconds.
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    let offset = t.offset().local_minus_utc();
    if offset == 0 {
        out.push('Z');
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let minutes = offset.unsigned_abs() / 60;
        out.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
    }
    out
}

/// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST` (zone names
/// are not kept: UTC prints `UTC`, other offsets repeat the offset).
pub fn go_time_string(t: Time) -> String {
    let d = t.to_chrono();
    let mut s = d.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.unix_nanos.rem_euclid(1_000_000_000);
    if nanos != 0 {
        s.push_str(format!(".{nanos:09}").trim_end_matches('0'));
    }
    let off = d.format("%z").to_string();
    let zone = if t.offset == 0 { "UTC".to_string() } else { off.clone() };
    format!("{s} {off} {zone}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn go(ns: u64) -> String {
        go_duration_string(Duration::from_nanos(ns))
    }

    #[test]
    fn durations_print_like_go() {
        // Expected values are what Go's time.Duration(ns).String() prints.
        let cases: &[(u64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (999, "999ns"),
            (1_000, "1µs"),
            (1_500, "1.5µs"),
            (1_001, "1.001µs"),
            (999_999, "999.999µs"),
            (1_000_000, "1ms"),
            (450_000_000, "450ms"),
            (1_100_000, "1.1ms"),
            (999_999_999, "999.999999ms"),
            (1_000_000_000, "1s"),
            (1_002_345_000, "1.002345s"),
            (1_000_000_001, "1.000000001s"),
            (59_999_999_999, "59.999999999s"),
            (60_000_000_000, "1m0s"),
            (123_500_000_000, "2m3.5s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_600_001_000_000, "1h0m0.001s"),
            (3_661_000_000_000, "1h1m1s"),
            (100 * 3_600_000_000_000 + 59 * 60_000_000_000, "100h59m0s"),
            (u64::MAX >> 1, "2562047h47m16.854775807s"),
        ];
        for (ns, want) in cases {
            assert_eq!(go(*ns), *want, "{ns}ns");
        }
        assert!(go(1_500).contains('\u{b5}'), "Go uses U+00B5 MICRO SIGN");
    }

    #[test]
    fn times_print_like_go_rfc3339_nano() {
        let plus2 = FixedOffset::east_opt(2 * 3600).unwrap();
        let t = plus2.with_ymd_and_hms(2024, 5, 1, 10, 11, 12).unwrap();
        assert_eq!(rfc3339_nano(&t), "2024-05-01T10:11:12+02:00");
        let t = t + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(rfc3339_nano(&t), "2024-05-01T10:11:12.123456789+02:00");
        let utc = FixedOffset::east_opt(0).unwrap();
        let t = utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::milliseconds(120);
        assert_eq!(rfc3339_nano(&t), "2024-01-02T03:04:05.12Z");
        let minus = FixedOffset::west_opt(5 * 3600 + 30 * 60).unwrap();
        let t = minus.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap() + chrono::Duration::nanoseconds(1);
        assert_eq!(rfc3339_nano(&t), "1999-12-31T23:59:59.000000001-05:30");
    }
}
