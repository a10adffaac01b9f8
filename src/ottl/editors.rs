//! Editors: the functions of `pkg/ottl/ottlfuncs` that change telemetry
//! (lowercase names): `set`, `delete_key`, `delete_matching_keys`, `keep_keys`,
//! `keep_matching_keys`, `merge_maps`, `replace_pattern`, `replace_all_patterns`,
//! `replace_match`, `replace_all_matches`, `limit`, `truncate_all`, `flatten`,
//! `append`.

use std::borrow::Cow;

use globset::{GlobBuilder, GlobMatcher};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use regex::Regex;

use super::compile::{opt, req, Args, Expr, ListArg};
use super::converters::format::sprintf;
use super::converters::strings::regex_arg;
use super::converters::StringFn;
use super::eval::{eval, eval_list};
use super::lexer::PosError;
use super::paths::{self, resolve_keys, Ctx, Path};
use super::regex::{expand, replace_all};
use super::value::{map_put, EvalResult, Value};

/// An editor ready to run.
pub trait Editor: Send + Sync {
    fn exec(&self, ctx: &mut Ctx<'_>) -> EvalResult<()>;
}

pub type Spec = super::compile::Spec<dyn Editor>;

static SPECS: &[Spec] = &[
    Spec { name: "set", params: &[req("target"), req("value")], build: set },
    Spec { name: "delete_key", params: &[req("target"), req("key")], build: delete_key },
    Spec { name: "delete_matching_keys", params: &[req("target"), req("pattern")], build: |a| matching_keys(a, false) },
    Spec { name: "keep_keys", params: &[req("target"), req("keys")], build: keep_keys },
    Spec { name: "keep_matching_keys", params: &[req("target"), req("pattern")], build: |a| matching_keys(a, true) },
    Spec { name: "merge_maps", params: &[req("target"), req("source"), req("strategy")], build: merge_maps },
    Spec {
        name: "replace_pattern",
        params: &[req("target"), req("regex"), req("replacement"), opt("function"), opt("replacement_format")],
        build: replace_pattern,
    },
    Spec {
        name: "replace_all_patterns",
        params: &[
            req("target"),
            req("mode"),
            req("regex"),
            req("replacement"),
            opt("function"),
            opt("replacement_format"),
        ],
        build: replace_all_patterns,
    },
    Spec {
        name: "replace_match",
        params: &[req("target"), req("pattern"), req("replacement"), opt("function"), opt("replacement_format")],
        build: |a| replace_match(a, false),
    },
    Spec {
        name: "replace_all_matches",
        params: &[req("target"), req("pattern"), req("replacement"), opt("function"), opt("replacement_format")],
        build: |a| replace_match(a, true),
    },
    Spec { name: "limit", params: &[req("target"), req("limit"), req("priority_keys")], build: limit },
    Spec {
        name: "truncate_all",
        params: &[req("target"), req("limit"), opt("utf8_safe"), opt("truncation_marker")],
        build: truncate_all,
    },
    Spec {
        name: "flatten",
        params: &[req("target"), opt("prefix"), opt("depth"), opt("resolve_conflicts")],
        build: flatten,
    },
    Spec { name: "append", params: &[req("target"), opt("value"), opt("values")], build: append },
];

pub fn lookup(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == name)
}

pub fn names() -> Vec<&'static str> {
    SPECS.iter().map(|s| s.name).collect()
}

/// An editor made of a closure.
struct FnEditor<F>(F);

impl<F: Fn(&mut Ctx<'_>) -> EvalResult<()> + Send + Sync> Editor for FnEditor<F> {
    fn exec(&self, ctx: &mut Ctx<'_>) -> EvalResult<()> {
        (self.0)(ctx)
    }
}

fn editor<F: Fn(&mut Ctx<'_>) -> EvalResult<()> + Send + Sync + 'static>(f: F) -> Box<dyn Editor> {
    Box::new(FnEditor(f))
}

/// Run `f` on the map `path` names, in place.
fn with_map<R>(path: &Path, ctx: &mut Ctx<'_>, f: impl FnOnce(&mut Vec<KeyValue>) -> R) -> EvalResult<R> {
    let keys = resolve_keys(&path.keys, ctx)?;
    Ok(f(paths::map_mut(path, &keys, ctx)?))
}

/// Write `v` to `path`.
fn write(path: &Path, ctx: &mut Ctx<'_>, v: Value) -> EvalResult<()> {
    let keys = resolve_keys(&path.keys, ctx)?;
    paths::set(path, &keys, ctx, v)
}

/// `set(target, value)`: a nil value changes nothing.
fn set(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let value = a.getter(1)?;
    Ok(editor(move |ctx| {
        let v = eval(&value, ctx)?.into_owned();
        if v.is_nil() {
            return Ok(());
        }
        write(&target, ctx, v)
    }))
}

fn delete_key(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let key = a.getter(1)?;
    Ok(editor(move |ctx| {
        let k = eval(&key, ctx)?.into_str()?.into_owned();
        with_map(&target, ctx, |m| {
            if let Some(i) = m.iter().position(|kv| kv.key == k) {
                m.remove(i);
            }
        })
    }))
}

/// `delete_matching_keys` (`keep` false) and `keep_matching_keys` (`keep` true).
fn matching_keys(a: &mut Args, keep: bool) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let re = regex_arg(a, 1)?;
    Ok(editor(move |ctx| with_map(&target, ctx, |m| m.retain(|kv| re.is_match(&kv.key) == keep))))
}

fn keep_keys(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let keys = a.str_list_lit(1)?;
    Ok(editor(move |ctx| with_map(&target, ctx, |m| m.retain(|kv| keys.contains(&kv.key)))))
}

#[derive(Clone, Copy, PartialEq)]
enum Strategy {
    Insert,
    Update,
    Upsert,
}

/// `merge_maps(target, source, "insert" | "update" | "upsert")`.
fn merge_maps(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let source = a.getter(1)?;
    let at = a.at_of(2);
    let strategy = match a.str_lit(2)?.as_str() {
        "insert" => Strategy::Insert,
        "update" => Strategy::Update,
        "upsert" => Strategy::Upsert,
        other => {
            return Err(
                a.err(at, format!("invalid value for strategy, {other}, must be 'insert', 'update' or 'upsert'"))
            )
        }
    };
    Ok(editor(move |ctx| {
        let src = eval(&source, ctx)?.into_map()?.into_owned();
        with_map(&target, ctx, |m| {
            for kv in src {
                let exists = m.iter().any(|t| t.key == kv.key);
                let put = match strategy {
                    Strategy::Insert => !exists,
                    Strategy::Update => exists,
                    Strategy::Upsert => true,
                };
                if put {
                    map_put(m, &kv.key, kv.value.unwrap_or(AnyValue { value: None }));
                }
            }
        })
    }))
}

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
fn replace_pattern(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
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
fn replace_all_patterns(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
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
fn glob_arg(a: &mut Args, i: usize) -> Result<GlobMatcher, PosError> {
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
fn replace_match(a: &mut Args, all: bool) -> Result<Box<dyn Editor>, PosError> {
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

/// `limit(target, limit, priority_keys)`: keep the priority keys and then the
/// first entries, up to `limit`.
fn limit(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let at = a.at_of(1);
    let n = a.int_lit(1)?;
    if n < 0 {
        return Err(a.err(at, format!("invalid limit for limit function, {n} cannot be negative")));
    }
    let mut keep = a.str_list_lit(2)?;
    keep.dedup();
    if keep.len() as i64 > n {
        return Err(a.err(
            at,
            format!(
                "invalid limit for limit function, {n} cannot be less than the number of priority keys ({})",
                keep.len()
            ),
        ));
    }
    let n = n as usize;
    Ok(editor(move |ctx| {
        with_map(&target, ctx, |m| {
            if m.len() <= n {
                return;
            }
            let mut count = m.iter().filter(|kv| keep.contains(&kv.key)).count();
            m.retain(|kv| {
                if keep.contains(&kv.key) {
                    return true;
                }
                count += 1;
                count <= n
            });
        })
    }))
}

/// `truncate_all(target, limit, utf8_safe = true, truncation_marker = "")`:
/// string values cut to `limit` bytes, the marker included.
fn truncate_all(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let at = a.at_of(1);
    let n = a.int_lit(1)?;
    if n < 0 {
        return Err(a.err(at, format!("invalid limit for truncate_all function, {n} cannot be negative")));
    }
    let utf8_safe = a.opt_bool_lit(2)?.unwrap_or(true);
    let marker = a.opt_str_lit(3)?.unwrap_or_default();
    if marker.len() as i64 > n {
        return Err(a.err(at, format!("truncation_marker length ({}) cannot exceed the limit ({n})", marker.len())));
    }
    let n = n as usize;
    Ok(editor(move |ctx| {
        with_map(&target, ctx, |m| {
            for kv in m.iter_mut() {
                if let Some(AnyValue { value: Some(Av::StringValue(s)) }) = &mut kv.value {
                    if s.len() > n {
                        let mut cut = n - marker.len();
                        if utf8_safe {
                            while !s.is_char_boundary(cut) {
                                cut -= 1;
                            }
                            s.truncate(cut);
                        } else {
                            let mut bytes = std::mem::take(s).into_bytes();
                            bytes.truncate(cut);
                            *s = String::from_utf8_lossy(&bytes).into_owned();
                        }
                        s.push_str(&marker);
                    }
                }
            }
        })
    }))
}

/// `flatten(target, prefix?, depth?, resolve_conflicts?)`: nested maps and
/// slices moved to the top with dotted keys (`a.b`, `list.0`).
fn flatten(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let prefix = a.opt_str_lit(1)?.unwrap_or_default();
    let at = a.at_of(2);
    let depth = a.opt_int_lit(2)?.unwrap_or(i64::MAX);
    if depth < 0 {
        return Err(a.err(at, format!("invalid depth for flatten function, {depth} cannot be negative")));
    }
    let conflicts = a.opt_bool_lit(3)?.unwrap_or(false);
    Ok(editor(move |ctx| {
        with_map(&target, ctx, |m| {
            let mut out = Vec::with_capacity(m.len());
            let mut seen = std::collections::HashMap::new();
            flatten_into(std::mem::take(m), &mut out, &prefix, 0, depth, conflicts, &mut seen);
            *m = out;
        })
    }))
}

fn flatten_into(
    m: Vec<KeyValue>,
    out: &mut Vec<KeyValue>,
    prefix: &str,
    level: i64,
    depth: i64,
    conflicts: bool,
    seen: &mut std::collections::HashMap<String, usize>,
) {
    let dot = if prefix.is_empty() { String::new() } else { format!("{prefix}.") };
    for kv in m {
        let key = format!("{dot}{}", kv.key);
        let value = kv.value.unwrap_or(AnyValue { value: None });
        match value.value {
            Some(Av::KvlistValue(inner)) if level < depth => {
                flatten_into(inner.values, out, &key, level + 1, depth, conflicts, seen)
            }
            Some(Av::ArrayValue(items)) if level < depth => {
                for (i, item) in items.values.into_iter().enumerate() {
                    if conflicts {
                        put_resolving(out, seen, &key, item);
                    } else {
                        map_put(out, &format!("{key}.{i}"), item);
                    }
                }
            }
            inner => {
                let v = AnyValue { value: inner };
                if conflicts {
                    put_resolving(out, seen, &key, v);
                } else {
                    map_put(out, &key, v);
                }
            }
        }
    }
}

/// A key already used gets `.0`, `.1`, ... appended (the first repeat `.0`).
fn put_resolving(out: &mut Vec<KeyValue>, seen: &mut std::collections::HashMap<String, usize>, key: &str, v: AnyValue) {
    match seen.get_mut(key) {
        Some(n) => {
            let k = format!("{key}.{n}");
            *n += 1;
            map_put(out, &k, v);
        }
        None => {
            seen.insert(key.to_string(), 0);
            map_put(out, key, v);
        }
    }
}

/// `append(target, value?, values?)`: the target as a slice (a single value
/// becomes its first element, nil an empty slice) with the values added.
fn append(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    if !a.given(1) && !a.given(2) {
        return Err(a.err(a.at, "at least one of the optional arguments ('value' or 'values') must be provided"));
    }
    let target = a.path(0)?;
    let value = a.opt_getter(1)?;
    let values: Option<ListArg> = if a.given(2) { Some(a.list(2)?) } else { None };
    Ok(editor(move |ctx| {
        let mut items: Vec<AnyValue> = match paths::get(&target, ctx)? {
            Value::Nil => Vec::new(),
            Value::List(l) => l.into_owned(),
            v => vec![v.into_owned().into_any_or_empty()],
        };
        if let Some(v) = &value {
            let v = eval(v, ctx)?;
            if !v.is_nil() {
                items.push(v.into_owned().into_any_or_empty());
            }
        }
        if let Some(vs) = &values {
            for v in eval_list(vs, ctx)? {
                if !v.is_nil() {
                    items.push(v.into_owned().into_any_or_empty());
                }
            }
        }
        write(&target, ctx, Value::List(Cow::Owned(items)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_editor_has_a_distinct_name() {
        let mut names = names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SPECS.len());
    }
}
