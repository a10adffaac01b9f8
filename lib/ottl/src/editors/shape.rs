//! Editors that reshape a value: `limit`, `truncate_all`, `flatten`, `append`.

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

use super::super::compile::{Args, ListArg};
use super::super::eval::{eval, eval_list};
use super::super::lexer::PosError;
use super::super::paths;
use super::super::value::{map_put, EvalError, Value};
use super::{editor, with_map, write, Editor};

/// `limit(target, limit, priority_keys)`: keep the priority keys and then the
/// first entries, up to `limit`.
pub(super) fn limit(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
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
pub(super) fn truncate_all(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
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
pub(super) fn flatten(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
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

pub(super) fn flatten_into(
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
        flatten_value(key, kv.value.unwrap_or(AnyValue { value: None }), out, level, depth, conflicts, seen);
    }
}

/// One value at `key`: maps and slices below `depth` are flattened (slice
/// items, maps among them too, under `key.<index>`; with `conflicts`, under
/// `key` itself, numbered as repeats), anything else is put as it is.
fn flatten_value(
    key: String,
    value: AnyValue,
    out: &mut Vec<KeyValue>,
    level: i64,
    depth: i64,
    conflicts: bool,
    seen: &mut std::collections::HashMap<String, usize>,
) {
    match value.value {
        Some(Av::KvlistValue(inner)) if level < depth => {
            flatten_into(inner.values, out, &key, level + 1, depth, conflicts, seen)
        }
        Some(Av::ArrayValue(items)) if level < depth => {
            for (i, item) in items.values.into_iter().enumerate() {
                let k = if conflicts { key.clone() } else { format!("{key}.{i}") };
                flatten_value(k, item, out, level + 1, depth, conflicts, seen);
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

/// A key already used gets `.0`, `.1`, ... appended (the first repeat `.0`).
pub(super) fn put_resolving(
    out: &mut Vec<KeyValue>,
    seen: &mut std::collections::HashMap<String, usize>,
    key: &str,
    v: AnyValue,
) {
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

/// `delete_index(target, startIndex, endIndex?)`: removes `[start, end)` from
/// a slice (only `start` without `end`).
pub(super) fn delete_index(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
    let target = a.path(0)?;
    let start = a.getter(1)?;
    let end = a.opt_getter(2)?;
    Ok(editor(move |ctx| {
        let s = eval(&start, ctx)?.expect_int()?;
        let e = match &end {
            Some(e) => eval(e, ctx)?.expect_int()?,
            None => s.saturating_add(1),
        };
        let mut items: Vec<AnyValue> = match paths::get(&target, ctx)? {
            Value::List(l) => l.into_owned(),
            v => return Err(crate::value::type_error("pcommon.Slice", &v)),
        };
        let len = items.len() as i64;
        if s < 0 || s >= len {
            return Err(EvalError::new(format!("startIndex {s} out of bounds for slice of length {len}")));
        }
        if e < s || e > len {
            return Err(EvalError::new(format!(
                "endIndex {e} out of bounds for slice of length {len} and startIndex {s}"
            )));
        }
        items.drain(s as usize..e as usize);
        let keys = paths::resolve_keys(&target.keys, ctx)?;
        paths::set(&target, &keys, ctx, Value::List(Cow::Owned(items)))
    }))
}

/// `append(target, value?, values?)`: the target as a slice (a single value
/// becomes its first element, nil an empty slice) with the values added.
pub(super) fn append(a: &mut Args) -> Result<Box<dyn Editor>, PosError> {
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
