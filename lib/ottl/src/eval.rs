//! Evaluating compiled expressions and conditions against a [`Ctx`].

use std::borrow::Cow;

use super::ast::MathOp;
use super::compile::{Cond, ConverterCall, Expr, ListArg};
use super::paths::{self, resolve_key, Ctx};
use super::value::{compare, EvalError, EvalResult, Time, Value};

/// The value of an expression. Literals and record data are borrowed, not copied.
pub fn eval<'c>(e: &'c Expr, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    match e {
        Expr::Lit(v) => Ok(borrow(v)),
        Expr::Path(p) => paths::get(p, ctx),
        Expr::Call(c) => call(c, ctx),
        Expr::Local(slot, keys) => {
            let mut v = crate::lambda::local(*slot)?;
            for key in keys {
                v = paths::index(v, &resolve_key(key, ctx)?, true)?;
            }
            Ok(v)
        }
        Expr::Math(l, op, r) => math(eval(l, ctx)?, *op, eval(r, ctx)?),
        Expr::List(items) => {
            let values = items.iter().map(|i| Ok(eval(i, ctx)?.into_owned().into_any_or_empty()));
            Ok(Value::List(Cow::Owned(values.collect::<EvalResult<_>>()?)))
        }
        Expr::Map(items) => {
            let mut kvs = Vec::with_capacity(items.len());
            for (k, v) in items {
                let v = eval(v, ctx)?.into_owned().into_any_or_empty();
                super::value::map_put(&mut kvs, k, v);
            }
            Ok(Value::Map(Cow::Owned(kvs)))
        }
    }
}

/// A literal, borrowed.
fn borrow<'c>(v: &'c Value<'static>) -> Value<'c> {
    match v {
        Value::Str(s) => Value::Str(Cow::Borrowed(s)),
        Value::Bytes(b) => Value::Bytes(Cow::Borrowed(b)),
        Value::Map(m) => Value::Map(Cow::Borrowed(m)),
        Value::List(l) => Value::List(Cow::Borrowed(l)),
        v => v.clone(),
    }
}

fn call<'c>(c: &'c ConverterCall, ctx: &'c Ctx<'_>) -> EvalResult<Value<'c>> {
    let mut v = c.f.call(ctx)?;
    for key in &c.keys {
        let k = resolve_key(key, ctx)?;
        v = paths::index(v, &k, true)?;
    }
    Ok(v)
}

/// The items of a list argument.
pub fn eval_list<'c>(l: &'c ListArg, ctx: &'c Ctx<'_>) -> EvalResult<Vec<Value<'c>>> {
    match l {
        ListArg::Items(items) => items.iter().map(|i| eval(i, ctx)).collect(),
        ListArg::Value(e) => match eval(e, ctx)? {
            Value::List(Cow::Borrowed(items)) => Ok(items.iter().map(Value::from_any).collect()),
            Value::List(Cow::Owned(items)) => Ok(items.iter().map(|i| Value::from_any(i).into_owned()).collect()),
            v => Err(super::value::type_error("pcommon.Slice", &v)),
        },
    }
}

/// Evaluate a condition.
pub fn eval_cond(c: &Cond, ctx: &Ctx<'_>) -> EvalResult<bool> {
    Ok(match c {
        Cond::Const(b) => *b,
        Cond::Compare(l, op, r) => compare(&eval(l, ctx)?, &eval(r, ctx)?, *op),
        Cond::Not(inner) => !eval_cond(inner, ctx)?,
        Cond::And(items) => {
            for i in items {
                if !eval_cond(i, ctx)? {
                    return Ok(false);
                }
            }
            true
        }
        Cond::Or(items) => {
            for i in items {
                if eval_cond(i, ctx)? {
                    return Ok(true);
                }
            }
            false
        }
        Cond::Call(c) => match call(c, ctx)? {
            Value::Bool(b) => b,
            v => {
                return Err(EvalError::new(format!(
                    "value returned from Converter in constant expression must be bool but got {}",
                    v.type_name()
                )))
            }
        },
    })
}

/// `+ - * /` as otelcol computes them: ints with ints (Go's truncating
/// division), floats with floats, and times with durations. Mixing ints and
/// floats is an error.
pub fn math<'a>(l: Value<'a>, op: MathOp, r: Value<'a>) -> EvalResult<Value<'static>> {
    use MathOp::*;
    let bad = |l: &Value, r: &Value| {
        EvalError::new(format!(
            "unsupported math operation {} between {} and {}",
            op.as_str(),
            l.type_name(),
            r.type_name()
        ))
    };
    Ok(match (&l, &r) {
        (Value::Int(a), Value::Int(b)) => Value::Int(match op {
            Add => a.wrapping_add(*b),
            Sub => a.wrapping_sub(*b),
            Mul => a.wrapping_mul(*b),
            Div if *b == 0 => return Err(EvalError::new("attempted to divide by zero")),
            Div => a.wrapping_div(*b),
        }),
        (Value::Double(a), Value::Double(b)) => Value::Double(match op {
            Add => a + b,
            Sub => a - b,
            Mul => a * b,
            Div if *b == 0.0 => return Err(EvalError::new("attempted to divide by zero")),
            Div => a / b,
        }),
        (Value::Time(a), Value::Time(b)) if op == Sub => Value::Duration((a.unix_nanos - b.unix_nanos) as i64),
        (Value::Time(t), Value::Duration(d)) if matches!(op, Add | Sub) => {
            let d = i128::from(*d);
            Value::Time(Time {
                unix_nanos: if op == Add { t.unix_nanos + d } else { t.unix_nanos - d },
                offset: t.offset,
            })
        }
        (Value::Duration(d), Value::Time(t)) if op == Add => {
            Value::Time(Time { unix_nanos: t.unix_nanos + i128::from(*d), offset: t.offset })
        }
        (Value::Duration(a), Value::Duration(b)) if matches!(op, Add | Sub) => {
            Value::Duration(if op == Add { a.wrapping_add(*b) } else { a.wrapping_sub(*b) })
        }
        _ => return Err(bad(&l, &r)),
    })
}
