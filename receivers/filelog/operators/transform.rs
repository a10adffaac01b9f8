//! `move`, `copy`, `remove` and `add`.

use serde::Deserialize;

use super::super::entry::{Field, LogEntry, Root, RootableField};
use super::super::expr::Expr;
use super::{Kind, OperatorConfig};
use crate::anyvalue::from_json_value;
use crate::event::AnyValue;

/// A compiled field operation.
pub enum Transform {
    Move { from: Field, to: Field },
    Copy { from: Field, to: Field },
    Remove(Field),
    Add { field: Field, value: AddValue },
}

/// `add`'s value: a constant, or `EXPR(...)` evaluated per entry.
pub enum AddValue {
    Const(AnyValue),
    Expr(Expr),
}

macro_rules! config {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[serde(rename = "type")]
            _type: String,
            id: Option<String>,
            output: Option<serde_json::Value>,
            on_error: Option<String>,
            #[serde(rename = "if")]
            cond: Option<Expr>,
            $($field: $ty),*
        }
    };
}

config!(MoveConfig { from: Option<Field>, to: Option<Field> });
config!(CopyConfig { from: Option<Field>, to: Option<Field> });
config!(RemoveConfig { field: Option<RootableField> });
config!(AddConfig { field: Option<Field>, value: Option<serde_json::Value> });

fn from_to(op: &str, from: Option<Field>, to: Option<Field>) -> Result<(Field, Field), (&'static str, String)> {
    let from = from.ok_or(("from", format!("{op}: missing from field")))?;
    let to = to.ok_or(("to", format!("{op}: missing to field")))?;
    Ok((from, to))
}

macro_rules! common {
    () => {
        fn common(&mut self) -> super::CommonKeys {
            (self.id.take(), self.output.take(), self.on_error.take(), self.cond.take())
        }
    };
}

impl OperatorConfig for MoveConfig {
    common!();
    fn build(self) -> super::KeyResult<Kind> {
        let (from, to) = from_to("move", self.from, self.to)?;
        Ok(Kind::Transform(Transform::Move { from, to }))
    }
}

impl OperatorConfig for CopyConfig {
    common!();
    fn build(self) -> super::KeyResult<Kind> {
        let (from, to) = from_to("copy", self.from, self.to)?;
        Ok(Kind::Transform(Transform::Copy { from, to }))
    }
}

impl OperatorConfig for RemoveConfig {
    common!();
    fn build(self) -> super::KeyResult<Kind> {
        let field = self.field.ok_or(("field", "remove: missing field".to_string()))?;
        Ok(Kind::Transform(Transform::Remove(field.0)))
    }
}

impl OperatorConfig for AddConfig {
    common!();
    fn build(self) -> super::KeyResult<Kind> {
        let field = self.field.ok_or(("field", "add: missing field".to_string()))?;
        let value = match self.value {
            None => return Err(("value", "add: missing required field 'value'".into())),
            Some(serde_json::Value::String(s)) if s.starts_with("EXPR(") && s.ends_with(')') => {
                AddValue::Expr(Expr::parse(&s[5..s.len() - 1]).map_err(|e| ("value", e))?)
            }
            Some(v) => AddValue::Const(from_json_value(&v)),
        };
        Ok(Kind::Transform(Transform::Add { field, value }))
    }
}

impl Transform {
    pub fn apply(&self, e: &mut LogEntry) -> Result<(), String> {
        match self {
            Transform::Move { from, to } => {
                let v = from.delete(e).ok_or_else(|| format!("move: field does not exist: {from}"))?;
                to.set(e, v)
            }
            Transform::Copy { from, to } => {
                let v = from.get(e).ok_or_else(|| format!("copy: from field does not exist in the entry: {from}"))?;
                let v = v.into_owned();
                to.set(e, v)
            }
            Transform::Remove(field) => {
                if field.is_root() && field.root != Root::Body {
                    // `remove: attributes` / `resource` clears them all.
                    field.delete(e);
                    return Ok(());
                }
                field.delete(e).map(drop).ok_or_else(|| format!("remove: field does not exist: {field}"))
            }
            Transform::Add { field, value } => {
                let v = match value {
                    AddValue::Const(v) => v.clone(),
                    AddValue::Expr(x) => x.eval(e)?.into_any(),
                };
                field.set(e, v)
            }
        }
    }
}
