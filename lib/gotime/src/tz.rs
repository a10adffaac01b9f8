//! Locations as Go's `time.LoadLocation` names them: `UTC`, `Local`, or an
//! IANA tz database name (`America/New_York`, `Europe/Berlin`, `EST`). The
//! database is chrono-tz's, compiled into the binary, so names resolve the
//! same in a `FROM scratch` container as on a full host.
//!
//! `Local` is Go's: `TZ` when set (empty means UTC, an unknown name UTC), else
//! the zone `/etc/localtime` links to, else what that file says (read through
//! chrono, without zone abbreviations), else UTC.

use std::sync::OnceLock;

use chrono::{DateTime, Local, Offset, TimeZone};
use chrono_tz::OffsetName;

/// A time zone: where wall-clock times without an offset are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Utc,
    Zone(chrono_tz::Tz),
    /// The host's `/etc/localtime` when it does not name a tz database zone.
    System,
}

/// Go's `time.LoadLocation`: `""` and `UTC` are UTC, `Local` the local zone,
/// anything else a tz database name (exact case, as Go on Linux).
pub fn load_location(name: &str) -> Result<Location, String> {
    match name {
        "" | "UTC" => Ok(Location::Utc),
        "Local" => Ok(local()),
        _ => name.parse::<chrono_tz::Tz>().map(Location::Zone).map_err(|_| format!("unknown time zone {name}")),
    }
}

/// The local zone (see the module doc); worked out once.
pub fn local() -> Location {
    static LOCAL: OnceLock<Location> = OnceLock::new();
    *LOCAL.get_or_init(|| match std::env::var("TZ") {
        Ok(tz) => by_name(tz.trim_start_matches(':')).unwrap_or(Location::Utc),
        Err(_) => {
            let link = std::fs::read_link("/etc/localtime").ok();
            let named = link.as_ref().and_then(|l| by_name(&l.to_string_lossy()));
            named.unwrap_or_else(|| {
                if std::path::Path::new("/etc/localtime").exists() {
                    Location::System
                } else {
                    Location::Utc
                }
            })
        }
    })
}

/// A zone by name or by a path into a zoneinfo tree (`/usr/share/zoneinfo/Europe/Paris`).
fn by_name(name: &str) -> Option<Location> {
    let name = name.rsplit_once("zoneinfo/").map_or(name, |(_, n)| n);
    load_location(name).ok()
}

fn utc_datetime(unix: i64) -> chrono::NaiveDateTime {
    DateTime::from_timestamp(unix, 0).unwrap_or_default().naive_utc()
}

impl Location {
    /// The offset (seconds east of UTC) in effect at an instant.
    pub fn offset_at(&self, unix: i64) -> i32 {
        match self {
            Location::Utc => 0,
            Location::Zone(tz) => tz.offset_from_utc_datetime(&utc_datetime(unix)).fix().local_minus_utc(),
            Location::System => Local.offset_from_utc_datetime(&utc_datetime(unix)).local_minus_utc(),
        }
    }

    /// Whether the zone in effect at an instant is abbreviated `name`.
    pub fn named_at(&self, unix: i64, name: &str) -> bool {
        match self {
            Location::Utc => name == "UTC",
            Location::Zone(tz) => tz.offset_from_utc_datetime(&utc_datetime(unix)).abbreviation() == Some(name),
            Location::System => false,
        }
    }

    /// The offset for a wall-clock time (seconds since the epoch as if UTC),
    /// as Go's `time.Date` picks it: the offset at the wall time read as UTC,
    /// corrected once when that lands across a transition. A time skipped by
    /// a spring-forward gap reads with the offset after it (02:30 New York on
    /// the change day is 06:30Z, 01:30 EST); a repeated hour reads as its first pass.
    pub fn offset_for_wall(&self, wall: i64) -> i32 {
        let guess = self.offset_at(wall);
        self.offset_at(wall - i64::from(guess))
    }

    /// Go's `lookupName`: the offset of a zone abbreviated `name` in this
    /// location, preferring one in effect at `wall`. The zones looked at are
    /// those in effect within a year either side of `wall` (chrono-tz does not
    /// list a zone's whole history), which covers standard and summer time.
    pub fn lookup_name(&self, name: &str, wall: i64) -> Option<i32> {
        const MONTH: i64 = 30 * 86_400;
        let offsets: Vec<i32> = (-12..=12)
            .map(|k| wall + k * MONTH)
            .filter(|t| self.named_at(*t, name))
            .map(|t| self.offset_at(t))
            .collect();
        let in_effect = offsets.iter().find(|off| self.named_at(wall - i64::from(**off), name));
        in_effect.or(offsets.first()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall(y: i64, m: i64, d: i64, h: i64, min: i64) -> i64 {
        super::super::days_from_civil(y, m, d) * 86_400 + h * 3600 + min * 60
    }

    #[test]
    fn names_load_like_go() {
        assert_eq!(load_location("UTC"), Ok(Location::Utc));
        assert_eq!(load_location(""), Ok(Location::Utc));
        assert_eq!(load_location("America/New_York"), Ok(Location::Zone(chrono_tz::America::New_York)));
        assert!(load_location("EST").is_ok());
        assert_eq!(load_location("Mars/Olympus_Mons").unwrap_err(), "unknown time zone Mars/Olympus_Mons");
        assert!(load_location("america/new_york").is_err(), "names are case-sensitive, as in Go");
    }

    #[test]
    fn wall_times_across_new_york_dst() {
        let ny = load_location("America/New_York").unwrap();
        assert_eq!(ny.offset_for_wall(wall(2023, 1, 15, 12, 0)), -5 * 3600);
        assert_eq!(ny.offset_for_wall(wall(2023, 7, 15, 12, 0)), -4 * 3600);
        // 2023-03-12 02:30 does not exist; Go reads it with EDT's offset: 06:30Z, 01:30 EST.
        assert_eq!(ny.offset_for_wall(wall(2023, 3, 12, 2, 30)), -4 * 3600);
        assert_eq!(ny.offset_for_wall(wall(2023, 3, 12, 3, 30)), -4 * 3600);
        // 2023-11-05 01:30 happens twice; Go takes the first (EDT).
        assert_eq!(ny.offset_for_wall(wall(2023, 11, 5, 1, 30)), -4 * 3600);
        assert_eq!(ny.offset_for_wall(wall(2023, 11, 5, 2, 30)), -5 * 3600);
    }

    #[test]
    fn abbreviations_in_a_location() {
        let ny = load_location("America/New_York").unwrap();
        let july = wall(2023, 7, 15, 12, 0);
        assert_eq!(ny.lookup_name("EDT", july), Some(-4 * 3600));
        assert_eq!(ny.lookup_name("EST", july), Some(-5 * 3600), "a zone not in effect still matches by name");
        assert_eq!(ny.lookup_name("CET", july), None);
        assert_eq!(Location::Utc.lookup_name("UTC", july), Some(0));
    }
}
