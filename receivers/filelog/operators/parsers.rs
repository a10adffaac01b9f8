//! `json_parser` and `regex_parser`: parse a field into a map, set it at
//! `parse_to`, then run the embedded `timestamp:` and `severity:` parsers.

use std::borrow::Cow;

use regex::Regex;

use super::super::entry::{Field, LogEntry, RootableField};
use super::severity::{SeverityConfig, SeverityParser};
use super::time::{TimeConfig, TimeParser};
use super::{go_type, KeyResult, Kind, OperatorConfig};
use crate::anyvalue::{map_value, parse_json_object, str_value, Numbers};
use crate::event::{any_value::Value, AnyValue, KeyValue};

fn body() -> Field {
    Field::body()
}

fn attributes() -> RootableField {
    RootableField(Field::attributes())
}

/// A parser's config: the common keys, the keys every parser takes
/// (`parse_from`, `parse_to`, the embedded `timestamp:` and `severity:`), then its own.
macro_rules! parser_config {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        operator_config! {
            $(#[$meta])*
            pub struct $name {
                #[serde(default = "body")]
                parse_from: Field,
                #[serde(default = "attributes")]
                parse_to: RootableField,
                timestamp: Option<TimeConfig>,
                severity: Option<SeverityConfig>,
                $($(#[$fmeta])* $field: $ty,)*
            }
        }
    };
}

parser_config! {
    pub struct JsonParserConfig {
        /// JSON integers become Int (otherwise every number is a Double).
        #[serde(default)]
        parse_ints: bool,
    }
}

parser_config! {
    pub struct RegexParserConfig {
        regex: Option<String>,
        /// Accepted for compatibility; results are not cached.
        cache: Option<serde_json::Value>,
    }
}

/// A compiled parser.
pub struct Parser {
    from: Field,
    to: Field,
    time: Option<TimeParser>,
    severity: Option<SeverityParser>,
    how: How,
}

enum How {
    Json(Numbers),
    Regex(Regex),
}

fn embedded(
    time: Option<TimeConfig>,
    severity: Option<SeverityConfig>,
) -> KeyResult<(Option<TimeParser>, Option<SeverityParser>)> {
    let t = time.map(|t| t.build().map_err(|(_, m)| ("timestamp", m))).transpose()?;
    let s = severity.map(|s| s.build().map_err(|(_, m)| ("severity", m))).transpose()?;
    Ok((t, s))
}

impl OperatorConfig for JsonParserConfig {
    fn build(self) -> super::KeyResult<Kind> {
        let (time, severity) = embedded(self.timestamp, self.severity)?;
        let numbers = if self.parse_ints { Numbers::IntsAndDoubles } else { Numbers::Doubles };
        Ok(Kind::Parser(Parser { from: self.parse_from, to: self.parse_to.0, time, severity, how: How::Json(numbers) }))
    }
}

impl OperatorConfig for RegexParserConfig {
    fn build(self) -> super::KeyResult<Kind> {
        let _ = self.cache;
        let pattern = self.regex.ok_or(("regex", "missing required field 'regex'".to_string()))?;
        let re = Regex::new(&pattern).map_err(|e| ("regex", format!("invalid regex: {e}")))?;
        if !re.capture_names().flatten().any(|_| true) {
            return Err(("regex", "no named capture groups in regex pattern".into()));
        }
        let (time, severity) = embedded(self.timestamp, self.severity)?;
        Ok(Kind::Parser(Parser { from: self.parse_from, to: self.parse_to.0, time, severity, how: How::Regex(re) }))
    }
}

fn text_of(v: &AnyValue) -> Option<Cow<'_, str>> {
    match &v.value {
        Some(Value::StringValue(s)) => Some(Cow::Borrowed(s)),
        Some(Value::BytesValue(b)) => Some(String::from_utf8_lossy(b)),
        _ => None,
    }
}

impl Parser {
    pub fn process(&self, e: &mut LogEntry) -> Result<(), String> {
        let parsed = {
            let v = self
                .from
                .get(e)
                .ok_or_else(|| format!("entry is missing the expected parse_from field: {}", self.from))?;
            self.parse(&v)?
        };
        self.to.set(e, parsed).map_err(|err| format!("set parse_to: {err}"))?;
        // Both run before either error is reported, as in stanza.
        let t = self.time.as_ref().map(|t| t.parse(e)).transpose();
        let s = self.severity.as_ref().map(|s| s.parse(e)).transpose();
        t.map_err(|err| format!("time parser: {err}"))?;
        s.map_err(|err| format!("severity parser: {err}"))?;
        Ok(())
    }

    fn parse(&self, v: &AnyValue) -> Result<AnyValue, String> {
        match &self.how {
            How::Json(numbers) => {
                let text = text_of(v).ok_or_else(|| format!("type {} cannot be parsed as JSON", go_type(v)))?;
                parse_json_object(&text, *numbers).map(map_value)
            }
            How::Regex(re) => {
                let text = text_of(v).ok_or_else(|| format!("type '{}' cannot be parsed as regex", go_type(v)))?;
                let caps = re.captures(&text).ok_or("regex pattern does not match")?;
                let values = re
                    .capture_names()
                    .enumerate()
                    .filter_map(|(i, name)| {
                        let name = name?;
                        let value = caps.get(i).map_or("", |m| m.as_str());
                        Some(KeyValue { key: name.to_string(), value: Some(str_value(value)), ..Default::default() })
                    })
                    .collect();
                Ok(map_value(values))
            }
        }
    }
}
