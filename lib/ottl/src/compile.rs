//! From parsed statements to executable ones: paths resolved to fields,
//! functions looked up and their arguments bound and checked, enums replaced by
//! their values, regular expressions compiled. All of it once, at load time.

use std::fmt;

use super::ast::{self, CmpOp, MathOp};
use super::converters::{self, Converter};
use super::editors::Editor;
use super::functions::Functions;
use super::lexer::PosError;
use super::paths::{self, ContextKind, Key, Path};
use super::value::Value;

/// A compiled value expression.
#[derive(Debug)]
pub enum Expr {
    Lit(Value<'static>),
    Path(Box<Path>),
    Call(Box<ConverterCall>),
    Math(Box<Expr>, MathOp, Box<Expr>),
    List(Vec<Expr>),
    Map(Vec<(String, Expr)>),
    /// A lambda's argument (its slot, see [`crate::lambda`]) with keys.
    Local(usize, Vec<Key>),
}

/// A converter with its bound arguments, and keys to index its result with.
pub struct ConverterCall {
    pub name: &'static str,
    pub f: Box<dyn Converter>,
    pub keys: Vec<Key>,
}

impl fmt::Debug for ConverterCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(..)", self.name)
    }
}

/// A compiled boolean expression.
#[derive(Debug)]
pub enum Cond {
    Const(bool),
    Compare(Expr, CmpOp, Expr),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Call(Box<ConverterCall>),
}

/// A function: its name, its parameters, and the builder that checks and
/// compiles a call's arguments (`T` is `dyn Converter` or `dyn Editor`).
pub struct Spec<T: ?Sized> {
    pub name: &'static str,
    pub params: &'static [Param],
    pub build: fn(&mut Args<'_>) -> Result<Box<T>, PosError>,
}

/// Signatures: the parameter names, in order. Optional ones come last.
pub struct Param {
    pub name: &'static str,
    pub optional: bool,
}

pub const fn req(name: &'static str) -> Param {
    Param { name, optional: false }
}

pub const fn opt(name: &'static str) -> Param {
    Param { name, optional: true }
}

/// A function's arguments after binding names to parameters; the builders ask
/// for each in the form they need (a getter, a path, a literal) and get a
/// positioned error when it does not fit.
pub struct Args<'f> {
    pub fname: &'static str,
    pub at: usize,
    pub env: Env<'f>,
    params: &'static [Param],
    slots: Vec<Option<ast::Value>>,
}

/// What compiling needs: the context statements run in and the functions they may call.
#[derive(Clone, Copy)]
pub struct Env<'f> {
    pub cx: ContextKind,
    pub funcs: &'f Functions,
}

impl<'f> Args<'f> {
    fn new(fname: &'static str, params: &'static [Param], call: ast::Call, env: Env<'f>) -> Result<Args<'f>, PosError> {
        let mut slots: Vec<Option<ast::Value>> = params.iter().map(|_| None).collect();
        let mut seen_named = false;
        let total = call.args.len();
        for (i, arg) in call.args.into_iter().enumerate() {
            let idx = match &arg.name {
                None => {
                    if seen_named {
                        return Err(PosError::new(
                            arg.value.at(),
                            format!("{fname}: positional arguments must come before named ones"),
                        ));
                    }
                    if i >= params.len() {
                        return Err(PosError::new(
                            arg.value.at(),
                            format!("{fname} takes at most {} argument(s), got {total}", params.len()),
                        ));
                    }
                    i
                }
                Some((name, at)) => {
                    seen_named = true;
                    let wanted = snake_case(name);
                    let Some(idx) = params.iter().position(|p| p.name == wanted) else {
                        let names: Vec<&str> = params.iter().map(|p| p.name).collect();
                        return Err(PosError::new(
                            *at,
                            format!("{fname} has no parameter named {name:?} (parameters: {})", names.join(", ")),
                        ));
                    };
                    if slots[idx].is_some() {
                        return Err(PosError::new(*at, format!("{fname}: argument {name:?} is given twice")));
                    }
                    idx
                }
            };
            slots[idx] = Some(arg.value);
        }
        for (p, s) in params.iter().zip(&slots) {
            if !p.optional && s.is_none() {
                return Err(PosError::new(call.at, format!("{fname} needs the argument {:?}", p.name)));
            }
        }
        Ok(Args { fname, at: call.at, env, params, slots })
    }

    pub fn given(&self, i: usize) -> bool {
        self.slots[i].is_some()
    }

    pub(crate) fn param_name(&self, i: usize) -> &'static str {
        self.params[i].name
    }

    pub(crate) fn take_value(&mut self, i: usize) -> Result<ast::Value, PosError> {
        self.take(i)
    }

    fn take(&mut self, i: usize) -> Result<ast::Value, PosError> {
        self.slots[i].take().ok_or_else(|| {
            PosError::new(self.at, format!("{} needs the argument {:?}", self.fname, self.params[i].name))
        })
    }

    pub fn err(&self, at: usize, msg: impl fmt::Display) -> PosError {
        PosError::new(at, format!("{}: {msg}", self.fname))
    }

    /// Position of argument `i` (or of the call when it was not given).
    pub fn at_of(&self, i: usize) -> usize {
        self.slots[i].as_ref().map_or(self.at, ast::Value::at)
    }

    /// Any value: a `Getter`.
    pub fn getter(&mut self, i: usize) -> Result<Expr, PosError> {
        let v = self.take(i)?;
        compile_value(v, self.env)
    }

    pub fn opt_getter(&mut self, i: usize) -> Result<Option<Expr>, PosError> {
        if self.given(i) {
            self.getter(i).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A path to read and write: a `GetSetter`.
    pub fn path(&mut self, i: usize) -> Result<Path, PosError> {
        match self.take(i)? {
            ast::Value::Path(p) => compile_path(&p, self.env),
            v => Err(self.err(v.at(), format!("argument {:?} must be a path", self.params[i].name))),
        }
    }

    /// A string written in the statement, such as a regex pattern.
    pub fn str_lit(&mut self, i: usize) -> Result<String, PosError> {
        match self.take(i)? {
            ast::Value::Str(s, _) => Ok(s),
            v => Err(self.err(v.at(), format!("argument {:?} must be a string literal", self.params[i].name))),
        }
    }

    pub fn opt_str_lit(&mut self, i: usize) -> Result<Option<String>, PosError> {
        if self.given(i) {
            self.str_lit(i).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn int_lit(&mut self, i: usize) -> Result<i64, PosError> {
        match self.take(i)? {
            ast::Value::Int(n, _) => Ok(n),
            v => Err(self.err(v.at(), format!("argument {:?} must be an int literal", self.params[i].name))),
        }
    }

    pub fn opt_int_lit(&mut self, i: usize) -> Result<Option<i64>, PosError> {
        if self.given(i) {
            self.int_lit(i).map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn opt_bool_lit(&mut self, i: usize) -> Result<Option<bool>, PosError> {
        if !self.given(i) {
            return Ok(None);
        }
        match self.take(i)? {
            ast::Value::Bool(b, _) => Ok(Some(b)),
            v => Err(self.err(v.at(), format!("argument {:?} must be true or false", self.params[i].name))),
        }
    }

    /// A list of strings written in the statement: `["a", "b"]`.
    pub fn str_list_lit(&mut self, i: usize) -> Result<Vec<String>, PosError> {
        let name = self.params[i].name;
        match self.take(i)? {
            ast::Value::List(items, _) => items
                .into_iter()
                .map(|v| match v {
                    ast::Value::Str(s, _) => Ok(s),
                    v => Err(self.err(v.at(), format!("{name:?} must be a list of string literals"))),
                })
                .collect(),
            v => Err(self.err(v.at(), format!("argument {name:?} must be a list of strings such as [\"a\", \"b\"]"))),
        }
    }

    pub fn opt_str_list_lit(&mut self, i: usize) -> Result<Option<Vec<String>>, PosError> {
        if self.given(i) {
            self.str_list_lit(i).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A list of values: a list literal's items, compiled one by one, or any
    /// value that gives a slice when evaluated.
    pub fn list(&mut self, i: usize) -> Result<ListArg, PosError> {
        match self.take(i)? {
            ast::Value::List(items, _) => {
                items.into_iter().map(|v| compile_value(v, self.env)).collect::<Result<_, _>>().map(ListArg::Items)
            }
            v => compile_value(v, self.env).map(ListArg::Value),
        }
    }

    /// A converter named as a function argument (`replace_pattern(..., SHA256)`).
    pub fn opt_function(&mut self, i: usize) -> Result<Option<converters::StringFn>, PosError> {
        if !self.given(i) {
            return Ok(None);
        }
        match self.take(i)? {
            ast::Value::Enum(name, at) => converters::string_function(&name).map(Some).ok_or_else(|| {
                self.err(
                    at,
                    format!(
                        "{name} cannot be used as a function argument (use SHA256, MD5, ToLowerCase or ToUpperCase)"
                    ),
                )
            }),
            v => {
                Err(self
                    .err(v.at(), format!("argument {:?} must be a converter name such as SHA256", self.params[i].name)))
            }
        }
    }
}

/// A list argument.
#[derive(Debug)]
pub enum ListArg {
    Items(Vec<Expr>),
    Value(Expr),
}

/// `resolveConflicts` → `resolve_conflicts`: otelcol names arguments after Go
/// fields in snake case; its docs sometimes write them in camel case.
fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn compile_statement(s: ast::Statement, env: Env<'_>) -> Result<(Box<dyn Editor>, Option<Cond>), PosError> {
    let call = s.editor;
    let Some(spec) = env.funcs.editor(&call.name) else {
        return Err(PosError::new(
            call.at,
            format!("undefined function {:?} (editors: {})", call.name, env.funcs.editor_names().join(", ")),
        ));
    };
    let mut args = Args::new(spec.name, spec.params, call, env)?;
    let editor = (spec.build)(&mut args)?;
    let cond = s.condition.map(|c| compile_cond(c, env)).transpose()?;
    Ok((editor, cond))
}

pub fn compile_cond(c: ast::BoolExpr, env: Env<'_>) -> Result<Cond, PosError> {
    Ok(match c {
        ast::BoolExpr::Const(b) => Cond::Const(b),
        ast::BoolExpr::Not(inner) => Cond::Not(Box::new(compile_cond(*inner, env)?)),
        ast::BoolExpr::And(items) => {
            Cond::And(items.into_iter().map(|i| compile_cond(i, env)).collect::<Result<_, _>>()?)
        }
        ast::BoolExpr::Or(items) => {
            Cond::Or(items.into_iter().map(|i| compile_cond(i, env)).collect::<Result<_, _>>()?)
        }
        ast::BoolExpr::Compare { left, op, right } => {
            Cond::Compare(compile_value(left, env)?, op, compile_value(right, env)?)
        }
        ast::BoolExpr::Converter(call) => Cond::Call(Box::new(compile_converter(call, env)?)),
    })
}

pub fn compile_path(p: &ast::Path, env: Env<'_>) -> Result<Path, PosError> {
    let (field, keys) = paths::resolve(p, env.cx)?;
    let keys = compile_keys(keys, env)?;
    Ok(Path { field, keys, text: p.dotted() })
}

fn compile_keys(keys: &[ast::Key], env: Env<'_>) -> Result<Vec<Key>, PosError> {
    keys.iter()
        .map(|k| {
            Ok(match &k.kind {
                ast::KeyKind::Str(s) => Key::Str(s.clone()),
                ast::KeyKind::Int(i) => Key::Int(*i),
                ast::KeyKind::Expr(e) => Key::Expr(Box::new(compile_value((**e).clone(), env)?)),
            })
        })
        .collect()
}

fn compile_converter(call: ast::Call, env: Env<'_>) -> Result<ConverterCall, PosError> {
    let Some(spec) = env.funcs.converter(&call.name) else {
        return Err(PosError::new(
            call.at,
            format!("undefined function {:?} (converters: {})", call.name, env.funcs.converter_names().join(", ")),
        ));
    };
    let keys = compile_keys(&call.keys, env)?;
    let mut args = Args::new(spec.name, spec.params, ast::Call { keys: Vec::new(), ..call }, env)?;
    let f = (spec.build)(&mut args)?;
    Ok(ConverterCall { name: spec.name, f, keys })
}

pub fn compile_value(v: ast::Value, env: Env<'_>) -> Result<Expr, PosError> {
    Ok(match v {
        ast::Value::Nil(_) => Expr::Lit(Value::Nil),
        ast::Value::Bool(b, _) => Expr::Lit(Value::Bool(b)),
        ast::Value::Int(i, _) => Expr::Lit(Value::Int(i)),
        ast::Value::Float(f, _) => Expr::Lit(Value::Double(f)),
        ast::Value::Str(s, _) => Expr::Lit(Value::string(s)),
        ast::Value::Bytes(b, _) => Expr::Lit(Value::Bytes(b.into())),
        ast::Value::Enum(name, at) => match paths::enum_value(&name, env.cx) {
            Some(n) => Expr::Lit(Value::Int(n)),
            None => return Err(PosError::new(at, format!("enum symbol, {name}, not found"))),
        },
        ast::Value::Path(p) => match crate::lambda::local_slot(&p) {
            Some(slot) => Expr::Local(slot, compile_keys(&p.fields[0].keys, env)?),
            None => Expr::Path(Box::new(compile_path(&p, env)?)),
        },
        ast::Value::Lambda(l) => {
            return Err(PosError::new(
                l.at,
                "a lambda expression can only be the argument of a function that takes one",
            ))
        }
        ast::Value::Converter(call) => Expr::Call(Box::new(compile_converter(call, env)?)),
        ast::Value::Editor(call) => {
            return Err(PosError::new(
                call.at,
                format!("converter names must start with an uppercase letter but got '{}'", call.name),
            ))
        }
        ast::Value::Math { left, op, right, .. } => {
            for side in [&*left, &*right] {
                if let ast::Value::Str(..)
                | ast::Value::Bytes(..)
                | ast::Value::Bool(..)
                | ast::Value::Nil(_)
                | ast::Value::List(..)
                | ast::Value::Map(..) = side
                {
                    return Err(PosError::new(
                        side.at(),
                        format!("math expressions ({}) take numbers, paths and converters only", op.as_str()),
                    ));
                }
            }
            Expr::Math(Box::new(compile_value(*left, env)?), op, Box::new(compile_value(*right, env)?))
        }
        ast::Value::List(items, _) => {
            Expr::List(items.into_iter().map(|i| compile_value(i, env)).collect::<Result<_, _>>()?)
        }
        ast::Value::Map(items, _) => {
            Expr::Map(items.into_iter().map(|(k, v)| Ok((k, compile_value(v, env)?))).collect::<Result<_, PosError>>()?)
        }
    })
}

/// The log context's enums: `SEVERITY_NUMBER_*`.
pub fn severity_enum(name: &str) -> Option<i64> {
    match name.strip_prefix("SEVERITY_NUMBER_")? {
        "UNSPECIFIED" => Some(0),
        rest if rest.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) => severity_short_name(rest),
        _ => None,
    }
}

/// A severity's short name (`TRACE` .. `FATAL4`, uppercase) → its number, 1-24.
pub fn severity_short_name(name: &str) -> Option<i64> {
    const LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
    let (level, n) = match name.char_indices().find(|(_, c)| c.is_ascii_digit()) {
        Some((i, _)) => (&name[..i], name[i..].parse::<i64>().ok().filter(|n| (2..=4).contains(n))?),
        None => (name, 1),
    };
    let base = LEVELS.iter().position(|l| *l == level)? as i64;
    Some(base * 4 + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_enums() {
        assert_eq!(severity_enum("SEVERITY_NUMBER_UNSPECIFIED"), Some(0));
        assert_eq!(severity_enum("SEVERITY_NUMBER_TRACE"), Some(1));
        assert_eq!(severity_enum("SEVERITY_NUMBER_DEBUG"), Some(5));
        assert_eq!(severity_enum("SEVERITY_NUMBER_INFO"), Some(9));
        assert_eq!(severity_enum("SEVERITY_NUMBER_WARN"), Some(13));
        assert_eq!(severity_enum("SEVERITY_NUMBER_ERROR3"), Some(19));
        assert_eq!(severity_enum("SEVERITY_NUMBER_FATAL4"), Some(24));
        assert_eq!(severity_enum("SEVERITY_NUMBER_FATAL5"), None);
        assert_eq!(severity_enum("SEVERITY_NUMBER_FATAL1"), None);
        assert_eq!(severity_enum("SEVERITY_NUMBER_NOPE"), None);
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("resolveConflicts"), "resolve_conflicts");
        assert_eq!(snake_case("priority_keys"), "priority_keys");
    }
}
