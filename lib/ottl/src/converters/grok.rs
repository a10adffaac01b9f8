//! `ExtractGrokPatterns(target, pattern, namedCapturesOnly = false,
//! patternDefinitions = [])`: grok as otelcol's elastic/go-grok runs it, with
//! go-grok's complete pattern set (shipped in `data/grok-patterns.txt`, see
//! `data/README.md`). `%{SYNTAX}`, `%{SYNTAX:ID}` and `%{SYNTAX:ID:TYPE}`
//! expand to capture groups (TYPE `int`/`long`, `float`/`double`,
//! `bool`/`boolean`, `string`); the result maps capture names to the
//! non-empty captures, the last such capture winning for a repeated name.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use regex::Regex;

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args, Expr};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::pdata::str_value;
use crate::value::{map_put, EvalError, EvalResult, Value};

pub static SPECS: &[Spec] = &[Spec {
    name: "ExtractGrokPatterns",
    params: &[req("target"), req("pattern"), opt("named_captures_only"), opt("pattern_definitions")],
    build: extract_grok_patterns,
}];

static PATTERNS: &str = include_str!("../../data/grok-patterns.txt");

fn default_patterns() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&str, &str>> = OnceLock::new();
    MAP.get_or_init(|| {
        PATTERNS.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).filter_map(|l| l.split_once(' ')).collect()
    })
}

/// A compiled grok pattern: the regex, each group's capture name, type hints.
struct Grok {
    re: Regex,
    names: Vec<Option<String>>,
    hints: HashMap<String, String>,
}

/// go-grok's `%{...}` reference.
fn reference() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"%\{(\w+(?::[\w+.]+(?::\w+)?)?)\}").expect("static pattern"))
}

/// Marks a capture group's name until groups are numbered (names may repeat
/// in Go's regexp but not in the `regex` crate).
const MARK: char = '\u{1}';

fn compile(pattern: &str, named_only: bool, defs: &HashMap<String, String>) -> Result<Grok, String> {
    let mut hints = HashMap::new();
    let mut expanded = pattern.to_string();
    for _ in 0..1000 {
        let refs: Vec<String> = reference().captures_iter(&expanded).map(|c| c[0].to_string()).collect();
        if refs.is_empty() {
            break;
        }
        for whole in refs {
            let inner = &whole[2..whole.len() - 1];
            let parts: Vec<&str> = inner.split(':').collect();
            let id = parts.get(1).copied().unwrap_or(parts[0]);
            if let Some(t) = parts.get(2) {
                hints.insert(id.to_string(), t.to_string());
            }
            let known = defs
                .get(parts[0])
                .map(String::as_str)
                .or_else(|| default_patterns().get(parts[0]).copied())
                .ok_or_else(|| format!("pattern definition {:?} unknown: parsing failed", parts[0]))?;
            let replacement = if named_only && parts.len() == 1 {
                format!("({known})")
            } else {
                format!("(?P<{MARK}{id}{MARK}>{known})")
            };
            expanded = expanded.replace(&whole, &replacement);
        }
    }
    // Number the grok groups g0, g1, ... and remember their names.
    let mut names_by_marker = Vec::new();
    let mut out = String::with_capacity(expanded.len());
    let mut rest = expanded.as_str();
    while let Some(i) = rest.find(MARK) {
        let after = &rest[i + 1..];
        let end = after.find(MARK).ok_or("unbalanced capture name")?;
        out.push_str(&rest[..i]);
        out.push_str(&format!("grok{}", names_by_marker.len()));
        names_by_marker.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    let re = crate::regex::compile(&out)?;
    let names = re
        .capture_names()
        .map(|n| {
            n.map(|n| match n.strip_prefix("grok").and_then(|i| i.parse::<usize>().ok()) {
                Some(i) if i < names_by_marker.len() => names_by_marker[i].clone(),
                _ => n.replace("___", "."),
            })
        })
        .collect();
    Ok(Grok { re, names, hints })
}

impl Grok {
    fn has_named_groups(&self) -> bool {
        self.names.iter().any(Option::is_some)
    }

    fn parse(&self, text: &str) -> EvalResult<Vec<KeyValue>> {
        let mut out = Vec::new();
        let Some(caps) = self.re.captures(text) else { return Ok(out) };
        for (i, name) in self.names.iter().enumerate() {
            let (Some(name), Some(m)) = (name, caps.get(i)) else { continue };
            if m.as_str().is_empty() {
                continue;
            }
            let v = self.convert(m.as_str(), name)?;
            map_put(&mut out, name, v);
        }
        Ok(out)
    }

    /// go-grok's typed conversion of a capture (Go's strconv parsers).
    fn convert(&self, s: &str, name: &str) -> EvalResult<AnyValue> {
        let Some(hint) = self.hints.get(name) else { return Ok(str_value(s)) };
        let err = |f: &str| EvalError::new(format!("strconv.{f}: parsing {s:?}: invalid syntax"));
        let v = match hint.as_str() {
            "string" => return Ok(str_value(s)),
            "int" | "long" => Av::IntValue(s.parse().map_err(|_| err("Atoi"))?),
            "float" | "double" => Av::DoubleValue(super::types::parse_go_float(s).ok_or_else(|| err("ParseFloat"))?),
            "bool" | "boolean" => Av::BoolValue(match s {
                "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
                "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
                _ => return Err(err("ParseBool")),
            }),
            _ => return Err(EvalError::new(format!("invalid type for {name}: type not specified"))),
        };
        Ok(AnyValue { value: Some(v) })
    }
}

fn extract_grok_patterns(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let pattern_at = a.at_of(1);
    let pattern = a.getter(1)?;
    let named_only = a.opt_bool_lit(2)?.unwrap_or(false);
    let defs_at = a.at_of(3);
    let mut defs = HashMap::new();
    for (i, d) in a.opt_str_list_lit(3)?.unwrap_or_default().into_iter().enumerate() {
        let Some((name, def)) = d.split_once('=') else {
            let short = if d.len() > 20 { format!("{}...", d.chars().take(17).collect::<String>()) } else { d.clone() };
            return Err(a.err(
                defs_at,
                format!("pattern {short:?} supplied to ExtractGrokPatterns at index {i} has incorrect format, expecting PATTERNNAME=pattern definition"),
            ));
        };
        if name.contains(':') {
            return Err(a.err(defs_at, format!("pattern ID {name:?} should not contain ':'")));
        }
        defs.insert(name.to_string(), def.to_string());
    }
    let build = move |p: &str| -> Result<Grok, String> {
        let g = compile(p, named_only, &defs).map_err(|e| {
            format!("the regex pattern supplied to ExtractGrokPatterns '{p:?}' is not a valid pattern: {e}")
        })?;
        if named_only && !g.has_named_groups() {
            return Err("at least 1 named capture group must be supplied in the given regex".into());
        }
        Ok(g)
    };
    let fixed = match &pattern {
        Expr::Lit(Value::Str(p)) => Some(build(p).map_err(|e| a.err(pattern_at, e))?),
        _ => None,
    };
    Ok(conv(move |ctx| {
        let owned;
        let g = match &fixed {
            Some(g) => g,
            None => {
                let p = eval(&pattern, ctx)?;
                owned = build(p.expect_str()?).map_err(EvalError::new)?;
                &owned
            }
        };
        let v = eval(&target, ctx)?;
        Ok(Value::Map(Cow::Owned(g.parse(v.expect_str()?)?)))
    }))
}
