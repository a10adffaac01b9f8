//! The `replace_*` editors: `replace_pattern`, `replace_all_patterns` (regex),
//! `replace_match`, `replace_all_matches` (glob), with the optional converter
//! and `replacement_format` applied to the replacement.

use globset::{GlobBuilder, GlobMatcher};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::AnyValue;
use regex::Regex;

use super::super::compile::{Args, Expr};
use super::super::converters::format::sprintf;
use super::super::converters::strings::regex_arg;
use super::super::converters::StringFn;
use super::super::eval::eval;
use super::super::lexer::PosError;
use super::super::paths::{self, Ctx};
use super::super::regex::{expand, replace_all};
use super::super::value::{map_put, EvalResult, Value};
use super::{editor, with_map, write, Editor};

/// The replacement of the `replace_*` editors, with the optional converter
/// applied to it and its result put into `replacement_format`.
struct Replacement {
    value: Expr,
    function: Option<StringFn>,
    format: Option<String>,
}

impl Replacement {
    fn from_args(a: &mut Args, value: usize, function: usize, format: usize) -> Result<Replacement, PosError> {
        let value = a.getter(value)?;
        let function = a.opt_function(function)?;
        let at = a.at_of(format);
        let format = a.opt_str_lit(format)?;
        if let Some(f) = &format {
            let ok = f.contains("%s") && f.split("%s").all(|part| !part.contains('%'));
            if !ok {
                return Err(a.err(
                    at,
                    "replacementFormat must be format string containing a single %s and no other format specifiers",
                ));
            }
        }
        Ok(Replacement { value, function, format })
    }

    fn get(&self, ctx: &Ctx<'_>) -> EvalResult<String> {
        Ok(eval(&self.value, ctx)?.into_str()?.into_owned())
    }

    /// The converter and format applied to an (expanded) replacement.
    fn finish(&self, s: &str) -> String {
        match self.function {
            None => s.to_string(),
            Some(f) => {
                let out = f(s);
                match &self.format {
                    Some(fmt) => sprintf(fmt, &[Value::string(out)]),
                    None => out,
                }
            }
        }
    }

    /// `s` with every match of `re` replaced: Go's `ReplaceAllString`, or with a
    /// converter, otelcol's per-match expansion then `strings.ReplaceAll`.
    fn replace(&self, re: &Regex, s: &str, template: &str) -> String {
        if self.function.is_none() {
            return replace_all(re, s, template);
        }
        let mut updated = s.to_string();
        for caps in re.captures_iter(s) {
            let full = caps.get(0).map_or("", |m| m.as_str());
            let mut expanded = String::new();
            expand(re, template, &caps, &mut expanded);
            updated = updated.replace(full, &self.finish(&expanded));
        }
        updated
    }
}

/// `replace_pattern(target, regex, replacement, function?, replacement_format?)`.
pub(super) fn replace_pattern(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let re = regex_arg(a, 1)?;
    let repl = Replacement::from_args(a, 2, 3, 4)?;
    Ok(editor(move |ctx| {
        let template = repl.get(ctx)?;
        let updated = match paths::get(&target, ctx)? {
            Value::Str(s) if re.is_match(&s) => repl.replace(&re, &s, &template),
            _ => return Ok(()),
        };
        write(&target, ctx, Value::string(updated))
    }))
}

/// `replace_all_patterns(target, "key" | "value", regex, replacement, ...)`.
pub(super) fn replace_all_patterns(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let at = a.at_of(1);
    let keys_mode = match a.str_lit(1)?.as_str() {
        "key" => true,
        "value" => false,
        other => return Err(a.err(at, format!("invalid mode {other}, must be either 'key' or 'value'"))),
    };
    let re = regex_arg(a, 2)?;
    let repl = Replacement::from_args(a, 3, 4, 5)?;
    Ok(editor(move |ctx| {
        let template = repl.get(ctx)?;
        with_map(&target, ctx, |m| {
            if keys_mode {
                let old = std::mem::take(m);
                for kv in old {
                    let key = if re.is_match(&kv.key) { repl.replace(&re, &kv.key, &template) } else { kv.key };
                    map_put(m, &key, kv.value.unwrap_or(AnyValue { value: None }));
                }
            } else {
                for kv in m.iter_mut() {
                    if let Some(AnyValue { value: Some(Av::StringValue(s)) }) = &mut kv.value {
                        if re.is_match(s) {
                            *s = repl.replace(&re, s, &template);
                        }
                    }
                }
            }
        })
    }))
}

/// otelcol's glob (gobwas/glob without separators): `*` matches anything,
/// `?` one character, `[...]`, `[!...]` and `{a,b}` as usual.
pub(super) fn glob_arg(a: &mut Args, i: usize) -> Result<GlobMatcher, PosError> {
    let at = a.at_of(i);
    let pattern = a.str_lit(i)?;
    GlobBuilder::new(&pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| a.err(at, format!("invalid glob pattern {pattern:?}: {e}")))
}

/// `replace_match(target, glob, replacement, ...)` on one value, and
/// `replace_all_matches(map, glob, replacement, ...)` on every string of a map.
pub(super) fn replace_match(a: &mut Args, all: bool) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let glob = glob_arg(a, 1)?;
    let repl = Replacement::from_args(a, 2, 3, 4)?;
    if all {
        return Ok(editor(move |ctx| {
            let r = repl.finish(&repl.get(ctx)?);
            with_map(&target, ctx, |m| {
                for kv in m.iter_mut() {
                    if let Some(AnyValue { value: Some(Av::StringValue(s)) }) = &mut kv.value {
                        if glob.is_match(s.as_str()) {
                            s.clone_from(&r);
                        }
                    }
                }
            })
        }));
    }
    Ok(editor(move |ctx| {
        let r = repl.finish(&repl.get(ctx)?);
        match paths::get(&target, ctx)? {
            Value::Str(s) if glob.is_match(s.as_ref()) => {}
            _ => return Ok(()),
        }
        write(&target, ctx, Value::string(r))
    }))
}
