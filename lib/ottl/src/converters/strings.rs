//! String converters.

use std::borrow::Cow;

use super::{conv, Converter, Spec};
use crate::compile::{opt, req, Args, Expr};
use crate::eval::{eval, eval_list};
use crate::lexer::PosError;
use crate::paths::Ctx;
use crate::regex;
use crate::value::{EvalError, EvalResult, Value};

pub static SPECS: &[Spec] = &[
    Spec { name: "IsMatch", params: &[req("target"), req("pattern")], build: is_match },
    Spec { name: "Concat", params: &[req("vals"), req("delimiter")], build: concat },
    Spec { name: "Split", params: &[req("target"), req("delimiter")], build: split },
    Spec { name: "ToLowerCase", params: &[req("target")], build: to_lower },
    Spec { name: "ToUpperCase", params: &[req("target")], build: to_upper },
    Spec {
        name: "Substring",
        params: &[req("target"), req("start"), req("length"), opt("utf8_safe")],
        build: substring,
    },
    Spec { name: "Trim", params: &[req("target"), opt("replacement")], build: trim },
    Spec { name: "HasPrefix", params: &[req("target"), req("prefix")], build: has_prefix },
    Spec { name: "HasSuffix", params: &[req("target"), req("suffix")], build: has_suffix },
    Spec { name: "Format", params: &[req("format"), req("vals")], build: format },
];

/// A regex argument, compiled now; a pattern the engine cannot run is a config error.
pub fn regex_arg(a: &mut Args, i: usize) -> Result<::regex::Regex, PosError> {
    let at = a.at_of(i);
    let pattern = a.str_lit(i)?;
    regex::compile(&pattern).map_err(|e| a.err(at, format!("invalid regex {pattern:?}: {e}")))
}

/// `IsMatch(target, pattern)`: Go's `regexp.MatchString` on the target as a
/// string (`StringLikeGetter`); nil never matches.
struct IsMatch {
    target: Expr,
    re: ::regex::Regex,
}

impl Converter for IsMatch {
    fn call<'c>(&'c self, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
        let v = eval(&self.target, ctx)?;
        Ok(Value::Bool(match v.string_like()? {
            Some(s) => self.re.is_match(&s),
            None => false,
        }))
    }
}

fn is_match(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let re = regex_arg(a, 1)?;
    Ok(Box::new(IsMatch { target, re }))
}

/// `Concat(vals, delimiter)`: values as strings, nil as `<nil>`.
fn concat(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let vals = a.list(0)?;
    let delim = a.getter(1)?;
    Ok(conv(move |ctx| {
        let d = eval(&delim, ctx)?;
        let d = d.expect_str()?;
        let mut out = String::new();
        for (i, v) in eval_list(&vals, ctx)?.iter().enumerate() {
            if i > 0 {
                out.push_str(d);
            }
            match v.string_like()? {
                Some(s) => out.push_str(&s),
                None => out.push_str("<nil>"),
            }
        }
        Ok(Value::string(out))
    }))
}

/// Go's `strings.Split`: an empty delimiter splits into characters.
pub fn go_split<'s>(s: &'s str, sep: &str) -> Vec<&'s str> {
    if sep.is_empty() {
        return s.char_indices().map(|(i, c)| &s[i..i + c.len_utf8()]).collect();
    }
    s.split(sep).collect()
}

fn split(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let delim = a.str_lit(1)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let parts = go_split(v.expect_str()?, &delim);
        Ok(Value::List(Cow::Owned(
            parts.into_iter().map(|p| Value::string(p.to_string()).into_any_or_empty()).collect(),
        )))
    }))
}

fn string_map(a: &mut Args, f: fn(&str) -> String) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| Ok(Value::string(f(eval(&target, ctx)?.expect_str()?)))))
}

fn to_lower(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    string_map(a, str::to_lowercase)
}

fn to_upper(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    string_map(a, str::to_uppercase)
}

/// `Substring(target, start, length, utf8_safe?)`: byte offsets; with
/// `utf8_safe` they move to character boundaries.
fn substring(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let start = a.getter(1)?;
    let length = a.getter(2)?;
    let utf8_safe = a.opt_bool_lit(3)?.unwrap_or(false);
    Ok(conv(move |ctx| {
        let start = eval(&start, ctx)?.expect_int()?;
        if start < 0 {
            return Err(EvalError::new(format!("invalid start for substring function, {start} cannot be negative")));
        }
        let length = eval(&length, ctx)?.expect_int()?;
        if length <= 0 {
            return Err(EvalError::new(format!(
                "invalid length for substring function, {length} cannot be negative or zero"
            )));
        }
        let v = eval(&target, ctx)?;
        let s = v.expect_str()?;
        let (start, length) = (start as usize, length as usize);
        if start > s.len() || length > s.len() - start {
            return Err(EvalError::new(format!(
                "invalid range for substring function, start({start})+length({length}) cannot be greater than the length of target string({})",
                s.len()
            )));
        }
        if utf8_safe {
            // A start inside a character moves to the next one; an end inside
            // one moves back, so no character is split.
            let mut from = start;
            while !s.is_char_boundary(from) {
                from += 1;
            }
            let mut to = start + length;
            while !s.is_char_boundary(to) {
                to -= 1;
            }
            return Ok(Value::string(s[from..to.max(from)].to_string()));
        }
        let bytes = &s.as_bytes()[start..start + length];
        Ok(Value::string(String::from_utf8_lossy(bytes).into_owned()))
    }))
}

/// `Trim(target, replacement?)`: Go's `strings.Trim` with the characters of
/// `replacement` (a space by default).
fn trim(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let cutset = a.opt_str_lit(1)?.unwrap_or_else(|| " ".to_string());
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let s = v.expect_str()?;
        Ok(Value::string(s.trim_matches(|c| cutset.contains(c)).to_string()))
    }))
}

fn affix(a: &mut Args, f: fn(&str, &str) -> bool) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    let affix = a.getter(1)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let p = eval(&affix, ctx)?;
        Ok(Value::Bool(f(v.expect_str()?, p.expect_str()?)))
    }))
}

fn has_prefix(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    affix(a, |s, p| s.starts_with(p))
}

fn has_suffix(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    affix(a, |s, p| s.ends_with(p))
}

/// `Format(format, vals)`: Go's `fmt.Sprintf` (see [`super::format`]).
fn format(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let fmt = a.getter(0)?;
    let vals = a.list(1)?;
    Ok(conv(move |ctx| {
        let f = eval(&fmt, ctx)?;
        let args = eval_list(&vals, ctx)?;
        Ok(Value::string(super::format::sprintf(f.expect_str()?, &args)))
    }))
}
