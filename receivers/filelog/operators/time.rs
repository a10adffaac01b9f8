//! `time_parser` and the `timestamp:` block of parsers, as stanza does it:
//! `strptime` layouts are translated to Go layouts (the `ctimefmt` table),
//! then parsed as Go's `time.ParseInLocation` would, in `location` (an IANA
//! name such as `America/New_York`, `UTC`, or `Local`, the default; UTC when
//! the layout ends in a literal `Z`), all with [`crate::time`]'s semantics,
//! which OTTL's `Time` shares; `epoch` layouts take seconds or sub-seconds.

use serde::Deserialize;

use super::super::entry::{Field, LogEntry};
use crate::event::{any_value::Value, AnyValue};
use crate::time::golayout::Layout;
use crate::time::parse::{location_for, parse_in_location};
use crate::time::strptime::to_go_layout;
use crate::time::tz::Location;

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
    Layout { layout: Layout, location: Location },
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
                        to_go_layout(&layout).map_err(|e| ("layout", format!("parse strptime layout: {e}")))?
                    } else {
                        layout
                    };
                    let location = location_for(self.location.as_deref(), &go).map_err(|e| ("location", e))?;
                    Kind::Layout { layout: Layout::new(&go), location }
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

impl TimeParser {
    /// Set the entry's timestamp from its field.
    pub fn parse(&self, e: &mut LogEntry) -> Result<(), String> {
        let v = self
            .from
            .get(e)
            .ok_or_else(|| format!("log entry does not have the expected parse_from field: {}", self.from))?;
        let nanos = match &self.kind {
            Kind::Layout { layout, location } => {
                let s = match &v.value {
                    Some(Value::StringValue(s)) => s.as_str(),
                    _ => return Err(format!("type {} cannot be parsed as a time", go_type(&v))),
                };
                parse_in_location(layout, s, *location)?.unix_nanos
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

#[cfg(test)]
mod tests {
    use super::*;

    const T: i128 = 1_581_452_773_000_000_000; // 2020-02-11 20:26:13 UTC

    fn cfg(y: &str) -> TimeConfig {
        crate::config::de::from_node(&crate::config::yaml::parse("c", y).unwrap()).unwrap()
    }

    /// The timestamp a `timestamp:` block with these keys gives `value`.
    fn stamp(keys: &str, value: &str) -> Result<u64, String> {
        let parser = cfg(&format!("parse_from: attributes.t\n{keys}")).build().map_err(|e| e.1)?;
        let t = crate::event::KeyValue {
            key: "t".into(),
            value: Some(AnyValue { value: Some(Value::StringValue(value.into())) }),
            ..Default::default()
        };
        let mut e = LogEntry { attributes: vec![t], ..Default::default() };
        parser.parse(&mut e)?;
        Ok(e.timestamp)
    }

    #[test]
    fn strptime_and_gotime_layouts() {
        let t = T as u64;
        assert_eq!(stamp("layout: '%Y-%m-%d %H:%M:%S'\nlocation: UTC\n", "2020-02-11 20:26:13"), Ok(t));
        assert_eq!(stamp("layout: '%d/%b/%Y:%H:%M:%S %z'\n", "11/Feb/2020:21:26:13 +0100"), Ok(t));
        assert_eq!(stamp("layout: '%Y-%m-%dT%H:%M:%S.%LZ'\n", "2020-02-11T20:26:13.250Z"), Ok(t + 250_000_000));
        let go = "layout_type: gotime\nlayout: 'Mon, 02 Jan 2006 15:04:05 MST'\n";
        assert_eq!(stamp(go, "Tue, 11 Feb 2020 20:26:13 UTC"), Ok(t));
        assert!(stamp("layout: '%Y-%m-%d'\nlocation: UTC\n", "2020-02-11 junk").unwrap_err().contains("extra text"));
    }

    #[test]
    fn named_locations_with_dst_edges() {
        let ny = |v: &str| stamp("layout: '%Y-%m-%d %H:%M:%S'\nlocation: America/New_York\n", v);
        let h = 3_600_000_000_000u64;
        // 2023-07-01 12:00 EDT is 16:00Z; 2023-01-01 12:00 EST is 17:00Z.
        assert_eq!(ny("2023-07-01 12:00:00"), Ok(1_688_212_800_000_000_000 + 4 * h));
        assert_eq!(ny("2023-01-01 12:00:00"), Ok(1_672_574_400_000_000_000 + 5 * h));
        // Spring forward: 02:30 on 2023-03-12 does not exist; Go reads it as 06:30Z.
        let march12 = 1_678_579_200_000_000_000u64;
        assert_eq!(ny("2023-03-12 02:30:00"), Ok(march12 + 6 * h + h / 2));
        assert_eq!(ny("2023-03-12 03:30:00"), Ok(march12 + 7 * h + h / 2));
        // Fall back: 01:30 on 2023-11-05 comes twice; the first pass (EDT, 05:30Z) is taken.
        let nov5 = 1_699_142_400_000_000_000u64;
        assert_eq!(ny("2023-11-05 01:30:00"), Ok(nov5 + 5 * h + h / 2));
        assert_eq!(ny("2023-11-05 02:30:00"), Ok(nov5 + 7 * h + h / 2));
        let berlin =
            stamp("layout_type: gotime\nlayout: '2006-01-02 15:04'\nlocation: Europe/Berlin\n", "2023-07-01 12:00");
        assert_eq!(berlin, Ok(1_688_212_800_000_000_000 - 2 * h));
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
        assert_eq!(cfg("parse_from: body.t\n").build().unwrap_err().0, "layout");
        assert_eq!(cfg("layout: '%Y'\n").build().unwrap_err().0, "parse_from");
        assert_eq!(cfg("parse_from: body.t\nlayout: x\nlayout_type: epoch\n").build().unwrap_err().0, "layout");
        assert_eq!(cfg("parse_from: body.t\nlayout: '%Y'\nlocation: Mars/Base\n").build().unwrap_err().0, "location");
        assert!(cfg("parse_from: body.t\nlayout: '%Y-%m-%dT%H:%M:%SZ'\n").build().is_ok());
        let bad = cfg("parse_from: body.t\nlayout: '%Y-%Q'\n").build().unwrap_err();
        assert_eq!(bad.1, "parse strptime layout: unsupported ctimefmt.ToNative() directive: %Q");
        let zone = cfg("parse_from: body.t\nlayout: '%Y'\nlocation: Mars/Base\n").build().unwrap_err();
        assert_eq!(zone.1, "failed to load location Mars/Base: unknown time zone Mars/Base");
    }
}

operator_config! {
    /// The `time_parser` operator.
    pub struct TimeParserConfig {
        parse_from: Option<Field>,
        layout: Option<String>,
        #[serde(default = "default_layout_type")]
        layout_type: String,
        location: Option<String>,
    }
}

impl super::OperatorConfig for TimeParserConfig {
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
