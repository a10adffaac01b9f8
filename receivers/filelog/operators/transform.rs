//! `move`, `copy`, `remove` and `add`.

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

operator_config! {
    pub struct MoveConfig { from: Option<Field>, to: Option<Field> }
}
operator_config! {
    pub struct CopyConfig { from: Option<Field>, to: Option<Field> }
}
operator_config! {
    pub struct RemoveConfig { field: Option<RootableField> }
}
operator_config! {
    pub struct AddConfig { field: Option<Field>, value: Option<serde_json::Value> }
}

fn from_to(op: &str, from: Option<Field>, to: Option<Field>) -> Result<(Field, Field), (&'static str, String)> {
    let from = from.ok_or(("from", format!("{op}: missing from field")))?;
    let to = to.ok_or(("to", format!("{op}: missing to field")))?;
    Ok((from, to))
}

impl OperatorConfig for MoveConfig {
    fn build(self) -> super::KeyResult<Kind> {
        let (from, to) = from_to("move", self.from, self.to)?;
        Ok(Kind::Transform(Transform::Move { from, to }))
    }
}

impl OperatorConfig for CopyConfig {
    fn build(self) -> super::KeyResult<Kind> {
        let (from, to) = from_to("copy", self.from, self.to)?;
        Ok(Kind::Transform(Transform::Copy { from, to }))
    }
}

impl OperatorConfig for RemoveConfig {
    fn build(self) -> super::KeyResult<Kind> {
        let field = self.field.ok_or(("field", "remove: missing field".to_string()))?;
        Ok(Kind::Transform(Transform::Remove(field.0)))
    }
}

impl OperatorConfig for AddConfig {
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
