//! `time_parser` and the `timestamp:` block of parsers, as stanza does it:
//! `strptime` layouts are translated to Go layouts (the `ctimefmt` table),
//! then parsed as Go's `time.ParseInLocation` would; `epoch` layouts take
//! seconds or sub-seconds.

use serde::Deserialize;

use super::super::entry::{Field, LogEntry};
use super::gotime::{go_chunks, parse_go, Chunk};
use crate::event::{any_value::Value, AnyValue};

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
    Layout { chunks: Vec<Chunk>, location: Location },
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Utc,
    Local,
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
                        strptime_to_go(&layout).map_err(|e| ("layout", e))?
                    } else {
                        layout
                    };
                    let location = match self.location.as_deref() {
                        Some(l) => parse_location(l).map_err(|e| ("location", e))?,
                        None if go.ends_with('Z') => Location::Utc,
                        None => Location::Local,
                    };
                    Kind::Layout { chunks: go_chunks(&go), location }
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

fn parse_location(l: &str) -> Result<Location, String> {
    match l {
        "" | "Local" => Ok(Location::Local),
        "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT" | "Zulu" => Ok(Location::Utc),
        _ => Err(format!(
            "failed to load location {l}: ferrocol supports UTC and Local (a layout with a zone offset needs no location)"
        )),
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
            Kind::Layout { chunks, location } => {
                let s = match &v.value {
                    Some(Value::StringValue(s)) => s.as_str(),
                    _ => return Err(format!("type {} cannot be parsed as a time", go_type(&v))),
                };
                parse_go(chunks, s, *location)?
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

/// `ctimefmt`'s strptime directives as Go layout elements.
fn strptime_to_go(layout: &str) -> Result<String, String> {
    if layout.chars().any(|c| c.is_ascii_digit()) {
        return Err("parse strptime layout: format string should not contain decimals".into());
    }
    let mut out = String::new();
    let mut chars = layout.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let d = chars.next().ok_or("parse strptime layout: a layout cannot end with %")?;
        out.push_str(match d {
            'Y' => "2006",
            'y' => "06",
            'm' => "01",
            'o' => "_1",
            'q' => "1",
            'b' | 'h' => "Jan",
            'B' => "January",
            'd' => "02",
            'e' => "_2",
            'g' => "2",
            'a' => "Mon",
            'A' => "Monday",
            'H' => "15",
            'l' => "3",
            'I' => "03",
            'p' => "PM",
            'P' => "pm",
            'M' => "04",
            'S' => "05",
            'L' => "999",
            'f' => "999999",
            's' => "999999999",
            'Z' => "MST",
            'z' => "-0700",
            'w' => "-070000",
            'i' => "-07",
            'j' => "-07:00",
            'k' => "-07:00:00",
            'D' | 'x' => "01/02/2006",
            'F' => "2006-01-02",
            'T' | 'X' => "15:04:05",
            'r' => "03:04:05 pm",
            'R' => "15:04",
            'n' => "\n",
            't' => "\t",
            '%' => "%",
            'c' => "Mon Jan 02 15:04:05 2006",
            other => return Err(format!("parse strptime layout: unsupported directive %{other}")),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(layout: &str, value: &str) -> Result<i128, String> {
        parse_go(&go_chunks(layout), value, Location::Utc)
    }

    fn st(layout: &str, value: &str) -> Result<i128, String> {
        parse_go(&go_chunks(&strptime_to_go(layout).unwrap()), value, Location::Utc)
    }

    const T: i128 = 1_581_452_773_000_000_000; // 2020-02-11 20:26:13 UTC

    #[test]
    fn go_layouts() {
        assert_eq!(go("2006-01-02T15:04:05Z07:00", "2020-02-11T20:26:13Z"), Ok(T));
        assert_eq!(go("2006-01-02T15:04:05Z07:00", "2020-02-11T21:26:13+01:00"), Ok(T));
        assert_eq!(go("2006-01-02T15:04:05.000Z07:00", "2020-02-11T20:26:13.123Z"), Ok(T + 123_000_000));
        assert_eq!(
            go("2006-01-02T15:04:05Z07:00", "2020-02-11T20:26:13.5Z"),
            Ok(T + 500_000_000),
            "a fraction is accepted after seconds"
        );
        assert_eq!(go("Jan _2 15:04:05 2006", "Feb 11 20:26:13 2020"), Ok(T));
        assert_eq!(go("Mon, 02 Jan 2006 15:04:05 MST", "Tue, 11 Feb 2020 20:26:13 UTC"), Ok(T));
        assert_eq!(go("02/Jan/2006:15:04:05 -0700", "11/Feb/2020:13:26:13 -0700"), Ok(T));
        assert_eq!(go("3:04PM 2006-01-02", "8:26PM 2020-02-11"), Ok(T - 13_000_000_000));
        assert!(go("2006-01-02", "2020-02-11 extra").unwrap_err().contains("extra text"));
        assert!(go("2006-01-02", "2020-13-11").unwrap_err().contains("out of range"));
    }

    #[test]
    fn strptime_layouts() {
        assert_eq!(st("%Y-%m-%d %H:%M:%S", "2020-02-11 20:26:13"), Ok(T));
        assert_eq!(st("%Y-%m-%dT%H:%M:%S.%L%z", "2020-02-11T20:26:13.250+0000"), Ok(T + 250_000_000));
        assert_eq!(st("%d/%b/%Y:%H:%M:%S %z", "11/Feb/2020:20:26:13 +0000"), Ok(T));
        assert_eq!(st("%a %b %e %T %Y", "Tue Feb 11 20:26:13 2020"), Ok(T));
        assert_eq!(st("%F %T", "2020-02-11 20:26:13"), Ok(T));
        assert!(strptime_to_go("%Y-%Q").unwrap_err().contains("unsupported directive %Q"));
        assert!(strptime_to_go("%Y1").is_err());
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
        let cfg = |y: &str| -> TimeConfig {
            crate::config::de::from_node(&crate::config::yaml::parse("c", y).unwrap()).unwrap()
        };
        assert_eq!(cfg("parse_from: body.t\n").build().unwrap_err().0, "layout");
        assert_eq!(cfg("layout: '%Y'\n").build().unwrap_err().0, "parse_from");
        assert_eq!(cfg("parse_from: body.t\nlayout: x\nlayout_type: epoch\n").build().unwrap_err().0, "layout");
        assert_eq!(cfg("parse_from: body.t\nlayout: '%Y'\nlocation: Mars/Base\n").build().unwrap_err().0, "location");
        assert!(cfg("parse_from: body.t\nlayout: '%Y-%m-%dT%H:%M:%SZ'\n").build().is_ok());
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
