//! Lambda expressions (`(k, v) => body`), the arguments of the converters
//! behind otelcol's `ottl.functions.enableLambda` gate.
//!
//! A lambda's formals are local names: inside its body a path whose only
//! field is such a name (`v`, `v["key"]`, `acc`) reads the argument, not the
//! record; `_` binds nothing. Compiling gives each formal a slot; slots of
//! nested lambdas come after their enclosing lambda's, so at run time the
//! arguments live in one per-thread stack that mirrors the nesting. Nothing
//! here touches the evaluation context, so records and contexts know nothing
//! of lambdas.

use std::cell::RefCell;

use crate::ast::{self, LambdaBody};
use crate::compile::{compile_cond, compile_value, Args, Cond, Expr};
use crate::eval::{eval, eval_cond};
use crate::lexer::PosError;
use crate::paths::Ctx;
use crate::value::{EvalError, EvalResult, Value};

thread_local! {
    /// The formals in scope while compiling, innermost last.
    static SCOPE: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// The arguments of the lambdas being evaluated, by slot.
    static FRAMES: RefCell<Vec<Value<'static>>> = const { RefCell::new(Vec::new()) };
}

/// The slot of a local name used as a path (`v`, `v["k"]`), if one is in scope.
pub fn local_slot(p: &ast::Path) -> Option<usize> {
    let [field] = p.fields.as_slice() else { return None };
    if field.name == "_" {
        return None;
    }
    SCOPE.with(|s| s.borrow().iter().rposition(|n| *n == field.name))
}

/// The value of a slot (a copy: lambda arguments are small or rare).
pub fn local(slot: usize) -> EvalResult<Value<'static>> {
    FRAMES
        .with(|f| f.borrow().get(slot).cloned())
        .ok_or_else(|| EvalError::new("lambda argument used outside its lambda"))
}

/// A compiled lambda.
#[derive(Debug)]
pub struct Lambda {
    base: usize,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Value(Expr),
    Cond(Cond),
}

impl Lambda {
    /// Run the body with these arguments (one per formal).
    pub fn call(&self, ctx: &Ctx<'_>, args: Vec<Value<'static>>) -> EvalResult<Value<'static>> {
        FRAMES.with(|f| {
            let mut f = f.borrow_mut();
            f.truncate(self.base);
            f.extend(args);
        });
        let r = match &self.body {
            Body::Value(e) => eval(e, ctx).map(Value::into_owned),
            Body::Cond(c) => eval_cond(c, ctx).map(Value::Bool),
        };
        FRAMES.with(|f| f.borrow_mut().truncate(self.base));
        r
    }

    /// Run the body, which must give a bool.
    pub fn test(&self, ctx: &Ctx<'_>, args: Vec<Value<'static>>) -> EvalResult<bool> {
        match self.call(ctx, args)? {
            Value::Bool(b) => Ok(b),
            v => Err(wrong_type("bool", &v)),
        }
    }
}

/// otelcol's message when a lambda's result has the wrong type.
pub fn wrong_type(want: &str, got: &Value) -> EvalError {
    let got = if got.is_nil() { "<nil>" } else { got.type_name() };
    EvalError::new(format!("lambda expression must return a value of type {want}, got {got}"))
}

impl Args<'_> {
    /// Argument `i`, a lambda with exactly `arity` formals; `what` prefixes
    /// the arity error (`invalid predicate: `) where otelcol's does.
    pub fn lambda(&mut self, i: usize, arity: usize, what: &str) -> Result<Lambda, PosError> {
        let name = self.param_name(i);
        let l = match self.take_value(i)? {
            ast::Value::Lambda(l) => *l,
            v => {
                return Err(
                    self.err(v.at(), format!("argument {name:?} must be a lambda expression such as (k, v) => v"))
                )
            }
        };
        if l.params.len() != arity {
            return Err(self.err(
                l.at,
                format!("{what}lambda should be defined with exactly {arity} formal(s), but has {}", l.params.len()),
            ));
        }
        let base = SCOPE.with(|s| {
            let mut s = s.borrow_mut();
            let base = s.len();
            s.extend(l.params.iter().map(|(n, _)| n.clone()));
            base
        });
        let env = self.env;
        let body = match l.body {
            LambdaBody::Value(v) => compile_value(v, env).map(Body::Value),
            LambdaBody::Cond(c) => compile_cond(c, env).map(Body::Cond),
        };
        SCOPE.with(|s| s.borrow_mut().truncate(base));
        Ok(Lambda { base, body: body? })
    }

    pub fn opt_lambda(&mut self, i: usize, arity: usize, what: &str) -> Result<Option<Lambda>, PosError> {
        if self.given(i) {
            self.lambda(i, arity, what).map(Some)
        } else {
            Ok(None)
        }
    }
}
