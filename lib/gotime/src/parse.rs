//! otelcol's `timeutils.ParseGotime` and `GetLocation`, which stanza's time
//! parser and OTTL's `Time` share: Go's `time.ParseInLocation`, then
//!
//! - a zone abbreviation that came out at offset 0 (one the location does not
//!   know, so Go made it a zero-offset zone) is loaded from the tz database
//!   and the time read again in it; an unknown one is an error
//!   (`failed to load location XYZ: ...`);
//! - a layout without a date element gets today's date (in the local zone);
//! - a date without a year gets this year, or last year when that would put it
//!   more than a week ahead. The zone is resolved at that date (Go resolves it
//!   at year 0 and moves the result, which loses summer time).

use super::golayout::Layout;
use super::goread::Fields;
use super::tz::{load_location, local, Location};
use super::{civil_from_days, days_from_civil, Time};

/// Where a value without an offset is read (`GetLocation`): the named
/// location, else UTC when the Go layout ends in a literal `Z`, else `Local`.
pub fn location_for(name: Option<&str>, go_layout: &str) -> Result<Location, String> {
    match name {
        Some(name) if !name.is_empty() => {
            load_location(name).map_err(|e| format!("failed to load location {name}: {e}"))
        }
        _ if go_layout.ends_with('Z') => Ok(Location::Utc),
        _ => Ok(local()),
    }
}

/// Parse `value` with a Go layout in `loc`.
pub fn parse_in_location(layout: &Layout, value: &str, loc: Location) -> Result<Time, String> {
    let mut f = layout.read(value)?;
    if layout.has_date() && f.year != 0 {
        return resolve(&f, loc);
    }
    let now = Time::now();
    let now_secs = now.unix_secs();
    let today = || civil_from_days((now_secs + i64::from(local().offset_at(now_secs))).div_euclid(86_400));
    if !layout.has_date() {
        (f.year, f.month, f.day) = today();
        return resolve(&f, loc);
    }
    f.year = today().0;
    let this_year = resolve(&f, loc)?;
    if this_year.unix_nanos <= now.unix_nanos + 7 * 86_400 * 1_000_000_000 {
        return Ok(this_year);
    }
    f.year -= 1;
    resolve(&f, loc)
}

/// The instant the fields name: Go's zone rules, then otelcol's reload of a
/// zero-offset abbreviation.
fn resolve(f: &Fields, loc: Location) -> Result<Time, String> {
    let wall = days_from_civil(f.year, f.month, f.day) * 86_400 + f.hour * 3600 + f.min * 60 + f.sec;
    let mut offset = match (&f.offset, &f.zone_name) {
        _ if f.utc => 0,
        (Some(o), _) => *o,
        (None, Some(name)) => loc.lookup_name(name, wall).unwrap_or_else(|| gmt_offset(name)),
        (None, None) => loc.offset_for_wall(wall),
    };
    if let Some(name) = f.zone_name.as_deref().filter(|_| offset == 0 && !f.utc) {
        if !loc.named_at(wall, name) {
            let named = load_location(name).map_err(|e| format!("failed to load location {name}: {e}"))?;
            if f.offset.is_none() {
                offset = named.lookup_name(name, wall).unwrap_or(0);
            }
        }
    }
    Ok(Time { unix_nanos: i128::from(wall - i64::from(offset)) * 1_000_000_000 + i128::from(f.nanos), offset })
}

/// Go's fabricated zone for an unknown abbreviation: `GMT+3` is three hours east, others 0.
fn gmt_offset(name: &str) -> i32 {
    name.strip_prefix("GMT").and_then(|h| h.parse::<i32>().ok()).map_or(0, |h| h * 3600)
}

#[cfg(test)]
mod tests {
    use super::super::gofmt::rfc3339_nano;
    use super::super::strptime::to_go_layout;
    use super::*;

    fn go(layout: &str, value: &str, loc: &str) -> Result<String, String> {
        let loc = location_for(Some(loc), layout)?;
        parse_in_location(&Layout::new(layout), value, loc).map(|t| rfc3339_nano(&t.to_chrono()))
    }

    fn st(format: &str, value: &str, loc: &str) -> Result<String, String> {
        go(&to_go_layout(format)?, value, loc)
    }

    #[test]
    fn go_layouts() {
        let t = "2020-02-11T20:26:13Z";
        assert_eq!(go("2006-01-02T15:04:05Z07:00", t, "UTC").unwrap(), t);
        assert_eq!(
            go("2006-01-02T15:04:05Z07:00", "2020-02-11T21:26:13+01:00", "UTC").unwrap(),
            "2020-02-11T21:26:13+01:00"
        );
        assert_eq!(
            go("2006-01-02T15:04:05.000Z", "2020-02-11T20:26:13.123Z", "UTC").unwrap(),
            "2020-02-11T20:26:13.123Z"
        );
        assert_eq!(go("2006-01-02T15:04:05Z07:00", "2020-02-11T20:26:13.5Z", "UTC").unwrap(), "2020-02-11T20:26:13.5Z");
        assert_eq!(go("Jan _2 15:04:05 2006", "Feb  1 20:26:13 2020", "UTC").unwrap(), "2020-02-01T20:26:13Z");
        assert_eq!(go("Mon, 02 Jan 2006 15:04:05 MST", "Tue, 11 Feb 2020 20:26:13 UTC", "Local").unwrap(), t);
        assert_eq!(
            go("02/Jan/2006:15:04:05 -0700", "11/Feb/2020:13:26:13 -0700", "UTC").unwrap(),
            "2020-02-11T13:26:13-07:00"
        );
        assert_eq!(go("3:04PM 2006-01-02", "8:26PM 2020-02-11", "UTC").unwrap(), "2020-02-11T20:26:00Z");
        assert_eq!(go("2006-002 15", "2020-042 20", "UTC").unwrap(), "2020-02-11T20:00:00Z");
        assert_eq!(
            go("2006-01-02", "2020-02-11 extra", "UTC").unwrap_err(),
            r#"parsing time "2020-02-11 extra": extra text: " extra""#
        );
        assert_eq!(
            go("2006-01-02", "2020-13-11", "UTC").unwrap_err(),
            r#"parsing time "2020-13-11": month out of range"#
        );
        assert_eq!(
            go("2006-01-02", "2023-02-29", "UTC").unwrap_err(),
            r#"parsing time "2023-02-29": day out of range"#
        );
        assert_eq!(
            go("2006-01-02", "2020-Feb-11", "UTC").unwrap_err(),
            r#"parsing time "2020-Feb-11" as "2006-01-02": cannot parse "Feb-11" as "01""#
        );
        assert!(go("3:04PM", "8:26pm", "UTC").is_err(), "PM is case-sensitive, as in Go");
    }

    #[test]
    fn strptime_formats_like_ottlfuncs() {
        assert_eq!(st("%m/%d/%Y", "02/04/2023", "UTC").unwrap(), "2023-02-04T00:00:00Z");
        assert_eq!(st("%b %d, %Y", "Feb 15, 2023", "UTC").unwrap(), "2023-02-15T00:00:00Z");
        assert_eq!(st("%Y-%m-%d %H:%M:%S %Z", "2023-05-26 12:34:56 HST", "UTC").unwrap(), "2023-05-26T12:34:56-10:00");
        assert_eq!(st("%Y-%m-%dT%H:%M:%S %Z", "1986-10-01T00:17:33 MST", "UTC").unwrap(), "1986-10-01T00:17:33-07:00");
        assert_eq!(
            st("%Y-%m-%dT%H:%M:%S%z %Z", "2012-11-01T22:08:41+0000 EST", "UTC").unwrap(),
            "2012-11-01T22:08:41Z"
        );
        assert_eq!(st("%H:%M:%S.%L %Y-%m-%d", "12:34:56.789 2024-03-01", "UTC").unwrap(), "2024-03-01T12:34:56.789Z");
        assert_eq!(st("%Y-%m-%d %r", "2024-03-01 02:03:04 pm", "UTC").unwrap(), "2024-03-01T14:03:04Z");
        assert_eq!(st("%Y-%m-%d %I:%M %p", "2024-03-01 12:00 AM", "UTC").unwrap(), "2024-03-01T00:00:00Z");
        assert_eq!(st("%Y-%m-%dT%H:%M:%S%j", "2024-03-01T10:00:00+05:30", "UTC").unwrap(), "2024-03-01T10:00:00+05:30");
        assert_eq!(st("%c", "Mon Jan 02 15:04:05 2006", "UTC").unwrap(), "2006-01-02T15:04:05Z");
        assert_eq!(st("%Y %Z", "2023 XYZ", "UTC").unwrap_err(), "failed to load location XYZ: unknown time zone XYZ");
    }

    #[test]
    fn named_zones_and_dst_edges() {
        let ny = |v: &str| st("%Y-%m-%d %H:%M:%S", v, "America/New_York").unwrap();
        assert_eq!(ny("2023-05-26 12:34:56"), "2023-05-26T12:34:56-04:00");
        assert_eq!(ny("2023-01-26 12:34:56"), "2023-01-26T12:34:56-05:00");
        // Spring forward: 02:30 does not exist; Go reads it as 06:30Z (01:30 EST).
        assert_eq!(ny("2023-03-12 02:30:00"), "2023-03-12T02:30:00-04:00");
        assert_eq!(ny("2023-03-12 03:30:00"), "2023-03-12T03:30:00-04:00");
        // Fall back: 01:30 happens twice; the first (EDT) is taken.
        assert_eq!(ny("2023-11-05 01:30:00"), "2023-11-05T01:30:00-04:00");
        assert_eq!(ny("2023-11-05 02:30:00"), "2023-11-05T02:30:00-05:00");
        let abbr = |v: &str| st("%Y-%m-%d %H:%M %Z", v, "America/New_York").unwrap();
        assert_eq!(abbr("2023-07-01 12:00 EDT"), "2023-07-01T12:00:00-04:00");
        assert_eq!(abbr("2023-07-01 12:00 EST"), "2023-07-01T12:00:00-05:00");
        assert_eq!(st("%Y-%m-%d %H:%M", "2023-07-01 12:00", "Asia/Kolkata").unwrap(), "2023-07-01T12:00:00+05:30");
        assert_eq!(
            location_for(Some("Nowhere/Land"), "").unwrap_err(),
            "failed to load location Nowhere/Land: unknown time zone Nowhere/Land"
        );
        assert_eq!(location_for(None, "2006-01-02T15:04:05Z").unwrap(), Location::Utc);
    }

    #[test]
    fn missing_year_and_date() {
        let now = Time::now().to_chrono();
        let year = |s: String| s[..4].parse::<i32>().unwrap();
        // A day three weeks ahead is last year's; a day three weeks ago is this year's.
        for (days, back) in [(21, 1), (-21, 0)] {
            let d = now + chrono::Duration::days(days);
            let v = d.format("%b %d 12:00:00").to_string();
            let got = go("Jan 02 15:04:05", &v, "UTC").unwrap();
            assert_eq!(year(got), chrono::Datelike::year(&d) - back, "{v}");
        }
        let got = go("15:04:05", "12:00:00", "UTC").unwrap();
        assert_eq!(&got[11..], "12:00:00Z");
        assert!(year(got) >= 2024, "today's date, not year 0");
    }
}
