//! `severity_parser` and the `severity:` block of parsers, with stanza's
//! presets and mapping rules (`2xx` ranges, `{min, max}`, lists).

use std::collections::HashMap;

use serde::Deserialize;

use super::super::entry::{Field, LogEntry};
use crate::anyvalue::OrderedMap;
use crate::event::{any_value::Value, AnyValue};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityConfig {
    pub parse_from: Option<Field>,
    #[serde(default)]
    pub preset: String,
    #[serde(default)]
    pub mapping: OrderedMap,
    #[serde(default)]
    pub overwrite_text: bool,
}

/// A compiled severity parser.
#[derive(Clone, Debug)]
pub struct SeverityParser {
    from: Field,
    map: HashMap<String, i32>,
    overwrite_text: bool,
}

/// stanza's severity names, by number (1..=24); 0 is `DEFAULT`.
const NAMES: [&str; 25] = [
    "DEFAULT", "TRACE", "TRACE2", "TRACE3", "TRACE4", "DEBUG", "DEBUG2", "DEBUG3", "DEBUG4", "INFO", "INFO2", "INFO3",
    "INFO4", "WARN", "WARN2", "WARN3", "WARN4", "ERROR", "ERROR2", "ERROR3", "ERROR4", "FATAL", "FATAL2", "FATAL3",
    "FATAL4",
];

pub fn severity_name(n: i32) -> String {
    NAMES.get(n as usize).map_or_else(|| n.to_string(), |s| s.to_string())
}

/// stanza's built-in mappings: `none`, `otel`/`aliases`, or the default (with `warning`, `err`...).
fn builtin(preset: &str) -> HashMap<String, i32> {
    let mut m = HashMap::new();
    if preset == "none" {
        return m;
    }
    for (n, name) in NAMES.iter().enumerate().skip(1) {
        m.insert(name.to_ascii_lowercase(), n as i32);
        m.insert(n.to_string(), n as i32);
    }
    if preset != "otel" && preset != "aliases" {
        for (i, suffix) in ["", "2", "3", "4"].iter().enumerate() {
            m.insert(format!("warning{suffix}"), 13 + i as i32);
            m.insert(format!("err{suffix}"), 17 + i as i32);
        }
    }
    m
}

fn values_of(v: &serde_json::Value) -> Result<Vec<String>, String> {
    let range = |a: i64, b: i64| (a.min(b)..=a.max(b)).map(|i| i.to_string()).collect();
    match v {
        serde_json::Value::Number(n) if n.is_i64() => Ok(vec![n.to_string()]),
        serde_json::Value::String(s) => Ok(match s.as_str() {
            "2xx" => range(200, 299),
            "3xx" => range(300, 399),
            "4xx" => range(400, 499),
            "5xx" => range(500, 599),
            _ => vec![s.to_lowercase()],
        }),
        serde_json::Value::Object(m) => {
            match (m.get("min").and_then(|x| x.as_i64()), m.get("max").and_then(|x| x.as_i64())) {
                (Some(a), Some(b)) => Ok(range(a, b)),
                _ => Err("a range needs integer min and max".into()),
            }
        }
        other => Err(format!("type {} cannot be parsed as a severity", json_kind(other))),
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "<nil>",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "float64",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "[]interface {}",
        serde_json::Value::Object(_) => "map[string]interface {}",
    }
}

impl SeverityConfig {
    pub fn build(&self) -> Result<SeverityParser, (&'static str, String)> {
        let mut map = builtin(&self.preset);
        let aliases = builtin("aliases");
        for (severity, values) in &self.mapping.0 {
            let sev = *aliases
                .get(&severity.to_lowercase())
                .ok_or(("mapping", format!("unrecognized severity {severity:?} in mapping")))?;
            let items = match values {
                serde_json::Value::Array(items) => items.clone(),
                v => vec![v.clone()],
            };
            for item in &items {
                for v in values_of(item).map_err(|e| ("mapping", e))? {
                    map.insert(v, sev);
                }
            }
        }
        let from = self.parse_from.clone().ok_or(("parse_from", "missing required field 'parse_from'".to_string()))?;
        Ok(SeverityParser { from, map, overwrite_text: self.overwrite_text })
    }
}

impl SeverityParser {
    pub fn parse(&self, e: &mut LogEntry) -> Result<(), String> {
        let v = self
            .from
            .get(e)
            .ok_or_else(|| format!("log entry does not have the expected parse_from field: {}", self.from))?;
        let (sev, text) = self.find(&v)?;
        e.severity = sev;
        e.severity_text = if self.overwrite_text && sev != 0 { severity_name(sev) } else { text };
        Ok(())
    }

    fn find(&self, v: &AnyValue) -> Result<(i32, String), String> {
        let text = match &v.value {
            Some(Value::IntValue(i)) => i.to_string(),
            Some(Value::DoubleValue(f)) => {
                if f.fract() != 0.0 {
                    return Err("type float64 cannot be a severity unless it is a whole number".into());
                }
                (*f as i64).to_string()
            }
            Some(Value::StringValue(s)) => s.clone(),
            Some(Value::BytesValue(b)) => String::from_utf8_lossy(b).into_owned(),
            _ => return Err("value cannot be a severity".into()),
        };
        Ok((self.map.get(&text.to_lowercase()).copied().unwrap_or(0), text))
    }
}

operator_config! {
    /// The `severity_parser` operator.
    pub struct SeverityParserConfig {
        parse_from: Option<Field>,
        #[serde(default)]
        preset: String,
        #[serde(default)]
        mapping: OrderedMap,
        #[serde(default)]
        overwrite_text: bool,
    }
}

impl super::OperatorConfig for SeverityParserConfig {
    fn build(self) -> super::KeyResult<super::Kind> {
        let cfg = SeverityConfig {
            parse_from: self.parse_from,
            preset: self.preset,
            mapping: self.mapping,
            overwrite_text: self.overwrite_text,
        };
        Ok(super::Kind::Severity(cfg.build()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anyvalue::{int_value, str_value};

    fn parser(yaml: &str) -> SeverityParser {
        let c: SeverityConfig = crate::config::de::from_node(&crate::config::yaml::parse("c", yaml).unwrap()).unwrap();
        c.build().unwrap()
    }

    #[test]
    fn default_preset_and_mapping() {
        let p = parser("parse_from: body\nmapping:\n  error: [oops, 5xx]\n  warn: {min: 400, max: 404}\n  info: 2xx\n");
        let sev = |v: AnyValue| p.find(&v).unwrap();
        assert_eq!(sev(str_value("WARNING")), (13, "WARNING".to_string()));
        assert_eq!(sev(str_value("err")), (17, "err".to_string()));
        assert_eq!(sev(str_value("Oops")), (17, "Oops".to_string()));
        assert_eq!(sev(int_value(503)), (17, "503".to_string()));
        assert_eq!(sev(int_value(402)), (13, "402".to_string()));
        assert_eq!(sev(str_value("200")), (9, "200".to_string()));
        assert_eq!(sev(str_value("whatever")), (0, "whatever".to_string()));
        assert_eq!(sev(int_value(9)), (9, "9".to_string()));
    }

    #[test]
    fn overwrite_text_and_bad_mapping() {
        let p = parser("parse_from: body\noverwrite_text: true\n");
        let mut e = LogEntry { body: str_value("warn"), ..Default::default() };
        p.parse(&mut e).unwrap();
        assert_eq!((e.severity, e.severity_text.as_str()), (13, "WARN"));
        let c: SeverityConfig = crate::config::de::from_node(
            &crate::config::yaml::parse("c", "parse_from: body\nmapping: {loud: x}\n").unwrap(),
        )
        .unwrap();
        assert_eq!(c.build().unwrap_err().0, "mapping");
    }
}
