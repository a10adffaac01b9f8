//! From parsed statements to executable ones: paths resolved to fields,
//! functions looked up and their arguments bound and checked, enums replaced by
//! their values, regular expressions compiled. All of it once, at load time.

use std::fmt;

use super::ast::{self, CmpOp, MathOp};
use super::converters::Converter;
use super::editors::Editor;
use super::lexer::PosError;
use super::paths::{self, Key, Path};
use super::value::Value;

mod args;

pub use args::{opt, req, Args, Env, ListArg, Param, Spec};

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

pub fn compile_statement(s: ast::Statement, env: Env<'_>) -> Result<(Box<dyn Editor>, Option<Cond>), PosError> {
    let call = s.editor;
    let Some(spec) = env.funcs.editor_in(&call.name, env.cx) else {
        let names = env.funcs.editor_names(env.cx).join(", ");
        let only = match env.funcs.scoped_editor(&call.name) {
            Some((cx, _)) => format!(" in the {} context (only in {})", env.cx.name(), cx.name()),
            None => String::new(),
        };
        return Err(PosError::new(call.at, format!("undefined function {:?}{only} (editors: {names})", call.name)));
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
        use super::args::snake_case;
        assert_eq!(snake_case("resolveConflicts"), "resolve_conflicts");
        assert_eq!(snake_case("priority_keys"), "priority_keys");
    }
}
