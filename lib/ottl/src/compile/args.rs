//! A function's signature (`Spec`, `Param`) and its call's arguments (`Args`),
//! bound to parameter names and handed to the function's builder in the form
//! it asks for.

use std::fmt;

use super::{compile_path, compile_value, Expr};
use crate::ast;
use crate::converters;
use crate::functions::Functions;
use crate::lexer::PosError;
use crate::paths::{ContextKind, Path};

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
    pub(super) fn new(
        fname: &'static str,
        params: &'static [Param],
        call: ast::Call,
        env: Env<'f>,
    ) -> Result<Args<'f>, PosError> {
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

    /// A number written in the statement (`0.5`, `10`).
    pub fn float_lit(&mut self, i: usize) -> Result<f64, PosError> {
        match self.take(i)? {
            ast::Value::Float(f, _) => Ok(f),
            ast::Value::Int(n, _) => Ok(n as f64),
            v => Err(self.err(v.at(), format!("argument {:?} must be a number", self.params[i].name))),
        }
    }

    /// `true` or `false` written in the statement.
    pub fn bool_lit(&mut self, i: usize) -> Result<bool, PosError> {
        let at = self.at_of(i);
        let name = self.params[i].name;
        self.opt_bool_lit(i)?.ok_or_else(|| self.err(at, format!("needs the argument {name:?}")))
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
pub(super) fn snake_case(s: &str) -> String {
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
