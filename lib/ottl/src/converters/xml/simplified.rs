//! `ParseSimplifiedXML(target)`: elements as keys; an element with text as
//! its text, one with child elements as a map of them; siblings sharing a tag
//! as a slice. Attributes, comments, the declaration and text beside child
//! elements are left out; empty elements are dropped, yet still make their
//! tag a slice (`<a><b>1</b><b/></a>` gives `{"a": {"b": ["1"]}}`).

use std::borrow::Cow;

use opentelemetry_proto::tonic::common::v1::any_value::Value as Av;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList};

use super::dom::{self, Node};
use crate::compile::Args;
use crate::converters::{conv, Converter};
use crate::eval::eval;
use crate::lexer::PosError;
use crate::pdata::str_value;
use crate::value::{map_put, EvalError, Value};

pub fn parse_simplified_xml(a: &mut Args) -> Result<Box<dyn Converter>, PosError> {
    let target = a.getter(0)?;
    Ok(conv(move |ctx| {
        let v = eval(&target, ctx)?;
        let doc = dom::parse(v.expect_str()?).map_err(|e| EvalError::new(format!("parse xml: {e}")))?;
        Ok(Value::Map(Cow::Owned(children_map(&doc))))
    }))
}

/// An element's content: its text, a map of its children, or nothing.
fn content(children: &[Node]) -> Option<AnyValue> {
    if children.iter().any(|c| matches!(c, Node::Elem(_))) {
        return Some(AnyValue { value: Some(Av::KvlistValue(KeyValueList { values: children_map(children) })) });
    }
    let text: String = children
        .iter()
        .filter_map(|c| match c {
            Node::Text(t) | Node::CData(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    let text = text.trim();
    (!text.is_empty()).then(|| str_value(text))
}

fn children_map(children: &[Node]) -> Vec<KeyValue> {
    let elems: Vec<&dom::Elem> =
        children.iter().filter_map(|c| if let Node::Elem(e) = c { Some(e) } else { None }).collect();
    let mut out: Vec<KeyValue> = Vec::new();
    let mut done: Vec<&str> = Vec::new();
    for e in &elems {
        if done.contains(&e.name.as_str()) {
            continue;
        }
        done.push(&e.name);
        let same: Vec<&&dom::Elem> = elems.iter().filter(|o| o.name == e.name).collect();
        let values: Vec<AnyValue> = same.iter().filter_map(|o| content(&o.children)).collect();
        if same.len() > 1 {
            let list = AnyValue { value: Some(Av::ArrayValue(ArrayValue { values })) };
            map_put(&mut out, &e.name, list);
        } else if let Some(v) = values.into_iter().next() {
            map_put(&mut out, &e.name, v);
        }
    }
    out
}
