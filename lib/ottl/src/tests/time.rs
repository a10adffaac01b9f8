//! `Time` with named locations (the embedded tz database), across New York's
//! summer-time changes, and `%Z` abbreviations resolved in the location.

use serde_json::json;

use super::transform;

/// `UnixSeconds(Time(value, format, location))`.
fn secs(value: &str, format: &str, location: &str) -> Result<i64, String> {
    let stmt = format!(r#"set(log.attributes["s"], UnixSeconds(Time("{value}", "{format}", "{location}")))"#);
    let out = transform(&[stmt.as_str()], json!({}))?;
    out["attributes"]["s"].as_i64().ok_or_else(|| format!("no result: {out}"))
}

#[test]
fn named_locations() {
    let f = "%Y-%m-%d %H:%M:%S";
    // 2023-07-01 12:00 EDT is 16:00Z; 2023-01-01 12:00 EST is 17:00Z.
    assert_eq!(secs("2023-07-01 12:00:00", f, "America/New_York"), Ok(1_688_212_800 + 4 * 3600));
    assert_eq!(secs("2023-01-01 12:00:00", f, "America/New_York"), Ok(1_672_574_400 + 5 * 3600));
    assert_eq!(secs("2023-07-01 12:00:00", f, "Asia/Tokyo"), Ok(1_688_212_800 - 9 * 3600));
    assert_eq!(secs("2023-07-01 12:00:00", f, "UTC"), Ok(1_688_212_800));
}

#[test]
fn new_york_dst_edges() {
    let f = "%Y-%m-%d %H:%M:%S";
    let (march12, nov5) = (1_678_579_200, 1_699_142_400);
    // 02:30 on the spring-forward day does not exist: Go reads it as 06:30Z (01:30 EST).
    assert_eq!(secs("2023-03-12 02:30:00", f, "America/New_York"), Ok(march12 + 6 * 3600 + 1800));
    assert_eq!(secs("2023-03-12 01:59:59", f, "America/New_York"), Ok(march12 + 6 * 3600 + 3599));
    // 01:30 on the fall-back day comes twice: the first pass, in EDT.
    assert_eq!(secs("2023-11-05 01:30:00", f, "America/New_York"), Ok(nov5 + 5 * 3600 + 1800));
    assert_eq!(secs("2023-11-05 02:00:00", f, "America/New_York"), Ok(nov5 + 7 * 3600));
}

#[test]
fn abbreviations_and_bad_locations() {
    let f = "%Y-%m-%d %H:%M %Z";
    assert_eq!(secs("2023-07-01 12:00 EDT", f, "America/New_York"), Ok(1_688_212_800 + 4 * 3600));
    assert_eq!(secs("2023-07-01 12:00 CEST", f, "Europe/Berlin"), Ok(1_688_212_800 - 2 * 3600));
    let err = secs("2023-07-01 12:00:00", "%Y-%m-%d %H:%M:%S", "Mars/Olympus").unwrap_err();
    assert!(err.contains("failed to load location Mars/Olympus: unknown time zone Mars/Olympus"), "{err}");
}
